// A real retention setup for tests (R17): a migrated database, a real LocalSegmentStore with real files, real
// RecordingRepo rows (chain-linked), real cameras (devices/), real access/ (groups, accounts), the real system log
// (audit/) and the integrity service — wired by app/'s createRetention, as `vigil serve` wires it. The clock is
// settable. Segment bytes are random (the executor never parses them).
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subject } from '../../src/access/index.js';
import { createIntegrity } from '../../src/app/index.js';
import { testStore } from './segment-keys.js';
import { createRetention } from '../../src/app/retention.js';
import { AuditRegisters } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { OpenDatabase, SegmentRow } from '../../src/db/index.js';
import { CameraService } from '../../src/devices/index.js';
import type { IntegrityService } from '../../src/integrity/index.js';
import { RecordingRepo } from '../../src/recording/index.js';
import type { RetentionService } from '../../src/retention/index.js';
import { LocalSegmentStore, segmentRelPath } from '../../src/storage/index.js';
import { accessUnderTest } from './fake-registers.js';
import { writeSegment } from './integrity-store.js';

export const DAY = 86_400_000;
/** "Now" of the fixture's clock. */
export const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

export interface RetentionFixture {
  dir: string;
  store: LocalSegmentStore;
  recordings: RecordingRepo;
  integrity: IntegrityService;
  audit: AuditRegisters;
  access: ReturnType<typeof accessUnderTest>['service'];
  cameras: CameraService;
  retention: RetentionService;
  key: KeyObject;
  clock: { nowMs: number };
  cameraIds: string[];
  /** Writes a one-minute segment of `cameraId` that ended `ageDays` before NOW (a new run per call). */
  segment(cameraId: string, ageDays: number, bytes?: number): Promise<number>;
  rows(): Promise<SegmentRow[]>;
  pathOf(row: { camera_id: string; run_id: number; seq: number; start_ms: number }): string;
  /** A second RetentionService over the same index and store, as another process (a `vigil retention run`) has. */
  otherProcess(): RetentionService;
  /** A real account with the given roles, as a Subject (a session). */
  account(username: string, roles: Subject['roles']): Promise<Subject>;
  events(event: string): Promise<{ id: number; event: string; target: string | null; details: Record<string, unknown>; actorId: string | null }[]>;
  dispose(): void;
}

export async function retentionFixture(database: OpenDatabase, cameraCount = 2): Promise<RetentionFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-retention-'));
  const clock = { nowMs: NOW };
  const now = () => clock.nowMs;
  // Encrypted at rest, the production default: each deletion is a crypto-shredding (docs/encryption.md).
  const store = testStore(join(dir, 'store'), database.db, true);
  await store.init();
  const recordings = new RecordingRepo(database.db);
  const { privateKey: key } = generateKeyPairSync('ed25519');
  const audit = new AuditRegisters({ db: database.db, now, signingKey: key, checkpointEveryEntries: 1000, checkpointEveryMs: 600_000 });
  const { service: access } = accessUnderTest(database.db, NOW, { events: audit, access: audit, now });
  const cameras = new CameraService({ db: database.db, credentialKey: randomBytes(32), clock: now });
  const integrity = createIntegrity({ db: database.db, recordings, store, systemLog: audit, signingKey: key, checkpointEveryMs: 600_000 });
  const config = loadConfig({ dataDir: dir });
  config.recording.minFreeBytes = 0;
  config.retention.minFreeBytes = 0;
  const executor = () => createRetention({
    db: database.db, config, recordings, store, tombstones: integrity.repo, access, cameras, events: audit, signingKey: key, now,
  });
  const retention = executor();
  const cameraIds: string[] = [];
  for (let i = 0; i < cameraCount; i++) {
    cameraIds.push((await cameras.add({ name: `cam-${i}`, url: `rtsp://192.0.2.${i + 1}/main`, enabled: true, recordSub: false })).id);
  }
  let fill = 1;
  const segment = async (cameraId: string, ageDays: number, bytes = 700) => {
    const endMs = NOW - Math.round(ageDays * DAY);
    const runId = await recordings.openRun({ streamId: `${cameraId}-main`, cameraId, startMs: endMs - 60_000, startCause: 'start' });
    const data = Buffer.alloc(bytes, fill++ & 0xff);
    data.writeUInt32BE(fill, 0);
    const id = await writeSegment(store, recordings, { cameraId, runId, seq: 0, startMs: endMs - 60_000, data });
    await recordings.closeRun(runId, endMs, 'shutdown');
    return id;
  };
  return {
    dir, store, recordings, integrity, audit, access, cameras, retention, key, clock, cameraIds, segment, otherProcess: executor,
    rows: () => database.db.selectFrom('segments').selectAll().orderBy('id').execute(),
    pathOf: (r) => join(store.root, segmentRelPath({ cameraId: r.camera_id, runId: r.run_id, seq: r.seq, startMs: r.start_ms })),
    async account(username, roles) {
      const { user } = await access.createUser(null, { username, displayName: username, unit: 'unit', roles });
      return { accountId: user.id, username, displayName: username, unit: 'unit', roles, via: 'session' };
    },
    async events(event) {
      const page = await audit.querySystem({ event }, { limit: 1000, offset: 0 });
      return page.items.map((e) => ({ id: e.id, event: e.event, target: e.target, details: e.details, actorId: e.actorId }));
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
