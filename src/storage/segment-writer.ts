// An open `.partial` segment file being written (storage invariant 1), plaintext or encrypted (segment-crypto.ts).
import { constants } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { jsAppendPath, writeAllAt, type AppendHash, type AppendPath } from './append-path.js';
import { CHUNK_BYTES, layoutOf, sealTrailer } from './segment-crypto.js';

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * An open `.partial` segment file. Appends go through the append path (append-path.ts: JavaScript or native) and
 * into the file's SHA-256 once written, so the digest is of exactly the plaintext appended — computed while writing,
 * never by re-reading (architecture §4). `commit()` makes the file durable under its final name.
 */
export class SegmentFileWriter {
  private lengthBytes = 0;
  private closed = false;
  /** Encrypted: file bytes written so far (header and records), plaintext length of each record, sealed after truncate. */
  private fileLength = 0;
  private readonly records: number[] = [];
  private sealed = false;
  private readonly hash: AppendHash;
  /** Plaintext bytes in `hash`: equal to `lengthBytes` unless a truncate cut into appended bytes. */
  private hashedBytes = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly partialPath: string,
    readonly finalPath: string,
    private readonly enc: { key: Buffer; base: Buffer; headerBytes: number } | null = null,
    private readonly onDiscard: () => Promise<void> = async () => undefined,
    private readonly path: AppendPath = jsAppendPath,
  ) {
    if (enc) this.fileLength = enc.headerBytes;
    this.hash = path.newHash();
  }

  /** Whether this file is written encrypted. */
  get encrypted(): boolean {
    return this.enc !== null;
  }

  get sizeBytes(): number {
    return this.lengthBytes;
  }

  /** Appends all of `data` or throws (e.g. ENOSPC); on a throw the file may hold a torn tail past `sizeBytes`. */
  async write(data: Uint8Array, options: { sync?: boolean } = {}): Promise<void> {
    return this.writev([data], options);
  }

  /**
   * Appends `parts` in order (a fragment arrives as several pipe chunks: they are not joined first), fdatasyncs if
   * `sync`, or throws like `write`. Encrypted: ⌈size / 64 KiB⌉ records. The state (length, records, hash) advances
   * only after the whole append succeeded, so a failed one leaves a torn tail past it for `truncate`.
   */
  async writev(parts: readonly Uint8Array[], options: { sync?: boolean } = {}): Promise<void> {
    if (this.sealed) throw new Error('segment writer was truncated: no further writes (a record index is never reused)');
    const enc = this.enc ? { key: this.enc.key, base: this.enc.base, firstIndex: this.records.length } : null;
    const at = this.enc ? this.fileLength : this.lengthBytes;
    const { fileBytes, lengths } = await this.path.append(this.handle, at, parts, enc, this.hash, options.sync ?? false);
    const plain = parts.reduce((n, p) => n + p.length, 0);
    this.fileLength += fileBytes;
    this.records.push(...lengths);
    this.lengthBytes += plain;
    this.hashedBytes += plain;
  }

  /**
   * What the native pipe reader needs to append to this file itself (recording inline, native/vigil_native.c
   * readerArm): null on the JavaScript path, after a truncate, or once closed. While the reader holds it, only
   * `adoptInlineAppend` may change this writer; the reader's own disarm hands it back.
   */
  inlineTarget(): { fd: number; at: number; key: Buffer | null; aadBase: Buffer | null; firstIndex: number; hash: unknown } | null {
    const hash = this.hash.nativeHandle;
    if (!hash || this.sealed || this.closed || this.hashedBytes !== this.lengthBytes) return null;
    return {
      fd: this.handle.fd,
      at: this.enc ? this.fileLength : this.lengthBytes,
      key: this.enc?.key ?? null,
      aadBase: this.enc?.base ?? null,
      firstIndex: this.records.length,
      hash,
    };
  }

  /** The native reader appended `plainBytes` (as `fileBytes` in the file) and hashed them: the state moves on as `writev`'s. */
  adoptInlineAppend(plainBytes: number, fileBytes: number): void {
    if (this.enc) {
      for (let left = plainBytes; left > 0; left -= CHUNK_BYTES) this.records.push(Math.min(left, CHUNK_BYTES));
    }
    this.fileLength += fileBytes;
    this.lengthBytes += plainBytes;
    this.hashedBytes += plainBytes;
  }

  /** SHA-256 of the plaintext appended (once: the hash is finished by it). */
  digest(): Buffer {
    if (this.hashedBytes !== this.lengthBytes) throw new Error('segment writer was truncated into appended bytes: its digest would not match the file');
    return this.hash.digest();
  }

  /** fdatasync: the bytes written so far survive a power cut. */
  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  /** Cuts a torn tail (after a failed write) back to the last whole fragment. */
  async truncate(lengthBytes: number): Promise<void> {
    if (!this.enc) {
      await this.handle.truncate(lengthBytes);
      this.lengthBytes = lengthBytes;
      this.fileLength = lengthBytes;
      return;
    }
    // Plaintext length → record boundary (fragments always end on one).
    const layout = layoutOf(this.records);
    const k = layout.plainStarts.indexOf(lengthBytes);
    if (k < 0) throw new Error(`cannot truncate an encrypted segment to ${lengthBytes} bytes: not a record boundary`);
    this.sealed = true;
    await this.handle.truncate(layout.fileStarts[k]!);
    this.records.length = k;
    this.fileLength = layout.fileStarts[k]!;
    this.lengthBytes = lengthBytes;
  }

  /** fsync, close, rename `.partial` → final, fsync the directory (invariant 1). Encrypted: the trailer goes first. */
  async commit(): Promise<void> {
    if (this.enc) this.fileLength += await writeAllAt(this.handle, sealTrailer(this.enc.key, this.enc.base, this.records, this.fileLength), this.fileLength);
    // The native reader's O_DIRECT writes leave the file padded to a block past its last record (docs/storage.md,
    // "Direct writes"): a committed file ends where its bytes end.
    if ((await this.handle.stat()).size > this.fileLength) await this.handle.truncate(this.fileLength);
    await this.handle.sync();
    await this.close();
    await rename(this.partialPath, this.finalPath);
    await fsyncDir(dirname(this.finalPath));
  }

  /** Closes and removes an EMPTY partial (nothing recorded in it). A non-empty one is never deleted here. */
  async discardIfEmpty(): Promise<boolean> {
    await this.close();
    if (this.lengthBytes > 0) return false;
    await unlink(this.partialPath).catch(() => undefined);
    await this.onDiscard(); // its data key, if any, goes with it
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
