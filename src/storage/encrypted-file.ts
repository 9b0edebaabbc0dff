// Reading encrypted segment files (format in segment-crypto.ts, docs/encryption.md): the record layout from the
// trailer (finished files) or from a scan (an unfinished `.partial` after a crash), plaintext byte ranges decrypted
// record by record, and a streaming plaintext SHA-256. Works on an open FileHandle; local-store.ts owns the opening.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import {
  aadBase, decodeTrailer, FOOTER_BYTES, HEADER_BYTES, layoutOf, openRecord, parseFooter, parseHeader, readRecordHead, recordAt,
  SegmentCryptoError, trailerIndexOf, type RecordLayout,
} from './segment-crypto.js';

export interface OpenedEncryptedFile {
  key: Buffer;
  base: Buffer;
  layout: RecordLayout;
  /** Plaintext length of each data record. */
  lengths: number[];
  /** Whether the layout came from an authenticated trailer (false: scanned, an unfinished file). */
  finished: boolean;
  fileSize: number;
}

export async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/**
 * Opens an encrypted file's layout. `identity` is the file's final path in the store (bound into every record's AAD);
 * `keyOf(keyIdFromHeader)` returns its data key (after checking the id). A finished file must end in a trailer that
 * authenticates; an unfinished one (`allowScan`) is scanned up to its last whole record.
 */
export async function openEncrypted(
  handle: FileHandle,
  fileSize: number,
  identity: string,
  keyOf: (keyId: Buffer) => Promise<Buffer>,
  allowScan: boolean,
): Promise<OpenedEncryptedFile> {
  const header = await readAt(handle, 0, HEADER_BYTES);
  const { keyId } = parseHeader(header, identity);
  const key = await keyOf(keyId);
  const base = aadBase(header, identity);
  const footerAt = fileSize - FOOTER_BYTES;
  const trailerAt = footerAt > HEADER_BYTES ? parseFooter(await readAt(handle, footerAt, FOOTER_BYTES)) : null;
  if (trailerAt !== null && trailerAt >= HEADER_BYTES && trailerAt < footerAt) {
    const buf = await readAt(handle, trailerAt, footerAt - trailerAt);
    const head = readRecordHead(buf, 0);
    if (head?.trailer && head.recordBytes === buf.length) {
      const { plain } = openRecord(key, base, trailerIndexOf(head.plainLength), buf, 0, identity);
      const lengths = decodeTrailer(plain, identity);
      const layout = layoutOf(lengths);
      if (layout.fileStarts[lengths.length] !== trailerAt) throw new SegmentCryptoError('auth_failed', 'the trailer does not describe the file', identity);
      return { key, base, layout, lengths, finished: true, fileSize };
    }
  }
  if (!allowScan) throw new SegmentCryptoError('truncated', 'the file has no valid trailer: it was truncated or altered', identity);
  const lengths = await scanRecords(handle, fileSize, key, base, identity);
  return { key, base, layout: layoutOf(lengths), lengths, finished: false, fileSize };
}

/** The whole records of an unfinished file: stops at the first record cut short or failing to authenticate (a torn tail). */
async function scanRecords(handle: FileHandle, fileSize: number, key: Buffer, base: Buffer, identity: string): Promise<number[]> {
  const lengths: number[] = [];
  let at = HEADER_BYTES;
  while (at + 4 <= fileSize) {
    const head = readRecordHead(await readAt(handle, at, 4), 0)!;
    if (head.trailer || at + head.recordBytes > fileSize) break;
    const buf = await readAt(handle, at, head.recordBytes);
    try {
      openRecord(key, base, lengths.length, buf, 0, identity);
    } catch (err) {
      if (err instanceof SegmentCryptoError) break;
      throw err;
    }
    lengths.push(head.plainLength);
    at += head.recordBytes;
  }
  return lengths;
}

/** Plaintext bytes [offset, offset+length), decrypting only the records they touch (short only at the end). */
export async function readPlainRange(handle: FileHandle, f: OpenedEncryptedFile, offset: number, length: number, identity: string): Promise<Buffer> {
  const total = f.layout.plainStarts[f.lengths.length]!;
  const end = Math.min(offset + length, total);
  if (offset >= end) return Buffer.alloc(0);
  const first = recordAt(f.layout, offset);
  const last = recordAt(f.layout, end - 1);
  const raw = await readAt(handle, f.layout.fileStarts[first]!, f.layout.fileStarts[last + 1]! - f.layout.fileStarts[first]!);
  const out = Buffer.allocUnsafe(end - offset);
  let at = 0;
  let written = 0;
  for (let i = first; i <= last; i++) {
    const { plain, head } = openRecord(f.key, f.base, i, raw, at, identity);
    if (head.plainLength !== f.lengths[i]) throw new SegmentCryptoError('auth_failed', `record ${i} length differs from the trailer`, identity);
    const from = i === first ? offset - f.layout.plainStarts[i]! : 0;
    const to = Math.min(plain.length, end - f.layout.plainStarts[i]!);
    written += plain.copy(out, written, from, to);
    at += head.recordBytes;
  }
  return out;
}

/** SHA-256 of the whole plaintext, reading about 1 MiB of records at a time. */
export async function hashPlain(handle: FileHandle, f: OpenedEncryptedFile, identity: string): Promise<{ sha256: Buffer; sizeBytes: number }> {
  const hash = createHash('sha256');
  const total = f.layout.plainStarts[f.lengths.length]!;
  for (let offset = 0; offset < total; ) {
    const first = recordAt(f.layout, offset);
    let last = first;
    while (last + 1 < f.lengths.length && f.layout.fileStarts[last + 2]! - f.layout.fileStarts[first]! <= 1 << 20) last++;
    const chunk = await readPlainRange(handle, f, offset, f.layout.plainStarts[last + 1]! - offset, identity);
    hash.update(chunk);
    offset += chunk.length;
  }
  return { sha256: hash.digest(), sizeBytes: total };
}
