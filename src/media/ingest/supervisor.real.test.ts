// IngestSupervisor against real parts: ffmpeg 5.1 pulling RTSP/TCP from the simulated cameras (GStreamer's RTSP
// server, tools/sim-camera) and the real fMP4 parser. Small 320x240 clips keep it cheap on 2 shared cores; the
// independent failure cases run side by side so the file stays well under a minute.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../../../tools/sim-camera/index.js';
import type { Fragment, InitSegment } from '../fmp4/index.js';
import type { IngestReason, IngestState } from './state.js';
import { nativeBytePathForTests } from '../../../test/support/append-paths.js';
import { closedPort } from '../../../test/support/faults.js';
import { IngestSupervisor, type IngestSupervisorOptions, type SpawnIngest } from './supervisor.js';

const AUTH = { user: 'vigil-op', password: 'p@ss:w/rd S3cr' };
/** Everything that must never be printed: the password as given and as it sits in the URL. */
const FORBIDDEN = [AUTH.password, encodeURIComponent(AUTH.password), 'S3cr', 'wrong-Pa55'];

let sim: SimCameras;

beforeAll(async () => {
  sim = await startSimCameras({
    auth: AUTH,
    streams: [
      { name: 'cam1', width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, clipSeconds: 4 },
      { name: 'cam2', width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, clipSeconds: 4, label: 'cam2' },
      { name: 'mjpeg1', width: 320, height: 240, fps: 10, codec: 'mjpeg', bitrateKbps: 1000, clipSeconds: 2 },
    ],
  });
}, 120_000);

afterAll(async () => {
  await sim?.close();
});

interface Recorder {
  supervisor: IngestSupervisor;
  states: { state: IngestState; reason: IngestReason | undefined; atMs: number }[];
  inits: InitSegment[];
  fragments: Fragment[];
  diagnostics: string[];
  pids: number[];
  spawnTimes: number[];
}

function recordWith(url: string, options: Partial<IngestSupervisorOptions> = {}): Recorder {
  const states: Recorder['states'] = [];
  const inits: InitSegment[] = [];
  const fragments: Fragment[] = [];
  const diagnostics: string[] = [];
  const pids: number[] = [];
  const spawnTimes: number[] = [];
  const spawnSpy: SpawnIngest = (command, args, spawnOptions) => {
    const child = spawn(command, args, spawnOptions);
    spawnTimes.push(Date.now());
    if (child.pid !== undefined) pids.push(child.pid);
    return child;
  };
  const supervisor = new IngestSupervisor(
    // Test tuning: 1 s stream analysis and a 1–2 s backoff keep recoveries short; production uses the defaults.
    { url, analyzeDurationMs: 1000, backoff: { minMs: 1000, maxMs: 2000 }, spawn: spawnSpy, ...options },
    {
      onInit: (init) => inits.push(init),
      onFragment: (f) => fragments.push(f),
      onState: (state, reason) => states.push({ state, reason, atMs: Date.now() }),
      onDiagnostic: (line) => diagnostics.push(line),
    },
  );
  supervisor.start();
  return { supervisor, states, inits, fragments, diagnostics, pids, spawnTimes };
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function alive(pid: number): boolean {
  // A zombie still has a /proc entry; a reaped process has none.
  return existsSync(`/proc/${pid}`);
}

function expectNoSecrets(r: Recorder): void {
  const texts = [...r.diagnostics, ...r.states.map((s) => `${s.state} ${s.reason ?? ''}`), JSON.stringify(r.supervisor.stats()), r.supervisor.displayUrl];
  for (const text of texts) for (const secret of FORBIDDEN) expect(text).not.toContain(secret);
}

// stdout read by Node's pipe stream, and by the native reader (recording.bytePath native): the same behaviour.
const nativeStdout = (await nativeBytePathForTests()).pipeReader!;

describe.each(['node', 'native'] as const)('IngestSupervisor (real ffmpeg, simulated cameras), stdout read by %s', (reader) => {
  const record = (url: string, options: Partial<IngestSupervisorOptions> = {}): Recorder =>
    recordWith(url, { ...(reader === 'native' ? { nativeStdout } : {}), ...options });

  it('records H.264: init of the right size, fragments, connecting → recording; stop() leaves no process', async () => {
    const r = record(sim.urlOf('cam1'));
    await waitFor('2 fragments', () => r.fragments.length >= 2, 10_000);
    expect(r.inits[0]).toMatchObject({ codecFamily: 'h264', width: 320, height: 240 });
    expect(r.states.map((s) => s.state)).toEqual(['connecting', 'recording']);
    expect(r.fragments[0]?.keyframe).toBe(true);
    const pid = r.pids[0] ?? -1;
    // The URL went through fd 3: the process list shows no credentials.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('pipe:3');
    for (const secret of [...FORBIDDEN, AUTH.user]) expect(cmdline).not.toContain(secret);
    await waitFor('3 s of video', () => r.fragments.length >= 3, 5000);
    const stats = r.supervisor.stats();
    expect(stats.fps).toBeGreaterThan(20);
    expect(stats.fps).toBeLessThan(30);
    expect(stats.bitrateBps).toBeGreaterThan(50_000);
    const t0 = Date.now();
    await r.supervisor.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(alive(pid)).toBe(false);
    expect(r.states.at(-1)?.state).toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // longer than the minimum backoff
    expect(r.pids).toHaveLength(1); // no restart after stop
    expectNoSecrets(r);
  });

  it('classifies failures: unreachable (backoff-spaced), wrong password (fd and argv), MJPEG', async () => {
    const port = await closedPort();
    const unreachable = record(`rtsp://vigil-op:wrong-Pa55@127.0.0.1:${port}/cam`, { backoff: { minMs: 1000, maxMs: 30_000 } });
    const wrongFd = record(sim.urlOf('cam1', { user: AUTH.user, password: 'wrong-Pa55' }));
    const wrongArgv = record(sim.urlOf('cam1', { user: AUTH.user, password: 'wrong-Pa55' }), { urlVia: 'argv' });
    const mjpeg = record(sim.urlOf('mjpeg1'));
    const all = [unreachable, wrongFd, wrongArgv, mjpeg];
    try {
      await waitFor('wrong password', () => wrongFd.supervisor.reason === 'auth_failed' && wrongArgv.supervisor.reason === 'auth_failed', 10_000);
      await waitFor('MJPEG refused', () => mjpeg.supervisor.reason === 'unsupported_codec', 10_000);
      const t0 = unreachable.spawnTimes[0] ?? 0;
      await waitFor('5 s of retries', () => Date.now() - t0 >= 5000, 6000);
      expect(unreachable.states.slice(0, 2).map((s) => [s.state, s.reason])).toEqual([['connecting', undefined], ['reconnecting', 'unreachable']]);
      // Backoff 1–2 s, then 2–4 s, then 4–8 s: at most 3 spawns in 5 s (a tight loop would make dozens).
      const inFive = unreachable.spawnTimes.filter((t) => t - t0 <= 5000);
      expect(inFive.length).toBeGreaterThanOrEqual(2);
      expect(inFive.length).toBeLessThanOrEqual(3);
      expect((inFive[1] ?? 0) - t0).toBeGreaterThanOrEqual(1000);
      expect(wrongFd.supervisor.state).toBe('failed');
      expect(wrongFd.inits).toEqual([]);
      expect(mjpeg.supervisor.state).toBe('failed');
      expect(mjpeg.fragments).toEqual([]);
      // ffmpeg echoes the URL on a 401 (argv mode: the URL itself; fd mode: the concat script's `file` line).
      expect(wrongArgv.diagnostics.some((l) => l.includes('rtsp://***@127.0.0.1'))).toBe(true);
      expect(wrongFd.diagnostics.some((l) => l.includes('rtsp://***@127.0.0.1'))).toBe(true);
    } finally {
      await Promise.all(all.map((r) => r.supervisor.stop()));
    }
    for (const r of all) {
      expectNoSecrets(r);
      for (const pid of r.pids) expect(alive(pid)).toBe(false);
    }
  });

  it('camera goes away: reconnecting; camera returns: recording again within 5 s', async () => {
    const r = record(sim.urlOf('cam2'), { stallMs: 3000 });
    try {
      await waitFor('recording', () => r.supervisor.state === 'recording', 10_000);
      await sim.stop('cam2');
      await waitFor('loss noticed', () => r.supervisor.state !== 'recording', 8000);
      expect(r.states.at(-2)?.state).toBe('recording');
      expect(r.states.at(-1)).toMatchObject({ state: 'reconnecting' });
      expect(['stream_ended', 'stalled']).toContain(r.states.at(-1)?.reason);
      await new Promise((resolve) => setTimeout(resolve, 2500)); // a few refused attempts while it is gone
      const before = r.fragments.length;
      await sim.start('cam2');
      const back = Date.now();
      await waitFor('recording again', () => r.supervisor.state === 'recording' && r.fragments.length > before, 8000);
      const recoveryMs = Date.now() - back;
      expect(recoveryMs).toBeLessThan(5000);
      expect(r.inits.length).toBeGreaterThanOrEqual(2); // each ffmpeg run starts with an init segment
      expect(r.supervisor.stats().reconnects).toBeGreaterThanOrEqual(1);
      console.error(`ingest recovery after camera return: ${recoveryMs} ms; states: ${r.states.map((s) => `${s.state}${s.reason ? `(${s.reason})` : ''}`).join(' → ')}`);
    } finally {
      await r.supervisor.stop();
    }
    for (const pid of r.pids) expect(alive(pid)).toBe(false);
    expectNoSecrets(r);
  });
});
