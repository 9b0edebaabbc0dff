// The ffmpeg command line of one live transcode (architecture §3 "Browsers and H.265"): the source stream's fMP4
// (init segment, then fragments from a keyframe) on stdin, H.264 fMP4 for MSE on stdout. Pure: builds strings and
// numbers, spawns nothing.
//
// Why each choice:
//   - `-f mp4 -i pipe:0`: the hub's bytes as they are; ffmpeg's mp4 demuxer reads a fragmented stream from a pipe and
//     starts from a mid-stream keyframe fragment (its timestamps are shifted to start near 0).
//   - `-map 0:v:0`: video only, like the ingest (no audio track in the live protocol).
//   - libx264 `veryfast` + `zerolatency`: no lookahead and no B-frames, so a frame leaves the encoder as soon as it
//     is encoded; `veryfast` is the cheapest preset whose picture is still good at camera bitrates.
//   - `-g` = 2 s of frames (from the source's measured frame rate): a keyframe every 2 s, so a viewer joining the
//     shared transcode starts from the hub's cached GOP, as on a camera.
//   - `scale='min(1280,iw)':-2,format=yuv420p`: at most 1280 wide (a 4K or 1080p camera costs far less to encode at
//     720p, which is what a live tile shows), height even and in proportion; 8-bit 4:2:0 because a 10-bit H.265
//     (Main10) camera would otherwise give High 10 H.264, which browsers do not decode.
//   - `-fps_mode passthrough`: frames keep their timestamps; no duplicated frames to fill the gap when the feed
//     skips ahead to a keyframe (the player jumps such gaps).
//   - `-b:v`/`-maxrate`/`-bufsize`: a bounded rate for a live stream (see `transcodeBitrateBps`).
//   - Muxer flags as the ingest, with `-frag_duration` 500 ms: a fragment per keyframe and at least every half second,
//     so the first transcoded frames reach the viewer quickly.

export interface TranscodeArgsOptions {
  /** Keyframe interval in frames. */
  gopFrames: number;
  bitrateBps: number;
  /** Longest fragment, in ms. */
  fragmentMs: number;
  /** Widest output picture, in pixels (narrower sources keep their size). */
  maxWidth: number;
}

export class TranscodeArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TranscodeArgsError';
  }
}

/** The exact argv (without the ffmpeg path). */
export function buildTranscodeArgs(options: TranscodeArgsOptions): string[] {
  validate(options);
  const rate = String(options.bitrateBps);
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning',
    '-f', 'mp4', '-i', 'pipe:0',
    '-map', '0:v:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency',
    '-g', String(options.gopFrames),
    '-vf', `scale='min(${options.maxWidth},iw)':-2,format=yuv420p`,
    '-b:v', rate, '-maxrate', rate, '-bufsize', rate,
    '-fps_mode', 'passthrough',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration', String(options.fragmentMs * 1000),
    'pipe:1',
  ];
}

/** A keyframe every `gopMs` at the source's frame rate (25 fps when it is unknown), at least 1 frame. */
export function gopFramesFor(fps: number | null, gopMs = 2000): number {
  const rate = fps !== null && Number.isFinite(fps) && fps > 0 && fps <= 240 ? fps : 25;
  return Math.max(1, Math.round((rate * gopMs) / 1000));
}

/** The output size for a source size, as the scale filter computes it (width capped, height even, in proportion). */
export function outputSize(width: number, height: number, maxWidth: number): { width: number; height: number } {
  const w = Math.min(maxWidth, width);
  const h = Math.max(2, 2 * Math.round((height * w) / width / 2));
  return { width: w, height: h };
}

/**
 * The bit rate asked of x264: 0.1 bit per output pixel per frame (about 2.2 Mbit/s for 720p25, 580 kbit/s for
 * 640x360 at 25 fps), kept within 150 kbit/s .. 4 Mbit/s. Generous for `veryfast`, small next to the camera streams.
 */
export function transcodeBitrateBps(width: number, height: number, fps: number | null, maxWidth: number): number {
  const out = outputSize(width, height, maxWidth);
  const rate = fps !== null && Number.isFinite(fps) && fps > 0 && fps <= 240 ? fps : 25;
  const bps = Math.round((out.width * out.height * rate * 0.1) / 1000) * 1000;
  return Math.min(4_000_000, Math.max(150_000, bps));
}

function validate(o: TranscodeArgsOptions): void {
  const checks: [string, number, number, number][] = [
    ['gopFrames', o.gopFrames, 1, 1000],
    ['bitrateBps', o.bitrateBps, 10_000, 100_000_000],
    ['fragmentMs', o.fragmentMs, 50, 10_000],
    ['maxWidth', o.maxWidth, 16, 8192],
  ];
  for (const [name, value, min, max] of checks) {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new TranscodeArgsError(`${name} must be an integer in ${min}..${max}, got ${value}`);
    }
  }
}
