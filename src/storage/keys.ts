// Segment data keys (architecture §7): one random AES-256 key per segment file, wrapped by the installation's master
// key with AES-256-GCM (AAD = "vigil-segment-key" · key id · file path, so a wrapped key cannot be moved to another
// row), stored by SegmentKeyRepo. The master key never touches disk here: app/ loads it (file or env) and passes
// a MasterKeyring. Deleting the wrapped key is crypto-shredding.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { parse as uuidParse, stringify as uuidStringify, v7 as uuidv7 } from 'uuid';
import { SegmentCryptoError } from './segment-crypto.js';
import type { SegmentKeyRepo } from './repo.js';

export interface MasterKey {
  /** Fingerprint: the first 8 bytes of SHA-256("vigil-master-key" · key), hex. Never the key itself. */
  id: string;
  key: Buffer;
}

export function masterKeyOf(key: Buffer): MasterKey {
  if (key.length !== 32) throw new Error('a master key is 32 bytes');
  return { id: createHash('sha256').update('vigil-master-key\0').update(key).digest().subarray(0, 8).toString('hex'), key };
}

/**
 * The master keys an installation holds: `current` wraps new data keys; `others` (during an unfinished rotation, the
 * previous or the next key) only unwrap.
 */
export class MasterKeyring {
  private readonly byId = new Map<string, MasterKey>();

  constructor(
    readonly current: MasterKey,
    others: readonly MasterKey[] = [],
  ) {
    for (const k of [current, ...others]) this.byId.set(k.id, k);
  }

  get(id: string): MasterKey | undefined {
    return this.byId.get(id);
  }
}

export interface DataKey {
  /** 16-byte id (the UUIDv7's bytes), written in the file header. */
  keyId: Buffer;
  key: Buffer;
}

const WRAP_LABEL = Buffer.from('vigil-segment-key\0', 'latin1');

function wrapAad(id: string, rel: string): Buffer {
  return Buffer.concat([WRAP_LABEL, Buffer.from(id, 'latin1'), Buffer.from([0]), Buffer.from(rel, 'utf8')]);
}

export function wrapKey(master: MasterKey, id: string, rel: string, key: Buffer): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, nonce);
  cipher.setAAD(wrapAad(id, rel));
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

export function unwrapKey(master: MasterKey, id: string, rel: string, wrapped: Buffer): Buffer {
  if (wrapped.length !== 12 + 32 + 16) throw new SegmentCryptoError('wrong_master_key', `wrapped key ${id} is malformed`, rel);
  const decipher = createDecipheriv('aes-256-gcm', master.key, wrapped.subarray(0, 12));
  decipher.setAAD(wrapAad(id, rel));
  decipher.setAuthTag(wrapped.subarray(44));
  const key = decipher.update(wrapped.subarray(12, 44));
  try {
    decipher.final();
  } catch {
    throw new SegmentCryptoError('wrong_master_key', `the master key ${master.id} does not open data key ${id}`, rel);
  }
  return key;
}

/** The data keys of the segment files, over the repo and the master keyring. */
export class SegmentKeys {
  constructor(
    private readonly repo: SegmentKeyRepo,
    private readonly keyring: MasterKeyring,
    private readonly now: () => number = Date.now,
  ) {}

  get masterKeyId(): string {
    return this.keyring.current.id;
  }

  /** A new data key for the file `rel`, stored (wrapped) before it is returned: the file never outlives its key's row. */
  async create(rel: string): Promise<DataKey> {
    const id = uuidv7();
    const key = randomBytes(32);
    await this.repo.insert({ id, rel, wrapped: wrapKey(this.keyring.current, id, rel, key), master_key_id: this.keyring.current.id, created_ms: this.now() });
    return { keyId: Buffer.from(uuidParse(id)), key };
  }

  /** The data key of `rel`, or a typed error: `key_missing` (shredded or never stored), `wrong_master_key`. */
  async open(rel: string): Promise<DataKey> {
    const row = await this.repo.byRel(rel);
    if (!row) throw new SegmentCryptoError('key_missing', `no data key for ${rel}: it was destroyed (deleted segment) or never stored`, rel);
    const master = this.keyring.get(row.master_key_id);
    if (!master) throw new SegmentCryptoError('wrong_master_key', `data key ${row.id} is wrapped by master key ${row.master_key_id}, which this installation does not hold`, rel);
    return { keyId: Buffer.from(uuidParse(row.id)), key: unwrapKey(master, row.id, rel, row.wrapped) };
  }

  /** Crypto-shredding: the wrapped key is deleted; returns whether there was one. */
  destroy(rel: string): Promise<boolean> {
    return this.repo.delete(rel);
  }

  /** After a batch of `destroy`: the destroyed keys leave the database's files too (SegmentKeyRepo.purgeDeleted). */
  purgeDestroyed(): Promise<boolean> {
    return this.repo.purgeDeleted();
  }

  /**
   * Rewraps every data key not yet wrapped by the current master key, in batches of `batch` (each one transaction).
   * Video files are not touched. Safe to interrupt and re-run: every row is wrapped by one key of the keyring.
   */
  async rewrapAll(batch = 500, onBatch?: (done: number) => void): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await this.repo.notWrappedBy(this.keyring.current.id, batch);
      if (rows.length === 0) return done;
      const updated = rows.map((r) => {
        const from = this.keyring.get(r.master_key_id);
        if (!from) throw new SegmentCryptoError('wrong_master_key', `data key ${r.id} is wrapped by master key ${r.master_key_id}, which is not in the keyring`, r.rel);
        const key = unwrapKey(from, r.id, r.rel, r.wrapped);
        return { id: r.id, wrapped: wrapKey(this.keyring.current, r.id, r.rel, key), master_key_id: this.keyring.current.id };
      });
      await this.repo.rewrap(updated);
      done += updated.length;
      onBatch?.(done);
    }
  }
}

export function keyIdString(keyId: Buffer): string {
  return uuidStringify(keyId);
}
