// The local segment store: a directory of segment files (architecture §4). Owns every file-system call on segment
// files; the crash-safety order of invariant 1 lives here: write `<name>.partial` (O_EXCL) → fsync → rename →
// fsync the directory. The caller commits the index row only after `commit()` resolves.
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { mkdir, open, readdir, rename, stat, statfs, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveInside, segmentRelPath, type SegmentFileRef } from './paths.js';

export interface StoreEntry {
  /** Path relative to the store root, with '/' separators. */
  rel: string;
  sizeBytes: number;
}

async function fsyncDir(dir: string): Promise<void> {
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

  constructor(
    private readonly handle: FileHandle,
    readonly partialPath: string,
    readonly finalPath: string,
  ) {}

  get sizeBytes(): number {
    return this.lengthBytes;
  }

  /** Appends all of `data` or throws (e.g. ENOSPC); on a throw the file may hold a torn tail past `sizeBytes`. */
  async write(data: Uint8Array): Promise<void> {
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
    let rest = parts.filter((p) => p.length > 0);
    const total = rest.reduce((n, p) => n + p.length, 0);
    let done = 0;
    while (rest.length > 0) {
      // Linux writes at most IOV_MAX (1024) buffers per call; a short write continues where it stopped.
      const { bytesWritten } = await this.handle.writev(rest.slice(0, 1024), this.lengthBytes + done);
      done += bytesWritten;
      rest = dropFront(rest, bytesWritten);
    }
    this.lengthBytes += total;
  }

  /** fdatasync: the bytes written so far survive a power cut. */
  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  /** Cuts a torn tail (after a failed write) back to the last whole fragment. */
  async truncate(lengthBytes: number): Promise<void> {
    await this.handle.truncate(lengthBytes);
    this.lengthBytes = lengthBytes;
  }

  /** fsync, close, rename `.partial` → final, fsync the directory (invariant 1). */
  async commit(): Promise<void> {
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

export class LocalSegmentStore {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o750 });
  }

  pathOf(ref: SegmentFileRef): string {
    return resolveInside(this.root, segmentRelPath(ref));
  }

  relPathOf(ref: SegmentFileRef): string {
    return segmentRelPath(ref);
  }

  /** Opens `<segment>.mp4.partial` with O_EXCL: two writers can never share a file. */
  async createWriter(ref: SegmentFileRef): Promise<SegmentFileWriter> {
    const finalPath = this.pathOf(ref);
    const partialPath = `${finalPath}.partial`;
    await mkdir(dirname(finalPath), { recursive: true, mode: 0o750 });
    const handle = await open(partialPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o640);
    return new SegmentFileWriter(handle, partialPath, finalPath);
  }

  /** Reads `length` bytes at `offset` of a committed segment file (short only at end of file). */
  async read(ref: SegmentFileRef, offset: number, length: number): Promise<Buffer> {
    return this.readRel(segmentRelPath(ref), offset, length);
  }

  async readRel(rel: string, offset: number, length: number): Promise<Buffer> {
    const handle = await open(resolveInside(this.root, rel), 'r');
    try {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    } finally {
      await handle.close();
    }
  }

  async readWholeRel(rel: string): Promise<Buffer> {
    const s = await this.statRel(rel);
    if (!s) throw Object.assign(new Error(`segment file ${rel} does not exist`), { code: 'ENOENT' });
    return this.readRel(rel, 0, s.size);
  }

  /**
   * Streams a file through SHA-256 (for `vigil verify`, R15): one reused 1 MiB buffer, no whole-file read, so memory
   * stays flat and the speed is the disk's. Null if the file does not exist.
   */
  async hashFile(rel: string): Promise<{ sha256: Buffer; sizeBytes: number } | null> {
    let handle: FileHandle;
    try {
      handle = await open(resolveInside(this.root, rel), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
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

  async statRel(rel: string): Promise<Stats | null> {
    try {
      return await stat(resolveInside(this.root, rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Recovery: truncate a partial to its whole-fragment prefix, fsync, rename to its final name, fsync the dir. */
  async completePartial(partialRel: string, wholeLengthBytes: number): Promise<string> {
    if (!partialRel.endsWith('.partial')) throw new Error(`${partialRel} is not a partial file`);
    const partialPath = resolveInside(this.root, partialRel);
    const finalRel = partialRel.slice(0, -'.partial'.length);
    const finalPath = resolveInside(this.root, finalRel);
    await truncate(partialPath, wholeLengthBytes);
    const handle = await open(partialPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partialPath, finalPath);
    await fsyncDir(dirname(finalPath));
    return finalRel;
  }

  /**
   * Deletes a committed segment file: unlink, then fsync its directory so the removal survives a power cut
   * (architecture §4.4). The ONE place a segment's data is destroyed: the retention executor calls only this, so an
   * encrypted store adds the destruction of the segment's data key here (crypto-shredding). A file already gone
   * (a crash after the unlink, before the tombstone) is not an error: the caller is completing that deletion.
   * Returns whether a file was removed.
   */
  async deleteSegment(ref: SegmentFileRef): Promise<boolean> {
    const path = this.pathOf(ref);
    let removed = true;
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      removed = false;
    }
    try {
      await fsyncDir(dirname(path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return removed;
  }

  /** Removes a partial file that holds no whole fragment (nothing recorded was in it). */
  async removeEmptyPartial(partialRel: string): Promise<void> {
    if (!partialRel.endsWith('.partial')) throw new Error(`${partialRel} is not a partial file`);
    const path = resolveInside(this.root, partialRel);
    await unlink(path);
    await fsyncDir(dirname(path));
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

