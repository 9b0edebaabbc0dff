// Checkpoints kept off the machine (R15): the export format, and `verify --against` catching what the index alone
// cannot — the newest segments deleted together with the checkpoints that signed them. Both dialects.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { buildSyntheticStore, dropIntegrityAppendOnly, rng, type SyntheticStore } from '../../test/support/integrity-store.js';
import { CheckpointExportError, formatExportLine, parseCheckpointExport } from './index.js';

describe('checkpoint export format', () => {
  const row = { id: 7, at_ms: 1_700_000_000_000, streams: 1, heads: Buffer.from([0, 0, 0, 0]), key_id: 'k1', signature: Buffer.alloc(64, 3) };

  it('round-trips a checkpoint through one NDJSON line, and keeps one copy of a repeated id', () => {
    const line = formatExportLine(row);
    expect(line.endsWith('\n')).toBe(true);
    const parsed = parseCheckpointExport(`${line}\n${line}`);
    expect(parsed).toEqual([{ id: 7, atMs: row.at_ms, streams: 1, keyId: 'k1', heads: 'AAAAAA==', signature: Buffer.alloc(64, 3).toString('base64') }]);
  });

  it.each([
    ['{"id":1', 1, 'not a JSON object'],
    ['[1,2]', 1, 'not a JSON object'],
    ['{"id":-1,"atMs":1,"streams":0,"keyId":"k","heads":"","signature":""}', 1, '"id" must be a non-negative integer'],
    ['\n{"id":1,"atMs":1,"streams":0,"keyId":"k","heads":"@@@@","signature":""}', 2, '"heads" must be base64'],
    ['{"id":1,"atMs":1,"streams":0,"heads":"","signature":""}', 1, '"keyId" must be a key id'],
  ])('refuses %j with its line number', (text, line, message) => {
    try {
      parseCheckpointExport(text);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CheckpointExportError);
      expect((err as CheckpointExportError).line).toBe(line);
      expect((err as Error).message).toContain(message);
    }
  });
});

describe.each(dialects)('verify --against exported checkpoints on %s', (dialect) => {
  let db: (TestDatabase & { dispose(): Promise<void> }) | undefined;
  let s: SyntheticStore | undefined;
  afterEach(async () => {
    s?.dispose();
    await db?.dispose();
    s = db = undefined;
  });

  async function exported(store: SyntheticStore) {
    expect(await store.integrity.checkpoint()).toBeTypeOf('number');
    return parseCheckpointExport((await store.integrity.checkpoints()).map(formatExportLine).join(''));
  }

  it('passes on an untouched store', async () => {
    db = await createTestDatabase(dialect);
    s = await buildSyntheticStore(db, rng(7), 3);
    const against = await exported(s);
    const report = await s.integrity.verify({ against });
    expect(report.ok).toBe(true);
    expect(report.checkpoints.problems).toEqual([]);
  });

  it('catches the newest segment deleted together with the checkpoints that signed it', async () => {
    db = await createTestDatabase(dialect);
    s = await buildSyntheticStore(db, rng(8), 3);
    const against = await exported(s);
    const newest = (await s.rows()).at(-1)!;
    // The attacker owns the database: triggers dropped, the newest row, its file and every checkpoint removed.
    await dropIntegrityAppendOnly(db);
    await db.db.deleteFrom('integrity_checkpoints').execute();
    await db.db.deleteFrom('segments').where('id', '=', newest.id).execute();
    rmSync(s.pathOf(newest));

    expect((await s.integrity.verify()).ok).toBe(true); // the index alone is consistent again
    const report = await s.integrity.verify({ against });
    expect(report.ok).toBe(false);
    const kinds = report.checkpoints.problems.map((p) => p.kind);
    expect(kinds).toContain('exported_checkpoint_missing');
    expect(kinds).toContain('head_not_on_chain');
    expect(report.segments.some((v) => v.status === 'missing' && v.segmentId === Number(newest.id))).toBe(true);
  });

  it('catches a checkpoint rewritten in the index (same id, other bytes)', async () => {
    db = await createTestDatabase(dialect);
    s = await buildSyntheticStore(db, rng(9), 2);
    const against = await exported(s);
    await dropIntegrityAppendOnly(db);
    await db.db.updateTable('integrity_checkpoints').set({ at_ms: against[0]!.atMs + 1 }).execute();
    const report = await s.integrity.verify({ against });
    expect(report.ok).toBe(false);
    expect(report.checkpoints.problems.map((p) => p.kind)).toContain('exported_checkpoint_differs');
  });
});
