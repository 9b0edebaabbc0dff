// verify() against each kind of tampering, on both dialects (R16.3). Each test first drops the append-only triggers,
// as an attacker with database access would, then changes the stored rows and expects the precise problem.
import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type Dialect, type TestDatabase } from '../../test/support/databases.js';
import { keyIdOf, rowHash, signCheckpoint } from './chain.js';
import type { AuditRegisters } from './registers.js';
import { accessInput, dropAppendOnlyTriggers, eventInput, registersOver, testKey } from './test-fixtures.js';
import type { AuditVerifyReport } from './types.js';

const kinds = (r: AuditVerifyReport, log: 'access' | 'system' = 'access') => r.logs[log].problems.map((p) => [p.kind, p.seq]);

describe.each(dialects)('audit verify on %s', (dialect: Dialect) => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  /** 10 access rows (the 5th closed by row 6 → 11 rows), 3 system rows, checkpoints at 11 and 3; triggers dropped. */
  async function tampered(): Promise<{ t: TestDatabase; audit: AuditRegisters; fresh: () => AuditRegisters }> {
    const t = await createTestDatabase(dialect);
    cleanup.push(t.dispose);
    const writer = registersOver(t.db, dialect);
    for (let i = 0; i < 10; i++) {
      const r = await writer.recordAccess(accessInput({ cameraIds: [`cam-${i}`, 'cam-x'], requestId: `r${i}` }));
      if (i === 4) await writer.recordAccessEnd(r.id, { bytes: 10, endedMs: 1_780_000_100_000 });
    }
    for (let i = 0; i < 3; i++) await writer.recordEvent(eventInput({ target: `t${i}` }));
    await writer.close();
    await dropAppendOnlyTriggers(t.db, dialect);
    // A fresh instance, as `vigil audit verify` would be: it knows only what the database and the key say.
    const fresh = () => {
      const a = registersOver(t.db, dialect);
      cleanup.push(() => a.close());
      return a;
    };
    return { t, audit: fresh(), fresh };
  }

  it('passes an untouched register', async () => {
    const { audit } = await tampered();
    const r = await audit.verify();
    expect(r).toMatchObject({ ok: true, logs: { access: { entries: 11, checkpoints: 1, problems: [] }, system: { entries: 3, checkpoints: 1, problems: [] } } });
  });

  it('finds an edited field', async () => {
    const { t, audit } = await tampered();
    await t.db.updateTable('access_register').set({ reason_text: '例行巡查' }).where('seq', '=', 3).execute();
    await t.db.updateTable('system_log').set({ details: '{}' }).where('seq', '=', 2).execute();
    const r = await audit.verify();
    expect(r.ok).toBe(false);
    expect(kinds(r)).toEqual([['hash_mismatch', 3]]);
    expect(kinds(r, 'system')).toEqual([['hash_mismatch', 2]]);
  });

  it('finds a row deleted from the middle', async () => {
    const { t, audit } = await tampered();
    await t.db.deleteFrom('access_register').where('seq', '=', 4).execute();
    await t.db.deleteFrom('access_register_cameras').where('seq', '=', 4).execute();
    expect(kinds(await audit.verify())).toEqual([['row_missing', 4]]);
  });

  it('finds rows deleted from the tail through the last checkpoint', async () => {
    const { t, audit } = await tampered();
    await t.db.deleteFrom('access_register').where('seq', '>=', 10).execute();
    await t.db.deleteFrom('access_register_cameras').where('seq', '>=', 10).execute();
    const r = await audit.verify();
    expect(kinds(r)).toEqual([['tail_deleted', 10]]);
  });

  it('finds tail rows written after the last checkpoint gone, through the head this process wrote', async () => {
    const { t, fresh } = await tampered();
    const live = fresh();
    await live.recordEvent(eventInput());
    await live.recordEvent(eventInput());
    await t.db.deleteFrom('system_log').where('seq', '>=', 4).execute();
    expect(kinds(await live.verify(), 'system')).toEqual([['tail_deleted', 4]]);
  });

  it('finds a row slipped in (later rows renumbered)', async () => {
    const { t, audit } = await tampered();
    const rows = await t.db.selectFrom('system_log').selectAll().orderBy('seq').execute();
    await t.db.deleteFrom('system_log').where('seq', '>=', 2).execute();
    const forged = { ...rows[0]!, seq: 2, details: '{"forged":true}', prev_hash: rows[0]!.hash };
    forged.hash = rowHash('system', forged);
    await t.db.insertInto('system_log').values([forged, ...rows.slice(1).map((r) => ({ ...r, seq: Number(r.seq) + 1 }))]).execute();
    const problems = kinds(await audit.verify(), 'system');
    expect(problems).toContainEqual(['row_inserted', 2]);
    expect(problems).toContainEqual(['checkpoint_mismatch', 3]);
  });

  it('finds two rows swapped', async () => {
    const { t, audit } = await tampered();
    const [a, b] = await t.db.selectFrom('access_register').selectAll().where('seq', 'in', [7, 8]).orderBy('seq').execute();
    await t.db.deleteFrom('access_register').where('seq', 'in', [7, 8]).execute();
    await t.db.insertInto('access_register').values([{ ...b!, seq: 7 }, { ...a!, seq: 8 }]).execute();
    const problems = kinds(await audit.verify());
    expect(problems).toContainEqual(['reordered', 8]);
    expect(problems).toContainEqual(['hash_mismatch', 7]);
    expect(problems).toContainEqual(['hash_mismatch', 8]);
  });

  it('finds an altered checkpoint and a forged one', async () => {
    const { t, audit } = await tampered();
    await t.db.updateTable('audit_checkpoints').set({ at_ms: 1 }).where('log', '=', 'access').execute();
    await t.db.insertInto('audit_checkpoints').values({ log: 'system', upto_seq: 3, head_hash: Buffer.alloc(32, 1), at_ms: 5, key_id: keyIdOf(testKey), signature: Buffer.alloc(64) }).execute();
    const r = await audit.verify();
    expect(kinds(r)).toEqual([['checkpoint_bad_signature', 11]]);
    expect(kinds(r, 'system')).toEqual([['checkpoint_bad_signature', 3]]);
  });

  it('finds a checkpoint signed by another key', async () => {
    const { t, audit } = await tampered();
    const other = generateKeyPairSync('ed25519').privateKey;
    const head = await t.db.selectFrom('system_log').select(['seq', 'hash']).where('seq', '=', 3).executeTakeFirstOrThrow();
    const body = { log: 'system' as const, uptoSeq: 3, headHash: head.hash, atMs: 7 };
    await t.db.insertInto('audit_checkpoints').values({ log: 'system', upto_seq: 3, head_hash: head.hash, at_ms: 7, key_id: keyIdOf(other), signature: signCheckpoint(body, other) }).execute();
    // … and one that claims our key id but was signed by the other key.
    await t.db.insertInto('audit_checkpoints').values({ log: 'system', upto_seq: 3, head_hash: head.hash, at_ms: 7, key_id: keyIdOf(testKey), signature: signCheckpoint(body, other) }).execute();
    expect(kinds(await audit.verify(), 'system')).toEqual([['checkpoint_foreign_key', 3], ['checkpoint_bad_signature', 3]]);
  });

  it('finds a camera index row that does not match camera_ids', async () => {
    const { t, audit } = await tampered();
    await t.db.deleteFrom('access_register_cameras').where('seq', '=', 2).where('camera_id', '=', 'cam-1').execute();
    await t.db.insertInto('access_register_cameras').values({ seq: 3, camera_id: 'cam-hidden', at_ms: 1_780_000_000_000 }).execute();
    await t.db.insertInto('access_register_cameras').values({ seq: 99, camera_id: 'cam-x', at_ms: 1_780_000_000_000 }).execute();
    await sql`UPDATE access_register_cameras SET at_ms = 5 WHERE seq = 9`.execute(t.db);
    expect(kinds(await audit.verify())).toEqual([['camera_index_mismatch', 2], ['camera_index_mismatch', 3], ['camera_index_mismatch', 9], ['camera_index_mismatch', 99]]);
  });
});

