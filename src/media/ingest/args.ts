// The ffmpeg command line for one camera stream (architecture §3 "Ingest"). Pure: builds strings, spawns nothing.
// Owns: the exact argv and the input script; must not touch processes, files or logs.
//
// Why the URL does not go into argv (default `urlVia: 'fd'`): argv is world-readable in /proc/<pid>/cmdline, so a
// camera URL with user:password there leaks the credentials to every local user. ffmpeg has no option to read its
// input URL from a file or the environment, but its concat demuxer reads a script naming the input, and that
// script can come from an inherited pipe (`-i pipe:3`). So argv says `-f concat -i pipe:3` and the supervisor writes
// `file 'rtsp://user:pass@…'` plus `option` lines (input options for the inner RTSP demuxer) into fd 3, then closes
// it. `-protocol_whitelist` limits what the script may open to RTSP's own protocols (no `file:`), and the URL is
// checked for control characters so it cannot add script lines. Verified with FFmpeg 5.1 (Debian 12), which has the
// `option` directive; `urlVia: 'argv'` keeps the plain `-i <url>` form for ffmpeg builds without it, with the
// credentials-in-cmdline limitation that implies.
//
// Why video only (`-map 0:v:0`, `allowed_media_types video`): most cameras send G.711 (PCMA/PCMU) or G.726 audio,
// which the MP4 muxer cannot take by stream copy, and a copy of an AAC track would change the fragment layout the
// segment writer and live hub expect (one video track). Audio is dropped until it gets its own track handling;
// not SETUP-ing it also saves the camera's bandwidth.

import { maskFilterGraph, maskInputArgs } from '../mask/index.js';

export type IngestTransport = 'tcp';
export type UrlVia = 'fd' | 'argv';

export interface IngestArgsOptions {
  /** rtsp:// or rtsps:// URL, credentials included (they reach only the child). */
  url: string;
  /** Maximum fragment duration: the loss bound on a crash (architecture §4 invariant 3). */
  fragmentMs: number;
  /** RTSP over TCP only: UDP loses packets under load and does not cross NAT; interleaved TCP does. */
  transport?: IngestTransport;
  /** Socket I/O timeout of the RTSP demuxer; ffmpeg exits when the camera goes silent this long. Default 5000. */
  socketTimeoutMs?: number;
  /** Stream analysis duration; ffmpeg's default (5 s) when unset. Lower starts faster, but a camera that sends
   * SPS/PPS only in-band with a long GOP may then fail with unknown dimensions. */
  analyzeDurationMs?: number;
  /** Where the URL goes: 'fd' (script on fd 3, default) or 'argv'. */
  urlVia?: UrlVia;
  /**
   * Burn privacy masks (R13, D11) into the recording: a PAM mask image is read from fd MASK_INPUT_FD (media/mask) and
   * the picture is re-encoded (libx264 veryfast) instead of copied. Costs a CPU core per 1080p25 stream roughly —
   * see docs/compliance.md §7.
   */
  maskBurnIn?: boolean;
}

/** The child's file descriptor that carries the mask image when `maskBurnIn` is set. */
export const MASK_INPUT_FD = 4;

/** Keyframes every 2 s when re-encoding: each starts a fragment (a cut point for playback and export). */
const BURN_IN_ENCODE = [
  '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-crf', '23',
  '-force_key_frames', 'expr:gte(t,n_forced*2)', '-fps_mode', 'passthrough',
];

/** The child's file descriptor that carries the input script when `urlVia` is 'fd'. */
export const INPUT_SCRIPT_FD = 3;

/** Protocols the input may use: the RTSP demuxer opens tcp (interleaved), tls (rtsps), udp/rtp (never with tcp). */
const PROTOCOL_WHITELIST = 'pipe,rtsp,rtsps,tcp,tls,udp,rtp';

const DEFAULT_SOCKET_TIMEOUT_MS = 5000;

export class IngestArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngestArgsError';
  }
}

/** The exact argv (without the ffmpeg path) for one stream. */
export function buildIngestArgs(options: IngestArgsOptions): string[] {
  validate(options);
  const via = options.urlVia ?? 'fd';
  const input =
    via === 'fd'
      ? ['-f', 'concat', '-safe', '0', '-auto_convert', '0', '-protocol_whitelist', PROTOCOL_WHITELIST,
        ...analyzeArgs(options), '-i', `pipe:${INPUT_SCRIPT_FD}`]
      : [...analyzeArgs(options), ...inputOptions(options).flatMap(([k, v]) => [`-${k}`, v]), '-i', options.url];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning',
    ...input,
    ...(options.maskBurnIn
      ? [...maskInputArgs(MASK_INPUT_FD), '-filter_complex', maskFilterGraph(0, 1), '-map', '[out]', ...BURN_IN_ENCODE]
      : ['-map', '0:v:0', '-c', 'copy']),
    // empty_moov: init segment first, playable before the first fragment; frag_keyframe: each keyframe starts a
    // fragment (a seek/cut point); default_base_moof: offsets relative to moof so fragments stand alone (MSE, HLS);
    // skip_trailer: no mfra at the end, so a stream that ends is still a clean sequence of fragments.
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer',
    '-frag_duration', String(options.fragmentMs * 1000),
    'pipe:1',
  ];
}

/** The concat script written to fd 3 when `urlVia` is 'fd' (contains the credentials: never log it). */
export function buildInputScript(options: IngestArgsOptions): string {
  validate(options);
  const lines = ['ffconcat version 1.0', `file ${quoteScriptToken(options.url)}`];
  for (const [key, value] of [...inputOptions(options), ...analyzeOptions(options)]) lines.push(`option ${key} ${value}`);
  return `${lines.join('\n')}\n`;
}

/** Options for the RTSP demuxer, as [name, value] pairs: in argv they are flags, in the script `option` lines. */
function inputOptions(options: IngestArgsOptions): [string, string][] {
  return [
    ['rtsp_transport', options.transport ?? 'tcp'],
    ['timeout', String((options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS) * 1000)],
    ['allowed_media_types', 'video'],
  ];
}

function analyzeOptions(options: IngestArgsOptions): [string, string][] {
  return options.analyzeDurationMs === undefined ? [] : [['analyzeduration', String(options.analyzeDurationMs * 1000)]];
}

function analyzeArgs(options: IngestArgsOptions): string[] {
  return analyzeOptions(options).flatMap(([k, v]) => [`-${k}`, v]);
}

/** ffconcat tokens follow av_get_token: inside single quotes all is literal, so a quote is written as '\''. */
function quoteScriptToken(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

function validate(options: IngestArgsOptions): void {
  // Error messages never echo the URL: it carries credentials.
  if (!/^rtsps?:\/\//i.test(options.url)) throw new IngestArgsError('ingest URL must start with rtsp:// or rtsps://');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(options.url)) throw new IngestArgsError('ingest URL must not contain control characters');
  if (!Number.isInteger(options.fragmentMs) || options.fragmentMs < 100 || options.fragmentMs > 60_000) {
    throw new IngestArgsError(`fragmentMs must be an integer in 100..60000, got ${options.fragmentMs}`);
  }
  for (const [name, value] of [['socketTimeoutMs', options.socketTimeoutMs], ['analyzeDurationMs', options.analyzeDurationMs]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new IngestArgsError(`${name} must be a positive integer, got ${value}`);
    }
  }
}
