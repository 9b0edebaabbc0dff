// Fault test, `kill -9` of the recorder (issue 2; architecture §4 invariants 1–3): two simulated cameras are
// recorded, Vigil is SIGKILLed at a different point of its 4 s segments in each cycle, and restarted. Runs
// VIGIL_KILL_CYCLES cycles (default 5; `npm run bench -- --only kill9` runs 20 and reads the JSON report this test
// writes to VIGIL_KILL_REPORT, if set).
// Proves, per cycle: startup reconciliation closes both killed runs (`recorder_crash`); `vigil check --storage`
// (run while the restarted server records) finds 0 mismatches; every segment row matches its file's size and
// SHA-256 and every segment of a killed run decodes with ffmpeg; the footage lost is at most the last fragment per
// stream (kill time − end of the recovered footage ≤ 1 s fragment + tolerance, see LOSS_TOLERANCE_MS). Cycles
// alternate the RTSP client (ingest.rtspClient): even cycles the built-in ingest (no child process: the camera
// sessions die with Vigil), odd cycles one ffmpeg child per stream, whose orphans must exit on their own (no orphan
// keeps a camera session). Nothing is left running.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { addCamera, decodeSegment, isAlive, mainStatus, tempDir, readIndex, ProcessTracker, type RunRowInfo, shutDownAndCheckLeaks, sleep, smallStream, verifySegmentHashes } from './support/faults.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const CYCLES = Number(process.env.VIGIL_KILL_CYCLES ?? 5);
const FRAGMENT_MS = 1000;
/**
 * Recorded wall times are anchored at the arrival of a run's first fragment (minus its duration) and advanced by
 * media time (architecture §3), so a run's timeline is late by that one arrival's latency: ffmpeg's stream probing
 * releases the first fragment ~80 ms later than the steady state (measured here), and right after `vigil serve`
 * starts, Node's event loop is still busy with start-up work when it arrives. Footage can therefore appear to end
 * after the kill: seen up to 216 ms over 27 kill cycles (54 runs). Allowed: one fragment (1000 ms), so a timeline
 * off by more than a fragment still fails. (A late anchor only makes the loss look smaller: the upper bound stays
 * strict.)
 */
const ANCHOR_TOLERANCE_MS = 1000;
/**
 * What may be lost beyond one fragment's duration, and why:
 * - one frame interval (40 ms at 25 fps): ffmpeg closes a 1 s fragment only when the first frame of the next one
 *   arrives, so the fragment in flight at the kill can hold up to 1 s + one frame;
 * - delivery latency (pipe from ffmpeg, Node's event loop, the write and fdatasync of the fragment to the
 *   .partial file): a fragment that ffmpeg finished just before the kill may not be on disk yet. This is tens of ms
 *   on an idle machine, hundreds on this shared 2-core one while other tests run.
 * Total 500 ms: loss ≤ 1.5 s (seen: at most 884 ms over 27 kill cycles). Losing a second fragment fails.
 */
const LOSS_TOLERANCE_MS = 500;

const tracker = new ProcessTracker().start();
let sim: SimCameras | undefined;
let vigil: ServingVigil | undefined;
/** When each cycle's SIGKILL was sent (test process clock = the server's clock: same machine). */
const killTimes: number[] = [];

afterAll(async () => {
  await shutDownAndCheckLeaks({ vigil, sim, tracker });
}, 60_000);

describe(`kill -9 while recording, ${CYCLES} cycles`, () => {
  it('reconciles every killed run: 0 mismatches, hashes match, segments decode, loss ≤ the last fragment per stream', async () => {
    expect(CYCLES).toBeGreaterThanOrEqual(1);
    const dataDir = tempDir('faults-kill9');
    const storeDir = join(dataDir, 'store');
    writeTestConfig(dataDir);
    sim = await startSimCameras({ streams: [smallStream('a'), smallStream('b')] });
    const cameraIds = [await addCamera(dataDir, 'kill-a', sim.urlOf('a')), await addCamera(dataDir, 'kill-b', sim.urlOf('b'))];
    const losses: number[] = [];
    const seenRuns = new Set<number>();
    let recoveredSegments = 0;
    const timings: string[] = [];
    const serveReadyMs: number[] = [];
    const orphansGoneMs: number[] = [];

    for (let cycle = 0; cycle <= CYCLES; cycle++) {
      const startT = Date.now();
      // Even cycles: the built-in RTSP ingest (the default); odd cycles: ffmpeg children.
      const client = cycle % 2 === 0 ? 'builtin' : 'ffmpeg';
      vigil = await startServe(dataDir, { env: { VIGIL_RTSP_CLIENT: client } });
      const base = vigil;
      const startedMs = Date.now() - startT;
      serveReadyMs.push(startedMs);

      if (cycle > 0) {
        // The previous cycle's kill: reconciliation has run (before the server answered). Check what it left.
        const killAt = killTimes[cycle - 1]!;
        const { segments, runs } = readIndex(dataDir);
        const killed = runs.filter((r) => !seenRuns.has(r.id) && r.end_cause !== null && r.start_ms < killAt);
        for (const r of runs) if (r.start_ms < killAt) seenRuns.add(r.id);
        expect(killed.map((r) => r.end_cause), `runs of cycle ${cycle - 1}`).toEqual(['recorder_crash', 'recorder_crash']);
        expect(new Set(killed.map((r) => r.camera_id))).toEqual(new Set(cameraIds));
        const report: string[] = [];
        for (const run of killed as RunRowInfo[]) {
          const runSegments = segments.filter((s) => s.run_id === run.id);
          expect(runSegments.length, `segments of killed run ${run.id}`).toBeGreaterThanOrEqual(1);
          const lastEnd = Math.max(...runSegments.map((s) => s.end_ms));
          expect(run.end_ms).toBe(lastEnd);
          const loss = killAt - lastEnd;
          losses.push(loss);
          recoveredSegments += runSegments.filter((s) => s.status === 'recovered').length;
          report.push(`run ${run.id}: ${runSegments.length} segments (${runSegments.filter((s) => s.status === 'recovered').length} recovered), loss ${loss} ms`);
          // Nothing after the kill (up to the anchoring error), and no more than the last fragment (plus tolerance).
          expect(loss, `loss of run ${run.id} (cycle ${cycle - 1})`).toBeGreaterThanOrEqual(-ANCHOR_TOLERANCE_MS);
          expect(loss, `loss of run ${run.id} (cycle ${cycle - 1})`).toBeLessThanOrEqual(FRAGMENT_MS + LOSS_TOLERANCE_MS);
          for (const s of runSegments) {
            const decoded = await decodeSegment(dataDir, storeDir, s);
            expect(decoded.errors, `segment ${s.id} (${s.status}) decodes`).toBe('');
            expect(decoded.ok).toBe(true);
            // 25 fps: a segment of d ms holds about d/40 frames.
            expect(decoded.frames).toBeGreaterThanOrEqual(Math.floor((s.end_ms - s.start_ms) / 40) - 2);
          }
        }
        expect(await verifySegmentHashes(dataDir, storeDir, segments)).toEqual([]);
        // The restarted server logged what it recovered.
        expect(vigil.logs()).toMatch(/"runsClosed":2[,}]/);
        timings.push(`cycle ${cycle - 1}: ${report.join('; ')}`);
      }
      // `check --storage` while the restarted server records (it runs beside this cycle's recording; awaited
      // before the next kill, so it always sees a live server).
      const checking = runVigil(['check', '--storage', '--json', '--data-dir', dataDir]).then((check) => {
        expect(check.code, check.stdout + check.stderr).toBe(0);
        expect((check.json as { storage: { mismatches: unknown[] } }).storage.mismatches).toEqual([]);
      });
      if (cycle === CYCLES) {
        await checking;
        break;
      }

      // Record a while: both streams recording with a run open, then a varying extra so the kill falls at
      // different points of the 4 s segments (and sometimes right after a segment was committed).
      await waitFor(async () => {
        const st = await Promise.all(cameraIds.map((id) => mainStatus(base, id)));
        return st.every((s) => s?.state === 'recording' && s.recording === 'recording');
      }, { timeoutMs: 20_000, intervalMs: 100, what: 'both streams recording' });
      await Promise.all([checking, sleep(1500 + ((cycle * 1700) % 4000))]);
      const children = tracker.ffmpegChildrenOf(vigil.child.pid!).filter((p) => isAlive(p.pid));
      const states = await Promise.all(cameraIds.map((id) => mainStatus(base, id)));
      expect(children.length, `cycle ${cycle} (${client}): ffmpeg children ${JSON.stringify(children)}; streams ${JSON.stringify(states)}`).toBe(client === 'ffmpeg' ? 2 : 0);
      killTimes.push(Date.now());
      await vigil.kill();
      vigil = undefined;
      // The orphaned ffmpeg children notice the closed pipe and exit on their own.
      const t = Date.now();
      await waitFor(async () => children.every((p) => !isAlive(p.pid)), { timeoutMs: 10_000, intervalMs: 50, what: 'orphaned ffmpeg to exit' });
      if (client === 'ffmpeg') orphansGoneMs.push(Date.now() - t);
      timings.push(`cycle ${cycle} (${client}): serve ready in ${startedMs} ms${client === 'ffmpeg' ? `; orphaned ffmpeg gone ${orphansGoneMs.at(-1)} ms after the kill` : ''}`);
    }
    await vigil?.stop();
    vigil = undefined;
    // After a clean stop too.
    const check = await runVigil(['check', '--storage', '--json', '--data-dir', dataDir]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // R15: every recovered segment was linked into its stream's chain; the chain and every checkpoint verify.
    const verified = await runVigil(['verify', '--json', '--data-dir', dataDir]);
    expect(verified.code, verified.stdout).toBe(0);
    const verifiedSegments = (verified.json as { counts: { ok: number } }).counts.ok;
    // Most kills fall inside a segment, so reconciliation must have completed partial files (the recovery path ran).
    expect(recoveredSegments).toBeGreaterThanOrEqual(Math.ceil(CYCLES / 2));
    const sorted = [...losses].sort((a, b) => a - b);
    console.error(`[faults-kill9] ${timings.join('\n')}`);
    console.error(
      `[faults-kill9] ${CYCLES} cycles × 2 streams: loss per stream ms min ${sorted[0]} median ${sorted[Math.floor(sorted.length / 2)]} max ${sorted.at(-1)}; ` +
        `all ${JSON.stringify(losses)}; ${recoveredSegments} segments recovered from partial files`,
    );
    // Reached only when every assertion above held: the benchmark reads it as a passed run.
    if (process.env.VIGIL_KILL_REPORT) {
      const report = { cycles: CYCLES, streams: cameraIds.length, fragmentMs: FRAGMENT_MS, lossesMs: losses, recoveredSegments, verifiedSegments, serveReadyMs, orphansGoneMs, mismatches: 0 };
      writeFileSync(process.env.VIGIL_KILL_REPORT, JSON.stringify(report));
    }
  }, 60_000 + CYCLES * 36_000); // ~9 s per cycle on a quiet machine, over 20 s in CI with a cold cache; 20 cycles for the benchmark
});
