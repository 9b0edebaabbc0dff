// Fault tests, bad cameras (issue 2, "Bad input and faults"): an unreachable URL (a closed loopback port), wrong
// credentials (the simulated camera requires Basic auth) and a stream that is neither H.264 nor H.265 (MJPEG), next
// to a good camera, all in one real `vigil serve` (its built-in RTSP client; ffmpeg for the MJPEG camera it hands
// over) and a real RTSP server.
// Proves: each bad stream shows a clear state and reason in the API; the server keeps running and records the good
// camera; ffmpeg is restarted no faster than the production backoff (1 s → 30 s) allows; no credential — the right
// one or the wrong one, raw, percent-encoded or as Basic-auth base64 — appears in the log, the API, the CLI output or
// an ffmpeg command line; nothing is left running afterwards. The API is read as the signed-in operator and, for
// /metrics (ops.read) and the stream addresses (camera.locate), as a system administrator.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import type { ApiSession } from './support/accounts.js';
import { addCamera, api, cameras, closedPort, mainStatus, metricValue, tempDir, recordings, ProcessTracker, secretForms, shutDownAndCheckLeaks, signIn, smallStream, SYSADMIN } from './support/faults.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const AUTH = { user: 'vigil-adm1n', password: 'Sup3r-S3cret!pw/x' };
const WRONG = { user: AUTH.user, password: 'Wr0ng-Passw0rd' };
/** The production backoff (config defaults), so the spawn bound below is the one a real site gets. */
const BACKOFF = { minMs: 1000, maxMs: 30_000 };
/** How long the failing cameras are watched. */
const WINDOW_MS = 12_000;

/**
 * The least delay before attempt k+1 after k consecutive failures, as architecture §3 documents it: exponential
 * from the minimum, capped at the maximum, with equal jitter (never less than half the current ceiling). A
 * permanent failure (auth, codec) waits at the maximum. Written out here, not imported, so a product change that
 * makes retries hotter fails this test.
 */
function minDelayMs(failures: number, permanent: boolean): number {
  const ceiling = permanent ? BACKOFF.maxMs : Math.min(BACKOFF.maxMs, BACKOFF.minMs * 2 ** failures);
  return Math.max(BACKOFF.minMs, ceiling / 2);
}

/** Most ffmpeg spawns possible in `windowMs` from the first one (each attempt taking no time at all). */
function maxSpawns(windowMs: number, permanent: boolean): number {
  let spawns = 1;
  let t = 0;
  for (;;) {
    t += minDelayMs(spawns, permanent);
    if (t > windowMs) return spawns;
    spawns++;
  }
}

const tracker = new ProcessTracker().start();
let sim: SimCameras;
let vigil: ServingVigil | undefined;
let admin: ApiSession;
let dataDir: string;
let startedAt = 0;
const ids = { unreachable: '', wrongPassword: '', mjpeg: '', good: '' };
const cliOutput: string[] = [];

beforeAll(async () => {
  sim = await startSimCameras({
    auth: AUTH,
    streams: [smallStream('cam'), { name: 'mjpeg', width: 320, height: 240, fps: 10, codec: 'mjpeg', bitrateKbps: 1000, clipSeconds: 2 }],
  });
  dataDir = tempDir('faults-bad-cameras');
  writeTestConfig(dataDir, { ingest: { backoffMinMs: BACKOFF.minMs, backoffMaxMs: BACKOFF.maxMs, stallMs: 4000 } });
  const port = await closedPort();
  const unreachableUrl = `rtsp://${encodeURIComponent(AUTH.user)}:${encodeURIComponent(AUTH.password)}@127.0.0.1:${port}/cam`;
  ids.unreachable = await addCamera(dataDir, 'unreachable', unreachableUrl);
  ids.wrongPassword = await addCamera(dataDir, 'wrong-password', sim.urlOf('cam', WRONG));
  ids.mjpeg = await addCamera(dataDir, 'mjpeg', sim.urlOf('mjpeg'));
  ids.good = await addCamera(dataDir, 'good', sim.urlOf('cam'));
  const list = await runVigil(['camera', 'list', '--data-dir', dataDir, '--json']);
  expect(list.code).toBe(0);
  cliOutput.push(list.stdout, list.stderr);
  startedAt = Date.now();
  vigil = await startServe(dataDir);
  admin = await signIn(vigil, dataDir, SYSADMIN);
}, 120_000);

afterAll(async () => {
  expect(await shutDownAndCheckLeaks({ vigil, sim, tracker })).toBe(0);
}, 60_000);

describe('bad cameras (real vigil serve, ffmpeg, RTSP server)', () => {
  it('shows a clear state and reason per stream: unreachable, auth_failed, unsupported_codec; the good camera records', async () => {
    const base = vigil!;
    const want: Record<string, [string, string | null]> = {
      [ids.unreachable]: ['reconnecting', 'unreachable'],
      [ids.wrongPassword]: ['failed', 'auth_failed'],
      [ids.mjpeg]: ['failed', 'unsupported_codec'],
      [ids.good]: ['recording', null],
    };
    const seen = await waitFor(
      async () => {
        const got = await Promise.all(Object.keys(want).map(async (id) => [id, await mainStatus(base, id)] as const));
        return got.every(([id, s]) => s && s.state === want[id]![0] && s.reason === want[id]![1]) ? got : undefined;
      },
      { timeoutMs: 20_000, what: 'every stream in its expected state' },
    );
    const elapsed = Date.now() - startedAt;
    console.error(`[faults-bad-cameras] states after ${elapsed} ms: ${seen.map(([id, s]) => `${id.slice(-4)} ${s!.state}/${s!.reason}`).join(', ')}`);
    for (const [id, s] of seen) {
      // A stream that is not recording has no recorder run going.
      expect(s!.recording).toBe(id === ids.good ? 'recording' : 'idle');
    }
    // Degraded (two streams failed), not critical, and the process still answers.
    const health = await api<{ status: string; checks: { streams: { failed: string[] } } }>(base, '/healthz');
    expect(health.status).toBe(200);
    expect(health.json.status).toBe('degraded');
    const all = await cameras(base);
    const streamOf = (id: string) => all.find((c) => c.id === id)!.streams[0]!.id;
    expect(health.json.checks.streams.failed.sort()).toEqual([streamOf(ids.wrongPassword), streamOf(ids.mjpeg)].sort());
  });

  it(`restarts ffmpeg no faster than the backoff (1 s → 30 s) over ${WINDOW_MS / 1000} s; the server keeps running and records`, async () => {
    const base = vigil!;
    // The window starts before `vigil serve` was spawned, so it is at least as long as the time since the first spawn.
    const wait = startedAt + WINDOW_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const metrics = await api(admin, '/metrics');
    const windowMs = Date.now() - startedAt;
    expect(metrics.status).toBe(200);
    const all = await cameras(base);
    const logLines = vigil!.logs().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const report: string[] = [];
    for (const [name, id, permanent] of [['unreachable', ids.unreachable, false], ['wrong-password', ids.wrongPassword, true], ['mjpeg', ids.mjpeg, true]] as const) {
      const streamId = all.find((c) => c.id === id)!.streams[0]!.id;
      const reconnects = metricValue(metrics.text, 'vigil_stream_reconnects', { stream_id: streamId });
      expect(reconnects, `vigil_stream_reconnects for ${name}`).toBeDefined();
      const spawns = reconnects! + 1;
      // Every failed attempt is one log line `ingest <redacted url>: <reason>: …` (not rate-limited).
      const failures = logLines.filter((l) => l.streamId === streamId && typeof l.ffmpeg === 'string' && /^ingest \S+: [a-z_]+: /.test(l.ffmpeg)).length;
      const bound = maxSpawns(windowMs, permanent);
      report.push(`${name}: ${spawns} spawns / ${failures} logged failures in ${windowMs} ms (bound ${bound}; ${((spawns * 60_000) / windowMs).toFixed(1)}/min)`);
      expect(spawns).toBeLessThanOrEqual(bound);
      expect(failures).toBeGreaterThanOrEqual(spawns - 1); // each finished attempt logged once…
      expect(failures).toBeLessThanOrEqual(spawns); // …and no failure without an attempt
      // It does keep trying (a fixed camera comes back by itself): the unreachable one at least once more by now
      // (first spawn ≤ ~5 s after start on a loaded machine, then ≤ 2 s, then ≤ 4 s).
      expect(spawns).toBeGreaterThanOrEqual(permanent ? 1 : 2);
      // The built-in RTSP client (the default) keeps the streams it can speak to; MJPEG went to ffmpeg.
      const client = name === 'mjpeg' ? 'ffmpeg' : 'builtin';
      expect(metricValue(metrics.text, 'vigil_stream_rtsp_client', { stream_id: streamId, client }), `${name} recorded by ${client}`).toBe(1);
      const status = await mainStatus(base, id);
      expect(status).toMatchObject({ rtspClient: client, rtspFallback: name === 'mjpeg' ? 'video codec JPEG is not H.264 or H.265' : null });
    }
    console.error(`[faults-bad-cameras] ${report.join('; ')}`);
    expect(vigil!.child.exitCode).toBeNull();
    // The good camera kept recording through all this: still recording, and a segment commits (the first one may
    // still be open at the end of the window on a loaded machine, so wait for it rather than expect it by then).
    const timeline = await waitFor(async () => {
      const t = await recordings(base, ids.good, startedAt - 1000);
      return t.segments.length >= 1 ? t : undefined;
    }, { timeoutMs: 30_000, what: 'a committed segment of the good camera' });
    expect(timeline.segments.length).toBeGreaterThanOrEqual(1);
    expect((await mainStatus(base, ids.good))?.state).toBe('recording');
  });

  it('never shows a credential: log, API, metrics, CLI output, ffmpeg command lines', async () => {
    const base = vigil!;
    const responses: string[] = [];
    // The operator (video) and the system administrator (stream addresses, metrics) each read what their role may.
    const asViewer = ['/api/v1/cameras', '/healthz', ...Object.values(ids).flatMap((id) => [`/api/v1/cameras/${id}`, `/api/v1/cameras/${id}/recordings?from=${startedAt - 1000}&to=${Date.now()}`])];
    const asAdmin = ['/api/v1/cameras', '/metrics', '/healthz', ...Object.values(ids).map((id) => `/api/v1/cameras/${id}`)];
    for (const [who, paths] of [[base, asViewer], [admin, asAdmin]] as const) {
      for (const path of paths) {
        const r = await api(who, path);
        expect(r.status, path).toBe(200);
        responses.push(r.text);
      }
    }
    // The URLs come back without userinfo (to a role with camera.locate; the operator gets none at all, D6).
    for (const c of await cameras(admin)) for (const s of c.streams) expect(s.url).toMatch(/^rtsp:\/\/(\*\*\*@)?127\.0\.0\.1:\d+\/\w+$/);
    for (const c of await cameras(base)) for (const s of c.streams) expect(s.url).toBeUndefined();
    const cmdlines = tracker.ffmpegChildrenOf(vigil!.child.pid!).map((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    });
    expect(cmdlines.length).toBeGreaterThanOrEqual(1);
    const texts: [string, string][] = [
      ['server log', vigil!.logs()],
      ...responses.map((t, i) => [`API response ${i}`, t] as [string, string]),
      ...cliOutput.map((t, i) => [`CLI output ${i}`, t] as [string, string]),
      ...cmdlines.map((t, i) => [`ffmpeg cmdline ${i}`, t] as [string, string]),
    ];
    const forbidden = [...secretForms(AUTH.user, AUTH.password), ...secretForms(WRONG.user, WRONG.password), AUTH.user];
    for (const [where, text] of texts) for (const secret of forbidden) expect(text.includes(secret), `${where} contains ${JSON.stringify(secret)}`).toBe(false);
    // The log did say what happened (so the check above is not vacuous): the redacted URL and the reasons.
    expect(vigil!.logs()).toMatch(/rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/cam: auth_failed/);
    expect(vigil!.logs()).toContain('unsupported_codec');
    expect(vigil!.logs()).toContain('unreachable');
  });
});
