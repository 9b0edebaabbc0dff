// An open `.partial` segment file being written (storage invariant 1), plaintext or encrypted (segment-crypto.ts).
import { constants } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { layoutOf, sealRecords, sealTrailer } from './segment-crypto.js';

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** An open `.partial` segment file. Writes append; `commit()` makes it durable under its final name. */
export class SegmentFileWriter {
  private lengthBytes = 0;
  private closed = false;
  /** Encrypted: file bytes written so far (header and records), plaintext length of each record, sealed after truncate. */
  private fileLength = 0;
  private readonly records: number[] = [];
  private sealed = false;

  constructor(
    private readonly handle: FileHandle,
    readonly partialPath: string,
    readonly finalPath: string,
    private readonly enc: { key: Buffer; base: Buffer; headerBytes: number } | null = null,
    private readonly onDiscard: () => Promise<void> = async () => undefined,
  ) {
    if (enc) this.fileLength = enc.headerBytes;
  }

  /** Whether this file is written encrypted. */
  get encrypted(): boolean {
    return this.enc !== null;
  }

  get sizeBytes(): number {
    return this.lengthBytes;
  }

  /** Appends all of `data` or throws (e.g. ENOSPC); on a throw the file may hold a torn tail past `sizeBytes`. */
  async write(data: Uint8Array): Promise<void> {
    if (this.enc) return this.writev([data]);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, this.lengthBytes + done);
      done += bytesWritten;
    }
    this.lengthBytes += data.length;
  }

  /**
   * Appends `parts` in order, in as few writev calls as the kernel allows (one, normally), or throws like `write`.
   * A fragment arrives as several pipe chunks: this writes it without joining them first.
   */
  async writev(parts: readonly Uint8Array[]): Promise<void> {
    if (!this.enc) {
      this.lengthBytes += await this.rawWritev(parts, this.lengthBytes);
      return;
    }
    // One fragment → ⌈size / 64 KiB⌉ records, sealed from the pipe chunks without joining them, written in one writev.
    // The state advances only after the whole write succeeded, so a failed write leaves a torn tail past fileLength.
    if (this.sealed) throw new Error('segment writer was truncated: no further writes (a record index is never reused)');
    const { out, lengths } = sealRecords(this.enc.key, this.enc.base, this.records.length, parts);
    const written = await this.rawWritev(out, this.fileLength);
    this.fileLength += written;
    this.records.push(...lengths);
    this.lengthBytes += lengths.reduce((n, x) => n + x, 0);
  }

  private async rawWritev(parts: readonly Uint8Array[], at: number): Promise<number> {
    let rest = parts.filter((p) => p.length > 0);
    const total = rest.reduce((n, p) => n + p.length, 0);
    let done = 0;
    while (rest.length > 0) {
      // Linux writes at most IOV_MAX (1024) buffers per call; a short write continues where it stopped.
      const { bytesWritten } = await this.handle.writev(rest.slice(0, 1024), at + done);
      done += bytesWritten;
      rest = dropFront(rest, bytesWritten);
    }
    return total;
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
    if (this.enc) this.fileLength += await this.rawWritev(sealTrailer(this.enc.key, this.enc.base, this.records, this.fileLength), this.fileLength);
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

/** `parts` without their first `bytes` bytes. */
function dropFront(parts: readonly Uint8Array[], bytes: number): Uint8Array[] {
  let k = 0;
  while (k < parts.length && bytes >= parts[k]!.length) bytes -= parts[k++]!.length;
  const out = parts.slice(k);
  if (out.length > 0 && bytes > 0) out[0] = out[0]!.subarray(bytes);
  return out;
}

