// rewriteFragmentTiming: new tfdt and sequence on a copy, the version 0 → 1 upgrade (sizes and data offsets), and
// ffmpeg decoding an export made of two recording runs glued together with retimed fragments.
import { afterAll, describe, expect, it } from 'vitest';
import { parseFragment } from './fragment.js';
import { rewriteFragmentTiming } from './rewrite.js';
import { splitFile } from './split.js';
import { buildFragment, downgradeTfdt, findPath } from './test-boxes.js';
import { cleanupFixtures, decodeFrames, ffmpegDecode, fixture, writeTemp } from './test-fixtures.js';
import { Fmp4ParseError } from './types.js';

afterAll(cleanupFixtures);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof Fmp4ParseError) return e.code;
    throw e;
  }
  return 'no error';
}

const BIG = 2 ** 32 + 123_456; // needs a version 1 tfdt

describe('rewriteFragmentTiming', () => {
  it('returns a copy with the new tfdt and sequence and nothing else changed', async () => {
    const { init, fragments } = splitFile((await fixture('h264')).data);
    for (const f of fragments) {
      const before = Buffer.from(f.data);
      for (const time of [0, 777, BIG]) {
        const out = rewriteFragmentTiming(f.data, time, f.sequence + 1000);
        expect(out).not.toBe(f.data);
        expect(out.length).toBe(f.data.length); // ffmpeg writes version 1 tfdts: rewritten in place
        const parsed = parseFragment(out, init);
        expect(parsed).toMatchObject({ baseMediaDecodeTime: time, sequence: f.sequence + 1000 });
        expect([parsed.durationTicks, parsed.sampleCount, parsed.keyframe]).toEqual([f.durationTicks, f.sampleCount, f.keyframe]);
      }
      expect(f.data.equals(before)).toBe(true);
    }
  });

  it('upgrades a version 0 tfdt when the time needs 64 bits: sizes and data offsets grow by 4', async () => {
    const { init, fragments } = splitFile((await fixture('h264Gop50')).data);
    for (const f of fragments) {
      const v0 = downgradeTfdt(f.data);
      expect(v0.length).toBe(f.data.length - 4);
      expect(parseFragment(v0, init)).toMatchObject({ baseMediaDecodeTime: f.baseMediaDecodeTime, sampleCount: f.sampleCount });
      const small = rewriteFragmentTiming(v0, 0xffffffff, 5);
      expect(small.length).toBe(v0.length);
      expect(parseFragment(small, init).baseMediaDecodeTime).toBe(0xffffffff);
      const upgraded = rewriteFragmentTiming(v0, BIG, 5);
      expect(upgraded[findPath(upgraded, ['moof', 'traf', 'tfdt']).payload]).toBe(1);
      // Byte for byte what retiming the original version 1 fragment gives.
      expect(upgraded.equals(rewriteFragmentTiming(f.data, BIG, 5))).toBe(true);
      expect(parseFragment(upgraded, init)).toMatchObject({ baseMediaDecodeTime: BIG, sequence: 5, keyframe: f.keyframe });
    }
  });

  it('makes an export of two runs that ffmpeg decodes completely', async () => {
    const { init, fragments } = splitFile((await fixture('h264Gop50')).data);
    const runDuration = fragments.reduce((sum, f) => sum + f.durationTicks, 0);
    const frames = fragments.reduce((sum, f) => sum + f.sampleCount, 0);
    const parts = [init.data];
    let sequence = 1;
    // Run 1 as recorded but from version 0 tfdts, run 2 shifted past 2^32 ticks: both paths of the rewrite.
    for (const f of fragments) parts.push(rewriteFragmentTiming(downgradeTfdt(f.data), f.baseMediaDecodeTime, sequence++));
    for (const f of fragments) parts.push(rewriteFragmentTiming(downgradeTfdt(f.data), BIG + runDuration + f.baseMediaDecodeTime, sequence++));
    const path = await writeTemp('export.mp4', Buffer.concat(parts));
    expect(await ffmpegDecode(path)).toBe('');
    expect(await decodeFrames(path)).toBe(2 * frames);
    const exported = splitFile(Buffer.concat(parts));
    expect(exported.fragments.map((f) => f.sequence)).toEqual(Array.from({ length: 2 * fragments.length }, (_, i) => i + 1));
  });

  it('rejects bad arguments, ambiguous trafs and absolute base offsets', () => {
    const two = buildFragment({
      sequence: 1,
      trafs: [
        { trackId: 1, tfdt: { version: 0, value: 1 }, truns: [{ samples: [{ size: 2 }] }] },
        { trackId: 2, tfdt: { version: 0, value: 2 }, truns: [{ samples: [{ size: 3 }] }] },
      ],
    });
    expect(codeOf(() => rewriteFragmentTiming(two, -1, 1))).toBe('bad_value');
    expect(codeOf(() => rewriteFragmentTiming(two, 2 ** 53, 1))).toBe('bad_value');
    expect(codeOf(() => rewriteFragmentTiming(two, 1.5, 1))).toBe('bad_value');
    expect(codeOf(() => rewriteFragmentTiming(two, 1, 2 ** 32))).toBe('bad_value');
    expect(codeOf(() => rewriteFragmentTiming(two, 1, 1))).toBe('unsupported');
    expect(codeOf(() => rewriteFragmentTiming(two, 1, 1, 3))).toBe('missing_box');
    // With the track named: the second traf's data offset grows, the first traf keeps its version 0 tfdt.
    const out = rewriteFragmentTiming(two, BIG, 4, 2);
    expect(parseFragment(out, { trackId: 2 })).toMatchObject({ baseMediaDecodeTime: BIG, sequence: 4, sampleCount: 1 });
    expect(parseFragment(out, { trackId: 1 })).toMatchObject({ baseMediaDecodeTime: 1, sequence: 4, sampleCount: 1 });

    // tfhd with two 4-byte defaults re-flagged as one 8-byte base_data_offset: an absolute file position.
    const absolute = buildFragment({
      sequence: 1,
      trafs: [{ trackId: 1, defaultDuration: 0, defaultSize: 0, tfdt: { version: 0, value: 1 }, truns: [{ samples: [{ size: 2 }] }] }],
    });
    const tfhd = findPath(absolute, ['moof', 'traf', 'tfhd']);
    absolute.writeUInt32BE(0x000001, tfhd.payload);
    expect(rewriteFragmentTiming(absolute, 9, 1).length).toBe(absolute.length); // in place: nothing moves
    expect(codeOf(() => rewriteFragmentTiming(absolute, BIG, 1, 1))).toBe('unsupported');
  });
});
