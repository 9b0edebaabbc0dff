// verify (R15) on both dialects over a synthetic store written by the real LocalSegmentStore and RecordingRepo.
import { rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { buildSyntheticStore, CAMERAS, deleteLawfully, rng, T0, writeSegment, type SyntheticStore } from '../../test/support/integrity-store.js';
import { integritySources } from '../app/index.js';
import type { SegmentRow } from '../db/index.js';
import type { RecordingRepo } from '../recording/index.js';
import { GENESIS_HASH, IntegrityRepo, segmentLink, verifyIntegrity, type IntegritySources } from './index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(dialects)('integrity verify on %s', (dialect) => {
  let db: (TestDatabase & { dispose(): Promise<void> }) | undefined;
  let s: SyntheticStore | undefined;
  afterEach(async () => {
    s?.dispose();
    await db?.dispose();
    s = db = undefined;
  });

  async function setup(perCamera = 5): Promise<{ db: TestDatabase; s: SyntheticStore }> {
    db = await createTestDatabase(dialect);
    s = await buildSyntheticStore(db, rng(42), perCamera);
    return { db, s };
  }

  it('refuses to change or remove a checkpoint or a tombstone once written (append-only, R15)', async () => {
    const { db, s } = await setup(2);
    const rows = await s.rows();
    await deleteLawfully(s, db, rows[0]!, false);
    expect(await s.integrity.checkpoint()).toBeTypeOf('number');
    for (const table of ['integrity_checkpoints', 'segment_tombstones'] as const) {
      await expect(db.db.deleteFrom(table).execute()).rejects.toThrow(/append-only \(R15\)/);
    }
    await expect(db.db.updateTable('integrity_checkpoints').set({ at_ms: 1 } as never).execute()).rejects.toThrow(/append-only \(R15\)/);
    await expect(db.db.updateTable('segment_tombstones').set({ reason: 'forged' } as never).execute()).rejects.toThrow(/append-only \(R15\)/);
    expect((await s.integrity.verify()).ok).toBe(true);
  });

  it('links every inserted row to its stream predecessor, in the same insert', async () => {
    const { s } = await setup();
    const rows = await s.rows();
    for (const cameraId of CAMERAS) {
      let prev = GENESIS_HASH;
      for (const r of rows.filter((x) => x.camera_id === cameraId)) {
        expect(r.chain_prev).toEqual(prev);
        expect(r.chain_hash).toEqual(segmentLink(prev, r));
        prev = r.chain_hash!;
      }
    }
  });

  it('concurrent inserts on one stream still form one chain', async () => {
    const { db, s } = await setup(1);
    const cameraId = CAMERAS[0];
    const runId = await s.recordings.openRun({ streamId: `${cameraId}-main`, cameraId, startMs: T0 + 3_600_000, startCause: 'start' });
    await Promise.all(Array.from({ length: 8 }, (_, seq) =>
      writeSegment(s.store, s.recordings, { cameraId, runId, seq, startMs: T0 + 3_600_000 + seq * 60_000, data: Buffer.alloc(100, seq) })));
    const report = await s.integrity.verify();
    expect(report.ok).toBe(true);
    expect(report.counts.ok).toBe(10);
    expect(db).toBeDefined();
  });

  it('reports a clean store as ok, with checkpoints, throughput and progress', async () => {
    const { s } = await setup();
    expect(await s.integrity.checkpoint()).toBeTypeOf('number');
    expect(await s.integrity.checkpoint()).toBeNull(); // same heads: nothing new to sign
    const progress: number[] = [];
    const report = await s.integrity.verify({ onProgress: (p) => progress.push(p.filesHashed), listAll: true });
    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ ok: 10, altered: 0, missing: 0, unexpected: 0, 'deleted-lawfully': 0, unchained: 0 });
    expect(report.segments).toHaveLength(10);
    expect(report.checkpoints).toEqual({ checked: 1, problems: [] });
    expect(report.filesHashed).toBe(10);
    expect(report.bytesHashed).toBeGreaterThan(5000);
    expect(progress.at(-1)).toBe(10);
  });

  it('a segment committed while verify runs is not unexpected; a file that never gets its row is', async () => {
    const { db, s } = await setup(2);
    const sources = integritySources(s.recordings, s.store, s.audit);
    const cameraId = CAMERAS[0];
    const runId = await s.recordings.openRun({ streamId: `${cameraId}-main`, cameraId, startMs: T0 + 3_600_000, startCause: 'start' });
    // As a recorder commits (storage invariant 1): the file renamed into place, its row a little later. Here both land
    // after verify has read the rows, just as it lists the files; the row 300 ms after the file, and one never.
    const slowRows = { insertSegment: async (row: Parameters<RecordingRepo['insertSegment']>[0]) => (await sleep(300), s.recordings.insertSegment(row)) };
    const noRow = { insertSegment: async () => 0 };
    let rowLanded: Promise<number> | null = null;
    const racing: IntegritySources = {
      ...sources,
      async *segmentFiles(camera) {
        const at = T0 + 3_600_000;
        rowLanded = writeSegment(s.store, slowRows as unknown as RecordingRepo, { cameraId, runId, seq: 0, startMs: at, data: Buffer.alloc(700, 1) });
        await writeSegment(s.store, noRow as unknown as RecordingRepo, { cameraId, runId, seq: 1, startMs: at + 60_000, data: Buffer.alloc(700, 2) });
        await sleep(50); // the first file is in place, its row is not
        yield* sources.segmentFiles(camera);
      },
    };
    const report = await verifyIntegrity(racing, new IntegrityRepo(db.db), s.key);
    await rowLanded;
    expect(report.segments.filter((v) => v.status === 'unexpected').map((v) => v.file)).toEqual([`${s.relOf({ camera_id: cameraId, run_id: runId, seq: 1, start_ms: T0 + 3_660_000 } as SegmentRow)}`]);
  });

  it('limits to a camera and a time range', async () => {
    const { s } = await setup();
    const one = await s.integrity.verify({ cameraId: CAMERAS[1], listAll: true });
    expect(one.segments.every((v) => v.cameraId === CAMERAS[1])).toBe(true);
    expect(one.counts.ok).toBe(5);
    const range = await s.integrity.verify({ fromMs: T0 + 60_000, toMs: T0 + 180_000, listAll: true });
    expect(range.counts.ok).toBe(4); // minutes 1 and 2 of both cameras
  });

  it('reports tombstoned segments as deleted-lawfully, with or without their row', async () => {
    const { db, s } = await setup();
    const rows = await s.rows();
    await s.integrity.checkpoint();
    await deleteLawfully(s, db, rows[0]!, false);
    await deleteLawfully(s, db, rows[1]!, true);
    const report = await s.integrity.verify();
    expect(report.ok).toBe(true);
    expect(report.counts['deleted-lawfully']).toBe(2);
    expect(report.segments.map((v) => v.segmentId).sort()).toEqual([rows[0]!.id, rows[1]!.id].sort());
    // The same deletion without a tombstone is loss.
    rmSync(s.pathOf(rows[2]!));
    const lost = await s.integrity.verify();
    expect(lost.ok).toBe(false);
    expect(lost.segments.find((v) => v.segmentId === rows[2]!.id)?.status).toBe('missing');
  });

  it('reports a tombstone whose deletion the system log does not record as missing (R17), naming the entry', async () => {
    const { db, s } = await setup();
    const rows = await s.rows();
    const unrelated = (await s.audit.recordEvent({ actor: null, event: 'camera.updated', target: rows[2]!.camera_id, details: { fields: ['name'] }, clientAddr: null })).id;
    // A real retention entry, but of another segment: it does not cover this one.
    await deleteLawfully(s, db, rows[0]!, true);
    const other = Number((await db.db.selectFrom('segment_tombstones').select('audit_seq').executeTakeFirstOrThrow()).audit_seq);
    await deleteLawfully(s, db, rows[1]!, true, null);
    await deleteLawfully(s, db, rows[2]!, false, 9_999_999);
    await deleteLawfully(s, db, rows[3]!, true, unrelated);
    await deleteLawfully(s, db, rows[4]!, true, other);
    const report = await s.integrity.verify();
    expect(report.ok).toBe(false);
    const of = (id: number) => report.segments.find((v) => v.segmentId === id);
    expect(of(rows[0]!.id)?.status).toBe('deleted-lawfully');
    expect(of(rows[0]!.id)?.details.join()).toContain(`system log entry ${other}`);
    for (const r of rows.slice(1, 5)) expect(of(r.id)?.status, `segment ${r.id}`).toBe('missing');
    expect(of(rows[1]!.id)?.details.join()).toMatch(/names no system-log entry/);
    expect(of(rows[2]!.id)?.details.join()).toMatch(/entry 9999999, which does not exist/);
    expect(of(rows[3]!.id)?.details.join()).toMatch(new RegExp(`entry ${unrelated}, which does not record this deletion`));
    expect(of(rows[4]!.id)?.details.join()).toMatch(/does not record this deletion.*\(R17\)/);
  });

  it('reports rows from before the chain as unchained, and still checks their files', async () => {
    const { db, s } = await setup();
    const first = (await s.rows())[0]!;
    // Simulate a pre-migration row: a new stream whose first rows have no link.
    const cameraId = '0190a000-0000-7000-8000-00000000000c';
    const runId = await s.recordings.openRun({ streamId: `${cameraId}-main`, cameraId, startMs: T0, startCause: 'start' });
    const id = await writeSegment(s.store, s.recordings, { cameraId, runId, seq: 0, startMs: T0, data: Buffer.alloc(64, 1) });
    await writeSegment(s.store, s.recordings, { cameraId, runId, seq: 1, startMs: T0 + 60_000, data: Buffer.alloc(64, 2) });
    await db.db.updateTable('segments').set({ chain_prev: null, chain_hash: null } as never).where('id', '=', id).execute();
    await db.db.updateTable('segments').set({ chain_prev: GENESIS_HASH } as never).where('id', '=', id + 1).execute();
    let report = await s.integrity.verify();
    expect(report.counts.unchained).toBe(1);
    expect(report.ok).toBe(false); // the second row's link was computed over a different prev: rewrite it properly
    const second = (await s.rows()).find((r) => r.id === id + 1)!;
    await db.db.updateTable('segments').set({ chain_hash: segmentLink(GENESIS_HASH, second) } as never).where('id', '=', id + 1).execute();
    report = await s.integrity.verify();
    expect(report.ok).toBe(true);
    expect(report.counts.unchained).toBe(1);
    writeFileSync(s.pathOf((await s.rows()).find((r) => r.id === id)!), 'changed');
    writeFileSync(s.pathOf(first), 'changed');
    report = await s.integrity.verify();
    expect(report.counts.altered).toBe(2);
  });
});
