// parseFragment against real ffmpeg fragments (sample counts and keyframes checked with ffprobe's packet list) and
// hand-built fragments for every optional field and fallback rule ffmpeg does not exercise.
import { afterAll, describe, expect, it } from 'vitest';
import { parseFragment } from './fragment.js';
import { splitFile } from './split.js';
import { box, buildFragment, findPath, type FragmentSpec } from './test-boxes.js';
import { cleanupFixtures, fixture, probePackets, probeStream, type FixtureName } from './test-fixtures.js';
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

const KEY = 0x02000000;
const NON_KEY = 0x01010000;

describe('parseFragment on ffmpeg output', () => {
  const cases: { name: FixtureName; keyframes: boolean[] }[] = [
    { name: 'h264', keyframes: [true, true, true, true] },
    { name: 'h264Gop50', keyframes: [true, false, true, false] },
    { name: 'hvc1', keyframes: [true, false] },
  ];
  for (const c of cases) {
    it(`${c.name}: sequence, contiguous media time, frame count and keyframes agree with ffprobe`, async () => {
      const { path, data } = await fixture(c.name);
      const { init, fragments } = splitFile(data);
      const packets = await probePackets(path);
      const probe = await probeStream(path);
      expect(fragments.map((f) => f.keyframe)).toEqual(c.keyframes);
      let time = 0;
      let frames = 0;
      fragments.forEach((located, i) => {
        const f = parseFragment(located.data, init);
        expect(f.sequence).toBe(i + 1);
        expect(f.baseMediaDecodeTime).toBe(time);
        expect(f.durationTicks).toBe(init.timescale); // 25 frames of 1/25 s: fragments are cut every second
        // ffprobe lists packets in decode order: this fragment's first sample is packet number `frames`.
        expect(f.keyframe).toBe(packets[frames]?.key);
        time += f.durationTicks;
        frames += f.sampleCount;
      });
      expect(frames).toBe(packets.length);
      expect(frames).toBe(Number(probe.nb_read_packets));
    });
  }
});

describe('parseFragment on hand-built fragments', () => {
  const ctx = { trackId: 1 };
  const simple = (over: Partial<FragmentSpec['trafs'][number]> = {}): FragmentSpec => ({
    sequence: 9,
    trafs: [{ trackId: 1, tfdt: { version: 1, value: 1000 }, truns: [{ samples: [{ size: 10 }, { size: 20 }] }], ...over }],
  });

  it('sums per-sample durations, over several truns', () => {
    const data = buildFragment(
      simple({
        truns: [
          { samples: [{ duration: 10, size: 1, flags: KEY }, { duration: 20, size: 1, flags: NON_KEY }] },
          { samples: [{ duration: 30, size: 5, flags: NON_KEY }] },
        ],
      }),
    );
    expect(parseFragment(data, ctx)).toMatchObject({ sequence: 9, baseMediaDecodeTime: 1000, durationTicks: 60, sampleCount: 3, keyframe: true });
  });

  it('uses the tfhd default duration, then the trex one, then 0', () => {
    expect(parseFragment(buildFragment(simple({ defaultDuration: 7 })), ctx).durationTicks).toBe(14);
    const trex = { sampleDurationTicks: 3000, sampleSizeBytes: 0, sampleFlags: NON_KEY };
    expect(parseFragment(buildFragment(simple()), { trackId: 1, trex }).durationTicks).toBe(6000);
    expect(parseFragment(buildFragment(simple({ defaultDuration: 7 })), { trackId: 1, trex }).durationTicks).toBe(14);
    expect(parseFragment(buildFragment(simple()), ctx).durationTicks).toBe(0);
  });

  it('keyframe: first-sample-flags, else per-sample flags, else tfhd default, else trex, else sync', () => {
    const trex = { sampleDurationTicks: 0, sampleSizeBytes: 0, sampleFlags: NON_KEY };
    const withFirst = simple({ defaultFlags: NON_KEY, truns: [{ firstSampleFlags: KEY, samples: [{ size: 1, flags: NON_KEY }] }] });
    expect(parseFragment(buildFragment(withFirst), ctx).keyframe).toBe(true);
    const perSample = simple({ defaultFlags: KEY, truns: [{ samples: [{ size: 1, flags: NON_KEY }, { size: 1, flags: KEY }] }] });
    expect(parseFragment(buildFragment(perSample), ctx).keyframe).toBe(false);
    expect(parseFragment(buildFragment(simple({ defaultFlags: NON_KEY })), ctx).keyframe).toBe(false);
    expect(parseFragment(buildFragment(simple({ defaultFlags: KEY })), { trackId: 1, trex }).keyframe).toBe(true);
    expect(parseFragment(buildFragment(simple()), { trackId: 1, trex }).keyframe).toBe(false);
    expect(parseFragment(buildFragment(simple()), ctx).keyframe).toBe(true);
  });

  it('keyframe rule: depends-on-none counts as sync even when marked non-sync; empty fragments are not keyframes', () => {
    const iFrame = 0x02010000; // sample_depends_on = 2, sample_is_non_sync_sample = 1
    expect(parseFragment(buildFragment(simple({ defaultFlags: iFrame })), ctx).keyframe).toBe(true);
    expect(parseFragment(buildFragment(simple({ defaultFlags: 0x00010000 })), ctx).keyframe).toBe(false);
    const empty = simple({ truns: [{ samples: [], dataOffset: false }] });
    expect(parseFragment(buildFragment(empty), ctx)).toMatchObject({ sampleCount: 0, keyframe: false });
  });

  it('reads a version 0 tfdt, skips other tracks, and sums every traf of the track', () => {
    const data = buildFragment({
      sequence: 1,
      trafs: [
        { trackId: 2, defaultDuration: 1024, tfdt: { version: 0, value: 5 }, truns: [{ samples: [{ size: 3, flags: NON_KEY }] }] },
        { trackId: 1, defaultDuration: 100, tfdt: { version: 0, value: 4_000_000_000 }, truns: [{ samples: [{ size: 4, flags: KEY }] }] },
        { trackId: 1, defaultDuration: 100, tfdt: { version: 0, value: 4_000_000_100 }, truns: [{ samples: [{ size: 4, flags: NON_KEY }] }] },
      ],
    });
    expect(parseFragment(data, ctx)).toMatchObject({ baseMediaDecodeTime: 4_000_000_000, durationTicks: 200, sampleCount: 2, keyframe: true });
    expect(parseFragment(data, { trackId: 2 })).toMatchObject({ baseMediaDecodeTime: 5, durationTicks: 1024, keyframe: false });
  });

  it('accepts styp/sidx/free before the moof', () => {
    const prefix = Buffer.concat([box('styp', Buffer.from('msdh')), box('sidx', [0, 1]), box('free')]);
    const data = Buffer.concat([prefix, buildFragment(simple())]);
    expect(parseFragment(data, ctx).data).toBe(data);
    expect(parseFragment(data, ctx).baseMediaDecodeTime).toBe(1000);
  });

  it('rejects missing tfhd, tfdt, traf, mfhd and mdat as missing_box', () => {
    expectCode(() => parseFragment(buildFragment(simple({ tfdt: null })), ctx), 'missing_box');
    expectCode(() => parseFragment(buildFragment(simple()), { trackId: 3 }), 'missing_box');
    const renamed = (path: string[]): Buffer => {
      const data = buildFragment(simple());
      data.write('junk', findPath(data, path).start + 4, 'latin1');
      return data;
    };
    expectCode(() => parseFragment(renamed(['moof', 'traf', 'tfhd']), ctx), 'missing_box');
    expectCode(() => parseFragment(renamed(['moof', 'mfhd']), ctx), 'missing_box');
    const moofOnly = buildFragment(simple()).subarray(0, findPath(buildFragment(simple()), ['moof']).end);
    expectCode(() => parseFragment(moofOnly, ctx), 'missing_box');
    expectCode(() => parseFragment(box('free'), ctx), 'missing_box');
  });

  it('rejects a trun sample_count past the box end, and sample data outside the mdat, as bad_value', () => {
    expect(parseFragment(buildFragment(simple()), ctx).sampleCount).toBe(2);
    const damage = (field: number, value: number): Buffer => {
      const data = buildFragment(simple());
      data.writeUInt32BE(value, findPath(data, ['moof', 'traf', 'trun']).payload + field);
      return data;
    };
    expectCode(() => parseFragment(damage(4, 3), ctx), 'bad_value'); // 3 records of 4 bytes, room for 2
    expectCode(() => parseFragment(damage(4, 0x40000000), ctx), 'bad_value');
    expectCode(() => parseFragment(damage(8, 8), ctx), 'bad_value'); // data_offset into the moof
    expectCode(() => parseFragment(damage(16, 21), ctx), 'bad_value'); // second sample one byte past the mdat
    expect(parseFragment(damage(16, 19), ctx).sampleCount).toBe(2); // one byte short of the mdat end is fine
  });

  it('rejects a tfdt past 2^53, and a box before the moof that is not a fragment prefix', () => {
    expectCode(() => parseFragment(buildFragment(simple({ tfdt: { version: 1, value: 2 ** 53 } })), ctx), 'bad_value');
    expectCode(() => parseFragment(Buffer.concat([box('moov'), buildFragment(simple())]), ctx), 'unexpected_box');
  });
});
