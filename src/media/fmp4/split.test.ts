// splitFile: whole files, ffmpeg's mfra trailer, a cut at every 97th byte, damage in the middle, a second init, and
// a damaged init (the one case that throws).
import { afterAll, describe, expect, it } from 'vitest';
import { splitFile } from './split.js';
import { findPath } from './test-boxes.js';
import { cleanupFixtures, fixture } from './test-fixtures.js';
import { Fmp4ParseError } from './types.js';

afterAll(cleanupFixtures);

/** What the recorder writes: init + fragments, without ffmpeg's file trailer. */
async function segmentFile(): Promise<Buffer> {
  const { data } = await fixture('h264');
  return data.subarray(0, findPath(data, ['mfra']).start);
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof Fmp4ParseError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('splitFile', () => {
  it('splits a whole segment file into its init and located fragments', async () => {
    const data = await segmentFile();
    const split = splitFile(data);
    const initLength = findPath(data, ['moov']).end;
    expect(split.init.data.length).toBe(initLength);
    expect(split.fragments.map((f) => f.sequence)).toEqual([1, 2, 3, 4]);
    expect(split.fragments[0]?.offset).toBe(initLength);
    for (const f of split.fragments) expect(f.data.equals(data.subarray(f.offset, f.offset + f.data.length))).toBe(true);
    const last = split.fragments[3];
    expect(last && last.offset + last.data.length).toBe(data.length);
    expect(split).toMatchObject({ wholeLength: data.length, trailingBytes: 0 });
  });

  it("counts ffmpeg's mfra trailer and other complete free boxes as whole", async () => {
    const { data } = await fixture('h264');
    expect(splitFile(data)).toMatchObject({ wholeLength: data.length, trailingBytes: 0 });
    expect(splitFile(data).fragments.length).toBe(4);
  });

  it('at a cut every 97 bytes: the whole fragments before the cut, the rest as trailing bytes', async () => {
    const data = await segmentFile();
    const full = splitFile(data);
    const initLength = full.init.data.length;
    let cuts = 0;
    for (let cut = 0; cut <= data.length; cut += 97, cuts++) {
      const file = data.subarray(0, cut);
      if (cut < initLength) {
        expect(codeOf(() => splitFile(file))).toBe('truncated');
        continue;
      }
      const split = splitFile(file);
      const expected = full.fragments.filter((f) => f.offset + f.data.length <= cut);
      expect(split.fragments.map((f) => [f.offset, f.sequence, f.sampleCount])).toEqual(
        expected.map((f) => [f.offset, f.sequence, f.sampleCount]),
      );
      const last = expected[expected.length - 1];
      const whole = last ? last.offset + last.data.length : initLength;
      expect(split.wholeLength).toBe(whole);
      expect(split.trailingBytes).toBe(cut - whole);
    }
    expect(cuts).toBeGreaterThan(1000);
  });

  it('stops at damage in the middle and at a second init', async () => {
    const data = Buffer.from(await segmentFile());
    const full = splitFile(data);
    const third = full.fragments[2];
    if (!third) throw new Error('fixture has fewer than 3 fragments');
    const damaged = Buffer.from(data);
    const tfdt = findPath(damaged.subarray(third.offset), ['moof', 'traf', 'tfdt']);
    damaged.write('junk', third.offset + tfdt.start + 4, 'latin1');
    expect(splitFile(damaged)).toMatchObject({ wholeLength: third.offset, trailingBytes: data.length - third.offset });
    expect(splitFile(damaged).fragments.length).toBe(2);

    const twoInits = Buffer.concat([data, data]);
    expect(splitFile(twoInits)).toMatchObject({ wholeLength: data.length, trailingBytes: data.length });
    expect(splitFile(Buffer.concat([data, Buffer.from('garbage')]))).toMatchObject({ wholeLength: data.length, trailingBytes: 7 });
  });

  it('throws when the init itself is damaged or absent', async () => {
    const data = Buffer.from(await segmentFile());
    const mdhd = findPath(data, ['moov', 'trak', 'mdia', 'mdhd']);
    data.writeUInt32BE(0, mdhd.payload + 12);
    expect(codeOf(() => splitFile(data))).toBe('bad_value');
    expect(codeOf(() => splitFile(Buffer.alloc(0)))).toBe('truncated');
    expect(codeOf(() => splitFile(data.subarray(findPath(data, ['moof']).start)))).toBe('unexpected_box');
  });
});
