// Per-stream ingest counters and sliding-window rates (bitrate, fps) for the health model and /metrics.
// Pure (time is a parameter). Owns only its counters; must not touch processes or the parser.
//
// Rates are over the fragments that arrived in the last `windowMs` of wall time, divided by their media duration:
// fragments arrive in bursts (one per keyframe interval), so dividing by wall time would swing with the burst
// phase, while media time gives the stream's rate as encoded. A stream that stops delivering drops to 0 once its
// last fragment leaves the window.

import type { IngestReason, IngestState } from './state.js';

export interface IngestStats {
  state: IngestState;
  reason: IngestReason | null;
  /** Totals since the supervisor was created (all attempts). */
  bytes: number;
  fragments: number;
  frames: number;
  /** Over the sliding window. */
  bitrateBps: number;
  fps: number;
  /** Times a new ffmpeg was started after a failure. */
  reconnects: number;
  lastFragmentAtMs: number | null;
  /** The last failure, redacted. */
  lastError: { reason: IngestReason; message: string; atMs: number } | null;
  /** Who speaks RTSP for this stream now: the built-in ingest (media/rtsp) or an ffmpeg child. */
  client: 'builtin' | 'ffmpeg';
  /** Why the built-in ingest handed this stream to ffmpeg (e.g. a codec it does not record); null if it did not. */
  builtinFallback: string | null;
}

interface WindowEntry {
  atMs: number;
  sizeBytes: number;
  frames: number;
  durationSec: number;
}

/** Hard cap on window entries: at 1 fragment per frame (worst case) 10 s of 60 fps is 600. */
const MAX_ENTRIES = 4096;

export class IngestStatsWindow {
  private readonly entries: WindowEntry[] = [];
  private bytes = 0;
  private fragments = 0;
  private frames = 0;

  constructor(private readonly windowMs = 10_000) {}

  addFragment(atMs: number, sizeBytes: number, frames: number, durationSec: number): void {
    this.bytes += sizeBytes;
    this.fragments += 1;
    this.frames += frames;
    this.entries.push({ atMs, sizeBytes, frames, durationSec });
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
  }

  totals(nowMs: number): Pick<IngestStats, 'bytes' | 'fragments' | 'frames' | 'bitrateBps' | 'fps'> {
    while (this.entries.length > 0 && nowMs - (this.entries[0]?.atMs ?? nowMs) > this.windowMs) this.entries.shift();
    let bytes = 0;
    let frames = 0;
    let seconds = 0;
    for (const e of this.entries) {
      bytes += e.sizeBytes;
      frames += e.frames;
      seconds += e.durationSec;
    }
    return {
      bytes: this.bytes,
      fragments: this.fragments,
      frames: this.frames,
      bitrateBps: seconds > 0 ? Math.round((bytes * 8) / seconds) : 0,
      fps: seconds > 0 ? Math.round((frames / seconds) * 100) / 100 : 0,
    };
  }
}
