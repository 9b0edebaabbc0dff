// Segment encryption for tests (architecture §7): real data keys in the test database's `segment_keys` table, wrapped
// by a fresh random master key (no key file needed).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadMasterKeyring } from '../../src/app/index.js';
import { openDatabase, type Db } from '../../src/db/index.js';
import { LocalSegmentStore, masterKeyOf, MasterKeyring, SegmentKeyRepo, SegmentKeys, type MasterKey } from '../../src/storage/index.js';

export function testSegmentKeys(db: Db, master: MasterKey = masterKeyOf(randomBytes(32))): SegmentKeys {
  return new SegmentKeys(new SegmentKeyRepo(db), new MasterKeyring(master));
}

/** A store writing encrypted files when `encrypted`, plaintext files otherwise. */
export function testStore(root: string, db: Db, encrypted: boolean): LocalSegmentStore {
  return new LocalSegmentStore(root, encrypted ? { keys: testSegmentKeys(db) } : {});
}

/** Whether any of the fMP4 box types that give a plaintext segment away occur in raw file bytes. */
export function plaintextBoxesIn(raw: Buffer): string[] {
  return ['ftyp', 'moov', 'moof', 'mdat', 'mfhd', 'tfdt', 'avcC'].filter((t) => raw.includes(Buffer.from(t, 'latin1')));
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
