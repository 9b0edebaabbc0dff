// Live latency: time from opening the live WebSocket (`GET /api/v1/cameras/:id/live`) to the first decodable
// fragment — the text init message, the binary init segment, then the first binary fragment, which must start with a
// keyframe (it comes from the hub's cached GOP). Connections are made at random moments (uniform over a window, so
// at random phases of the 2 s GOP) to random cameras of a `vigil serve` recording simulated 1080p cameras.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { parseFragment, parseInit, type InitSegment } from '../src/media/index.js';
import { startSimCameras } from '../tools/sim-camera/index.js';
import { startServe, waitFor, type ServingVigil } from '../test/support/vigil-process.js';
import { distribution, machineInfo, numberSetting, round, sleep, type BenchOptions, type BenchResult } from './lib/common.js';
import { benchStream, ensureBenchClip, perStream } from './lib/media.js';
import { withReason } from '../test/support/accounts.js';
import { addCamera, adminSession, scrapeMetrics, stopServe } from './lib/vigil.js';
import { loadAverage, machineBusy, machineCpu } from './lib/proc.js';

const P95_GOAL_MS = 500;
const TIMEOUT_MS = 10_000;

interface Attempt {
  camera: number;
  /** ms from `new WebSocket()` to the 'open' event (TCP connect + HTTP upgrade). */
  openMs: number | null;
  /** ms from `new WebSocket()` to the first fragment after the init segment. */
  firstFragmentMs: number | null;
  /** ms from the 'open' event to that fragment. */
  firstFragmentAfterOpenMs: number | null;
  keyframe: boolean | null;
  textMessages: string[];
  error: string | null;
}

/** `wsOptions`: the viewer's session cookie and origin (the live route needs a signed-in operator, R16.2). */
function connectOnce(wsUrl: string, camera: number, wsOptions: { headers: Record<string, string> }): Promise<Attempt> {
  return new Promise((resolve) => {
    const attempt: Attempt = { camera, openMs: null, firstFragmentMs: null, firstFragmentAfterOpenMs: null, keyframe: null, textMessages: [], error: null };
    const t0 = performance.now();
    let init: InitSegment | null = null;
    let expectInit = false;
    let done = false;
    const ws = new WebSocket(wsUrl, wsOptions);
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) attempt.error = error;
      ws.terminate();
      resolve(attempt);
    };
    const timer = setTimeout(() => finish(`no decodable fragment within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    ws.on('open', () => (attempt.openMs = performance.now() - t0));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const now = performance.now();
      if (!isBinary) {
        const text = data.toString();
        attempt.textMessages.push(text.slice(0, 200));
        try {
          const msg = JSON.parse(text) as { type?: string };
          if (msg.type === 'init') expectInit = true;
          if (msg.type === 'error') finish(`server error: ${text.slice(0, 200)}`);
        } catch {
          finish(`bad text message ${text.slice(0, 80)}`);
        }
        return;
      }
      try {
        if (expectInit) {
          init = parseInit(data);
          expectInit = false;
          return;
        }
        if (!init) return finish('binary data before the init segment');
        const fragment = parseFragment(data, { trackId: init.trackId, ...(init.trex ? { trex: init.trex } : {}) });
        attempt.keyframe = fragment.keyframe;
        attempt.firstFragmentMs = now - t0;
        attempt.firstFragmentAfterOpenMs = attempt.openMs === null ? null : now - t0 - attempt.openMs;
        finish();
      } catch (e) {
        finish(`unparsable binary message: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    ws.on('error', (e) => finish(`socket error: ${e.message}`));
    ws.on('close', (code) => finish(`closed (${code}) before a fragment`));
  });
}

export async function liveLatency(options: BenchOptions): Promise<BenchResult> {
  const started = Date.now();
  const loadBefore = loadAverage();
  const connections = numberSetting(options, 'connections', options.quick ? 20 : 100);
  const windowS = numberSetting(options, 'window', options.quick ? 6 : 40);
  const cameraCount = Math.max(1, Math.round(numberSetting(options, 'cameras', options.quick ? 2 : 4)));
  await ensureBenchClip();
  const names = Array.from({ length: cameraCount }, (_, i) => `live${i + 1}`);
  const sim = await startSimCameras({ streams: names.map((n) => benchStream(n)), port: 0 });
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-live-'));
  let serve: ServingVigil | undefined;
  try {
    serve = await startServe(dataDir);
    const ids: string[] = [];
    const admin = await adminSession(serve, dataDir);
    for (const name of names) ids.push(await addCamera(admin, `live bench ${name}`, sim.urlOf(name)));
    const url = serve.url;
    const wsOptions = serve.viewer.wsOptions();
    await waitFor(
      async () => {
        const received = perStream(await scrapeMetrics(admin), 'vigil_stream_fragments_received');
        return received.size === names.length && [...received.values()].every((v) => v >= 3);
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'every camera to be recording (3 fragments)' },
    );
    options.log(`  ${cameraCount} cameras live; ${connections} connections at random moments over ${windowS} s`);
    const wsBase = url.replace(/^http/, 'ws');
    const m0 = machineCpu();
    const t0 = Date.now();
    const offsets = Array.from({ length: connections }, () => Math.random() * windowS * 1000).sort((a, b) => a - b);
    const attempts = await Promise.all(
      offsets.map(async (offset) => {
        await sleep(Math.max(0, t0 + offset - Date.now()));
        const camera = Math.floor(Math.random() * ids.length);
        // Each viewing states its reason (R16.3) and opens its own register entry, as a person's would.
        return connectOnce(withReason(`${wsBase}/api/v1/cameras/${ids[camera]}/live`), camera, wsOptions);
      }),
    );
    const busy = machineBusy(m0, machineCpu());

    const ok = attempts.filter((a) => a.firstFragmentMs !== null);
    const failed = attempts.filter((a) => a.firstFragmentMs === null);
    const notKeyframe = ok.filter((a) => a.keyframe === false).length;
    const total = distribution(ok.map((a) => a.firstFragmentMs!));
    const afterOpen = distribution(ok.map((a) => a.firstFragmentAfterOpenMs!).filter((x) => x !== null));
    const open = distribution(ok.map((a) => a.openMs!).filter((x) => x !== null));
    const notes: string[] = [];
    if (failed.length) notes.push(`${failed.length} of ${connections} connections got no decodable fragment; first error: ${failed[0]!.error}`);
    if (notKeyframe) notes.push(`${notKeyframe} connections got a first fragment that does not start with a keyframe (live hub invariant 1 broken).`);
    if (total.p95 > P95_GOAL_MS) notes.push(`p95 ${total.p95} ms is above the ${P95_GOAL_MS} ms goal.`);
    const p95ok = total.p95 <= P95_GOAL_MS && failed.length === 0 && notKeyframe === 0;
    return {
      name: 'live-latency',
      description:
        'Time from new WebSocket() on /api/v1/cameras/:id/live to the first binary fragment after the init segment (checked to start with a ' +
        'keyframe), over connections at random moments to random cameras of vigil serve recording simulated 1080p25 cameras (GOP 2 s). ' +
        'firstFragmentMs includes the TCP connect and the HTTP upgrade; firstFragmentAfterOpenMs starts at the open event.',
      quick: options.quick,
      machine: await machineInfo(),
      load: { before: loadBefore, after: loadAverage() },
      durationSeconds: round((Date.now() - started) / 1000, 1),
      parameters: { connections, windowSeconds: windowS, cameras: cameraCount, stream: benchStream('liveN'), p95GoalMs: P95_GOAL_MS },
      results: {
        connections,
        succeeded: ok.length,
        failed: failed.length,
        firstFragmentNotKeyframe: notKeyframe,
        firstFragmentMs: total,
        firstFragmentAfterOpenMs: afterOpen,
        openMs: open,
        machineBusyDuringRun: round(busy.busy, 3),
        errors: failed.slice(0, 10).map((a) => a.error),
        attempts: attempts.map((a) => ({
          camera: a.camera, openMs: a.openMs === null ? null : round(a.openMs, 2), firstFragmentMs: a.firstFragmentMs === null ? null : round(a.firstFragmentMs, 2),
          keyframe: a.keyframe, error: a.error,
        })),
      },
      summary: [
        { metric: `first decodable fragment p50 / p95 / max (${ok.length}/${connections} ok)`, value: `${round(total.p50, 1)} / ${round(total.p95, 1)} / ${round(total.max, 1)} ms`, goal: `p95 ≤ ${P95_GOAL_MS} ms`, ok: p95ok },
        { metric: 'after open event p50 / p95', value: `${round(afterOpen.p50, 1)} / ${round(afterOpen.p95, 1)} ms` },
      ],
      notes,
    };
  } finally {
    if (serve) await stopServe(serve).catch(() => undefined);
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
