// Segment encryption for tests (architecture §7): real data keys in the test database's `segment_keys` table, wrapped
// by a fresh random master key (no key file needed).
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/index.js';
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
