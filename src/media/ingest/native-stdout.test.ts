// The native stdout reader (native/vigil_native.c, recording.bytePath native) only batches: whatever arrives in the
// pipe, in whatever pieces, comes out as the same bytes in the same order — for a valid fMP4 stream in one chunk
// per init segment and per fragment, for anything else (corrupt, cut off, random) as read, for the parser to judge.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, writeSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeBytePathForTests } from '../../../test/support/append-paths.js';
import { Fmp4StreamParser, type Fmp4Item } from '../fmp4/index.js';
import type { NativeStdout } from './supervisor.js';

let reader: NativeStdout;
let clip: Buffer;

beforeAll(async () => {
  reader = (await nativeBytePathForTests()).pipeReader!;
  // 6 s at 25 fps, a keyframe every second, 1 s fragments: what the ingest ffmpeg writes.
  clip = execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-g', '25', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000', 'pipe:1',
  ], { maxBuffer: 64 * 1024 * 1024 });
});

/** Writes `pieces` into a new pipe (closing it after) while the native reader reads it; returns its chunks. */
async function through(pieces: readonly Buffer[]): Promise<Buffer[]> {
  const [readFd, writeFd] = reader.pipe();
  const chunks: Buffer[] = [];
  const ended = new Promise<string | null>((resolve) => {
    reader.readerStart(readFd, (chunk, endCode) => (chunk ? chunks.push(chunk) : resolve(endCode)));
  });
  // A blocking write: the reader thread drains the pipe meanwhile (its chunks wait for this thread in a queue).
  for (const piece of pieces) for (let at = 0; at < piece.length; ) at += writeSync(writeFd, piece, at);
  closeSync(writeFd);
  expect(await ended).toBeNull();
  return chunks;
}

function cutRandomly(data: Buffer, maxPiece: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const n = 1 + Math.floor(Math.random() * maxPiece);
    pieces.push(data.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

/** Offsets where a top-level `moov` or `mdat` box of `data` ends. */
function itemEnds(data: Buffer): number[] {
  const ends: number[] = [];
  for (let at = 0; at + 8 <= data.length; ) {
    const size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    at += size;
    if (type === 'moov' || type === 'mdat') ends.push(at);
  }
  return ends;
}

const box = (type: string, body: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};

const summary = (items: Fmp4Item[]) =>
  items.map((i) => (i.kind === 'init' ? `init ${i.init.data.length}` : `fragment ${i.fragment.data.length} ${i.fragment.keyframe}`));

describe('the native stdout reader', () => {
  it('hands over an fMP4 stream in chunks of whole init segments and fragments, whatever pieces it was written in', async () => {
    for (const maxPiece of [1_000, 30_000, 300_000]) {
      const chunks = await through(cutRandomly(clip, maxPiece));
      expect(Buffer.concat(chunks).equals(clip)).toBe(true);
      let end = 0;
      const ends = chunks.map((c) => (end += c.length));
      // Each chunk ends where a moov or an mdat ends, or at the end of the stream. (Written faster than one read
      // drains, several fragments share a chunk: a camera's ffmpeg writes one a second, so there it is one each.)
      const boundaries = new Set([...itemEnds(clip), clip.length]);
      for (const e of ends) expect(boundaries.has(e), `chunk ending at ${e}`).toBe(true);
      if (maxPiece === 1_000) expect(ends.length).toBeGreaterThan(3); // small writes: a chunk per fragment or so
      // And the parser makes of them what it makes of the whole stream.
      const whole = new Fmp4StreamParser().push(clip);
      const parser = new Fmp4StreamParser();
      expect(summary(chunks.flatMap((c) => parser.push(c)))).toEqual(summary(whole));
    }
  });

  it('holds a box larger than its buffer whole, and follows 64-bit box sizes', async () => {
    const big = box('mdat', randomBytes(6 << 20)); // > the 1 MiB buffer, > the 4 MiB hoard limit
    const large = Buffer.alloc(16);
    large.writeUInt32BE(1, 0);
    large.write('mdat', 4, 'latin1');
    large.writeBigUInt64BE(BigInt(16 + 70_000), 8);
    const largeBox = Buffer.concat([large, randomBytes(70_000)]);
    const moof = box('moof', randomBytes(300));
    const stream = Buffer.concat([moof, big, moof, largeBox]);
    const chunks = await through(cutRandomly(stream, 200_000));
    // No chunk ends inside a box: after the big mdat, or at the end.
    let end = 0;
    for (const c of chunks) expect([moof.length + big.length, stream.length]).toContain((end += c.length));
    expect(Buffer.concat(chunks).equals(stream)).toBe(true);
  });

  it('passes on what it cannot follow (a bad box size, a cut-off box, random bytes) byte for byte', async () => {
    const bad = Buffer.concat([clip.subarray(0, 2000), Buffer.from([0, 0, 0, 3]), randomBytes(50_000)]);
    expect(Buffer.concat(await through(cutRandomly(bad, 7000))).equals(bad)).toBe(true);
    const cut = clip.subarray(0, Math.floor(clip.length * 0.6));
    const cutChunks = await through([cut]);
    expect(Buffer.concat(cutChunks).equals(cut)).toBe(true);
    expect(() => {
      const parser = new Fmp4StreamParser();
      for (const c of cutChunks) parser.push(c);
      parser.end();
    }).toThrow(); // the parser, not the reader, says the stream was cut off
    expect(await through([])).toEqual([]);
    for (let i = 0; i < 150; i++) {
      let data: Buffer;
      if (i % 3 === 0) data = randomBytes(Math.floor(Math.random() * 200_000));
      else {
        data = Buffer.from(clip.subarray(0, Math.floor(Math.random() * clip.length)));
        for (let m = 0; m < 1 + (i % 7); m++) if (data.length) data[Math.floor(Math.random() * data.length)] = Math.floor(Math.random() * 256);
      }
      expect(Buffer.concat(await through(cutRandomly(data, 1 + Math.floor(Math.random() * 100_000)))).equals(data), `case ${i}`).toBe(true);
    }
  });
});
