// The segment chain link (R15 "original and complete", architecture §5). Pure: no I/O, no database.
//   link_i = SHA-256(link_{i-1} ‖ canonical(segment row_i)),  link_0 = 32 zero bytes (GENESIS_HASH)
// per stream, in insertion (id) order. The canonical encoding is the audit registers' (audit/chain.ts): a domain tag,
// then each field in a fixed order as a type byte and its value — integer 0x01 + int64 BE; text 0x02 + uint32 BE
// length + UTF-8; bytes 0x03 + uint32 BE length + bytes — so no two rows encode alike. The row id is left out (the
// database assigns it during the INSERT that carries the link); (run_id, seq) names the segment uniquely instead.
// `status` is left out because it changes lawfully (recovered → deleting → deleted); the fragment index enters as
// its SHA-256 to keep the encoding small.
import { createHash } from 'node:crypto';
import { GENESIS_HASH } from '../audit/index.js';

export { GENESIS_HASH };

export const LINK_TAG = 'vigil.segment_link.v1';

/** The fields of a segment row the link covers (a NewSegmentRow or a SegmentRow both fit). */
export interface LinkedFields {
  run_id: number;
  seq: number;
  stream_id: string;
  camera_id: string;
  start_ms: number;
  end_ms: number;
  media_start: number;
  timescale: number;
  size_bytes: number;
  init_size_bytes: number;
  frames: number;
  keyframes: number;
  codec: string;
  width: number;
  height: number;
  created_ms: number;
  sha256: Buffer;
  fragment_index: Buffer;
}

const INT_FIELDS = [
  'run_id', 'seq', 'start_ms', 'end_ms', 'media_start', 'timescale', 'size_bytes', 'init_size_bytes', 'frames',
  'keyframes', 'width', 'height', 'created_ms',
] as const;

function int(parts: Buffer[], value: number): void {
  const b = Buffer.alloc(9);
  b[0] = 1;
  b.writeBigInt64BE(BigInt(value), 1);
  parts.push(b);
}

function bytes(parts: Buffer[], kind: 2 | 3, value: Buffer): void {
  const head = Buffer.alloc(5);
  head[0] = kind;
  head.writeUInt32BE(value.length, 1);
  parts.push(head, value);
}

/** The canonical encoding of a segment row's identity and content fields (R15). */
export function canonicalSegment(row: LinkedFields): Buffer {
  const parts: Buffer[] = [];
  bytes(parts, 2, Buffer.from(LINK_TAG, 'utf8'));
  bytes(parts, 2, Buffer.from(row.stream_id, 'utf8'));
  bytes(parts, 2, Buffer.from(row.camera_id, 'utf8'));
  for (const f of INT_FIELDS) int(parts, Number(row[f]));
  bytes(parts, 2, Buffer.from(row.codec, 'utf8'));
  bytes(parts, 3, row.sha256);
  bytes(parts, 3, createHash('sha256').update(row.fragment_index).digest());
  return Buffer.concat(parts);
}

/** link = SHA-256(prev ‖ canonical(row)). `prev` is the stream's previous link, GENESIS_HASH for its first segment. */
export function segmentLink(prev: Buffer, row: LinkedFields): Buffer {
  return createHash('sha256').update(prev).update(canonicalSegment(row)).digest();
}
