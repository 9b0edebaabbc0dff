// parseInit against real ffmpeg output (checked with ffprobe) and hand-built init segments for the cases ffmpeg's
// video ingest never writes (no video track, mdhd version 1, missing avcC, zero timescale, damage).
import { afterAll, describe, expect, it } from 'vitest';
import { parseInit } from './init.js';
import { buildInit, box, findPath, visualEntry } from './test-boxes.js';
import { cleanupFixtures, fixture, probeStream, type FixtureName } from './test-fixtures.js';
import { Fmp4ParseError, type Fmp4ErrorCode } from './types.js';

afterAll(cleanupFixtures);

function expectCode(fn: () => unknown, code: Fmp4ErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(Fmp4ParseError);
  expect((caught as Fmp4ParseError).code).toBe(code);
}

const avcC = box('avcC', Buffer.from([1, 0x4d, 0x40, 0x1f, 0xff, 0xe0, 0]));

describe('parseInit on ffmpeg output', () => {
  const cases: { name: FixtureName; family: string; codec: RegExp }[] = [
    { name: 'h264', family: 'h264', codec: /^avc1\.[0-9a-f]{6}$/ },
    { name: 'hvc1', family: 'h265', codec: /^hvc1\.1\.6\.L\d+(\.[0-9A-F]{2})*$/ },
    { name: 'hev1', family: 'h265', codec: /^hev1\.1\.6\.L\d+(\.[0-9A-F]{2})*$/ },
    { name: 'mjpeg', family: 'other', codec: /^mp4v$/ },
  ];
  for (const c of cases) {
    it(`${c.name}: track, timescale, size and codec agree with ffprobe`, async () => {
      const { path, data } = await fixture(c.name);
      const probe = await probeStream(path);
      const init = parseInit(data);
      expect(init.trackId).toBe(1);
      expect(init.timescale).toBe(Number(probe.time_base.split('/')[1]));
      expect([init.width, init.height]).toEqual([probe.width, probe.height]);
      expect(init.codecFamily).toBe(c.family);
      expect(init.codec).toMatch(c.codec);
      // The init ends where the first fragment starts: the moov's end.
      const moov = findPath(data, ['moov']);
      expect(init.data.length).toBe(moov.end);
      expect(init.data.equals(data.subarray(0, moov.end))).toBe(true);
      expect(init.trex).toEqual({ sampleDurationTicks: 0, sampleSizeBytes: 0, sampleFlags: 0 });
    });
  }

  it('h264: the codec string encodes ffprobe profile (High = 0x64) and level', async () => {
    const { path, data } = await fixture('h264');
    const probe = await probeStream(path);
    expect(probe.profile).toBe('High');
    expect(parseInit(data).codec).toBe(`avc1.6400${(probe.level ?? -1).toString(16).padStart(2, '0')}`);
  });

  it('hvc1: the codec string encodes ffprobe level (level_idc) and the sample entry tag', async () => {
    const { path, data } = await fixture('hvc1');
    const probe = await probeStream(path);
    expect(probe.codec_tag_string).toBe('hvc1');
    expect(parseInit(data).codec.startsWith(`hvc1.1.6.L${probe.level}`)).toBe(true);
  });
});

describe('parseInit on hand-built inits', () => {
  it('picks the video track after an audio track and reads its trex', () => {
    const init = parseInit(
      buildInit([
        { handler: 'soun', trackId: 1, entry: box('mp4a', Buffer.alloc(28)) },
        { handler: 'vide', trackId: 2, entry: visualEntry('avc1', 1920, 1080, avcC) },
      ]),
    );
    expect(init).toMatchObject({ trackId: 2, timescale: 90000, width: 1920, height: 1080, codec: 'avc1.4d401f' });
    expect(init.trex).toEqual({ sampleDurationTicks: 3000, sampleSizeBytes: 0, sampleFlags: 0x01010000 });
  });

  it('reads the timescale from a version 1 mdhd', () => {
    const entry = visualEntry('avc3', 640, 360, avcC);
    const init = parseInit(buildInit([{ handler: 'vide', trackId: 7, entry, mdhdVersion: 1 }]));
    expect(init).toMatchObject({ trackId: 7, timescale: 90000, codec: 'avc3.4d401f', codecFamily: 'h264' });
  });

  it('falls back to the tkhd size when the sample entry says 0x0', () => {
    const init = parseInit(buildInit([{ handler: 'vide', trackId: 1, entry: visualEntry('jpeg', 0, 0) }]));
    expect(init).toMatchObject({ width: 640, height: 480, codec: 'jpeg', codecFamily: 'other' });
  });

  it('rejects an init without a video track as unsupported', () => {
    expectCode(() => parseInit(buildInit([{ handler: 'soun', trackId: 1, entry: box('mp4a', Buffer.alloc(28)) }])), 'unsupported');
  });

  it('rejects an avc1 entry without avcC, and a zero timescale', () => {
    expectCode(() => parseInit(buildInit([{ handler: 'vide', trackId: 1, entry: visualEntry('avc1', 8, 8) }])), 'missing_box');
    const data = buildInit([{ handler: 'vide', trackId: 1, entry: visualEntry('avc1', 8, 8, avcC) }]);
    const mdhd = findPath(data, ['moov', 'trak', 'mdia', 'mdhd']);
    data.writeUInt32BE(0, mdhd.payload + 12);
    expectCode(() => parseInit(data), 'bad_value');
  });

  it('rejects truncation, a fragment before the moov, and a child overflowing its parent', async () => {
    const { data } = await fixture('h264');
    const initLength = findPath(data, ['moov']).end;
    expectCode(() => parseInit(Buffer.alloc(0)), 'truncated');
    expectCode(() => parseInit(data.subarray(0, initLength - 1)), 'truncated');
    expectCode(() => parseInit(data.subarray(0, 28)), 'truncated');
    expectCode(() => parseInit(data.subarray(initLength)), 'unexpected_box');
    const damaged = Buffer.from(data.subarray(0, initLength));
    const tkhd = findPath(damaged, ['moov', 'trak', 'tkhd']);
    damaged.writeUInt32BE(0x7fff, tkhd.start);
    expectCode(() => parseInit(damaged), 'bad_box_size');
  });
});
