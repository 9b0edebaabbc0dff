import { describe, expect, it } from 'vitest';
import { PlaybackError } from './errors.js';
import { buildHlsPlaylist } from './hls.js';
import { runSegments, seconds } from './test-fixtures.js';
import type { PlaybackSegment } from './types.js';

const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const s = (n: number) => T0 + n * 1000;
const segmentUrl = (id: number) => `/api/v1/segments/${id}/file`;

interface Entry {
  url: string;
  sizeBytes: number;
  offset: number;
  seconds: number;
  map: string;
  discontinuity: boolean;
  pdt: string | null;
}

/** Reads a playlist back into media segments, each with the tags that apply to it. */
function parsePlaylist(text: string): { head: string[]; entries: Entry[] } {
  const head: string[] = [];
  const entries: Entry[] = [];
  let map = '';
  let discontinuity = false;
  let pdt: string | null = null;
  let extinf = 0;
  let range = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-MAP:')) map = line;
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length);
    else if (line.startsWith('#EXTINF:')) extinf = Number(line.slice(8, -1));
    else if (line.startsWith('#EXT-X-BYTERANGE:')) range = line.slice(17);
    else if (line.startsWith('#')) head.push(line);
    else if (line !== '') {
      const [size, offset] = range.split('@').map(Number);
      entries.push({ url: line, sizeBytes: size!, offset: offset!, seconds: extinf, map, discontinuity, pdt });
      discontinuity = false;
      pdt = null;
    }
  }
  return { head, entries };
}

// Run 1 from 0 s: segment 100 (4 × 1 s, keyframes at 0 and 2), segment 101 (4 × 1 s, keyframe at 0).
// Run 2 from 20 s: segment 200 (3 × 1 s, all keyframes).
const run1 = runSegments({ runId: 1, startMs: s(0), segments: [seconds(4, [0, 2]), seconds(4, [0])] });
const run2 = runSegments({ runId: 2, startMs: s(20), segments: [seconds(3)] });

describe('buildHlsPlaylist', () => {
  it('writes byte ranges, maps, discontinuities and PDT exactly', () => {
    const fragmentLines = (id: number, n: number) =>
      Array.from({ length: n }, (_, i) => ['#EXTINF:1.0,', `#EXT-X-BYTERANGE:1000@${700 + i * 1000}`, segmentUrl(id)]).flat();
    expect(buildHlsPlaylist({ segments: [...run2, ...run1], fromMs: s(0), toMs: s(30), segmentUrl })).toBe([
      '#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD',
      `#EXT-X-MAP:URI="${segmentUrl(100)}",BYTERANGE="700@0"`, '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T08:00:00.000Z', ...fragmentLines(100, 4),
      `#EXT-X-MAP:URI="${segmentUrl(101)}",BYTERANGE="700@0"`, ...fragmentLines(101, 4),
      '#EXT-X-DISCONTINUITY', `#EXT-X-MAP:URI="${segmentUrl(200)}",BYTERANGE="700@0"`, '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T08:00:20.000Z',
      ...fragmentLines(200, 3),
      '#EXT-X-ENDLIST', '',
    ].join('\n'));
  });

  it.each([
    // [name, segments, from (s), to (s), first (segment id, offset), last (segment id, offset), start PDT (s), EXT-X-START offset]
    ['from on a keyframe fragment', run1, 2, 3, [100, 2700], [100, 2700], 2, null],
    ['from inside a keyframe fragment', run1, 2.5, 3, [100, 2700], [100, 2700], 2, '0.500'],
    ['from in a non-keyframe fragment: back to the keyframe', run1, 3.5, 4.5, [100, 2700], [101, 700], 2, '1.500'],
    ['from at the end of a fragment: the next one covers it', run1, 4, 4.2, [101, 700], [101, 700], 4, null],
    ['to inside a fragment: that fragment ends the playlist', run1, 0, 5.5, [100, 700], [101, 1700], 0, null],
    ['to on a fragment boundary: the fragment starting there is left out', run1, 0, 6, [100, 700], [101, 1700], 0, null],
    [
      'keyframe in the previous segment of the run',
      runSegments({ runId: 1, startMs: s(0), segments: [seconds(4, [0, 2]), seconds(4, [2])] }), 4.5, 5, [100, 2700], [101, 700], 2, '2.500',
    ],
    ['from in a gap: starts after it', [...run1, ...run2], 10, 21.5, [200, 700], [200, 1700], 20, null],
    [
      'no keyframe at or before from: the first one after',
      runSegments({ runId: 1, startMs: s(0), segments: [seconds(4, [2])] }), 0.5, 4, [100, 2700], [100, 3700], 2, null,
    ],
  ] as const)('cut: %s', (_name, segments, from, to, first, last, pdtS, startOffset) => {
    const text = buildHlsPlaylist({ segments, fromMs: s(from), toMs: s(to), segmentUrl });
    const { head, entries } = parsePlaylist(text);
    expect([entries[0]!.url, entries[0]!.offset]).toEqual([segmentUrl(first[0]), first[1]]);
    expect([entries.at(-1)!.url, entries.at(-1)!.offset]).toEqual([segmentUrl(last[0]), last[1]]);
    expect(entries[0]!.pdt).toBe(new Date(s(pdtS)).toISOString());
    expect(head.find((l) => l.startsWith('#EXT-X-START'))).toBe(startOffset === null ? undefined : `#EXT-X-START:TIME-OFFSET=${startOffset},PRECISE=YES`);
  });

  it('skips non-keyframe fragments after a run change', () => {
    const next = runSegments({ runId: 2, startMs: s(20), segments: [seconds(3, [1])] });
    const { entries } = parsePlaylist(buildHlsPlaylist({ segments: [...run1, ...next], fromMs: s(6), toMs: s(30), segmentUrl }));
    const afterBreak = entries.findIndex((e) => e.discontinuity);
    expect(entries[afterBreak]).toMatchObject({ url: segmentUrl(200), offset: 1700, pdt: new Date(s(21)).toISOString() });
    // From 6 s (non-keyframe) back to the keyframe at 4 s: four fragments of run 1, then two of run 2.
    expect(entries.map((e) => `${e.url}@${e.offset}`)).toEqual(
      [[101, 700], [101, 1700], [101, 2700], [101, 3700], [200, 1700], [200, 2700]].map(([id, o]) => `${segmentUrl(id!)}@${o}`),
    );
  });

  it('marks a media-time jump inside a run (a missing segment) as a discontinuity', () => {
    const [a, , c] = runSegments({ runId: 1, startMs: s(0), segments: [seconds(2), seconds(2), seconds(2)] });
    const { entries } = parsePlaylist(buildHlsPlaylist({ segments: [a!, c!], fromMs: s(0), toMs: s(6), segmentUrl }));
    expect(entries.map((e) => e.discontinuity)).toEqual([false, false, true, false]);
    expect(entries[2]!.pdt).toBe(new Date(s(4)).toISOString());
    expect(entries[2]!.map).toBe(`#EXT-X-MAP:URI="${segmentUrl(102)}",BYTERANGE="700@0"`);
  });

  it('marks a format change and a wall-clock jump as discontinuities', () => {
    const [a, b] = runSegments({ runId: 1, startMs: s(0), segments: [seconds(2), seconds(2)] });
    const jumped = { ...b!, start_ms: b!.start_ms + 5000, end_ms: b!.end_ms + 5000 };
    expect(parsePlaylist(buildHlsPlaylist({ segments: [a!, jumped], fromMs: s(0), toMs: s(10), segmentUrl })).entries.map((e) => e.discontinuity))
      .toEqual([false, false, true, false]);
    const resized = { ...b!, width: 1280, height: 720 };
    expect(parsePlaylist(buildHlsPlaylist({ segments: [a!, resized], fromMs: s(0), toMs: s(10), segmentUrl })).entries.map((e) => e.discontinuity))
      .toEqual([false, false, true, false]);
  });

  it('EXTINF sums to the covered duration and TARGETDURATION is the ceiling of the longest', () => {
    // 25 fps at timescale 12800: fragments of 26, 25 and 24 frames (512 ticks each).
    const frames = [26, 25, 24, 25, 26, 25, 25];
    const segments = runSegments({ runId: 1, startMs: s(0), timescale: 12_800, segments: [frames.map((n) => ({ durationTicks: n * 512 }))] });
    const text = buildHlsPlaylist({ segments, fromMs: s(0), toMs: s(100), segmentUrl });
    const { head, entries } = parsePlaylist(text);
    expect(entries.map((e) => e.seconds)).toEqual(frames.map((n) => n * 0.04));
    const total = entries.reduce((sum, e) => sum + e.seconds, 0);
    expect(total).toBeCloseTo((frames.reduce((a, b) => a + b, 0) * 512) / 12_800, 6);
    expect(head).toContain('#EXT-X-TARGETDURATION:2');
  });

  it('fragment byte ranges tile the file after the init', () => {
    const segments = runSegments({ runId: 1, startMs: s(0), initSizeBytes: 812, segments: [[{ sizeBytes: 5000 }, { sizeBytes: 1234, keyframe: false }, { sizeBytes: 77, keyframe: false }]] });
    const { entries } = parsePlaylist(buildHlsPlaylist({ segments, fromMs: s(0), toMs: s(3), segmentUrl }));
    expect(entries.map((e) => `${e.sizeBytes}@${e.offset}`)).toEqual(['5000@812', '1234@5812', '77@7046']);
    expect(entries[0]!.map).toBe(`#EXT-X-MAP:URI="${segmentUrl(100)}",BYTERANGE="812@0"`);
    const last = entries.at(-1)!;
    expect(last.offset + last.sizeBytes).toBe(segments[0]!.size_bytes);
  });

  it.each([
    ['nothing recorded in the range', [...run1, ...run2], s(9), s(19), 'no_recording'],
    ['no segments at all', [], s(0), s(10), 'no_recording'],
    ['segments of two streams', [...run1, { ...run2[0]!, stream_id: 'stream-sub' }], s(0), s(30), 'mixed_streams'],
    ['an index reaching past the file', [{ ...run1[0]!, size_bytes: 1000 }], s(0), s(3), 'segment_corrupt'],
    ['an unreadable index', [{ ...run1[0]!, fragment_index: Buffer.from([9]) }], s(0), s(3), 'segment_corrupt'],
  ] as [string, PlaybackSegment[], number, number, string][])('throws a PlaybackError for %s', (_name, segments, fromMs, toMs, code) => {
    expect(() => buildHlsPlaylist({ segments, fromMs, toMs, segmentUrl })).toThrow(expect.objectContaining({ code, name: 'PlaybackError' }));
    expect(() => buildHlsPlaylist({ segments, fromMs, toMs, segmentUrl })).toThrow(PlaybackError);
  });

  it('refuses a segment URL that could break the playlist', () => {
    expect(() => buildHlsPlaylist({ segments: run1, fromMs: s(0), toMs: s(1), segmentUrl: () => '/a"b' })).toThrow(/quotes/);
  });
});
