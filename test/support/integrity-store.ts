// A small synthetic segment store for the integrity chain's tests (R15): real LocalSegmentStore files and real
// RecordingRepo rows (so every row carries the link the recording path writes), random bytes instead of video.
import { generateKeyPairSync, createHash, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIntegrity } from '../../src/app/index.js';
import { AuditRegisters } from '../../src/audit/index.js';
import { sql, type OpenDatabase, type SegmentRow } from '../../src/db/index.js';
import type { IntegrityService } from '../../src/integrity/index.js';
import { RecordingRepo } from '../../src/recording/index.js';
import { type LocalSegmentStore, segmentRelPath } from '../../src/storage/index.js';
import { testStore } from './segment-keys.js';

export const CAMERAS = ['0190a000-0000-7000-8000-00000000000a', '0190a000-0000-7000-8000-00000000000b'] as const;
export const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);

/** A deterministic PRNG (mulberry32), so a failing case is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticStore {
  dir: string;
  store: LocalSegmentStore;
  recordings: RecordingRepo;
  integrity: IntegrityService;
  /** The system log the store's lawful deletions are recorded in (verify checks each tombstone against it). */
  audit: AuditRegisters;
  key: KeyObject;
  /** Every segment row written, in insertion order. */
  rows(): Promise<SegmentRow[]>;
  relOf(row: SegmentRow): string;
  pathOf(row: SegmentRow): string;
  dispose(): void;
}

export async function writeSegment(
  store: LocalSegmentStore,
  recordings: RecordingRepo,
  s: { cameraId: string; runId: number; seq: number; startMs: number; data: Buffer },
): Promise<number> {
  const w = await store.createWriter({ cameraId: s.cameraId, runId: s.runId, seq: s.seq, startMs: s.startMs });
  await w.write(s.data);
  await w.commit();
  return recordings.insertSegment({
    run_id: s.runId, stream_id: `${s.cameraId}-main`, camera_id: s.cameraId, seq: s.seq, start_ms: s.startMs, end_ms: s.startMs + 60_000,
    media_start: s.seq * 5_400_000, timescale: 90_000, size_bytes: s.data.length, init_size_bytes: 0, frames: 1500, keyframes: 30,
    codec: 'avc1.640028', width: 1280, height: 720, sha256: createHash('sha256').update(s.data).digest(),
    fragment_index: Buffer.from(createHash('sha256').update(`${s.runId}/${s.seq}`).digest()), status: 'ok', created_ms: s.startMs + 61_000,
  });
}

/**
 * `segmentsPerCamera` one-minute segments per camera (two runs each), random 512 B–4 KiB files, encrypted at rest
 * (architecture §7) unless `encrypted` is false: verify hashes the plaintext either way.
 */
export async function buildSyntheticStore(database: OpenDatabase, random: () => number, segmentsPerCamera = 5, encrypted = true): Promise<SyntheticStore> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-integrity-'));
  const store = testStore(join(dir, 'store'), database.db, encrypted);
  await store.init();
  const recordings = new RecordingRepo(database.db);
  const { privateKey: key } = generateKeyPairSync('ed25519');
  const audit = new AuditRegisters({ db: database.db, now: () => T0, signingKey: key, checkpointEveryEntries: 1000, checkpointEveryMs: 600_000 });
  const integrity = createIntegrity({ db: database.db, recordings, store, systemLog: audit, signingKey: key, checkpointEveryMs: 60_000 });
  for (const cameraId of CAMERAS) {
    const split = Math.max(1, Math.floor(segmentsPerCamera / 2));
    let runId = 0;
    for (let i = 0; i < segmentsPerCamera; i++) {
      if (i === 0 || i === split) {
        runId = await recordings.openRun({ streamId: `${cameraId}-main`, cameraId, startMs: T0 + i * 60_000, startCause: 'start' });
      }
      const data = Buffer.alloc(512 + Math.floor(random() * 3584));
      for (let b = 0; b < data.length; b++) data[b] = Math.floor(random() * 256);
      await writeSegment(store, recordings, { cameraId, runId, seq: i < split ? i : i - split, startMs: T0 + i * 60_000, data });
    }
  }
  const relOf = (r: SegmentRow) => segmentRelPath({ cameraId: r.camera_id, runId: r.run_id, seq: r.seq, startMs: r.start_ms });
  return {
    dir, store, recordings, integrity, audit, key, relOf,
    pathOf: (r) => join(store.root, relOf(r)),
    rows: () => database.db.selectFrom('segments').selectAll().orderBy('id').execute(),
    dispose: () => {
      void audit.close().catch(() => undefined); // stops its checkpoint timer; nothing of the store depends on it
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A lawful deletion as the retention executor does it (architecture §4.4), by hand: the system-log entry naming the
 * segment, the file gone, the tombstone pointing at the entry. `auditSeq` overrides the entry the tombstone names
 * (a forged tombstone names none, or one that records something else).
 */
export async function deleteLawfully(s: SyntheticStore, database: OpenDatabase, row: SegmentRow, dropRow: boolean, auditSeq?: number | null): Promise<void> {
  const { id: seq } = await s.audit.recordEvent({
    actor: null, event: 'retention.deleted', target: row.camera_id, clientAddr: null,
    details: { runId: 'by-hand', reasons: { retention_expired: 1 }, policyIds: ['default-30d'], count: 1, bytes: row.size_bytes, segmentIds: [row.id], via: 'retention' },
  });
  rmSync(s.pathOf(row));
  await s.integrity.repo.insertTombstone({
    segment_id: row.id, stream_id: row.stream_id, camera_id: row.camera_id, run_id: row.run_id, seq: row.seq, start_ms: row.start_ms,
    end_ms: row.end_ms, sha256: row.sha256, chain_prev: row.chain_prev!, chain_hash: row.chain_hash!, deleted_ms: T0 + 86_400_000 * 31,
    reason: 'retention_expired', policy: 'default-30d', audit_seq: auditSeq === undefined ? seq : auditSeq,
  });
  if (dropRow) await database.db.deleteFrom('segments').where('id', '=', row.id).execute();
}

/**
 * Drops the append-only triggers of the integrity tables, as an attacker with the database could — for tests that
 * reset the tables between cases or tamper with them on purpose (verify must catch what follows).
 */
export async function dropIntegrityAppendOnly(database: OpenDatabase): Promise<void> {
  for (const t of ['segment_tombstones', 'integrity_checkpoints']) {
    if (database.dialect === 'postgres') {
      await sql`DROP TRIGGER ${sql.raw(`${t}_append_only`)} ON ${sql.table(t)}`.execute(database.db);
    } else {
      await sql`DROP TRIGGER ${sql.raw(`${t}_no_update`)}`.execute(database.db);
      await sql`DROP TRIGGER ${sql.raw(`${t}_no_delete`)}`.execute(database.db);
    }
  }
}

/**
 * Lawful deletion by the real retention executor (R17, architecture §4.4): a default 30-day policy, the clock set so
 * that the first `perCamera` segments of each camera are past the floor; the executor marks, unlinks, tombstones and
 * removes them. Returns the ids it deleted.
 */
export async function deleteByRetention(s: SyntheticStore, database: OpenDatabase, perCamera: number): Promise<number[]> {
  const { AuditRegisters } = await import('../../src/audit/index.js');
  const { RetentionService } = await import('../../src/retention/index.js');
  const now = () => T0 + 30 * 86_400_000 + perCamera * 60_000;
  const audit = new AuditRegisters({ db: database.db, now, signingKey: s.key, checkpointEveryEntries: 1000, checkpointEveryMs: 600_000 });
  const retention = new RetentionService({
    db: database.db, now, events: audit, index: s.recordings, files: s.store, tombstones: s.integrity.repo,
    // This installation has no camera groups; its cameras are the synthetic store's.
    groups: { groups: async () => [] }, cameras: { cameraIds: async () => [...CAMERAS] },
    signingKey: s.key, minFreeBytes: 0, reserveBytes: 0,
  });
  try {
    const report = await retention.run({ trigger: 'cli' });
    return report.planned.map((p) => p.segmentId);
  } finally {
    await retention.close();
    await audit.close();
  }
}
