// TEST-ONLY helper (imported by the *.test.ts files beside it, never by index.ts): real fMP4 files made by the
// installed ffmpeg at test time, with the ingest's muxer flags, into a temporary directory; and ffprobe/ffmpeg
// checks. Nothing is committed: fixtures are generated, and cached per test file in module-level promises.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The ingest's muxer flags (architecture §3): empty moov, a fragment per keyframe and at most every second. */
export const INGEST_MUXER = [
  '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000',
];

const X265_QUIET = ['-x265-params', 'log-level=error'];

/** Each fixture: tiny encodes (well under a second each) of ffmpeg's moving test pattern. */
const SPECS = {
  /** H.264, a keyframe every second: every fragment starts with one. */
  h264: { input: 'testsrc2=size=320x240:rate=25', seconds: 4, codec: ['-c:v', 'libx264', '-g', '25'] },
  /** H.264, a keyframe every 2 s with 1 s fragments: every other fragment starts without one. */
  h264Gop50: {
    input: 'testsrc2=size=320x240:rate=25',
    seconds: 4,
    codec: ['-c:v', 'libx264', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0'],
  },
  hvc1: { input: 'testsrc2=size=320x240:rate=25', seconds: 2, codec: ['-c:v', 'libx265', ...X265_QUIET, '-tag:v', 'hvc1'] },
  hev1: { input: 'testsrc2=size=320x240:rate=25', seconds: 2, codec: ['-c:v', 'libx265', ...X265_QUIET] },
  mjpeg: { input: 'testsrc2=size=320x240:rate=25', seconds: 2, codec: ['-c:v', 'mjpeg'] },
  /** Small-picture files for the fuzzer: a mutated case copies its input, so small mdats keep it fast. */
  tinyH264: { input: 'testsrc2=size=64x48:rate=10', seconds: 3, codec: ['-c:v', 'libx264', '-g', '10'] },
  tinyHevc: { input: 'testsrc2=size=64x48:rate=10', seconds: 2, codec: ['-c:v', 'libx265', ...X265_QUIET, '-tag:v', 'hvc1', '-g', '10'] },
  tinyMjpeg: { input: 'testsrc2=size=64x48:rate=5', seconds: 1, codec: ['-c:v', 'mjpeg'] },
} as const;

export type FixtureName = keyof typeof SPECS;

export interface Fixture {
  path: string;
  data: Buffer;
}

let dirPromise: Promise<string> | undefined;
const cache = new Map<FixtureName, Promise<Fixture>>();

export function tempDir(): Promise<string> {
  dirPromise ??= mkdtemp(join(tmpdir(), 'vigil-fmp4-'));
  return dirPromise;
}

/** Generates the named fixture once per test file. */
export function fixture(name: FixtureName): Promise<Fixture> {
  let p = cache.get(name);
  if (!p) {
    p = (async () => {
      const spec = SPECS[name];
      const path = join(await tempDir(), `${name}.mp4`);
      const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', spec.input, '-t', String(spec.seconds)];
      await run('ffmpeg', [...args, ...spec.codec, '-pix_fmt', 'yuv420p', ...INGEST_MUXER, path]);
      return { path, data: await readFile(path) };
    })();
    cache.set(name, p);
  }
  return p;
}

/** Removes the temporary directory (afterAll). */
export async function cleanupFixtures(): Promise<void> {
  if (dirPromise) await rm(await dirPromise, { recursive: true, force: true });
  dirPromise = undefined;
  cache.clear();
}

export async function writeTemp(name: string, data: Buffer): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, data);
  return path;
}

export interface ProbedStream {
  codec_name: string;
  codec_tag_string: string;
  width: number;
  height: number;
  time_base: string;
  profile?: string;
  level?: number;
  nb_read_packets?: string;
}

export async function probeStream(path: string): Promise<ProbedStream> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-count_packets',
    '-show_entries', 'stream=codec_name,codec_tag_string,width,height,time_base,profile,level,nb_read_packets',
    '-of', 'json', path,
  ]);
  const parsed = JSON.parse(stdout) as { streams: ProbedStream[] };
  const stream = parsed.streams[0];
  if (!stream) throw new Error(`ffprobe found no video stream in ${path}`);
  return stream;
}

export interface ProbedPacket {
  dts: number;
  key: boolean;
}

export async function probePackets(path: string): Promise<ProbedPacket[]> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=dts,flags', '-of', 'json', path,
  ]);
  const parsed = JSON.parse(stdout) as { packets: { dts: number; flags: string }[] };
  return parsed.packets.map((p) => ({ dts: p.dts, key: p.flags.startsWith('K') }));
}

/** Decodes every frame; resolves with the number of frames decoded, rejects (with stderr) on any decode error. */
export async function decodeFrames(path: string): Promise<number> {
  const { stdout, stderr } = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path,
  ]);
  if (stderr.trim() !== '') throw new Error(`ffprobe reported: ${stderr}`);
  return Number(stdout.trim());
}

/** `ffmpeg -v error -i file -f null -`: resolves with stderr (empty for a clean decode), rejects on a non-zero exit. */
export async function ffmpegDecode(path: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return stderr;
}
