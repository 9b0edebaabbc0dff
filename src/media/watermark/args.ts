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
//   - Fragmented output (`frag_keyframe+empty_moov`): the file streams to the client while it is encoded.

export interface WatermarkArgsOptions {
  /** A TrueType/OpenType font with CJK glyphs (names and units are usually Chinese). */
  fontFile: string;
  /** One to three lines of text. */
  lines: string[];
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

/** The exact argv (without the ffmpeg path). */
export function buildWatermarkArgs(options: WatermarkArgsOptions): string[] {
  if (options.lines.length < 1 || options.lines.length > 3) throw new WatermarkArgsError(`1 to 3 watermark lines, got ${options.lines.length}`);
  // The font path is ours (config), but it sits inside the same quoted value: refuse what would break the quoting.
  if (!options.fontFile.startsWith('/') || /['\\:,;[\]]/.test(options.fontFile)) {
    throw new WatermarkArgsError(`watermark font path must be absolute and plain, got ${JSON.stringify(options.fontFile)}`);
  }
  const filters = options.lines.map((text, i) => drawtext(options.fontFile, text, i, options.lines.length));
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'mp4', '-i', 'pipe:0',
    '-map', '0:v:0',
    '-vf', [...filters, 'format=yuv420p'].join(','),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20',
    '-fps_mode', 'passthrough',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof',
    'pipe:1',
  ];
}
