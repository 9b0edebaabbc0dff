// Fault test, camera stops and returns (issue 2): a recording camera's RTSP stream is unmounted (its session
// dropped, later attempts answered 404), then mounted again. Runs on SQLite and on PostgreSQL.
// Proves: the stream leaves `recording` with a reason; recording resumes within 5 s of the camera's return
// (measured from `start()` resolving to the API showing `recording`); the recordings API shows the first run ended
// with `camera_lost:<reason>`, a gap with that cause covering the outage, and a new run with start cause `reconnect`;
// `vigil check --storage` finds nothing wrong; nothing is left running. Run with the test config's fast backoff
// (0.3 s → 2 s) on both dialects, and once with the production backoff (1 s → 30 s), which FAILS today: see there.
import { afterAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { createTestDatabase } from './support/databases.js';
import { addCamera, mainStatus, ProcessTracker, recordings, sleep, smallStream, tempDir, type TimelineJson } from './support/faults.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const RESUME_LIMIT_MS = 5000;
const tracker = new ProcessTracker().start();

afterAll(async () => {
  tracker.stop();
  const leaks = await tracker.leaks();
  expect(leaks, `processes left running: ${JSON.stringify(leaks)}`).toEqual([]);
});

/** The ingest settings of a real site (config defaults): backoff 1 s → 30 s, stall after 10 s. */
const PRODUCTION_INGEST = { backoffMinMs: 1000, backoffMaxMs: 30_000, stallMs: 10_000 };

interface Scenario {
  dialect: 'sqlite' | 'postgres';
  /** Ingest config; default the test config's fast backoff (0.3 s → 2 s). */
  ingest?: Record<string, number>;
  label: string;
}

/** Records, unmounts the camera's stream for 2 s, mounts it again, and checks the resume, runs and gap. */
async function cameraStopsAndReturns({ dialect, ingest, label }: Scenario): Promise<void> {
  const dataDir = tempDir(`faults-camera-return-${dialect}`);
  const db = dialect === 'postgres' ? await createTestDatabase('postgres') : undefined;
  let sim: SimCameras | undefined;
  let vigil: ServingVigil | undefined;
  try {
    writeTestConfig(dataDir, { ...(db ? { database: { dialect: 'postgres', url: db.url! } } : {}), ...(ingest ? { ingest } : {}) });
    sim = await startSimCameras({ streams: [smallStream('cam')] });
    const cameraId = await addCamera(dataDir, 'returning', sim.urlOf('cam'));
    const t0 = Date.now();
    vigil = await startServe(dataDir);
    const base = vigil;
    await waitFor(async () => (await mainStatus(base, cameraId))?.state === 'recording', { timeoutMs: 20_000, what: 'recording' });
    await sleep(2500); // a few fragments into the first segment

    const stoppedAt = Date.now();
    await sim.stop('cam');
    const lost = await waitFor(async () => {
      const s = await mainStatus(base, cameraId);
      return s && s.state !== 'recording' ? { ...s, atMs: Date.now() } : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100, what: 'the loss to be noticed' });
    expect(['reconnecting', 'failed']).toContain(lost.state);
    expect(lost.reason).toMatch(/^(stream_ended|stalled|not_found|unreachable|input_error)$/);
    // The run is closed (its segment committed, its row ended), not left open across the outage.
    await waitFor(async () => (await mainStatus(base, cameraId))?.recording === 'idle', { timeoutMs: 3000, intervalMs: 100, what: 'the run to close' });
    await sleep(2000); // the camera stays away for a while: attempts fail meanwhile

    await sim.start('cam');
    const returnedAt = Date.now();
    // Wait a little past the limit (not the 15–30 s a slow retry could take): the assertion below says why.
    const resumed = await waitFor(async () => (await mainStatus(base, cameraId))?.state === 'recording', { timeoutMs: RESUME_LIMIT_MS + 3000, intervalMs: 100, what: 'recording again' })
      .then(() => true, () => false);
    const resumeMs = Date.now() - returnedAt;
    expect(
      resumed && resumeMs < RESUME_LIMIT_MS,
      `[${label}] recording did not resume within ${RESUME_LIMIT_MS} ms of the camera's return (${resumed ? `took ${resumeMs} ms` : `still not recording after ${resumeMs} ms`}); ` +
        `stream status now ${JSON.stringify(await mainStatus(base, cameraId))}`,
    ).toBe(true);

    // The new run is in the index from its first fragment on (its first segment commits 4 s later).
    const timeline = await waitFor(async () => {
      const t = await recordings(base, cameraId, t0 - 1000);
      return t.runs.length >= 2 ? t : undefined;
    }, { timeoutMs: 5000, what: 'the second run' });
    const [first, second] = timeline.runs as [TimelineJson['runs'][0], TimelineJson['runs'][0]];
    console.error(
      `[faults-camera-return ${label}] loss noticed after ${lost.atMs - stoppedAt} ms (${lost.state}/${lost.reason}); ` +
        `recording again ${resumeMs} ms after the camera returned; new run starts ${second.startMs - returnedAt} ms after the return; ` +
        `runs ${JSON.stringify(timeline.runs)}; gaps ${JSON.stringify(timeline.gaps)}`,
    );
    expect(resumeMs).toBeLessThan(RESUME_LIMIT_MS);
    expect(timeline.runs).toHaveLength(2);
    expect(first.startCause).toBe('start');
    expect(first.endCause).toMatch(/^camera_lost:[a-z_]+$/);
    expect(first.endMs).not.toBeNull();
    expect(second.startCause).toBe('reconnect');
    expect(second.endCause).toBeNull();
    // The new run starts after the camera came back (minus one fragment: a run's start is its first fragment's
    // start) and within the resume limit of it.
    expect(second.startMs).toBeGreaterThanOrEqual(returnedAt - 1100);
    expect(second.startMs - returnedAt).toBeLessThan(RESUME_LIMIT_MS);
    // The first run's footage ends around the stop (not before the last fragment before it; not after it).
    expect(first.endMs!).toBeLessThanOrEqual(stoppedAt + 500);
    expect(first.endMs!).toBeGreaterThan(stoppedAt - 2500);
    // The first run has its segment; the gap after it carries its cause and covers the outage.
    expect(timeline.segments.filter((s) => s.runId === first.id).length).toBeGreaterThanOrEqual(1);
    const gap = timeline.gaps.find((g) => g.startMs === first.endMs);
    expect(gap, `gap after run ${first.id} in ${JSON.stringify(timeline.gaps)}`).toBeDefined();
    expect(gap!.cause).toBe(first.endCause);
    expect(gap!.endMs).toBeGreaterThanOrEqual(returnedAt - 1100);
    expect(gap!.endMs).toBeLessThanOrEqual(second.startMs + 100);
    expect(gap!.endMs - gap!.startMs).toBeGreaterThanOrEqual(2000); // the camera was away ≥ 2 s

    // The index and the store agree while the server runs.
    const check = await runVigil(['check', '--storage', '--json', '--data-dir', dataDir]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect((check.json as { storage: { mismatches: unknown[]; segmentsChecked: number } }).storage).toMatchObject({ mismatches: [] });
    expect((check.json as { storage: { segmentsChecked: number } }).storage.segmentsChecked).toBeGreaterThanOrEqual(1);
    expect(vigil.child.exitCode).toBeNull();
  } finally {
    const code = await vigil?.stop();
    await sim?.close();
    await db?.dispose();
    expect(code).toBe(0);
  }
}

describe.each(['sqlite', 'postgres'] as const)('camera stops and returns (%s)', (dialect) => {
  it('resumes within 5 s of the return; the gap is recorded with its cause and the new run starts with `reconnect`', async () => {
    await cameraStopsAndReturns({ dialect, label: dialect });
  });
});

describe('camera stops and returns, production backoff (1 s → 30 s)', () => {
  // Issue 2 asks for resume within 5 s of the camera's return with the settings a site runs, not only the test
  // config's 2 s maximum backoff. While the stream is away the camera answers 404 (`not_found`, otherwise a
  // permanent reason waiting the maximum backoff); the fast-retry window after a recording stream is lost
  // (ingest.fastRetryMs / fastRetryWindowMs) keeps retries at 1–2 s, so the return is picked up within seconds.
  it('resumes within 5 s after a 2 s outage', async () => {
    await cameraStopsAndReturns({ dialect: 'sqlite', ingest: PRODUCTION_INGEST, label: 'sqlite, production backoff' });
  });
});
