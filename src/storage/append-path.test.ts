// The two append paths hold one contract (append-path.ts): the same bytes in the file, the same record lengths, the
// same SHA-256, and on a failed write the same error code with the hash left as it was.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendPathNamed, appendPathNames, nativeAppendPathForTests } from '../../test/support/append-paths.js';
import { aadBase, buildHeader, HEADER_BYTES } from './segment-crypto.js';
import { jsAppendPath, type AppendPath } from './append-path.js';
import { NativeBuildError, nativeLibraryPath, resolveBytePath } from './native-build.js';
import { SegmentFileWriter } from './segment-writer.js';

let dir: string;
let native: AppendPath;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-append-'));
  native = await nativeAppendPathForTests();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic pseudo-random source, so a failure names a case that can be run again. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** A fragment as pipe chunks: `size` bytes cut at random points (empty chunks included, as a parser may yield). */
function chunked(random: () => number, size: number): Buffer[] {
  const data = randomBytes(size);
  const parts: Buffer[] = [];
  let at = 0;
  while (at < size) {
    const n = random() < 0.05 ? 0 : Math.min(size - at, 1 + Math.floor(random() * (random() < 0.5 ? 70_000 : 9_000)));
    parts.push(data.subarray(at, at + n));
    at += n;
  }
  return parts;
}

const keyId = randomBytes(16);
const key = randomBytes(32);

/** Writes `appends` through `path` into a new file as SegmentFileWriter does; returns the file and its digest. */
async function writeWith(path: AppendPath, name: string, encrypted: boolean, appends: Buffer[][], sync: boolean) {
  const file = join(dir, name);
  const handle = await open(file, 'wx');
  let enc: { key: Buffer; base: Buffer; headerBytes: number } | null = null;
  if (encrypted) {
    const header = buildHeader(keyId);
    await handle.write(header, 0, header.length, 0);
    // The identity is the same for both paths' files: it is part of every record's AAD.
    enc = { key, base: aadBase(header, 'cam/2026-12-03/run-1-seq-0.mp4'), headerBytes: HEADER_BYTES };
  }
  const writer = new SegmentFileWriter(handle, file, `${file}.final`, enc, async () => undefined, path);
  for (const parts of appends) await writer.writev(parts, { sync });
  await writer.commit();
  return { bytes: readFileSync(`${file}.final`), digest: writer.digest().toString('hex'), size: writer.sizeBytes };
}

describe('the native append path against the JavaScript one', () => {
  it.each([false, true])('writes byte-identical files with the same SHA-256 (encrypted: %s), 40 random segments', async (encrypted) => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed * 7919 + (encrypted ? 1 : 0));
      // An init, then fragments of 0 B to ~600 KB (records of 64 KiB, a partial last one, records spanning chunks).
      const appends = [chunked(random, 700 + Math.floor(random() * 900))];
      const count = 1 + Math.floor(random() * 8);
      for (let i = 0; i < count; i++) appends.push(chunked(random, Math.floor(random() * 600_000)));
      const plain = Buffer.concat(appends.flat());
      const a = await writeWith(jsAppendPath, `js-${encrypted}-${seed}`, encrypted, appends, seed % 2 === 0);
      const b = await writeWith(native, `native-${encrypted}-${seed}`, encrypted, appends, seed % 2 === 0);
      expect(b.bytes.equals(a.bytes), `seed ${seed}: files differ`).toBe(true);
      expect(b.digest).toBe(a.digest);
      expect(b.digest).toBe(createHash('sha256').update(plain).digest('hex'));
      expect(b.size).toBe(plain.length);
      if (!encrypted) expect(b.bytes.equals(plain)).toBe(true);
    }
  });

  it.each(appendPathNames)('%s: a failed write (ENOSPC on /dev/full) rejects with its code and leaves the hash as it was', async (name) => {
    const path = await appendPathNamed(name);
    const handle = await open('/dev/full', 'w');
    const writer = new SegmentFileWriter(handle, '/dev/full', '/dev/null', null, async () => undefined, path);
    await expect(writer.writev([randomBytes(5000), randomBytes(70_000)], { sync: true })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(writer.sizeBytes).toBe(0);
    // Nothing was written, so nothing was hashed: the digest is that of no bytes.
    expect(writer.digest().toString('hex')).toBe(createHash('sha256').digest('hex'));
    await writer.close();
  });

  it.each(appendPathNames)('%s: after a truncate into appended bytes the digest is refused, not wrong', async (name) => {
    const path = await appendPathNamed(name);
    const file = join(dir, `trunc-${name}`);
    const writer = new SegmentFileWriter(await open(file, 'wx'), file, `${file}.final`, null, async () => undefined, path);
    await writer.write(Buffer.from('init'));
    await writer.writev([Buffer.from('fragment')]);
    await writer.truncate(4);
    expect(() => writer.digest()).toThrow(/truncated into appended bytes/);
    await writer.close();
  });

  it('refuses bad arguments with a TypeError instead of crashing the process', async () => {
    expect(native.name).toBe('native');
    const handle = await open(join(dir, 'bad-args'), 'wx');
    const writer = new SegmentFileWriter(handle, join(dir, 'bad-args'), join(dir, 'bad-args.final'), null, async () => undefined, native);
    await expect(writer.writev(['not bytes' as unknown as Uint8Array])).rejects.toThrow(/Uint8Array/);
    await expect(native.append(handle, 0, [Buffer.from('x')], null, jsAppendPath.newHash(), false)).rejects.toThrow(/its own newHash/);
    await writer.close();
  });

  it('a hash in use by an append cannot be read until the append is done', async () => {
    const file = join(dir, 'busy');
    const handle = await open(file, 'wx');
    const hash = native.newHash();
    const pending = native.append(handle, 0, [randomBytes(4_000_000)], null, hash, true);
    expect(() => hash.digest()).toThrow(/in use by an append/);
    await pending;
    expect(hash.digest().toString('hex')).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    await handle.close();
  });
});

describe('resolveBytePath', () => {
  it('builds once per source and Node version, then loads the cached library', async () => {
    const lib = nativeLibraryPath(process.cwd());
    expect(lib).toMatch(/dist\/native\/vigil_native-[0-9a-f]{16}\.node$/);
    expect(readFileSync(lib).subarray(1, 4).toString('latin1')).toBe('ELF');
    const again = await resolveBytePath('auto', process.cwd());
    expect(again).toMatchObject({ fallbackReason: null });
    expect(again.path.name).toBe('native');
  });

  it('auto falls back to the JavaScript path and says why; native refuses to', async () => {
    const root = join(dir, 'no-source');
    mkdirSync(join(root, 'native'), { recursive: true });
    const auto = await resolveBytePath('auto', root);
    expect(auto.path.name).toBe('js');
    expect(auto.fallbackReason).toMatch(/cannot read native\/vigil_native\.c/);
    await expect(resolveBytePath('native', root)).rejects.toThrow(NativeBuildError);
    await expect(resolveBytePath('native', root)).rejects.toThrow(/recording\.bytePath is "native" but/);
    expect((await resolveBytePath('js', root)).path.name).toBe('js');
  });

  it('reports a compiler error in words, and keeps no broken library', async () => {
    const root = join(dir, 'broken-source');
    mkdirSync(join(root, 'native'), { recursive: true });
    writeFileSync(join(root, 'native', 'vigil_native.c'), 'this is not C;\n');
    const auto = await resolveBytePath('auto', root);
    expect(auto.path.name).toBe('js');
    expect(auto.fallbackReason).toMatch(/^cc failed: .*error/s);
    expect(() => readFileSync(nativeLibraryPath(root))).toThrow(/ENOENT/);
  });
});
