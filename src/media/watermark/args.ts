// The ffmpeg command line that burns the viewer watermark into an export (D18): the export's fMP4 on stdin, a
// re-encoded fragmented MP4 with the text drawn on every frame on stdout. Pure: builds strings, spawns nothing.
//
// Why each choice:
//   - Text is sanitised, not escaped: drawtext's value goes through two parsers (filtergraph, then option), and a
//     name or unit is user data. Characters either level treats specially become full-width look-alikes or spaces,
//     so no value can end the quoted string or inject a filter; `expansion=none` keeps `%` literal.
//   - Two lines at the bottom left, white with a dark border and box, sized from the picture height: readable on any
//     scene, hard to crop away without losing the picture's lower edge.
//   - libx264 `veryfast`, CRF 20: close to the camera's quality at a cost of roughly real time ×2–4 per core at 1080p.
//   - Privacy masks (R13, D11) marked for export burn-in are overlaid before the text (mask/), from a PAM image on fd 3.
//   - Fragmented output (`frag_keyframe+empty_moov`): the file streams to the client while it is encoded.

import { maskFilterGraph, maskInputArgs } from '../mask/index.js';

export interface WatermarkArgsOptions {
  /** A TrueType/OpenType font with CJK glyphs (names and units are usually Chinese). */
  fontFile: string;
  /** One to three lines of text. */
  lines: string[];
  /** Burn the camera's privacy masks (R13, D11) in first: a PAM mask image is read from fd MASK_FD (see mask/). */
  mask?: boolean;
}

/** The child's file descriptor that carries the mask image when `mask` is set. */
export const MASK_FD = 3;

/** Input and video selection: the export on stdin, plus the mask image; the filters, masked first when asked. */
function videoArgs(options: WatermarkArgsOptions, filters: string[], pixelFormat: string): string[] {
  if (!options.mask) return ['-f', 'mp4', '-i', 'pipe:0', '-map', '0:v:0', '-vf', [...filters, `format=${pixelFormat}`].join(',')];
  // The mask goes under the watermark: the viewer's identity stays readable on a masked region.
  const graph = maskFilterGraph(0, 1, filters, pixelFormat);
  return ['-f', 'mp4', '-i', 'pipe:0', ...maskInputArgs(MASK_FD), '-filter_complex', graph, '-map', '[out]'];
}

export class WatermarkArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatermarkArgsError';
  }
}

const REPLACEMENTS: Record<string, string> = {
  ':': '：', ',': '，', ';': '；', '[': '【', ']': '】', '%': '％', "'": '’', '\\': '＼', '=': '＝',
};

/** Makes a line safe inside a single-quoted drawtext value: special characters become look-alikes, controls spaces. */
export function sanitizeWatermarkText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) out += ' ';
    else out += REPLACEMENTS[ch] ?? ch;
  }
  return out.slice(0, 120);
}

function drawtext(fontFile: string, text: string, line: number, count: number): string {
  const y = `h-(${count - line})*(h/22)-h/40`;
  return [
    `drawtext=fontfile='${fontFile}'`,
    `text='${sanitizeWatermarkText(text)}'`,
    'expansion=none',
    'fontsize=h/30',
    'fontcolor=white@0.85',
    'borderw=2',
    'bordercolor=black@0.6',
    'box=1',
    'boxcolor=black@0.25',
    'x=w/40',
    `y=${y}`,
  ].join(':');
}

/** The font path sits inside the same quoted value as the text: refuse what would break the quoting. */
function checkFont(fontFile: string): void {
  if (!fontFile.startsWith('/') || /['\\:,;[\]]/.test(fontFile)) {
    throw new WatermarkArgsError(`watermark font path must be absolute and plain, got ${JSON.stringify(fontFile)}`);
  }
}

function checkLines(lines: string[]): void {
  if (lines.length < 1 || lines.length > 3) throw new WatermarkArgsError(`1 to 3 watermark lines, got ${lines.length}`);
}

/**
 * A snapshot (R16.3 `snapshot`): one JPEG of the frame `seekSeconds` into the fMP4 on stdin, with the same watermark
 * as an export (D18) — a still leaves the system as easily as a clip.
 */
export function buildSnapshotArgs(options: WatermarkArgsOptions & { seekSeconds: number }): string[] {
  checkLines(options.lines);
  checkFont(options.fontFile);
  if (!Number.isFinite(options.seekSeconds) || options.seekSeconds < 0 || options.seekSeconds > 600) {
    throw new WatermarkArgsError(`snapshot offset must be 0..600 s, got ${options.seekSeconds}`);
  }
  const filters = options.lines.map((text, i) => drawtext(options.fontFile, text, i, options.lines.length));
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...videoArgs(options, filters, 'yuvj420p'),
    // Output seeking: decode from the keyframe the input starts at up to the asked instant, exactly.
    '-ss', options.seekSeconds.toFixed(3),
    '-frames:v', '1',
    '-c:v', 'mjpeg', '-q:v', '3',
    '-f', 'image2', 'pipe:1',
  ];
}

/** The exact argv (without the ffmpeg path). */
export function buildWatermarkArgs(options: WatermarkArgsOptions): string[] {
  checkLines(options.lines);
  checkFont(options.fontFile);
  const filters = options.lines.map((text, i) => drawtext(options.fontFile, text, i, options.lines.length));
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...videoArgs(options, filters, 'yuv420p'),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20',
    '-fps_mode', 'passthrough',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof',
    'pipe:1',
  ];
}
