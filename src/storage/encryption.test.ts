// Encryption at rest of segment files (architecture §7; S "stolen video must be unreadable", R15), on both dialects
// for the key table: the format, range reads, tamper detection, wrong keys, crash recovery, shredding and rotation.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { plaintextBoxesIn } from '../../test/support/segment-keys.js';
import {
  CHUNK_BYTES, HEADER_BYTES, LocalSegmentStore, masterKeyOf, MasterKeyring, SegmentCryptoError, SegmentKeyRepo, SegmentKeys, segmentRelPath,
  type MasterKey, type SegmentFileRef,
} from './index.js';

const workDir = mkdtempSync(join(tmpdir(), 'vigil-enc-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const cameraId = '0192f3a0-0000-7000-8000-0000000000e1';
const ref = (seq: number): SegmentFileRef => ({ cameraId, runId: 3, seq, startMs: Date.UTC(2026, 11, 3, 8, 0, 0) });

/** A plausible fMP4 plaintext: box headers that must never show in the stored bytes, and random payload. */
function fakeSegment(size: number, firstFragmentBytes?: number): { init: Buffer; fragments: Buffer[] } {
  const box = (type: string, n: number) => {
    const b = randomBytes(n);
    b.writeUInt32BE(n, 0);
    b.write(type, 4, 'latin1');
    return b;
  };
  const init = Buffer.concat([box('ftyp', 32), box('moov', 700)]);
  const fragments: Buffer[] = [];
  for (let left = size; left > 0; ) {
    const n = Math.min(left, fragments.length === 0 && firstFragmentBytes ? firstFragmentBytes : 1000 + Math.floor(Math.random() * 150_000));
    fragments.push(Buffer.concat([box('moof', 200), box('mdat', n)]));
    left -= n;
  }
  return { init, fragments };
}

async function expectCrypto(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(SegmentCryptoError);
  await expect(p).rejects.toMatchObject({ code });
}

describe.each(dialects)('segment encryption on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let master: MasterKey;
  let keys: SegmentKeys;
  let store: LocalSegmentStore;

  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    master = masterKeyOf(randomBytes(32));
    keys = new SegmentKeys(new SegmentKeyRepo(t.db), new MasterKeyring(master));
    store = new LocalSegmentStore(mkdtempSync(join(workDir, 'store-')), { keys });
    await store.init();
  });
  afterEach(async () => t.dispose());

  /** Writes a segment as the recorder does (init, then one writev per fragment of several pipe chunks) and commits. */
  async function record(seq: number, size = 600_000, firstFragmentBytes?: number): Promise<{ plain: Buffer; rel: string; path: string }> {
    const { init, fragments } = fakeSegment(size, firstFragmentBytes);
    const w = await store.createWriter(ref(seq));
    await w.write(init);
    for (const f of fragments) {
      const cut = Math.floor(f.length / 3);
      await w.writev([f.subarray(0, cut), f.subarray(cut, cut * 2), f.subarray(cut * 2)]);
      await w.sync();
    }
    expect(w.sizeBytes).toBe(init.length + fragments.reduce((n, f) => n + f.length, 0));
    await w.commit();
    const rel = segmentRelPath(ref(seq));
    return { plain: Buffer.concat([init, ...fragments]), rel, path: join(store.root, rel) };
  }

  it('a stolen file shows no fMP4 box and no plaintext run; the store reads back the exact plaintext and its SHA-256', async () => {
    const { plain, rel, path } = await record(0);
    const raw = readFileSync(path);
    expect(plaintextBoxesIn(plain)).toEqual(['ftyp', 'moov', 'moof', 'mdat']); // the check sees a plaintext file
    expect(plaintextBoxesIn(raw)).toEqual([]);
    expect(raw.subarray(0, 8).toString('latin1')).toBe('VGSEGENC');
    // No 16-byte window of the plaintext survives in the file.
    for (let at = 0; at + 16 <= plain.length; at += 4099) expect(raw.includes(plain.subarray(at, at + 16))).toBe(false);
    expect((await store.readWholeRel(rel)).equals(plain)).toBe(true);
    expect(await store.plainSizeRel(rel)).toBe(plain.length);
    const h = await store.hashFile(rel);
    expect(h).toEqual({ sha256: createHash('sha256').update(plain).digest(), sizeBytes: plain.length });
  });

  it('any byte range decrypts exactly (fast-check), touching only the records it needs', async () => {
    const { plain } = await record(0, 400_000);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: plain.length + 10 }), fc.nat({ max: 3 * CHUNK_BYTES }), async (offset, length) => {
        const got = await store.read(ref(0), offset, length);
        expect(got.equals(plain.subarray(offset, offset + length))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decrypting with the wrong master key fails with a typed error, not garbage', async () => {
    const { rel } = await record(0, 50_000);
    const thief = new LocalSegmentStore(store.root, { keys: new SegmentKeys(new SegmentKeyRepo(t.db), new MasterKeyring(masterKeyOf(randomBytes(32)))) });
    await expectCrypto(thief.readRel(rel, 0, 100), 'wrong_master_key');
    // and a store without any key refuses too
    await expectCrypto(new LocalSegmentStore(store.root).readRel(rel, 0, 100), 'key_missing');
  });

  it('detects a swapped, reordered, altered or truncated record and a file moved to another segment', async () => {
    const { rel, path } = await record(0, 300_000, 200_000);
    const original = readFileSync(path);
    // Two full 64 KiB records of one fragment (the first, 200 KB) have the same length: swap them.
    const recordBytes = 4 + CHUNK_BYTES + 16;
    const firstFull = (() => {
      for (let at = HEADER_BYTES; at + 4 <= original.length; ) {
        const n = original.readUInt32BE(at) & 0xffffff;
        if (n === CHUNK_BYTES && (original.readUInt32BE(at + recordBytes) & 0xffffff) === CHUNK_BYTES) return at;
        at += 4 + n + 16;
      }
      throw new Error('no two adjacent full records');
    })();
    const swapped = Buffer.from(original);
    original.copy(swapped, firstFull, firstFull + recordBytes, firstFull + 2 * recordBytes);
    original.copy(swapped, firstFull + recordBytes, firstFull, firstFull + recordBytes);
    writeFileSync(path, swapped);
    await expectCrypto(store.readWholeRel(rel), 'auth_failed');
    expect((await store.hashFile(rel))?.problem).toMatch(/auth_failed/);

    const flipped = Buffer.from(original);
    flipped[firstFull + 100]! ^= 1;
    writeFileSync(path, flipped);
    await expectCrypto(store.readWholeRel(rel), 'auth_failed');

    writeFileSync(path, original);
    truncateSync(path, original.length - 5000); // the trailer is gone
    await expectCrypto(store.readWholeRel(rel), 'truncated');

    // Another segment's file put in this one's place names another data key.
    writeFileSync(path, original);
    const other = await record(1, 20_000);
    copyFileSync(other.path, path);
    await expectCrypto(store.readWholeRel(rel), 'key_mismatch');
  });

  it('recovers a partial cut mid-record up to its last whole record, then seals it with a trailer (invariant 2)', async () => {
    const { init, fragments } = fakeSegment(200_000);
    const w = await store.createWriter(ref(0));
    await w.write(init);
    for (const f of fragments) await w.writev([f]);
    await w.sync();
    // the process dies: the writer is never committed; a torn record follows
    appendFileSync(w.partialPath, randomBytes(777));
    const partialRel = `${segmentRelPath(ref(0))}.partial`;
    const whole = await store.readWholeRel(partialRel);
    expect(whole.equals(Buffer.concat([init, ...fragments]))).toBe(true);
    const keep = init.length + fragments.slice(0, -1).reduce((n, f) => n + f.length, 0);
    const finalRel = await store.completePartial(partialRel, keep);
    await w.close();
    expect((await store.readWholeRel(finalRel)).equals(Buffer.concat([init, ...fragments.slice(0, -1)]))).toBe(true);
  });

  it('reads plaintext files written before encryption (or with it off) unchanged', async () => {
    const plainStore = new LocalSegmentStore(store.root);
    const w = await plainStore.createWriter(ref(5));
    await w.write(Buffer.from('ftyp-old-footage'));
    await w.commit();
    expect((await store.read(ref(5), 5, 3)).toString()).toBe('old');
    expect(await store.isEncryptedRel(segmentRelPath(ref(5)))).toBe(false);
  });

  it('deleting a segment destroys its key first (crypto-shredding): a copy of the file is unreadable afterwards', async () => {
    const { rel, path } = await record(0, 30_000);
    const copy = join(store.root, cameraId, 'stolen-copy');
    copyFileSync(path, copy);
    expect(await t.db.selectFrom('segment_keys').select('id').where('rel', '=', rel).executeTakeFirst()).toBeDefined();
    expect(await store.deleteSegment(ref(0))).toEqual({ fileRemoved: true, keyDestroyed: true });
    expect(await t.db.selectFrom('segment_keys').select('id').where('rel', '=', rel).executeTakeFirst()).toBeUndefined();
    expect(await store.plainSizeRel(rel)).toBeNull();
    // the copy put back where it was: no key opens it any more
    copyFileSync(copy, path);
    await expectCrypto(store.readWholeRel(rel), 'key_missing');
    expect(await store.deleteSegment(ref(0))).toEqual({ fileRemoved: true, keyDestroyed: false });
  });

  it('after a batch of deletions no copy of a destroyed wrapped key stays in the database files (SQLite WAL, PostgreSQL dead tuples)', async () => {
    await record(0, 20_000);
    await record(1, 20_000);
    const wrapped = (await t.db.selectFrom('segment_keys').select(['rel', 'wrapped']).orderBy('rel').execute()).map((r) => r.wrapped);
    expect(wrapped).toHaveLength(2);
    const onDisk = () => (t.path ? [t.path, `${t.path}-wal`].map((p) => { try { return readFileSync(p); } catch { return Buffer.alloc(0); } }) : []);
    if (t.path) expect(onDisk().some((b) => b.includes(wrapped[0]!))).toBe(true); // the check below can fail
    await store.deleteSegment(ref(0));
    expect(await store.purgeDestroyedKeys()).toBe(true);
    for (const b of onDisk()) expect(b.includes(wrapped[0]!)).toBe(false);
    // The other segment's key is intact and still opens its file.
    if (t.path) expect(onDisk().some((b) => b.includes(wrapped[1]!))).toBe(true);
    expect((await store.readWholeRel(segmentRelPath(ref(1)))).length).toBeGreaterThan(0);
    // A store without keys has nothing to purge.
    expect(await new LocalSegmentStore(store.root).purgeDestroyedKeys()).toBe(true);
  });

  it('an empty partial discarded or removed takes its key with it', async () => {
    const w = await store.createWriter(ref(0));
    expect(await w.discardIfEmpty()).toBe(true);
    const w2 = await store.createWriter(ref(1));
    await w2.close();
    await store.removeEmptyPartial(`${segmentRelPath(ref(1))}.partial`);
    expect(await t.db.selectFrom('segment_keys').select('id').execute()).toEqual([]);
  });

  it('rotation rewraps every data key: all segments stay readable, the old master no longer opens them', async () => {
    const files = [await record(0, 40_000), await record(1, 70_000), await record(2, 10_000)];
    const next = masterKeyOf(randomBytes(32));
    const rotating = new SegmentKeys(new SegmentKeyRepo(t.db), new MasterKeyring(next, [master]));
    expect(await rotating.rewrapAll(2)).toBe(3);
    expect(await rotating.rewrapAll(2)).toBe(0); // idempotent: nothing left wrapped by another key
    const rows = await t.db.selectFrom('segment_keys').select('master_key_id').execute();
    expect(rows.map((r) => r.master_key_id)).toEqual([next.id, next.id, next.id]);
    const after = new LocalSegmentStore(store.root, { keys: new SegmentKeys(new SegmentKeyRepo(t.db), new MasterKeyring(next)) });
    for (const f of files) expect((await after.readWholeRel(f.rel)).equals(f.plain)).toBe(true);
    const before = new LocalSegmentStore(store.root, { keys: new SegmentKeys(new SegmentKeyRepo(t.db), new MasterKeyring(master)) });
    await expectCrypto(before.readWholeRel(files[0]!.rel), 'wrong_master_key');
  });
});
