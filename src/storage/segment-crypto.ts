// The encrypted segment file format (architecture §7; S "stolen video must be unreadable", R15). Pure: buffers in,
// buffers out, no I/O. docs/encryption.md describes the layout byte by byte:
//
//   header  (32 bytes)  magic "VGSEGENC" · version 1 · 7 reserved zero bytes · data key id (16 bytes, UUIDv7)
//   record* (4 + n + 16) lenField u32 BE (bit 31 = trailer, low 24 bits = plaintext length n ≤ 64 KiB)
//                        · AES-256-GCM ciphertext (n bytes) · tag (16 bytes)
//   trailer record       (bit 31 set) plaintext = u32 count · count × u32 plaintext length of each data record
//   footer  (8 bytes)    u32 BE file offset of the trailer record · "VGT1"
//
// Records are append-only and fragment-aligned: one `write`/`writev` of the writer (the init segment, one fragment)
// becomes ⌈bytes / 64 KiB⌉ records, so every fragment boundary is a record boundary and a torn tail is cut at a
// record boundary (crash invariants 2–3 hold unchanged). The nonce is the record index (4 zero bytes · u64 BE);
// the AAD is header · file identity (the segment's path in the store) · index · lenField, so a record moved to
// another position or file, a changed length, a dropped trailer or a truncation fails authentication. Each file has
// its own random data key, so (key, nonce) never repeats; a writer never writes again after a truncate.
import { createCipheriv, createDecipheriv } from 'node:crypto';

export const MAGIC = Buffer.from('VGSEGENC', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 32;
export const CHUNK_BYTES = 64 * 1024;
export const RECORD_OVERHEAD = 4 + 16;
export const FOOTER_BYTES = 8;
const FOOTER_MAGIC = Buffer.from('VGT1', 'latin1');
const TRAILER_FLAG = 0x8000_0000;
const LENGTH_MASK = 0x00ff_ffff;

export type SegmentCryptoErrorCode =
  | 'bad_header' // not an encrypted segment of a version we read
  | 'key_missing' // no wrapped data key for this file (shredded, or never stored)
  | 'key_mismatch' // the file names another data key than its row (file moved or swapped)
  | 'wrong_master_key' // the master key does not unwrap the data key
  | 'auth_failed' // a record does not authenticate: altered, moved, reordered
  | 'truncated'; // the file ends inside a record or without its trailer

/** A typed refusal to decrypt: never garbage. `rel` names the file. */
export class SegmentCryptoError extends Error {
  constructor(
    readonly code: SegmentCryptoErrorCode,
    message: string,
    readonly rel?: string,
  ) {
    super(message);
    this.name = 'SegmentCryptoError';
  }
}

export function isEncryptedHeader(head: Uint8Array): boolean {
  return head.length >= MAGIC.length && Buffer.from(head.buffer, head.byteOffset, MAGIC.length).equals(MAGIC);
}

export function buildHeader(keyId: Buffer): Buffer {
  if (keyId.length !== 16) throw new Error('data key id must be 16 bytes');
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h[8] = FORMAT_VERSION;
  keyId.copy(h, 16);
  return h;
}

export function parseHeader(head: Buffer, rel?: string): { keyId: Buffer } {
  if (head.length < HEADER_BYTES || !isEncryptedHeader(head)) throw new SegmentCryptoError('bad_header', 'not an encrypted segment file', rel);
  if (head[8] !== FORMAT_VERSION) throw new SegmentCryptoError('bad_header', `encrypted segment format version ${head[8]} is not supported`, rel);
  return { keyId: Buffer.from(head.subarray(16, 32)) };
}

/** What every record's AAD starts with: the header and the file's identity. */
export function aadBase(header: Buffer, fileIdentity: string): Buffer {
  const id = Buffer.from(fileIdentity, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(id.length);
  return Buffer.concat([header, len, id]);
}

function nonceOf(index: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(index), 4);
  return n;
}

function aadOf(base: Buffer, index: number, lenField: number): Buffer {
  const tail = Buffer.alloc(12);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail.writeUInt32BE(lenField >>> 0, 8);
  return Buffer.concat([base, tail]);
}

/**
 * Seals the plaintext `parts` (in order, not joined first) as records from `firstIndex`, each holding at most
 * CHUNK_BYTES. Returns the buffers to write (for one writev) and the plaintext length of each record.
 */
export function sealRecords(key: Buffer, base: Buffer, firstIndex: number, parts: readonly Uint8Array[]): { out: Buffer[]; lengths: number[] } {
  const out: Buffer[] = [];
  const lengths: number[] = [];
  let rest = parts.filter((p) => p.length > 0);
  let index = firstIndex;
  while (rest.length > 0) {
    let n = 0;
    const pieces: Uint8Array[] = [];
    while (rest.length > 0 && n < CHUNK_BYTES) {
      const p = rest[0]!;
      const take = Math.min(p.length, CHUNK_BYTES - n);
      pieces.push(p.subarray(0, take));
      n += take;
      if (take === p.length) rest = rest.slice(1);
      else rest[0] = p.subarray(take);
    }
    out.push(...sealOne(key, base, index++, n, pieces, false));
    lengths.push(n);
  }
  return { out, lengths };
}

function sealOne(key: Buffer, base: Buffer, index: number, n: number, pieces: readonly Uint8Array[], trailer: boolean): Buffer[] {
  const lenField = (trailer ? TRAILER_FLAG : 0) | n;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(lenField >>> 0);
  const cipher = createCipheriv('aes-256-gcm', key, nonceOf(index));
  cipher.setAAD(aadOf(base, index, lenField));
  const body = pieces.map((p) => cipher.update(p));
  cipher.final();
  return [head, ...body, cipher.getAuthTag()];
}

/** The trailer record (index = number of data records) and the footer, given where the trailer starts. */
export function sealTrailer(key: Buffer, base: Buffer, lengths: readonly number[], trailerOffset: number): Buffer[] {
  const table = Buffer.alloc(4 + 4 * lengths.length);
  table.writeUInt32BE(lengths.length, 0);
  lengths.forEach((n, i) => table.writeUInt32BE(n, 4 + 4 * i));
  const footer = Buffer.alloc(FOOTER_BYTES);
  footer.writeUInt32BE(trailerOffset, 0);
  FOOTER_MAGIC.copy(footer, 4);
  return [...sealOne(key, base, lengths.length, table.length, [table], true), footer];
}

export interface RecordHead {
  plainLength: number;
  trailer: boolean;
  /** Bytes of the whole record in the file (length field, ciphertext, tag). */
  recordBytes: number;
}

export function readRecordHead(buf: Buffer, at: number): RecordHead | null {
  if (at + 4 > buf.length) return null;
  const lenField = buf.readUInt32BE(at);
  const plainLength = lenField & LENGTH_MASK;
  return { plainLength, trailer: (lenField & TRAILER_FLAG) !== 0, recordBytes: RECORD_OVERHEAD + plainLength };
}

/** Opens the record at `at` in `buf` (which must hold all of it) as record number `index`. */
export function openRecord(key: Buffer, base: Buffer, index: number, buf: Buffer, at: number, rel?: string): { plain: Buffer; head: RecordHead } {
  const head = readRecordHead(buf, at);
  if (!head || at + head.recordBytes > buf.length) throw new SegmentCryptoError('truncated', `record ${index} is cut short`, rel);
  if (!head.trailer && head.plainLength > CHUNK_BYTES) throw new SegmentCryptoError('auth_failed', `record ${index} claims ${head.plainLength} bytes`, rel);
  const lenField = buf.readUInt32BE(at);
  const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(index));
  decipher.setAAD(aadOf(base, index, lenField));
  decipher.setAuthTag(buf.subarray(at + 4 + head.plainLength, at + head.recordBytes));
  const plain = decipher.update(buf.subarray(at + 4, at + 4 + head.plainLength));
  try {
    decipher.final();
  } catch {
    throw new SegmentCryptoError('auth_failed', `record ${index} does not authenticate: the file was altered, reordered or mixed with another`, rel);
  }
  return { plain, head };
}

/** Where a file's trailer starts, from its last 8 bytes; null when the footer is absent (an unfinished file). */
export function parseFooter(footer: Buffer): number | null {
  if (footer.length !== FOOTER_BYTES || !footer.subarray(4).equals(FOOTER_MAGIC)) return null;
  return footer.readUInt32BE(0);
}

/** Decodes an opened trailer's plaintext into the plaintext length of each data record. */
export function decodeTrailer(plain: Buffer, rel?: string): number[] {
  if (plain.length < 4) throw new SegmentCryptoError('auth_failed', 'trailer too short', rel);
  const count = plain.readUInt32BE(0);
  if (plain.length !== 4 + 4 * count) throw new SegmentCryptoError('auth_failed', 'trailer length does not match its count', rel);
  return Array.from({ length: count }, (_, i) => plain.readUInt32BE(4 + 4 * i));
}

/** Trailer record plaintext length for `count` records (so a reader can find its index from its length). */
export function trailerIndexOf(plainLength: number): number {
  return (plainLength - 4) / 4;
}

/** Record layout: plaintext start and file offset of each record, with the totals at the end (prefix sums). */
export interface RecordLayout {
  /** plainStarts[i], fileStarts[i] for record i; index `count` holds the totals. */
  plainStarts: number[];
  fileStarts: number[];
}

export function layoutOf(lengths: readonly number[]): RecordLayout {
  const plainStarts = [0];
  const fileStarts = [HEADER_BYTES];
  for (const n of lengths) {
    plainStarts.push(plainStarts[plainStarts.length - 1]! + n);
    fileStarts.push(fileStarts[fileStarts.length - 1]! + RECORD_OVERHEAD + n);
  }
  return { plainStarts, fileStarts };
}

/** The record holding plaintext byte `offset` (binary search); `count` if the offset is at or past the end. */
export function recordAt(layout: RecordLayout, offset: number): number {
  let lo = 0;
  let hi = layout.plainStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.plainStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
