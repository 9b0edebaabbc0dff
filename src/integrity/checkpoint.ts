// Signed checkpoints of all chain heads (R15, architecture §5). Pure: no I/O. The heads are encoded canonically —
// tag, at_ms, count, then per stream (sorted by stream id): stream id, camera id, segment id, link — and signed with
// Ed25519 under a domain tag of their own, so a segment checkpoint can never pass as an audit one or vice versa even
// though both use the installation's audit key (docs/integrity.md).
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const CHECKPOINT_TAG = 'vigil.segment_checkpoint.v1';

export interface ChainHead {
  streamId: string;
  cameraId: string;
  /** The id of the last segment row linked into the stream's chain. */
  segmentId: number;
  link: Buffer;
}

export class CheckpointFormatError extends Error {}

function text(parts: Buffer[], value: string): void {
  const b = Buffer.from(value, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(b.length);
  parts.push(head, b);
}

/** The stored `heads` column: count, then each head (stream, camera, segment id, 32-byte link). */
export function encodeHeads(heads: readonly ChainHead[]): Buffer {
  const sorted = [...heads].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(sorted.length);
  parts.push(n);
  for (const h of sorted) {
    if (h.link.length !== 32) throw new CheckpointFormatError(`link of stream ${h.streamId} is not 32 bytes`);
    text(parts, h.streamId);
    text(parts, h.cameraId);
    const id = Buffer.alloc(8);
    id.writeBigInt64BE(BigInt(h.segmentId));
    parts.push(id, h.link);
  }
  return Buffer.concat(parts);
}

export function decodeHeads(data: Buffer): ChainHead[] {
  let at = 0;
  const need = (n: number) => {
    if (at + n > data.length) throw new CheckpointFormatError('checkpoint heads are truncated');
  };
  const readText = () => {
    need(4);
    const len = data.readUInt32BE(at);
    at += 4;
    need(len);
    const s = data.subarray(at, at + len).toString('utf8');
    at += len;
    return s;
  };
  need(4);
  const count = data.readUInt32BE(0);
  at = 4;
  const heads: ChainHead[] = [];
  for (let i = 0; i < count; i++) {
    const streamId = readText();
    const cameraId = readText();
    need(40);
    const segmentId = Number(data.readBigInt64BE(at));
    const link = Buffer.from(data.subarray(at + 8, at + 40));
    at += 40;
    heads.push({ streamId, cameraId, segmentId, link });
  }
  if (at !== data.length) throw new CheckpointFormatError('checkpoint heads have trailing bytes');
  return heads;
}

/** The bytes a checkpoint signature covers: tag, at_ms and the encoded heads. */
export function checkpointMessage(atMs: number, heads: Buffer): Buffer {
  const tag = Buffer.from(CHECKPOINT_TAG, 'utf8');
  const at = Buffer.alloc(8);
  at.writeBigInt64BE(BigInt(atMs));
  return Buffer.concat([tag, Buffer.of(0), at, heads]);
}

export function signHeads(atMs: number, heads: Buffer, privateKey: KeyObject): Buffer {
  return sign(null, checkpointMessage(atMs, heads), privateKey);
}

export function headsSignatureValid(atMs: number, heads: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    return verify(null, checkpointMessage(atMs, heads), pub, signature);
  } catch {
    return false; // a malformed signature is simply not valid
  }
}
