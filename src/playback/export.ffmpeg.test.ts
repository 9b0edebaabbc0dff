// End to end with real ffmpeg: segment files cut from ffmpeg's fragmented MP4 the way the recorder stores them,
// rows built from the real parser, an export written through a file-backed SegmentBytes (test only: playback itself
// never opens files), then checked by ffmpeg/ffprobe; and the HLS byte ranges checked against the files.
import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitFile } from '../media/index.js';
import { encodeFragmentIndex } from '../recording/index.js';
import { buildHlsPlaylist, planExport, writeExport, type ExportGapMode, type PlaybackSegment, type SegmentBytes } from './index.js';

const run = promisify(execFile);
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);

let dir: string;
const paths = new Map<number, string>();
const segments: PlaybackSegment[] = [];

/** Encodes 6 s of a test pattern as ffmpeg's ingest writes it: fragmented MP4, one fragment per second or keyframe. */
async function encode(name: string, source: string, gop: number, pixFmt: string): Promise<Buffer> {
  const file = join(dir, `${name}.mp4`);
  await run('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', `${source}=size=320x240:rate=25`, '-t', '6', '-c:v', 'libx264', '-g', String(gop), '-pix_fmt', pixFmt,
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000', file,
  ]);
  return readFile(file);
}

/** Stores fragments [first, end) of an encoded file as one segment file (init + fragments) and builds its row. */
async function storeSegment(source: Buffer, runId: number, seq: number, startMs: number, first: number, end: number): Promise<void> {
  const { init, fragments } = splitFile(source);
  const chosen = fragments.slice(first, end);
  const id = segments.length + 1;
  const path = join(dir, `segment-${id}.mp4`);
  const data = Buffer.concat([init.data, ...chosen.map((f) => f.data)]);
  await writeFile(path, data);
  paths.set(id, path);
  const durationTicks = chosen.reduce((n, f) => n + f.durationTicks, 0);
  segments.push({
    id, camera_id: 'cam-1', stream_id: 'stream-main', run_id: runId, seq, start_ms: startMs,
    end_ms: startMs + Math.round((durationTicks * 1000) / init.timescale), media_start: chosen[0]!.baseMediaDecodeTime,
    timescale: init.timescale, size_bytes: data.length, init_size_bytes: init.data.length,
    frames: chosen.reduce((n, f) => n + f.sampleCount, 0), codec: init.codec, width: init.width, height: init.height, status: 'ok',
    fragment_index: encodeFragmentIndex(chosen.map((f) => ({ sizeBytes: f.data.length, durationTicks: f.durationTicks, sampleCount: f.sampleCount, keyframe: f.keyframe }))),
  });
}

/** What storage would supply: reads of the segment files (positional, exact length). */
const fileBytes: SegmentBytes = {
  async read(segment, offset, length) {
    const handle = await open(paths.get(segment.id)!, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  },
};

async function exportToFile(name: string, fromMs: number, toMs: number, gapMode: ExportGapMode = 'close') {
  const plan = planExport({ segments, fromMs, toMs, gapMode });
  const out = join(dir, `${name}.mp4`);
  const handle = await open(out, 'w');
  try {
    const result = await writeExport(plan, fileBytes, async (chunk) => void (await handle.write(chunk)), { maxReadBytes: 64 * 1024 });
    return { plan, result, out };
  } finally {
    await handle.close();
  }
}

async function probe(file: string) {
  const decode = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  const format = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  const packets = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=dts_time', '-of', 'csv=p=0', file]);
  return {
    decodeErrors: decode.stderr.trim(),
    durationS: Number(format.stdout.trim()),
    dts: packets.stdout.trim().split('\n').map((l) => Number(l.replace(/,$/, ''))),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-playback-'));
  // One encode at a time: the test machine's cores are shared.
  const a = await encode('a', 'testsrc2', 25, 'yuv420p');
  const b = await encode('b', 'testsrc', 50, 'yuv420p'); // keyframes every 2 s: fragments alternate keyframe / not
  const c = await encode('c', 'testsrc2', 25, 'yuv444p'); // another profile: a format change
  // Run 1 (T0, 6 s) stored as two segments; run 2 after a 10 s gap; run 3 restarts with another format.
  await storeSegment(a, 1, 0, T0, 0, 3);
  await storeSegment(a, 1, 1, T0 + 3000, 3, 6);
  await storeSegment(b, 2, 0, T0 + 16_000, 0, 6);
  await storeSegment(c, 3, 0, T0 + 22_000, 0, 6);
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('playback with real ffmpeg output', () => {
  it('the fixture is what the test assumes', () => {
    expect(segments.map((s) => [s.run_id, s.codec, s.timescale])).toEqual([
      [1, 'avc1.64000d', 12800], [1, 'avc1.64000d', 12800], [2, 'avc1.64000d', 12800], [3, 'avc1.f4000d', 12800],
    ]);
    expect(segments[1]!.media_start).toBe(3 * 12800);
  });

  it('exports a range across a gap and a run change as one MP4 that decodes, gap closed', async () => {
    const { plan, result, out } = await exportToFile('closed', T0 + 1500, T0 + 19_500);
    expect(plan.truncatedAtMs).toBeNull();
    expect(plan.gaps).toEqual([{ startMs: T0 + 6000, endMs: T0 + 16_000, atOutputMs: 5000 }]);
    expect(result).toMatchObject({ fragments: 9, startMs: T0 + 1000, endMs: T0 + 20_000 });
    expect(result.bytes).toBe(plan.expectedSizeBytes);
    const p = await probe(out);
    expect(p.decodeErrors).toBe('');
    expect(Math.abs(p.durationS - 9)).toBeLessThanOrEqual(1);
    expect(p.dts).toHaveLength(9 * 25);
    for (let i = 1; i < p.dts.length; i++) expect(p.dts[i]!).toBeGreaterThan(p.dts[i - 1]!);
    // Closed up: frames are 40 ms apart everywhere, also across the gap.
    expect(Math.max(...p.dts.slice(1).map((d, i) => d - p.dts[i]!))).toBeCloseTo(0.04, 3);
  });

  it('keeps the gap as a jump in media time when asked, and still decodes', async () => {
    const { out } = await exportToFile('kept', T0 + 1500, T0 + 19_500, 'keep');
    const p = await probe(out);
    expect(p.decodeErrors).toBe('');
    expect(Math.abs(p.durationS - 19)).toBeLessThanOrEqual(1);
    for (let i = 1; i < p.dts.length; i++) expect(p.dts[i]!).toBeGreaterThan(p.dts[i - 1]!);
    expect(Math.max(...p.dts.slice(1).map((d, i) => d - p.dts[i]!))).toBeCloseTo(10.04, 2);
  });

  it('cuts to the keyframe at or before from inside a run with 2 s GOPs', async () => {
    const { plan, out } = await exportToFile('gop', T0 + 17_500, T0 + 20_000);
    expect(plan.startMs).toBe(T0 + 16_000);
    const p = await probe(out);
    expect(p.decodeErrors).toBe('');
    expect(p.dts).toHaveLength(4 * 25);
  });

  it('stops at a format change and the part before it decodes', async () => {
    const { plan, result, out } = await exportToFile('truncated', T0 + 16_000, T0 + 28_000);
    expect(plan).toMatchObject({ truncatedAtMs: T0 + 22_000, truncatedReason: 'format_change', nextFormat: { codec: 'avc1.f4000d' } });
    expect(result).toMatchObject({ fragments: 6, endMs: T0 + 22_000 });
    const p = await probe(out);
    expect(p.decodeErrors).toBe('');
    expect(Math.abs(p.durationS - 6)).toBeLessThanOrEqual(1);
  });

  it('HLS byte ranges point exactly at moof boxes and maps at the init', async () => {
    const text = buildHlsPlaylist({ segments, fromMs: T0 + 1500, toMs: T0 + 28_000, segmentUrl: (id) => `segment-${id}.mp4` });
    const lines = text.split('\n');
    const ranges = lines.flatMap((line, i) => (line.startsWith('#EXT-X-BYTERANGE:') ? [{ range: line.slice(17), url: lines[i + 1]! }] : []));
    expect(ranges).toHaveLength(5 + 6 + 6);
    for (const { range, url } of ranges) {
      const [length, offset] = range.split('@').map(Number);
      const id = Number(/segment-(\d+)/.exec(url)![1]);
      const head = await fileBytes.read(segments[id - 1]!, offset!, 8);
      expect(['moof', 'styp', 'prft']).toContain(head.toString('latin1', 4, 8));
      // The fragment ends where the next box (or the file) starts.
      const end = offset! + length!;
      if (end < segments[id - 1]!.size_bytes) expect(['moof', 'styp', 'prft']).toContain((await fileBytes.read(segments[id - 1]!, end, 8)).toString('latin1', 4, 8));
      else expect(end).toBe(segments[id - 1]!.size_bytes);
    }
    for (const match of text.matchAll(/#EXT-X-MAP:URI="segment-(\d+)\.mp4",BYTERANGE="(\d+)@0"/g)) {
      const segment = segments[Number(match[1]) - 1]!;
      expect((await fileBytes.read(segment, 0, 8)).toString('latin1', 4, 8)).toBe('ftyp');
      expect((await fileBytes.read(segment, Number(match[2]), 8)).toString('latin1', 4, 8)).toBe('moof');
    }
    expect(text.match(/#EXT-X-DISCONTINUITY/g)).toHaveLength(2);
  });

  it("ffmpeg's HLS demuxer plays a playlist across a gap and a run change without a decode error", async () => {
    // Up to the format change only: ffmpeg's demuxer keeps the first init's decoder setup across EXT-X-MAP changes
    // (hls.js re-initialises at a discontinuity), so a new profile would be a test-tool artefact.
    const text = buildHlsPlaylist({ segments, fromMs: T0 + 1500, toMs: T0 + 19_500, segmentUrl: (id) => `segment-${id}.mp4` });
    const playlist = join(dir, 'range.m3u8');
    await writeFile(playlist, text);
    const decode = await run('ffmpeg', ['-v', 'error', '-i', playlist, '-f', 'null', '-']);
    expect(decode.stderr.trim()).toBe('');
  });
});
