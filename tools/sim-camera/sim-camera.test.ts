// Tests of the simulated cameras against real parts: ffmpeg encodes the clips, GStreamer's RTSP server serves
// them, and ffprobe/ffmpeg pull them over RTSP/TCP exactly as the recorder will. Clips are small (320x240, a
// couple of seconds) except for one 1080p check, so the file runs in well under a minute on 2 shared cores.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClip } from './clips.js';
import { preset1080p, startSimCameras, type SimCameras, type SimStream } from './index.js';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function probe(url: string): Promise<RunResult> {
  return run('ffprobe', [
    '-v', 'error', '-rtsp_transport', 'tcp', '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,width,height', '-of', 'json', url,
  ], 15_000);
}

async function probeStream(url: string): Promise<{ codec_name: string; width: number; height: number }> {
  const r = await probe(url);
  expect(r.code, r.stderr).toBe(0);
  const info = JSON.parse(r.stdout) as { streams: Array<{ codec_name: string; width: number; height: number }> };
  const s = info.streams[0];
  if (!s) throw new Error(`no video stream in ${r.stdout}`);
  return s;
}

async function fileDuration(file: string): Promise<number> {
  const r = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], 10_000);
  return Number(r.stdout.trim());
}

/** Pulls `seconds` of the stream with ffmpeg, stream copy into fragmented MP4, as the recorder does. */
function pull(url: string, out: string, seconds: number): Promise<RunResult> {
  return run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-rtsp_transport', 'tcp', '-i', url,
    '-c', 'copy', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov', '-t', String(seconds), out,
  ], (seconds + 15) * 1000);
}

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const small = (name: string, extra: Partial<SimStream> = {}): SimStream => ({
  name, width: 320, height: 240, fps: 10, bitrateKbps: 300, gopFrames: 20, clipSeconds: 2, ...extra,
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-sim-camera-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureClip', () => {
  it('encodes a short base clip, lengthens it by stream copy, and caches it', async () => {
    const cacheDir = path.join(dir, 'clips');
    const spec = {
      name: '东门 cam:1, \'quoted\' %{n}', width: 160, height: 120, fps: 10, gopFrames: 10, bitrateKbps: 200,
      codec: 'h264' as const, seconds: 3, baseSeconds: 1, cacheDir,
    };
    // Two concurrent callers get one encode and one path.
    const [a, b] = await Promise.all([ensureClip(spec), ensureClip(spec)]);
    expect(a).toBe(b);
    expect(await fileDuration(a)).toBeCloseTo(3, 1);
    const keyframes = await run('ffprobe', [
      '-v', 'error', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', a,
    ], 10_000);
    const keyTimes = keyframes.stdout.trim().split('\n').filter((l) => l.includes('K')).map((l) => Number(l.split(',')[0]));
    expect(keyTimes).toEqual([0, 1, 2]);
    const t0 = Date.now();
    expect(await ensureClip(spec)).toBe(a);
    expect(Date.now() - t0).toBeLessThan(200);
  }, 30_000);
});

describe('sim cameras', () => {
  let cams: SimCameras;
  beforeAll(async () => {
    cams = await startSimCameras({
      streams: [
        { name: 'hd720', width: 1280, height: 720, fps: 25, bitrateKbps: 1500, gopFrames: 25, clipSeconds: 2 },
        small('hevc', { codec: 'h265' }),
        small('mjpeg', { codec: 'mjpeg' }),
        small('victim'),
        preset1080p('fullhd', { clipSeconds: 2 }),
        small('wallclock', { kind: 'live' }),
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await cams?.close();
  });

  it('serves H.264, H.265, MJPEG and a live-encoded stream at the right size', async () => {
    const [hd720, hevc, mjpeg, fullhd, wallclock] = await Promise.all(
      ['hd720', 'hevc', 'mjpeg', 'fullhd', 'wallclock'].map((n) => probeStream(cams.urlOf(n))),
    );
    expect(hd720).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(hevc).toMatchObject({ codec_name: 'hevc', width: 320, height: 240 });
    expect(mjpeg).toMatchObject({ codec_name: 'mjpeg', width: 320, height: 240 });
    expect(fullhd).toMatchObject({ codec_name: 'h264', width: 1920, height: 1080 });
    expect(wallclock).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
  }, 30_000);

  it('streams in real time with continuous timestamps across the clip loop and joining clients', async () => {
    // 3 s from 2 s clips: every pull crosses at least one loop point.
    const names = ['hd720', 'hevc', 'mjpeg'];
    const pulling = Promise.all(names.map((n) => pull(cams.urlOf(n), path.join(dir, `${n}.mp4`), 3)));
    // Second clients join the shared pipelines mid-stream: like on a camera, that must not disturb the first
    // ones (with a seekable `filesrc ! qtdemux` mount, each join's `PLAY Range: npt=0-` rewinds everyone).
    await new Promise((r) => setTimeout(r, 1200));
    const joiners = await Promise.all(names.map((n) => probeStream(cams.urlOf(n))));
    expect(joiners.map((j) => j.codec_name)).toEqual(['h264', 'hevc', 'mjpeg']);
    const results = await pulling;
    for (const [i, r] of results.entries()) {
      expect(r.code, r.stderr).toBe(0);
      // Live pacing: 3 s of media cannot arrive much faster than 3 s.
      expect(r.ms).toBeGreaterThan(2500);
      const file = path.join(dir, `${names[i]}.mp4`);
      expect(await fileDuration(file)).toBeGreaterThan(2.8);
      const pts = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], 10_000);
      // From the third packet on: ffmpeg's RTSP client gives the first frame no PTS and the second PTS 0 (the
      // muxer then nudges it to 1 tick) whatever the server, e.g. also with a plain `filesrc ! qtdemux` mount.
      const times = pts.stdout.trim().split('\n').map(Number).slice(2);
      expect(times.length).toBeGreaterThan(20);
      const steps = times.slice(1).map((t, k) => t - (times[k] ?? 0));
      const frame = names[i] === 'hd720' ? 0.04 : 0.1;
      for (const step of steps) expect(step).toBeCloseTo(frame, 2);
    }
  }, 30_000);

  it('stop drops a connected reader and unmounts; start mounts again', async () => {
    const url = cams.urlOf('victim');
    const out = path.join(dir, 'victim.mp4');
    const reader = pull(url, out, 30);
    await new Promise((r) => setTimeout(r, 1500)); // let it connect and receive a little
    const stoppedAt = Date.now();
    await cams.stop('victim');
    const r = await reader;
    const lag = Date.now() - stoppedAt;
    console.log(`sim-camera: reader ended ${lag} ms after stop (exit ${r.code})`);
    expect(lag).toBeLessThan(5000);
    expect(await fileDuration(out)).toBeLessThan(5); // it got something, then the stream died
    const gone = await probe(url);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/404|Not Found/);
    await cams.start('victim');
    await cams.start('victim'); // idempotent
    await expect(cams.stop('no-such-camera')).rejects.toThrow(/unknown stream/);
    expect(await probeStream(url)).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
  }, 30_000);
});

describe('sim cameras with Basic auth', () => {
  let cams: SimCameras;
  beforeAll(async () => {
    cams = await startSimCameras({ streams: [small('door')], auth: { user: 'admin', password: 's3cret:!' } });
  }, 60_000);
  afterAll(async () => {
    await cams?.close();
  });

  it('refuses a wrong password and no credentials with 401, accepts the right one', async () => {
    const wrong = await probe(cams.urlOf('door', { user: 'admin', password: 'nope' }));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401/);
    const none = await probe(cams.urlOf('door', null));
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/401/);
    expect(await probeStream(cams.urlOf('door'))).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
  }, 30_000);
});

describe('32 streams', () => {
  let cams: SimCameras;
  beforeAll(async () => {
    // One shared 1080p clip (same label and parameters) behind 32 mounts, as a benchmark would set them up.
    const streams = Array.from({ length: 32 }, (_, i) => preset1080p(`cam${i + 1}`, { label: 'bench 1080p', clipSeconds: 2 }));
    cams = await startSimCameras({ streams });
  }, 60_000);
  afterAll(async () => {
    await cams?.close();
  });

  it('serves all 32 mounts and reports the server CPU while 4 clients pull', async () => {
    const some = ['cam1', 'cam17', 'cam32'];
    const pulls = await Promise.all(some.map((n) => pull(cams.urlOf(n), path.join(dir, `${n}.mp4`), 1)));
    for (const r of pulls) expect(r.code, r.stderr).toBe(0);

    const readers = ['cam2', 'cam3', 'cam4', 'cam5'].map((n) => pull(cams.urlOf(n), path.join(dir, `${n}.mp4`), 6));
    await new Promise((r) => setTimeout(r, 1500)); // past connection setup
    const t0 = Date.now();
    const c0 = await cpuTicks(cams.pid);
    await new Promise((r) => setTimeout(r, 3000));
    const c1 = await cpuTicks(cams.pid);
    const seconds = (Date.now() - t0) / 1000;
    const ticksPerSecond = 100; // Linux USER_HZ
    const cpuPercent = ((c1 - c0) / ticksPerSecond / seconds) * 100;
    console.log(
      `sim-camera: server CPU with 32 mounts, 4 clients pulling 1080p 4 Mbit/s: ${cpuPercent.toFixed(1)} % of a core ` +
        `(${(cpuPercent / 4).toFixed(2)} % per streamed camera)`,
    );
    for (const r of await Promise.all(readers)) expect(r.code, r.stderr).toBe(0);
    expect(cpuPercent).toBeLessThan(100);
  }, 40_000);
});
