// The local segment store: a directory of segment files (architecture §4). Owns every file-system call on segment
// files; the crash-safety order of invariant 1 lives here: write `<name>.partial` (O_EXCL) → fsync → rename →
// fsync the directory. The caller commits the index row only after `commit()` resolves.
//
// Encryption at rest (architecture §7, docs/encryption.md): given `SegmentKeys`, every new file is written as
// chunked AES-256-GCM records (segment-crypto.ts) under its own data key; every read, hash and recovery works on the
// plaintext, so offsets, sizes and SHA-256 in the index are those of the plaintext fMP4. Unencrypted files (written
// before, or with encryption off) stay readable: the header tells them apart.
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { mkdir, open, readdir, rename, stat, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hashPlain, openEncrypted, readAt, readPlainRange, type OpenedEncryptedFile } from './encrypted-file.js';
import type { DataKey, SegmentKeys } from './keys.js';
import { resolveInside, segmentRelPath, type SegmentFileRef } from './paths.js';
import { jsAppendPath, type AppendPath, type AppendPathName } from './append-path.js';
import { aadBase, buildHeader, isEncryptedHeader, sealTrailer, SegmentCryptoError } from './segment-crypto.js';
import { fsyncDir, SegmentFileWriter } from './segment-writer.js';

export interface StoreEntry {
  /** Path relative to the store root, with '/' separators. */
  rel: string;
  sizeBytes: number;
}

export interface LocalSegmentStoreOptions {
  /** The data keys: needed to write encrypted files and to read, recover or delete any encrypted file. */
  keys?: SegmentKeys | null;
  /** Encrypt new segment files (config `storage.encryption`, default on); needs `keys`. Default: whether keys are given. */
  encryptNew?: boolean;
  /** How new segment files are written (config `recording.bytePath`; native-build.ts resolves it). Default: JavaScript. */
  appendPath?: AppendPath;
}

/** A file's identity (the AAD and the key row): its final path, also for its `.partial`. */
function identityOf(rel: string): string {
  return rel.endsWith('.partial') ? rel.slice(0, -'.partial'.length) : rel;
}

const OPEN_CACHE_MAX = 256;

export class LocalSegmentStore {
  private readonly keys: SegmentKeys | null;
  private readonly encryptNew: boolean;
  private readonly appendPath: AppendPath;
  /** Opened encrypted files (data key and layout) by rel, for the reads of one HLS session; keyed on size and mtime. */
  private readonly opened = new Map<string, { size: number; mtimeMs: number; file: OpenedEncryptedFile }>();

  constructor(
    readonly root: string,
    options: LocalSegmentStoreOptions = {},
  ) {
    this.keys = options.keys ?? null;
    this.encryptNew = options.encryptNew ?? this.keys !== null;
    this.appendPath = options.appendPath ?? jsAppendPath;
    if (this.encryptNew && !this.keys) throw new Error('encrypting segment files needs the data keys (a master key)');
  }

  /** Whether new segment files are written encrypted. */
  get encrypting(): boolean {
    return this.encryptNew;
  }

  /** Which append path writes new segment files. */
  get appendPathName(): AppendPathName {
    return this.appendPath.name;
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o750 });
  }

  pathOf(ref: SegmentFileRef): string {
    return resolveInside(this.root, segmentRelPath(ref));
  }

  relPathOf(ref: SegmentFileRef): string {
    return segmentRelPath(ref);
  }

  /**
   * Opens `<segment>.mp4.partial` with O_EXCL: two writers can never share a file. Encrypted: the data key's row is
   * committed before the header is written, so no file ever exists without its key.
   */
  async createWriter(ref: SegmentFileRef): Promise<SegmentFileWriter> {
    const rel = segmentRelPath(ref);
    const finalPath = this.pathOf(ref);
    const partialPath = `${finalPath}.partial`;
    await mkdir(dirname(finalPath), { recursive: true, mode: 0o750 });
    // Read-write: the native reader reads back the file's partial last block before it writes with O_DIRECT.
    const handle = await open(partialPath, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o640);
    if (!this.encryptNew || !this.keys) return new SegmentFileWriter(handle, partialPath, finalPath, null, undefined, this.appendPath);
    let dataKey: DataKey;
    try {
      dataKey = await this.keys.create(rel);
      const header = buildHeader(dataKey.keyId);
      await handle.write(header, 0, header.length, 0);
      const enc = { key: dataKey.key, base: aadBase(header, rel), headerBytes: header.length };
      const destroyKey = async () => {
        await this.keys!.destroy(rel);
      };
      return new SegmentFileWriter(handle, partialPath, finalPath, enc, destroyKey, this.appendPath);
    } catch (err) {
      // No file is left without its key, nor a key without its file (e.g. ENOSPC writing the header).
      await handle.close().catch(() => undefined);
      await unlink(partialPath).catch(() => undefined);
      await this.keys.destroy(rel).catch(() => undefined);
      throw err;
    }
  }

  /** Reads `length` plaintext bytes at `offset` of a committed segment file (short only at end of file). */
  async read(ref: SegmentFileRef, offset: number, length: number): Promise<Buffer> {
    return this.readRel(segmentRelPath(ref), offset, length);
  }

  async readRel(rel: string, offset: number, length: number): Promise<Buffer> {
    const handle = await open(resolveInside(this.root, rel), 'r');
    try {
      const enc = await this.openedOf(handle, rel);
      return enc ? await readPlainRange(handle, enc, offset, length, identityOf(rel)) : await readAt(handle, offset, length);
    } finally {
      await handle.close();
    }
  }

  /** The whole plaintext. A `.partial` (after a crash) yields its whole records: a torn tail is left out. */
  async readWholeRel(rel: string): Promise<Buffer> {
    const size = await this.plainSizeRel(rel);
    if (size === null) throw Object.assign(new Error(`segment file ${rel} does not exist`), { code: 'ENOENT' });
    return this.readRel(rel, 0, size);
  }

  /** Plaintext size of a file (its size on disk when unencrypted); null if it does not exist. */
  async plainSizeRel(rel: string): Promise<number | null> {
    let handle: FileHandle;
    try {
      handle = await open(resolveInside(this.root, rel), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const enc = await this.openedOf(handle, rel);
      return enc ? enc.layout.plainStarts[enc.lengths.length]! : (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }

  /** Whether the file is stored encrypted (by its header); null if it does not exist. */
  async isEncryptedRel(rel: string): Promise<boolean | null> {
    let handle: FileHandle;
    try {
      handle = await open(resolveInside(this.root, rel), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return isEncryptedHeader(await readAt(handle, 0, 8));
    } finally {
      await handle.close();
    }
  }

  /**
   * Streams a file's plaintext through SHA-256 (for `vigil verify`, R15): about 1 MiB at a time, memory stays flat.
   * Null if the file does not exist. An encrypted file that does not decrypt (altered, swapped, truncated, key
   * destroyed) is reported as `problem` rather than thrown, so verify names it and goes on.
   */
  async hashFile(rel: string): Promise<{ sha256: Buffer; sizeBytes: number; problem?: string } | null> {
    let handle: FileHandle;
    try {
      handle = await open(resolveInside(this.root, rel), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      let enc: OpenedEncryptedFile | null;
      try {
        enc = await this.openedOf(handle, rel);
        if (enc) return await hashPlain(handle, enc, identityOf(rel));
      } catch (err) {
        if (!(err instanceof SegmentCryptoError)) throw err;
        this.opened.delete(rel);
        return { sha256: Buffer.alloc(32), sizeBytes: -1, problem: `the encrypted file does not decrypt (${err.code}): ${err.message}` };
      }
      const hash = createHash('sha256');
      const buf = Buffer.allocUnsafe(1 << 20);
      let size = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, size);
        if (bytesRead === 0) break;
        hash.update(buf.subarray(0, bytesRead));
        size += bytesRead;
      }
      return { sha256: hash.digest(), sizeBytes: size };
    } finally {
      await handle.close();
    }
  }

  /** The encrypted layout of an open file (cached), or null for a plaintext file. Throws SegmentCryptoError. */
  private async openedOf(handle: FileHandle, rel: string): Promise<OpenedEncryptedFile | null> {
    const s = await handle.stat();
    const cached = this.opened.get(rel);
    if (cached && cached.size === s.size && cached.mtimeMs === s.mtimeMs) return cached.file;
    if (!isEncryptedHeader(await readAt(handle, 0, 8))) return null;
    const identity = identityOf(rel);
    const file = await openEncrypted(handle, s.size, identity, async (keyId) => {
      if (!this.keys) throw new SegmentCryptoError('key_missing', `${identity} is encrypted but no master key is configured`, identity);
      const dataKey = await this.keys.open(identity);
      if (!dataKey.keyId.equals(keyId)) throw new SegmentCryptoError('key_mismatch', `${identity} names another data key than its own: the file was moved or swapped`, identity);
      return dataKey.key;
    }, rel.endsWith('.partial'));
    if (file.finished) {
      if (this.opened.size >= OPEN_CACHE_MAX) this.opened.delete(this.opened.keys().next().value!);
      this.opened.set(rel, { size: s.size, mtimeMs: s.mtimeMs, file });
    }
    return file;
  }

  async statRel(rel: string): Promise<Stats | null> {
    try {
      return await stat(resolveInside(this.root, rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /**
   * Recovery: truncate a partial to its whole-fragment prefix (`wholeLengthBytes` of plaintext), fsync, rename to its
   * final name, fsync the dir. Encrypted: cut at the record boundary of that length and append the trailer first.
   */
  async completePartial(partialRel: string, wholeLengthBytes: number): Promise<string> {
    if (!partialRel.endsWith('.partial')) throw new Error(`${partialRel} is not a partial file`);
    const partialPath = resolveInside(this.root, partialRel);
    const finalRel = identityOf(partialRel);
    const finalPath = resolveInside(this.root, finalRel);
    const handle = await open(partialPath, 'r+');
    try {
      const enc = await this.openedOf(handle, partialRel);
      if (enc) {
        const k = enc.layout.plainStarts.indexOf(wholeLengthBytes);
        if (k < 0) throw new SegmentCryptoError('truncated', `${partialRel}: ${wholeLengthBytes} bytes is not a record boundary`, finalRel);
        const lengths = enc.lengths.slice(0, k);
        const end = enc.layout.fileStarts[k]!;
        await handle.truncate(end);
        const trailer = sealTrailer(enc.key, enc.base, lengths, end);
        await handle.writev(trailer, end);
      } else {
        await handle.truncate(wholeLengthBytes);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partialPath, finalPath);
    await fsyncDir(dirname(finalPath));
    return finalRel;
  }

  /** Removes a partial file that holds no whole fragment (nothing recorded was in it), and its data key. */
  async removeEmptyPartial(partialRel: string): Promise<void> {
    if (!partialRel.endsWith('.partial')) throw new Error(`${partialRel} is not a partial file`);
    const path = resolveInside(this.root, partialRel);
    await unlink(path);
    await fsyncDir(dirname(path));
    if (this.keys) await this.keys.destroy(identityOf(partialRel));
  }

  /**
   * THE delete of a segment file (storage invariant 4; retention calls this after marking the row): destroys the
   * file's data key first (crypto-shredding: any copy of the file, a backup or the freed disk blocks, is unreadable
   * from then on), then unlinks the file and fsyncs its directory. Idempotent: a missing file or key is not an error.
   * Returns what was there.
   */
  async deleteSegment(ref: SegmentFileRef): Promise<{ fileRemoved: boolean; keyDestroyed: boolean }> {
    const rel = segmentRelPath(ref);
    this.opened.delete(rel);
    const keyDestroyed = this.keys ? await this.keys.destroy(rel) : false;
    const path = resolveInside(this.root, rel);
    let fileRemoved = true;
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fileRemoved = false;
    }
    if (fileRemoved) await fsyncDir(dirname(path));
    return { fileRemoved, keyDestroyed };
  }

  /**
   * After a batch of deletions (a retention run): the destroyed data keys are purged from the database's files as
   * well (no old page holding them stays in SQLite's WAL, no dead tuple in PostgreSQL). Returns whether it completed;
   * true when this store has no keys.
   */
  async purgeDestroyedKeys(): Promise<boolean> {
    return this.keys ? this.keys.purgeDestroyed() : true;
  }

  /** Files in one camera-day directory (used by startup reconciliation for the days of unclean runs). */
  async listDay(cameraId: string, day: string): Promise<StoreEntry[]> {
    const dirRel = `${cameraId}/${day}`;
    let names: string[];
    try {
      names = await readdir(resolveInside(this.root, dirRel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoreEntry[] = [];
    for (const name of names.sort()) {
      const rel = `${dirRel}/${name}`;
      const s = await this.statRel(rel);
      if (s?.isFile()) out.push({ rel, sizeBytes: s.size });
    }
    return out;
  }

  /** Every file in the store, two levels deep (camera/day/file); used by `check --storage`. */
  async *walk(): AsyncGenerator<StoreEntry> {
    let cameras: string[];
    try {
      cameras = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const camera of cameras.sort()) {
      const cs = await this.statRel(camera);
      if (!cs?.isDirectory()) {
        if (cs?.isFile()) yield { rel: camera, sizeBytes: cs.size };
        continue;
      }
      for (const day of (await readdir(resolveInside(this.root, camera))).sort()) {
        const ds = await this.statRel(`${camera}/${day}`);
        if (!ds?.isDirectory()) {
          if (ds?.isFile()) yield { rel: `${camera}/${day}`, sizeBytes: ds.size };
          continue;
        }
        yield* await this.listDay(camera, day);
      }
    }
  }

  /** Bytes available to an unprivileged writer on the store's file system. */
  async freeBytes(): Promise<number> {
    const s = await statfs(this.root);
    return s.bavail * s.bsize;
  }

  async totalBytes(): Promise<number> {
    const s = await statfs(this.root);
    return s.blocks * s.bsize;
  }
}

