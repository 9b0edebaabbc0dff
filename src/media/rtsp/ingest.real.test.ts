// The built-in RTSP ingest behind the real IngestSupervisor, against the simulated cameras (GStreamer's RTSP server,
// tools/sim-camera): it records H.264 and H.265 without an ffmpeg child, through Node's stream and through the
// native reader's pipe; what it records decodes without an error; failures get the reasons ffmpeg's do; a stream it
// does not implement (MJPEG) goes to ffmpeg; a camera that returns records again within 5 s.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../../../tools/sim-camera/index.js';
import { nativeBytePathForTests } from '../../../test/support/append-paths.js';
import { closedPort } from '../../../test/support/faults.js';
import { fragmentParts, type Fragment, type InitSegment } from '../fmp4/index.js';
import { IngestSupervisor, type IngestReason, type IngestState, type IngestSupervisorOptions, type SpawnIngest } from '../ingest/index.js';

const AUTH = { user: 'vigil-op', password: 'p@ss:w/rd S3cr' };
const FORBIDDEN = [AUTH.password, encodeURIComponent(AUTH.password), 'S3cr', 'wrong-Pa55'];

let sim: SimCameras;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-builtin-ingest-'));
  sim = await startSimCameras({
    auth: AUTH,
    streams: [
      { name: 'h264', width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, clipSeconds: 4 },
      { name: 'h265', width: 320, height: 240, fps: 25, gopFrames: 50, bitrateKbps: 300, clipSeconds: 4, codec: 'h265' },
      { name: 'back', width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, clipSeconds: 4 },
      { name: 'mjpeg1', width: 320, height: 240, fps: 10, codec: 'mjpeg', bitrateKbps: 1000, clipSeconds: 2 },
    ],
  });
}, 120_000);

afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  supervisor: IngestSupervisor;
  states: { state: IngestState; reason: IngestReason | undefined }[];
  inits: InitSegment[];
  fragments: Fragment[];
  diagnostics: string[];
  spawned: string[];
}

const nativeStdout = (await nativeBytePathForTests()).pipeReader!;

function record(url: string, reader: 'node' | 'native', options: Partial<IngestSupervisorOptions> = {}): Run {
  const r: Run = { supervisor: null as unknown as IngestSupervisor, states: [], inits: [], fragments: [], diagnostics: [], spawned: [] };
  const spawnSpy: SpawnIngest = (command, args, spawnOptions) => {
    r.spawned.push(command);
    return spawn(command, args, spawnOptions);
  };
  r.supervisor = new IngestSupervisor(
    { url, rtspClient: 'builtin', analyzeDurationMs: 1000, backoff: { minMs: 1000, maxMs: 2000 }, spawn: spawnSpy, ...(reader === 'native' ? { nativeStdout } : {}), ...options },
    {
      onInit: (init) => r.inits.push(init),
      // Fragments the native reader hands over are views of its buffers, valid for the call: keep a copy.
      onFragment: (f) => r.fragments.push({ ...f, data: Buffer.concat(fragmentParts(f)) }),
      onState: (state, reason) => r.states.push({ state, reason }),
      onDiagnostic: (line) => r.diagnostics.push(line),
    },
  );
  r.supervisor.start();
  return r;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expectNoSecrets(r: Run): void {
  const texts = [...r.diagnostics, JSON.stringify(r.supervisor.stats()), r.supervisor.displayUrl];
  for (const text of texts) for (const secret of FORBIDDEN) expect(text).not.toContain(secret);
}

describe.each(['node', 'native'] as const)('built-in RTSP ingest (simulated cameras), output read by %s', (reader) => {
  it.each([['h264', 25], ['h265', 50]] as const)('records %s without ffmpeg: decodable, 1 s fragments, keyframes per GOP', async (name, gop) => {
    const r = record(sim.urlOf(name), reader);
    try {
      await waitFor('4 fragments', () => r.fragments.length >= 4, 15_000);
      expect(r.spawned).toEqual([]); // no ffmpeg child
      expect(r.inits).toHaveLength(1);
      expect(r.inits[0]).toMatchObject({ codecFamily: name, width: 320, height: 240, timescale: 90_000 });
      expect(r.states.map((s) => s.state)).toEqual(['connecting', 'recording']);
      const f = r.fragments;
      expect(f[0]!.keyframe).toBe(true);
      for (let i = 1; i < f.length; i++) {
        expect(f[i]!.sequence).toBe(f[i - 1]!.sequence + 1);
        expect(f[i]!.baseMediaDecodeTime).toBe(f[i - 1]!.baseMediaDecodeTime + f[i - 1]!.durationTicks);
      }
      // A keyframe every `gop` frames, a fragment every 25: with a 2 s GOP every other fragment starts with one.
      expect(f.slice(0, 4).map((x) => x.keyframe)).toEqual(gop === 25 ? [true, true, true, true] : [true, false, true, false]);
      expect(f.slice(0, 3).every((x) => x.sampleCount === 25 && x.durationTicks === 90_000)).toBe(true);
      const stats = r.supervisor.stats();
      expect(stats).toMatchObject({ client: 'builtin', builtinFallback: null });
      expect(stats.fps).toBeGreaterThan(20);
      expect(stats.fps).toBeLessThan(30);
      const file = join(dir, `${name}-${reader}.mp4`);
      writeFileSync(file, Buffer.concat([r.inits[0]!.data, ...f.map((x) => x.data)]));
      expect(execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
      const t0 = Date.now();
      await r.supervisor.stop();
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(r.states.at(-1)?.state).toBe('stopped');
    } finally {
      await r.supervisor.stop();
    }
    expectNoSecrets(r);
  });

  it('classifies failures as ffmpeg does: wrong password, wrong path, unreachable; MJPEG goes to ffmpeg', async () => {
    const port = await closedPort();
    const wrong = record(sim.urlOf('h264', { user: AUTH.user, password: 'wrong-Pa55' }), reader);
    const missing = record(sim.urlOf('h264').replace(/\/h264$/, '/nope'), reader);
    const unreachable = record(`rtsp://vigil-op:wrong-Pa55@127.0.0.1:${port}/cam`, reader);
    const mjpeg = record(sim.urlOf('mjpeg1'), reader);
    const all = [wrong, missing, unreachable, mjpeg];
    try {
      await waitFor('wrong password', () => wrong.supervisor.reason === 'auth_failed', 10_000);
      await waitFor('wrong path', () => missing.supervisor.reason === 'not_found', 10_000);
      await waitFor('unreachable', () => unreachable.supervisor.reason === 'unreachable', 10_000);
      await waitFor('MJPEG refused by ffmpeg', () => mjpeg.supervisor.reason === 'unsupported_codec', 15_000);
      expect(wrong.supervisor.state).toBe('failed');
      expect(missing.supervisor.state).toBe('failed');
      expect(unreachable.supervisor.state).toBe('reconnecting');
      expect([wrong, missing, unreachable].every((r) => r.spawned.length === 0)).toBe(true);
      expect(mjpeg.spawned).toEqual(['ffmpeg']); // stepped aside once, then ffmpeg said why
      expect(mjpeg.diagnostics.some((l) => /built-in RTSP ingest: video codec JPEG/.test(l))).toBe(true);
      expect(mjpeg.supervisor.stats()).toMatchObject({ client: 'ffmpeg', builtinFallback: 'video codec JPEG is not H.264 or H.265' });
      expect(mjpeg.states[0]).toEqual({ state: 'connecting', reason: undefined });
      expect(mjpeg.states.filter((s) => s.state === 'reconnecting')).toEqual([]); // the fallback is no failure
    } finally {
      await Promise.all(all.map((r) => r.supervisor.stop()));
    }
    for (const r of all) expectNoSecrets(r);
  });

  it('a server whose RTSP the client cannot follow goes to ffmpeg', async () => {
    // Answers every request with HTTP: not RTSP. ffmpeg cannot use it either, and says so.
    const server = createServer((sock) => {
      sock.on('error', () => {});
      sock.once('data', () => sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const r = record(`rtsp://127.0.0.1:${port}/cam`, reader);
    try {
      await waitFor('ffmpeg tried', () => r.spawned.length === 1 && r.supervisor.state === 'reconnecting', 10_000);
      expect(r.supervisor.stats().builtinFallback).toMatch(/^RTSP: /);
      expect(r.supervisor.stats().client).toBe('ffmpeg');
    } finally {
      await r.supervisor.stop();
      server.close();
    }
  });

  it('parameter sets it cannot parse go to ffmpeg', async () => {
    // A scripted camera: a well-formed session whose H.264 SPS is cut short, then an IDR and P frames at 25 fps.
    const badSps = Buffer.from('6742c01e', 'hex');
    const pps = Buffer.from('68cb83cb20', 'hex');
    const server = createServer((sock) => {
      sock.on('error', () => {});
      let text = '';
      sock.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        for (let end = text.indexOf('\r\n\r\n'); end >= 0; end = text.indexOf('\r\n\r\n')) {
          const head = text.slice(0, end);
          text = text.slice(end + 4);
          const method = head.split(' ')[0];
          const cseq = /CSeq: *(\d+)/i.exec(head)?.[1] ?? '0';
          const sdp = `v=0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n`;
          const extra = method === 'DESCRIBE' ? `Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}` : method === 'SETUP' ? 'Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 1\r\n\r\n' : '\r\n';
          sock.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\n${extra}`);
          if (method === 'PLAY') {
            const frames: Buffer[] = [];
            const packet = (seq: number, ts: number, nal: Buffer): Buffer => {
              const rtp = Buffer.concat([Buffer.from([0x80, 0x80 | 96, seq >> 8, seq & 0xff, ts >>> 24, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, 0, 0, 0, 1]), nal]);
              return Buffer.concat([Buffer.from([0x24, 0, rtp.length >> 8, rtp.length & 0xff]), rtp]);
            };
            let seq = 0;
            frames.push(packet(seq++, 0, Buffer.concat([Buffer.from([0x18, 0, badSps.length]), badSps, Buffer.from([0, pps.length]), pps])));
            frames.push(packet(seq++, 0, Buffer.from([0x65, 0x88, 0x84, 0x21])));
            for (let i = 1; i <= 30; i++) frames.push(packet(seq++, i * 3600, Buffer.from([0x41, 0x9a, 0x02, 0x03])));
            sock.write(Buffer.concat(frames));
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const r = record(`rtsp://127.0.0.1:${port}/cam`, reader);
    try {
      await waitFor('ffmpeg tried', () => r.spawned.length === 1, 10_000);
      expect(r.supervisor.stats().builtinFallback).toMatch(/^parameter sets: /);
      expect(r.fragments).toEqual([]);
    } finally {
      await r.supervisor.stop();
      server.close();
    }
  });

  it('camera goes away: reconnecting; camera returns: recording again within 5 s', async () => {
    const r = record(sim.urlOf('back'), reader, { stallMs: 3000 });
    try {
      await waitFor('recording', () => r.supervisor.state === 'recording', 10_000);
      await sim.stop('back');
      await waitFor('loss noticed', () => r.supervisor.state !== 'recording', 8000);
      expect(r.states.at(-1)).toMatchObject({ state: 'reconnecting' });
      expect(['stream_ended', 'stalled']).toContain(r.states.at(-1)?.reason);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const before = r.fragments.length;
      await sim.start('back');
      const back = Date.now();
      await waitFor('recording again', () => r.supervisor.state === 'recording' && r.fragments.length > before, 8000);
      expect(Date.now() - back).toBeLessThan(5000);
      expect(r.inits.length).toBeGreaterThanOrEqual(2); // each session starts with an init segment
      expect(r.spawned).toEqual([]);
    } finally {
      await r.supervisor.stop();
    }
    expectNoSecrets(r);
  });
});
