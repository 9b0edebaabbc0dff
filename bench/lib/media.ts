// Media inputs of the benchmarks: the simulated 1080p stream (one shared pre-encoded clip for every camera, so 32
// cameras cost one encode) and a real fragmented MP4 made from that clip with the ingest's muxer flags.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultClipCacheDir, ensureClip, preset1080p, type SimStream } from '../../tools/sim-camera/index.js';

const run = promisify(execFile);

/** Every bench camera shows this label: equal label and parameters means one shared clip (encoded once, cached). */
export const BENCH_LABEL = 'Vigil bench 1080p';

/** A 1080p25 H.264 stream at 4000 kbit/s, GOP 50 (2 s), served from the shared clip. */
export function benchStream(name: string): SimStream {
  return preset1080p(name, { label: BENCH_LABEL });
}

function clipSpec(seconds: number) {
  const s = benchStream('x');
  return {
    name: BENCH_LABEL, width: s.width, height: s.height, fps: s.fps ?? 25, gopFrames: s.gopFrames ?? 50,
    bitrateKbps: s.bitrateKbps ?? 4000, codec: 'h264' as const, seconds,
  };
}

/** The bench clip (plain MP4) of at least `seconds`, encoded on first use and cached. */
export function ensureBenchClip(seconds = 10): Promise<string> {
  return ensureClip(clipSpec(seconds));
}

/**
 * A real fragmented MP4 of `seconds` of the bench clip, muxed as the ingest muxes RTSP input: empty moov, a fragment
 * per keyframe and at most every second, 90 kHz track timescale (RTSP/RTP's clock). Cached beside the clips.
 */
export async function ensureBenchFmp4(seconds = 60): Promise<string> {
  const clip = await ensureBenchClip(seconds);
  const dir = join(defaultClipCacheDir(), '..', 'bench');
  const target = join(dir, `fmp4-1080p-${seconds}s-${clip.split('/').pop()!.replace(/\.mp4$/, '')}.mp4`);
  if (existsSync(target)) return target;
  await mkdir(dir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await run('ffmpeg', [
    '-v', 'error', '-y', '-i', clip, '-t', String(seconds), '-map', '0:v:0', '-c', 'copy', '-video_track_timescale', '90000',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer', '-frag_duration', '1000000', tmp,
  ]);
  await rename(tmp, target);
  return target;
}

/** ffmpeg arguments of the bare recorder (the baseline of the recording benchmark), as given in the issue. */
export function bareFfmpegArgs(url: string, out: string): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning', '-rtsp_transport', 'tcp', '-i', url, '-map', '0:v:0', '-c', 'copy',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000', '-y', out,
  ];
}

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (enough of it: no escapes inside label values beyond \" and \\). */
export function parsePrometheus(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

/** Per-stream values of one metric, keyed by stream_id. */
export function perStream(samples: PromSample[], name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (s.name === name && s.labels.stream_id) out.set(s.labels.stream_id, s.value);
  return out;
}
