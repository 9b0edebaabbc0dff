// Fault test, disk full (issue 2; architecture §4 invariant 5): the segment store is a 16 MiB tmpfs, mostly taken
// by a filler file, and one 4 Mbit/s camera fills the rest. The filler is written the moment the first 6 s segment
// commits, leaving a third of a segment free: the second segment, already open, runs into ENOSPC mid-write — the hard
// path (torn tail cut back, whole fragments committed), not just the 1 MiB floor check between segments. (Filling at
// a fixed moment instead left it to timing which of the two paths was met.)
// Proves: the stream's recorder state becomes `store_full`, /healthz answers 503 `critical`, the metric says so, the
// camera stays connected and nothing is written (no flapping); every segment committed before and at the fault still
// matches its row's size and SHA-256, decodes with ffmpeg, and `vigil check --storage` finds 0 mismatches; deleting
// the filler makes recording resume by itself in a new run with start cause `store_resumed`, whose segment is sound
// too; nothing recorded before is touched. The tmpfs is unmounted in afterAll, even on failure.
// Retention (issue 5, R17, D22(3)): the executor runs every 500 ms while the store is low; all footage is younger than
// 30 days, so it deletes nothing (no tombstone, no deletion recorded, every file intact) and raises the critical
// `store_full_under_floor` alert — a log line, the metric vigil_retention_store_full_under_floor = 1 and one
// system-log entry — which clears by itself when space returns.
import Database from 'better-sqlite3';
import { closeSync, openSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import {
  addCamera, api, decodeSegment, mainStatus, metricValue, ProcessTracker, readIndex, segmentFile, sha256Of, signIn, sleep,
  smallStream, SYSADMIN, tempDir, verifySegmentHashes, type SegmentRowInfo,
} from './support/faults.js';
import type { ApiSession } from './support/accounts.js';
import { probeSmallStore, smallStore, type SmallStore } from './support/small-store.js';
import { runVigil, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const MIB = 1024 * 1024;
const TMPFS_BYTES = 16 * MIB;
const MIN_FREE_BYTES = 1 * MIB;

const probe = probeSmallStore();
const skipReason = 'reason' in probe ? probe.reason : null;
if (skipReason) console.error(`[faults-disk-full] SKIPPED: no small tmpfs store can be made here: ${skipReason}`);
let small: SmallStore | null = null;

const tracker = new ProcessTracker().start();
let sim: SimCameras | undefined;
let vigil: ServingVigil | undefined;
/** /metrics needs ops.read: a system administrator. */
let admin: ApiSession;
/** The system log needs systemlog.read: an auditor. */
let auditor: ApiSession;
let dataDir: string;
let cameraId: string;
let filler: string;
let fillerWrittenAt = 0;
let committedWhileFull: SegmentRowInfo[] = [];
const hashesWhileFull = new Map<number, string>();

function freeBytes(): number {
  const s = statfsSync(small!.hostPath(small!.mountDir));
  return s.bavail * s.bsize;
}

function indexOf(): ReturnType<typeof readIndex> {
  return readIndex(dataDir);
}

async function checkStorage(): Promise<{ code: number | null; mismatches: unknown[]; segmentsChecked: number; out: string }> {
  const r = await runVigil(['check', '--storage', '--json', ...small!.checkArgs(dataDir)]);
  const storage = (r.json as { storage?: { mismatches: unknown[]; segmentsChecked: number } } | undefined)?.storage;
  return { code: r.code, mismatches: storage?.mismatches ?? ['no report'], segmentsChecked: storage?.segmentsChecked ?? 0, out: r.stdout + r.stderr };
}

beforeAll(async () => {
  if (skipReason) return;
  small = smallStore(TMPFS_BYTES);
  dataDir = tempDir('faults-disk-full');
  writeTestConfig(dataDir, {
    storeDir: small.storeDir,
    recording: { segmentTargetMs: 6000, minFreeBytes: MIN_FREE_BYTES, storeRetryMs: 500 },
    // The executor looks at the store every 500 ms and wants 2 MiB free: store pressure, with nothing it may delete.
    retention: { checkEveryMs: 500, minFreeBytes: 2 * MIB },
  });
  sim = await startSimCameras({ streams: [smallStream('full', { bitrateKbps: 4000, label: 'full-4m' })] });
  cameraId = await addCamera(dataDir, 'filling', sim.urlOf('full'));
  vigil = await small.startServe(dataDir);
  admin = await signIn(vigil, dataDir, SYSADMIN);
  auditor = await signIn(vigil, dataDir, { username: 'auditor1', roles: ['auditor'] });
  // Once the first segment commits, take all but a third of a segment's size with a filler file outside the store
  // directory. The second segment opened at that commit and has at most a fragment or two written, so what it still
  // needs (> 2/3 of a segment) cannot fit: its write fails with ENOSPC. After its torn tail is cut back, less than a
  // fragment is free, below the floor, so recording stays stopped.
  const first = await waitFor(async () => indexOf().segments[0], { timeoutMs: 30_000, intervalMs: 50, what: 'the first segment' });
  filler = small.hostPath(join(small.mountDir, 'filler'));
  const fillerBytes = freeBytes() - Math.floor(first.size_bytes / 3);
  const fd = openSync(filler, 'wx');
  try {
    const chunk = Buffer.alloc(MIB);
    for (let left = fillerBytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  } finally {
    closeSync(fd);
  }
  fillerWrittenAt = Date.now();
}, 120_000);

afterAll(async () => {
  let code: number | null | undefined;
  try {
    code = await vigil?.stop();
    await sim?.close();
  } finally {
    await small?.dispose(); // unmounts the tmpfs whatever happened above
    tracker.stop();
  }
  const leaks = await tracker.leaks();
  expect(leaks, `processes left running: ${JSON.stringify(leaks)}`).toEqual([]);
  if (vigil) expect(code).toBe(0);
}, 60_000);

describe.skipIf(skipReason !== null)(`disk full (segment store on a ${TMPFS_BYTES / MIB} MiB tmpfs)`, () => {
  it('stops writing with a critical alert when the store fills: store_full, /healthz 503 critical, metric 1', async () => {
    const base = vigil!;
    await waitFor(async () => (await mainStatus(base, cameraId))?.recording === 'recording', { timeoutMs: 20_000, what: 'recording' });
    const status = await waitFor(async () => {
      const s = await mainStatus(base, cameraId);
      return s?.recording === 'store_full' ? s : undefined;
    }, { timeoutMs: 40_000, intervalMs: 100, what: 'store_full' });
    const detectedAt = Date.now();
    expect(status.state).toBe('recording'); // the camera is still connected; only writing stopped
    // How the fault was met: ENOSPC in a write (logged with the code) or the floor check between segments.
    const lines = vigil!.logs().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; code?: string; time?: number });
    const fault = lines.find((l) => l.msg?.startsWith('segment store write failed') || l.msg?.startsWith('segment store full'));
    expect(fault, 'a critical log line naming the fault').toBeDefined();
    console.error(
      `[faults-disk-full] mode ${small!.mode}; store full ${detectedAt - fillerWrittenAt} ms after the filler; fault: ${fault!.msg}${fault!.code ? ` (${fault!.code})` : ''}; ` +
        `API showed store_full ${detectedAt - (fault!.time ?? detectedAt)} ms after the fault was logged (≤ 100 ms poll)`,
    );
    expect(fault!.msg).toMatch(/^segment store write failed/); // the setup makes the second segment hit ENOSPC
    expect(fault!.code).toBe('ENOSPC');

    const health = await api<{ status: string; checks: { store: { full: boolean }; streams: { storeFull: string[] } } }>(base, '/healthz');
    expect(health.status).toBe(503);
    expect(health.json.status).toBe('critical');
    expect(health.json.checks.store.full).toBe(true);
    expect(health.json.checks.streams.storeFull).toHaveLength(1);
    const metrics = await api(admin, '/metrics');
    expect(metricValue(metrics.text, 'vigil_stream_store_full', { camera_id: cameraId })).toBe(1);

    // The run that hit the fault is closed with cause store_full.
    const { runs } = indexOf();
    expect(runs.map((r) => [r.start_cause, r.end_cause])).toEqual([['start', 'store_full']]);
  });

  it('retention deletes nothing under the 30-day floor to make room, and raises the critical alert (R17, D22(3))', async () => {
    const alerts = await waitFor(async () => {
      const r = await api<{ event: string; details: Record<string, unknown> }[]>(auditor, '/api/v1/audit/system?event=retention.store_full_under_floor');
      return r.json.length ? r.json : undefined;
    }, { timeoutMs: 10_000, intervalMs: 250, what: 'the store_full_under_floor system-log entry' });
    expect(alerts).toHaveLength(1); // raised once, not every 500 ms
    expect(alerts[0]!.details).toMatchObject({ severity: 'critical', article: 'R17' });
    expect(alerts[0]!.details.deficitBytes as number).toBeGreaterThan(0);
    // (underFloorBytes may be 0: the alert can come while the first segment is still a partial, not yet indexed.)
    const metrics = await api(admin, '/metrics');
    expect(metricValue(metrics.text, 'vigil_retention_store_full_under_floor', {})).toBe(1);
    const lines = vigil!.logs().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; level?: number });
    expect(lines.some((l) => l.msg?.startsWith('retention: store full under the floor') && l.level === 50)).toBe(true);
    const health = await api<{ checks: { store: { fullUnderRetentionFloor: boolean } } }>(vigil!, '/healthz');
    expect(health.status).toBe(503);
    expect(health.json.checks.store.fullUnderRetentionFloor).toBe(true);
    // Nothing was deleted or even planned for deletion.
    const db = new Database(join(dataDir, 'index.sqlite'), { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare('select count(*) as n from segment_tombstones').get()).toEqual({ n: 0 });
      expect(db.prepare('select count(*) as n from retention_deletions').get()).toEqual({ n: 0 });
      expect(db.prepare("select count(*) as n from segments where status <> 'ok'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('stays stopped while full (no flapping, no writes) and keeps everything recorded intact', async () => {
    const base = vigil!;
    const written = (t: string) => metricValue(t, 'vigil_stream_fragments_written', { camera_id: cameraId });
    const lost = (t: string) => metricValue(t, 'vigil_stream_fragments_lost', { camera_id: cameraId });
    const m0 = (await api(admin, '/metrics')).text;
    // Four probe intervals: still store_full every time we look.
    for (let i = 0; i < 8; i++) {
      expect((await mainStatus(base, cameraId))?.recording).toBe('store_full');
      await sleep(250);
    }
    const m1 = (await api(admin, '/metrics')).text;
    expect(written(m1)).toBe(written(m0)); // nothing written while full…
    expect(lost(m1)!).toBeGreaterThan(lost(m0)!); // …and what arrives is counted as lost, not silently dropped
    expect(indexOf().runs).toHaveLength(1); // no resume/fail churn of runs

    const { segments } = indexOf();
    committedWhileFull = segments;
    // The first segment (whole) and the one cut by ENOSPC (its whole fragments) are both committed.
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expect(await verifySegmentHashes(dataDir, small!.hostPath(small!.storeDir), segments)).toEqual([]);
    for (const s of segments) {
      const path = small!.hostPath(segmentFile(small!.storeDir, s));
      hashesWhileFull.set(s.id, sha256Of(path));
      const decoded = await decodeSegment(dataDir, small!.hostPath(small!.storeDir), s);
      expect(decoded.errors, `segment ${s.id} decodes`).toBe('');
      expect(decoded.ok).toBe(true);
      expect(decoded.frames).toBeGreaterThanOrEqual(25);
    }
    // No .partial is left over from the torn write, and the index agrees with the store.
    const check = await checkStorage();
    expect(check.code, check.out).toBe(0);
    expect(check.mismatches).toEqual([]);
    expect(check.segmentsChecked).toBe(segments.length);
    console.error(`[faults-disk-full] while full: ${segments.length} segments committed (${segments.map((s) => `${s.size_bytes} B`).join(', ')}), ${freeBytes()} bytes free`);
  });

  it('resumes by itself when space returns: new run with start cause store_resumed; nothing recorded before is touched', async () => {
    const base = vigil!;
    unlinkSync(filler);
    const freedAt = Date.now();
    await waitFor(async () => (await mainStatus(base, cameraId))?.recording === 'recording', { timeoutMs: 15_000, intervalMs: 100, what: 'recording again' });
    const resumeMs = Date.now() - freedAt;
    const health = await waitFor(async () => {
      const h = await api<{ status: string }>(base, '/healthz');
      return h.status === 200 ? h : undefined;
    }, { timeoutMs: 5000, what: '/healthz 200' });
    expect(health.json.status).toBe('ok');
    // The retention alert clears by itself too.
    await waitFor(async () => metricValue((await api(admin, '/metrics')).text, 'vigil_retention_store_full_under_floor', {}) === 0, { timeoutMs: 5000, what: 'alert cleared' });
    const cleared = await api<unknown[]>(auditor, '/api/v1/audit/system?event=retention.store_pressure_cleared');
    expect(cleared.json.length).toBeGreaterThanOrEqual(1);

    // The resumed run's first segment commits (6 s of video) and is sound.
    const index = await waitFor(async () => {
      const i = indexOf();
      return i.runs.length === 2 && i.segments.some((s) => s.run_id === i.runs[1]!.id) ? i : undefined;
    }, { timeoutMs: 20_000, what: 'a segment of the resumed run' });
    console.error(`[faults-disk-full] recording resumed ${resumeMs} ms after the filler was deleted (store probe every 500 ms)`);
    expect(resumeMs).toBeLessThan(5000);
    expect(index.runs.map((r) => [r.start_cause, r.end_cause])).toEqual([['start', 'store_full'], ['store_resumed', null]]);
    expect(index.runs[1]!.start_ms).toBeGreaterThanOrEqual(freedAt - 1100);
    const timeline = await api<{ gaps: { cause: string }[] }>(base, `/api/v1/cameras/${cameraId}/recordings?from=${index.runs[0]!.start_ms}&to=${Date.now()}`);
    expect(timeline.json.gaps.map((g) => g.cause)).toContain('store_full');

    // Everything committed before is still there, byte for byte; all rows match their files; all decode.
    for (const s of committedWhileFull) {
      expect(sha256Of(small!.hostPath(segmentFile(small!.storeDir, s))), `segment ${s.id} unchanged`).toBe(hashesWhileFull.get(s.id));
    }
    expect(await verifySegmentHashes(dataDir, small!.hostPath(small!.storeDir), index.segments)).toEqual([]);
    for (const s of index.segments.filter((x) => x.run_id === index.runs[1]!.id)) {
      const decoded = await decodeSegment(dataDir, small!.hostPath(small!.storeDir), s);
      expect(decoded.errors, `resumed segment ${s.id} decodes`).toBe('');
      expect(decoded.ok).toBe(true);
    }
    const check = await checkStorage();
    expect(check.code, check.out).toBe(0);
    expect(check.mismatches).toEqual([]);
  });
});
