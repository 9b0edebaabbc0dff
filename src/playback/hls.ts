// The HLS VOD playlist of a time range (architecture §3 "Playback"): fMP4 byte ranges straight into the segment
// files, one EXT-X-MAP per segment file (its init), one media segment per fragment. Pure: rows in, text out; the
// segment URL is the caller's, and the bytes behind it are served through `planSegmentRead` of this module.
import { selectFragments, type Span, fragmentsOf } from './selection.js';
import type { PlaybackSegment } from './types.js';

export interface HlsPlaylistInput {
  segments: readonly PlaybackSegment[];
  fromMs: number;
  toMs: number;
  /** URL of a segment file (served with byte ranges). Must not contain a double quote or a line break. */
  segmentUrl: (segmentId: number) => string;
}

/** EXTINF seconds with enough digits that their sum matches the covered duration to the microsecond. */
function seconds(ticks: number, timescale: number): string {
  return (ticks / timescale).toFixed(6).replace(/0{1,5}$/, '');
}

function checkedUrl(url: string): string {
  // A quote would end the EXT-X-MAP URI attribute early; a line break would inject playlist lines.
  if (/["\r\n]/.test(url)) throw new Error(`segment URL must not contain quotes or line breaks: ${JSON.stringify(url)}`);
  return url;
}

/** PDT with millisecond precision, UTC (hls.js maps it to the player's wall clock for the timeline UI). */
function programDateTime(wallMs: number): string {
  return new Date(Math.round(wallMs)).toISOString();
}

function spanLines(span: Span, url: string, withProgramDateTime: boolean): { lines: string[]; maxSeconds: number } {
  const lines: string[] = [];
  let maxSeconds = 0;
  const { segment } = span;
  if (span.breakBefore) lines.push('#EXT-X-DISCONTINUITY');
  // A new file brings its own init; repeating the map per file keeps every byte range inside one file.
  lines.push(`#EXT-X-MAP:URI="${url}",BYTERANGE="${segment.init_size_bytes}@0"`);
  if (withProgramDateTime) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${programDateTime(span.wallStartMs)}`);
  const fragments = fragmentsOf(segment).slice(span.first, span.end);
  for (const f of fragments) {
    const extinf = seconds(f.durationTicks, segment.timescale);
    maxSeconds = Math.max(maxSeconds, Number(extinf));
    lines.push(`#EXTINF:${extinf},`, `#EXT-X-BYTERANGE:${f.sizeBytes}@${f.offset}`, url);
  }
  return { lines, maxSeconds };
}

/**
 * Builds the playlist. Starts at the keyframe fragment at or before `fromMs` (with EXT-X-START pointing the player at
 * `fromMs` itself), ends with the fragment covering `toMs`, and marks every break (run change, format change, media
 * or wall-time jump) with EXT-X-DISCONTINUITY and a fresh EXT-X-PROGRAM-DATE-TIME.
 * Throws `PlaybackError('no_recording')` when nothing is recorded in the range.
 */
export function buildHlsPlaylist(input: HlsPlaylistInput): string {
  const selection = selectFragments(input.segments, input.fromMs, input.toMs);
  const body: string[] = [];
  let maxSeconds = 0;
  selection.spans.forEach((span, i) => {
    // PDT at the start and after each discontinuity: between them, hls.js derives wall time from EXTINF.
    const part = spanLines(span, checkedUrl(input.segmentUrl(span.segment.id)), i === 0 || span.breakBefore !== null);
    body.push(...part.lines);
    maxSeconds = Math.max(maxSeconds, part.maxSeconds);
  });
  const head = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(maxSeconds))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
  ];
  // The cut starts at a keyframe before `from`; the player should still begin at `from`.
  const startOffsetS = (input.fromMs - selection.startMs) / 1000;
  if (startOffsetS > 0) head.push(`#EXT-X-START:TIME-OFFSET=${startOffsetS.toFixed(3)},PRECISE=YES`);
  return [...head, ...body, '#EXT-X-ENDLIST', ''].join('\n');
}
