// ffmpeg stderr handling for the ingest supervisor: split into lines, classify failures, rate-limit diagnostics.
// Pure (time is a parameter). Owns the mapping from ffmpeg's wording to an IngestReason; must not touch processes
// and never sees unredacted text leave it (the supervisor redacts before the limiter).

import type { IngestReason } from './state.js';

/** A line longer than this is cut: stderr is untrusted and must not grow memory without bound. */
export const MAX_LINE_CHARS = 2000;

/** Splits a text stream into lines; an over-long line is cut at MAX_LINE_CHARS and the rest of it dropped. */
export class LineSplitter {
  private pending = '';
  /** True while the tail of an over-long line (already emitted, cut) is still arriving. */
  private dropping = false;

  push(chunk: string): string[] {
    const parts = (this.pending + chunk).split(/\r?\n|\r/);
    this.pending = parts.pop() ?? '';
    const lines: string[] = [];
    for (const part of parts) {
      if (this.dropping) this.dropping = false;
      else lines.push(cut(part));
    }
    if (this.pending.length > MAX_LINE_CHARS) {
      if (!this.dropping) lines.push(cut(this.pending));
      this.dropping = true;
      this.pending = '';
    }
    return lines.filter((line) => line.length > 0);
  }

  /** The last partial line, at end of stream. */
  end(): string[] {
    const rest = this.pending;
    this.pending = '';
    return this.dropping || rest.length === 0 ? [] : [cut(rest)];
  }
}

function cut(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

// ffmpeg 5.1 wording, seen from the RTSP demuxer and the tcp protocol:
//   [rtsp @ 0x…] method DESCRIBE failed: 401 Unauthorized
//   rtsp://…: Server returned 401 Unauthorized (authorization failed)
//   [tcp @ 0x…] Connection to tcp://127.0.0.1:1?timeout=… failed: Connection refused
//   rtsp://…: Server returned 404 Not Found
const RULES: readonly [RegExp, IngestReason][] = [
  [/\b40[13] |Unauthorized|authorization failed|Forbidden/i, 'auth_failed'],
  [/\b404 |Not Found/i, 'not_found'],
  [/Connection refused|Connection timed out|timed out|No route to host|Network is unreachable|Host is unreachable|Name or service not known|name resolution|Failed to resolve/i, 'unreachable'],
  [/codec not currently supported in container|Could not find tag for codec|unsupported codec/i, 'unsupported_codec'],
];

/** The failure reason a stderr line names, if any. */
export function classifyStderrLine(line: string): IngestReason | undefined {
  for (const [pattern, reason] of RULES) if (pattern.test(line)) return reason;
  return undefined;
}

export interface DiagnosticLimit {
  /** At most this many lines per window… */
  maxLines: number;
  /** …of this many milliseconds; the rest is counted and summarised. */
  windowMs: number;
}

export const DEFAULT_DIAGNOSTIC_LIMIT: DiagnosticLimit = { maxLines: 5, windowMs: 10_000 };

/**
 * Fixed-window rate limit for diagnostic lines: a camera that prints the same warning 30 times a second must not
 * flood the log. Lines past the limit are counted; the count is reported as one summary line when the next window
 * opens (or on flush, when the child exits).
 */
export class DiagnosticLimiter {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private emitted = 0;
  private suppressed = 0;

  constructor(private readonly limit: DiagnosticLimit = DEFAULT_DIAGNOSTIC_LIMIT) {}

  /** The lines to emit now for an offered line: possibly a summary of the last window, then the line itself. */
  offer(line: string, nowMs: number): string[] {
    const out: string[] = [];
    if (nowMs - this.windowStartMs >= this.limit.windowMs) {
      out.push(...this.flush());
      this.windowStartMs = nowMs;
      this.emitted = 0;
    }
    if (this.emitted < this.limit.maxLines) {
      this.emitted += 1;
      out.push(line);
    } else {
      this.suppressed += 1;
    }
    return out;
  }

  /** The summary of lines suppressed so far, if any. */
  flush(): string[] {
    if (this.suppressed === 0) return [];
    const n = this.suppressed;
    this.suppressed = 0;
    return [`suppressed ${n} ffmpeg line${n === 1 ? '' : 's'} (limit ${this.limit.maxLines} per ${this.limit.windowMs / 1000} s)`];
  }
}
