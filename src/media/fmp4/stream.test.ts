// Fmp4StreamParser: the grammar (init, fragments, prefixes, re-init), chunking independence down to single bytes,
// one join per item, size limits, truncation at end(), and the sticky error.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { fragmentParts, fragmentSize } from './chunked.js';
import { Fmp4StreamParser } from './stream.js';
import { box, buildFragment, findPath } from './test-boxes.js';
import { cleanupFixtures, fixture } from './test-fixtures.js';
import { Fmp4ParseError, type Fmp4ErrorCode, type Fmp4Item } from './types.js';
import { Rng } from './fuzz-inputs.js';

afterAll(cleanupFixtures);
afterEach(() => vi.restoreAllMocks());

function feed(data: Buffer, sizes: (i: number) => number, options = {}): Fmp4Item[] {
  const parser = new Fmp4StreamParser(options);
  const items: Fmp4Item[] = [];
  for (let pos = 0, i = 0; pos < data.length; i++) {
    const size = Math.max(1, sizes(i));
    items.push(...parser.push(data.subarray(pos, pos + size)));
    pos += size;
  }
  parser.end();
  return items;
}

function bytesOf(item: Fmp4Item): Buffer {
  return item.kind === 'init' ? item.init.data : item.fragment.data;
}

function errorOf(fn: () => unknown): Fmp4ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof Fmp4ParseError) return e;
    throw e;
  }
  throw new Error('expected an Fmp4ParseError');
}

function expectCode(fn: () => unknown, code: Fmp4ErrorCode): void {
  expect(errorOf(fn).code).toBe(code);
}

/** The file without ffmpeg's mfra trailer: the byte stream the ingest pipe carries. */
async function stream(name: 'h264' | 'hvc1' | 'mjpeg'): Promise<Buffer> {
  const { data } = await fixture(name);
  return data.subarray(0, findPath(data, ['mfra']).start);
}

describe('Fmp4StreamParser grammar', () => {
  it('emits the init then every fragment in order, covering the stream byte for byte', async () => {
    const data = await stream('h264');
    const items = feed(data, () => data.length);
    expect(items.map((i) => i.kind)).toEqual(['init', 'fragment', 'fragment', 'fragment', 'fragment']);
    expect(items.flatMap((i) => (i.kind === 'fragment' ? [i.fragment.sequence] : []))).toEqual([1, 2, 3, 4]);
    expect(Buffer.concat(items.map(bytesOf)).equals(data)).toBe(true);
  });

  it('gives the same items for whole, single-byte and random chunking', async () => {
    for (const name of ['h264', 'hvc1', 'mjpeg'] as const) {
      const data = await stream(name);
      const whole = feed(data, () => data.length);
      const rng = new Rng(7, name.length);
      const runs = [feed(data, () => 1), feed(data, () => 1 + rng.below(40)), feed(data, () => 1 + rng.below(70_000))];
      for (const items of runs) {
        expect(items.length).toBe(whole.length);
        items.forEach((item, i) => {
          const expected = whole[i] as Fmp4Item;
          expect(bytesOf(item).equals(bytesOf(expected))).toBe(true);
          if (item.kind === 'fragment' && expected.kind === 'fragment') {
            expect({ ...item.fragment, data: null }).toEqual({ ...expected.fragment, data: null });
          }
        });
      }
    }
  });

  it('joins each init once (a fragment only its head), and returns an item inside one chunk as a view of it', async () => {
    const data = await stream('h264');
    const concat = vi.spyOn(Buffer, 'concat');
    const items = feed(data, () => 1);
    expect(concat.mock.calls.length).toBe(items.length);
    concat.mockClear();
    const copy = Buffer.from(data);
    const whole = feed(copy, () => copy.length);
    expect(concat).not.toHaveBeenCalled();
    expect(whole.every((i) => bytesOf(i).buffer === copy.buffer)).toBe(true);
  });

  it('hands out a fragment spanning chunks as views of them, joined only when `data` is read', async () => {
    const data = Buffer.from(await stream('h264'));
    const items = feed(data, () => 1000);
    const fragments = items.flatMap((i) => (i.kind === 'fragment' ? [i.fragment] : []));
    const spanning = fragments.filter((f) => fragmentParts(f).length > 1);
    expect(spanning.length).toBeGreaterThan(0);
    const first = items[0]!;
    let offset = first.kind === 'init' ? first.init.data.length : 0;
    for (const f of fragments) {
      const parts = fragmentParts(f);
      expect(parts.every((p) => p.buffer === data.buffer)).toBe(true); // views of the pushed chunks, no copy
      const joined = Buffer.concat(parts);
      expect(joined.length).toBe(fragmentSize(f));
      expect(joined.equals(data.subarray(offset, offset + joined.length))).toBe(true);
      offset += joined.length;
    }
    const f = spanning[0]!;
    const concat = vi.spyOn(Buffer, 'concat');
    const once = f.data;
    expect(f.data).toBe(once);
    expect(concat).toHaveBeenCalledTimes(1);
    expect(fragmentParts(f)).toEqual([once]); // the joined copy replaces the views: the bytes are held once
    expect(fragmentSize(f)).toBe(once.length);
  });

  it('drops junk before the ftyp, keeps prefix boxes with their fragment, and accepts a new init mid-stream', async () => {
    const h264 = await stream('h264');
    const hevc = await stream('hvc1');
    const firstFrag = findPath(h264, ['moof']).start;
    const styp = box('styp', Buffer.from('msdh'));
    const data = Buffer.concat([box('free', [1, 2]), h264.subarray(0, firstFrag), styp, box('skip'), h264.subarray(firstFrag), hevc]);
    const items = feed(data, (i) => (i % 2 ? 3 : 5000));
    expect(items.map((i) => (i.kind === 'init' ? i.init.codecFamily : 'f')).join('')).toBe('h264ffffh265ff');
    const first = items[1];
    expect(first?.kind === 'fragment' && first.fragment.data.subarray(0, styp.length).equals(styp)).toBe(true);
    expect(bytesOf(items[0] as Fmp4Item).equals(h264.subarray(0, firstFrag))).toBe(true);
  });

  it('reads 64-bit box sizes', async () => {
    const { data } = await fixture('h264');
    const initBytes = data.subarray(0, findPath(data, ['moov']).end);
    const frag = buildFragment({ sequence: 3, trafs: [{ trackId: 1, tfdt: { version: 1, value: 9 }, truns: [{ samples: [{ size: 4 }] }] }] });
    // Re-encode the mdat with size = 1 and a 64-bit size; the trun data_offset moves 8 bytes with the payload.
    const mdatAt = findPath(frag, ['mdat']).start;
    const largeHeader = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('mdat'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 20])]);
    const large = Buffer.concat([frag.subarray(0, mdatAt), largeHeader, Buffer.alloc(4)]);
    const trun = findPath(large, ['moof', 'traf', 'trun']);
    large.writeUInt32BE(large.readUInt32BE(trun.payload + 8) + 8, trun.payload + 8);
    const items = feed(Buffer.concat([initBytes, large]), () => 1);
    expect(items.map((i) => (i.kind === 'fragment' ? i.fragment.sequence : 0))).toEqual([0, 3]);
  });
});

describe('Fmp4StreamParser errors', () => {
  it('rejects a moof before any init, an mdat without a moof, and a moof after ftyp', async () => {
    const data = await stream('h264');
    const firstFrag = findPath(data, ['moof']).start;
    expectCode(() => feed(data.subarray(firstFrag), () => 1), 'unexpected_box');
    const mdat = findPath(data, ['mdat']).start;
    expectCode(() => feed(Buffer.concat([data.subarray(0, firstFrag), data.subarray(mdat)]), () => 100), 'unexpected_box');
    expectCode(() => feed(Buffer.concat([data.subarray(0, 28), data.subarray(firstFrag)]), () => 100), 'unexpected_box');
  });

  it('rejects a box over the size limit as soon as its header arrives', async () => {
    const data = await stream('h264');
    const mdat = findPath(data, ['mdat']);
    const parser = new Fmp4StreamParser({ maxBoxSize: 1024 });
    expect(parser.push(data.subarray(0, mdat.start + 7)).map((i) => i.kind)).toEqual(['init']);
    expect(errorOf(() => parser.push(data.subarray(mdat.start + 7, mdat.start + 8)))).toMatchObject({ code: 'bad_box_size', offset: mdat.start });
    expect(() => new Fmp4StreamParser({ maxBoxSize: 4 })).toThrow(RangeError);
  });

  it('rejects sizes 0, below the header, and 64-bit sizes past 2^53', async () => {
    const data = await stream('h264');
    const moof = findPath(data, ['moof']).start;
    for (const [size, large] of [[0, 0], [7, 0], [1, 0xffffffff], [1, 12]] as const) {
      const damaged = Buffer.from(data.subarray(0, moof + 24));
      damaged.writeUInt32BE(size, moof);
      damaged.writeUInt32BE(large, moof + 8);
      expectCode(() => feed(damaged, () => 3), 'bad_box_size');
    }
  });

  it('end() reports a stream cut inside a box, between moof and mdat, or after a fragment prefix', async () => {
    const data = await stream('h264');
    const moof = findPath(data, ['moof']);
    const mdat = findPath(data, ['mdat']);
    expectCode(() => feed(data.subarray(0, mdat.start + 100), () => 999), 'truncated');
    expectCode(() => feed(data.subarray(0, moof.end), () => 999), 'truncated');
    expectCode(() => feed(data.subarray(0, 28), () => 999), 'truncated');
    expectCode(() => feed(data.subarray(0, 3), () => 999), 'truncated');
    const initOnly = data.subarray(0, moof.start);
    expectCode(() => feed(Buffer.concat([initOnly, box('styp', Buffer.from('msdh'))]), () => 999), 'truncated');
    expect(feed(Buffer.concat([initOnly, box('free')]), () => 999).length).toBe(1);
    expect(feed(Buffer.alloc(0), () => 1)).toEqual([]);
  });

  it('delivers the items before damage, then throws the same error on every later call', async () => {
    const data = await stream('h264');
    const second = Buffer.from(data);
    const tfhd = findPath(second.subarray(findPath(second, ['mdat']).end), ['moof', 'traf', 'tfhd']);
    const tfhdAt = findPath(second, ['mdat']).end + tfhd.start;
    second.write('junk', tfhdAt + 4, 'latin1');
    const parser = new Fmp4StreamParser();
    const items = parser.push(second);
    expect(items.map((i) => i.kind)).toEqual(['init', 'fragment']);
    const error = errorOf(() => parser.push(Buffer.alloc(1)));
    expect(error.code).toBe('missing_box');
    // The offset is a stream offset, inside the second fragment's moof.
    expect(error.offset).toBeGreaterThanOrEqual(findPath(second, ['mdat']).end);
    expect(errorOf(() => parser.push(data))).toBe(error);
    expect(errorOf(() => parser.end())).toBe(error);
  });
});
