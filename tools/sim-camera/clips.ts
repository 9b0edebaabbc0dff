// Pre-encoded clips for the simulated cameras (tools/sim-camera). Owns encoding and the on-disk clip cache.
//
// Why pre-encoded: 32+ simulated cameras must cost almost nothing, so each picture is encoded once with ffmpeg
// (testsrc2 + the camera's name + a running clock, fixed GOP, CBR-ish at the requested bitrate) and the RTSP
// server (server.py) only replays it. A clip is a short base encode (≤ 10 s, a whole number of GOPs so every
// loop point is a keyframe) lengthened by stream copy when a longer file is asked for: seconds, not minutes.
// Cache: `${VIGIL_CACHE_DIR:-<repo>/.vigil-cache}/clips/<sha256 of the parameters>.mp4`, written to a temp
// file and renamed, so concurrent callers (several test files, several processes) never see a partial clip.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Codec = 'h264' | 'h265' | 'mjpeg';

export interface ClipSpec {
  /** Text drawn in the picture (the camera's name; any Unicode, CJK included). */
  name: string;
  width: number;
  height: number;
  fps: number;
  /** Keyframe interval in frames (ignored for MJPEG, where every frame is a keyframe). */
  gopFrames: number;
  bitrateKbps: number;
  codec: Codec;
  /** Length of the clip; rounded up to whole base clips (and the base clip to whole GOPs). */
  seconds: number;
  /** Length of the encoded base clip that longer clips repeat; default 10 s. */
  baseSeconds?: number;
  /** Cache directory; default `${VIGIL_CACHE_DIR:-<repo>/.vigil-cache}/clips`. */
  cacheDir?: string;
}

// Bump when the encoding recipe changes, so stale clips in existing caches are not reused.
const RECIPE_VERSION = 1;
const DEFAULT_BASE_SECONDS = 10;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FONTS = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', // fonts-noto-cjk: names like 东门入口 render
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', // fonts-dejavu-core: Latin fallback
];

export function defaultClipCacheDir(): string {
  const root = process.env.VIGIL_CACHE_DIR || path.join(REPO_ROOT, '.vigil-cache');
  return path.join(root, 'clips');
}

// One encode per clip per process even when many callers ask at once; across processes temp + rename suffices.
const inFlight = new Map<string, Promise<string>>();

/** Returns the path of a cached clip matching `spec`, encoding it first if needed. */
export function ensureClip(spec: ClipSpec): Promise<string> {
  validate(spec);
  const dir = spec.cacheDir ?? defaultClipCacheDir();
  const base = baseFrames(spec);
  const loops = Math.max(1, Math.ceil((spec.seconds * spec.fps) / base));
  const target = path.join(dir, `${clipKey(spec, base, loops)}.mp4`);
  let pending = inFlight.get(target);
  if (!pending) {
    pending = build(spec, dir, base, loops, target).finally(() => inFlight.delete(target));
    inFlight.set(target, pending);
  }
  return pending;
}

async function build(spec: ClipSpec, dir: string, base: number, loops: number, target: string): Promise<string> {
  if (await isFile(target)) return target;
  await mkdir(dir, { recursive: true });
  await sweepStale(dir);
  if (loops === 1) {
    await atomically(target, (tmp) => encodeBase(spec, base, tmp, dir));
    return target;
  }
  // The base clip is cached on its own too: clips of different lengths with one picture share one encode.
  const basePath = await ensureClip({ ...spec, seconds: base / spec.fps, cacheDir: dir });
  await atomically(target, async (tmp) => {
    await ffmpeg(['-stream_loop', String(loops - 1), '-i', basePath, '-c', 'copy', '-f', 'mp4', tmp]);
  });
  return target;
}

function encodeArgs(spec: ClipSpec): string[] {
  const k = `${spec.bitrateKbps}k`;
  const gop = String(spec.gopFrames);
  switch (spec.codec) {
    case 'h264':
      // No B-frames (like most cameras; PTS = DTS keeps the replay simple), fixed GOP, no scene-cut keyframes,
      // and HRD CBR with filler so the stream really carries the requested bitrate (benchmarks measure bytes).
      return [
        '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', gop, '-keyint_min', gop, '-sc_threshold', '0',
        '-b:v', k, '-maxrate', k, '-bufsize', k, '-x264-params', 'nal-hrd=cbr', '-pix_fmt', 'yuv420p',
      ];
    case 'h265':
      return [
        '-c:v', 'libx265', '-preset', 'ultrafast', '-b:v', k, '-maxrate', k, '-bufsize', k,
        '-x265-params', `keyint=${gop}:min-keyint=${gop}:scenecut=0:bframes=0:log-level=error`, '-pix_fmt', 'yuv420p',
      ];
    case 'mjpeg':
      return ['-c:v', 'mjpeg', '-b:v', k, '-maxrate', k, '-bufsize', k, '-pix_fmt', 'yuvj420p'];
  }
}

async function encodeBase(spec: ClipSpec, frames: number, out: string, dir: string): Promise<void> {
  // The label goes through a file with expansion=none so no name (quotes, colons, %, CJK) needs escaping as text.
  const labelFile = path.join(dir, `label-${process.pid}-${randomBytes(6).toString('hex')}.txt`);
  await writeFile(labelFile, spec.name, 'utf8');
  try {
    const font = FONTS.find((f) => existsSync(f));
    const fontOpt = font ? `fontfile=${escapeFilterValue(font)}:` : '';
    const size = Math.max(10, Math.round(spec.height / 16));
    const x = Math.round(spec.width / 40);
    // Below testsrc2's own small counter in the top-left corner.
    const y1 = Math.round(spec.height / 10);
    const y2 = y1 + Math.round(size * 1.5);
    const box = 'fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4';
    const vf = [
      `drawtext=${fontOpt}textfile=${escapeFilterValue(labelFile)}:expansion=none:fontsize=${size}:x=${x}:y=${y1}:${box}`,
      `drawtext=${fontOpt}text=${escapeFilterValue('%{pts:hms}')}:fontsize=${size}:x=${x}:y=${y2}:${box}`,
    ].join(',');
    await ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
      '-frames:v', String(frames), '-vf', vf, ...encodeArgs(spec), '-an', '-f', 'mp4', out,
    ]);
  } finally {
    await rm(labelFile, { force: true });
  }
}

/** Escapes a filter option value for ffmpeg's two quoting levels (option value, then filtergraph). */
export function escapeFilterValue(value: string): string {
  const level1 = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return level1.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

function baseFrames(spec: ClipSpec): number {
  const seconds = Math.min(spec.seconds, spec.baseSeconds ?? DEFAULT_BASE_SECONDS);
  const gop = spec.codec === 'mjpeg' ? 1 : spec.gopFrames;
  return Math.max(gop, Math.ceil((seconds * spec.fps) / gop) * gop);
}

function clipKey(spec: ClipSpec, base: number, loops: number): string {
  const { name, width, height, fps, gopFrames, bitrateKbps, codec } = spec;
  const key = JSON.stringify({ v: RECIPE_VERSION, name, width, height, fps, gopFrames, bitrateKbps, codec, base, loops });
  const tag = `${codec}-${width}x${height}-${fps}fps-${(base * loops) / fps}s`;
  return `${tag}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

function validate(spec: ClipSpec): void {
  const ints: Array<[string, number]> = [
    ['width', spec.width], ['height', spec.height], ['fps', spec.fps], ['gopFrames', spec.gopFrames],
    ['bitrateKbps', spec.bitrateKbps],
  ];
  for (const [k, v] of ints) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`ensureClip: ${k} must be a positive integer, got ${v}`);
  }
  if (spec.width % 2 || spec.height % 2) throw new Error('ensureClip: width and height must be even (4:2:0)');
  if (!(spec.seconds > 0)) throw new Error(`ensureClip: seconds must be > 0, got ${spec.seconds}`);
  if (!['h264', 'h265', 'mjpeg'].includes(spec.codec)) throw new Error(`ensureClip: unknown codec ${spec.codec}`);
}

const swept = new Set<string>();

/** Removes temp files that a killed encoder left behind (old enough that no live encode can own them). */
async function sweepStale(dir: string): Promise<void> {
  if (swept.has(dir)) return;
  swept.add(dir);
  const cutoff = Date.now() - 3600_000;
  for (const f of await readdir(dir)) {
    if (!f.endsWith('.tmp') && !/^label-.*\.txt$/.test(f)) continue;
    const p = path.join(dir, f);
    try {
      if ((await stat(p)).mtimeMs < cutoff) await rm(p, { force: true });
    } catch {
      // Gone already: another process swept it.
    }
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function atomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await write(tmp);
    // A clip that does not probe as video never enters the cache: a bad file there would poison every later run.
    await probeVideo(tmp);
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function probeVideo(file: string): Promise<void> {
  const out = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file,
  ]);
  const info = JSON.parse(out) as { streams?: Array<{ codec_name?: string }>; format?: { duration?: string } };
  if (!info.streams?.[0]?.codec_name || !(Number(info.format?.duration) > 0)) {
    throw new Error(`ensureClip: encoded clip ${file} has no video: ${out}`);
  }
}

function ffmpeg(args: string[]): Promise<string> {
  return run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
