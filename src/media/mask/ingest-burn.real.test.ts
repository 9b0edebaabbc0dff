// Real ffmpeg and a simulated RTSP camera: privacy masks (R13, D11) burned in at recording. The ingest re-encodes
// the masked picture; the recorded fragments decode to black inside the polygon and the test pattern outside,
// while the same camera ingested without masks (stream copy) is not black there. Also measures the CPU it costs.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../../../tools/sim-camera/index.js';
import { cleanupFixtures, writeTemp } from '../fmp4/test-fixtures.js';
import type { Fragment, InitSegment } from '../fmp4/index.js';
import { IngestSupervisor, type SpawnIngest } from '../ingest/supervisor.js';
import { maskImagePam } from './image.js';

const run = promisify(execFile);
const SQUARE: [number, number][] = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]];
const INSIDE = '120:80:100:80';
const OUTSIDE_RIGHT = '50:100:265:70'; // testsrc2's colour area right of the square

let sim: SimCameras;
beforeAll(async () => {
  sim = await startSimCameras({ streams: [{ name: 'masked', width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, clipSeconds: 4 }] });
}, 120_000);
afterAll(async () => {
  await sim?.close();
  await cleanupFixtures();
});

/** CPU seconds (user + system) a live process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

async function ingest(maskImage: Buffer | undefined, seconds: number): Promise<{ file: Buffer; cpu: number; wall: number }> {
  let inits: InitSegment[] = [];
  const fragments: Fragment[] = [];
  let pid = -1;
  const spawnSpy: SpawnIngest = (command, args, options) => {
    const child = spawn(command, args, options);
    pid = child.pid ?? -1;
    return child;
  };
  const supervisor = new IngestSupervisor(
    { url: sim.urlOf('masked'), analyzeDurationMs: 1000, spawn: spawnSpy, ...(maskImage ? { maskImage } : {}) },
    { onInit: (i) => (inits = [i]), onFragment: (f) => fragments.push(f), onState: () => undefined, onDiagnostic: () => undefined },
  );
  supervisor.start();
  const started = Date.now();
  const deadline = started + 30_000;
  while (fragments.length < seconds && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const cpu = pid > 0 ? cpuSeconds(pid) : Number.NaN;
  const wall = (Date.now() - started) / 1000;
  await supervisor.stop();
  expect(inits, 'an init segment').toHaveLength(1);
  expect(fragments.length).toBeGreaterThanOrEqual(seconds);
  return { file: Buffer.concat([inits[0]!.data, ...fragments.map((f) => f.data)]), cpu, wall };
}

async function grayCrop(path: string, crop: string, seek: string): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', seek, '-i', path, '-frames:v', '1', '-vf', `crop=${crop},format=gray`, '-f', 'rawvideo', '-'], {
    encoding: 'buffer',
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(stdout.length).toBeGreaterThan(0);
  return stdout;
}

const mean = (b: Buffer) => b.reduce((s, v) => s + v, 0) / b.length;

describe('masks burned in at recording (real ffmpeg, simulated camera)', () => {
  it('records black inside the polygon and the picture outside; without masks the same spot is not black', async () => {
    const masked = await ingest(maskImagePam([{ points: SQUARE }]), 4);
    const plain = await ingest(undefined, 4);
    const maskedPath = await writeTemp('ingest-masked.mp4', masked.file);
    const plainPath = await writeTemp('ingest-plain.mp4', plain.file);
    for (const seek of ['0.5', '2.5']) {
      expect(Math.max(...(await grayCrop(maskedPath, INSIDE, seek))), `masked inside at ${seek}s`).toBeLessThanOrEqual(24);
      expect(mean(await grayCrop(maskedPath, OUTSIDE_RIGHT, seek)), `masked outside at ${seek}s`).toBeGreaterThan(40);
      expect(Math.max(...(await grayCrop(plainPath, INSIDE, seek))), `unmasked inside at ${seek}s`).toBeGreaterThan(100);
    }
    // The re-encode starts each fragment on a keyframe, as the segment writer needs.
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', maskedPath]);
    expect(stdout.trim()).toBe('h264,320,240');
    console.log(`[mask burn-in] 320x240@25: re-encode ${masked.cpu.toFixed(2)} CPU-s over ${masked.wall.toFixed(1)} s wall; stream copy ${plain.cpu.toFixed(2)} CPU-s over ${plain.wall.toFixed(1)} s`);
  });
});
