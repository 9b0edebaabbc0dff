// Segment encryption for tests (architecture §7): real data keys in the test database's `segment_keys` table, wrapped
// by a fresh random master key (no key file needed).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadMasterKeyring } from '../../src/app/index.js';
import { openDatabase, type Db } from '../../src/db/index.js';
import { LocalSegmentStore, masterKeyOf, MasterKeyring, SegmentKeyRepo, SegmentKeys, type AppendPath, type MasterKey } from '../../src/storage/index.js';
import { nativeAppendPathForTests } from './append-paths.js';

const nativePath = await nativeAppendPathForTests();

export function testSegmentKeys(db: Db, master: MasterKey = masterKeyOf(randomBytes(32))): SegmentKeys {
  return new SegmentKeys(new SegmentKeyRepo(db), new MasterKeyring(master));
}

/**
 * A store writing encrypted files when `encrypted`, plaintext files otherwise, through `appendPath` (default: the
 * native one, as `vigil serve` runs on a machine with a compiler).
 */
export function testStore(root: string, db: Db, encrypted: boolean, appendPath: AppendPath = nativePath): LocalSegmentStore {
  return new LocalSegmentStore(root, { ...(encrypted ? { keys: testSegmentKeys(db) } : {}), appendPath });
}

/**
 * The fMP4 box headers that give a plaintext segment away, found in raw file bytes: a box type preceded by a 32-bit
 * size that fits in the file (as every real box's does). Matching the bare four letters is not enough: ciphertext is
 * random, and a few MiB of it hold one of seven given 4-byte strings about once in 200 files (a CI run failed so);
 * with the size too, about once in 300,000 files, while any plaintext fragment still shows several headers.
 */
export function plaintextBoxesIn(raw: Buffer): string[] {
  const found = new Set<string>();
  for (const type of ['ftyp', 'moov', 'moof', 'mdat', 'mfhd', 'tfdt', 'avcC']) {
    const needle = Buffer.from(type, 'latin1');
    for (let at = raw.indexOf(needle, 4); at >= 4; at = raw.indexOf(needle, at + 1)) {
      const size = raw.readUInt32BE(at - 4);
      if (size >= 8 && size <= raw.length) {
        found.add(type);
        break;
      }
    }
  }
  return [...found];
}

/**
 * The store of a data dir (SQLite) as `vigil` opens it: its master key (file or env) and `segment_keys`, so a test can
 * read a recorded file's plaintext the way playback and verify do. Works beside a running `vigil serve` (WAL).
 */
export async function withPlainStore<T>(dataDir: string, storeDir: string, fn: (store: LocalSegmentStore) => Promise<T>): Promise<T> {
  const database = openDatabase({ dialect: 'sqlite', path: join(dataDir, 'index.sqlite') });
  try {
    const ring = loadMasterKeyring(dataDir, { create: false });
    const store = new LocalSegmentStore(storeDir, { keys: ring ? new SegmentKeys(new SegmentKeyRepo(database.db), ring) : null, encryptNew: false });
    return await fn(store);
  } finally {
    await database.close();
  }
}
