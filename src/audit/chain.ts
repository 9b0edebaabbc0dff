// The hash chain and checkpoint signatures of the registers (R16.3). Pure: no I/O, no database; the signing key is
// passed in. Canonical encoding: a domain tag, then every column in a fixed order, each as a type byte and its
// value — null 0x00; integer 0x01 + int64 big-endian; text 0x02 + uint32 BE length + UTF-8; bytes 0x03 + uint32 BE
// length + bytes. Lengths and type bytes make the encoding unambiguous (no two rows encode the same).
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { AccessRegisterRow, SystemLogRow } from '../db/index.js';

export type LogName = 'access' | 'system';
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

type FieldKind = 'int' | 'text' | 'bytes';
type Value = number | string | Buffer | null;

/** Column order of the canonical encoding; `hash` is the only column left out. */
export const ACCESS_FIELDS: readonly (readonly [keyof AccessRegisterRow, FieldKind])[] = [
  ['seq', 'int'], ['at_ms', 'int'], ['kind', 'text'], ['for_seq', 'int'], ['account_id', 'text'], ['username', 'text'],
  ['display_name', 'text'], ['unit', 'text'], ['roles', 'text'], ['action', 'text'], ['camera_ids', 'text'],
  ['from_ms', 'int'], ['to_ms', 'int'], ['reason_category', 'text'], ['reason_text', 'text'], ['request_id', 'text'],
  ['client_addr', 'text'], ['refusal_code', 'text'], ['refusal_article', 'text'], ['refusal_message', 'text'],
  ['bytes', 'int'], ['ended_ms', 'int'], ['prev_hash', 'bytes'],
];

export const SYSTEM_FIELDS: readonly (readonly [keyof SystemLogRow, FieldKind])[] = [
  ['seq', 'int'], ['at_ms', 'int'], ['actor_id', 'text'], ['actor_username', 'text'], ['actor_name', 'text'],
  ['actor_unit', 'text'], ['event', 'text'], ['target', 'text'], ['details', 'text'], ['client_addr', 'text'],
  ['prev_hash', 'bytes'],
];

const TAGS: Record<LogName | 'checkpoint', string> = {
  access: 'vigil.access_register.v1',
  system: 'vigil.system_log.v1',
  checkpoint: 'vigil.audit_checkpoint.v1',
};

function encodeValue(parts: Buffer[], kind: FieldKind, value: Value): void {
  if (value === null || value === undefined) {
    parts.push(Buffer.of(0));
    return;
  }
  if (kind === 'int') {
    const b = Buffer.alloc(9);
    b[0] = 1;
    b.writeBigInt64BE(BigInt(value as number), 1);
    parts.push(b);
    return;
  }
  const bytes = kind === 'text' ? Buffer.from(String(value), 'utf8') : (value as Buffer);
  const head = Buffer.alloc(5);
  head[0] = kind === 'text' ? 2 : 3;
  head.writeUInt32BE(bytes.length, 1);
  parts.push(head, bytes);
}

function encode(tag: string, fields: readonly (readonly [string, FieldKind])[], row: Record<string, unknown>): Buffer {
  const parts: Buffer[] = [];
  encodeValue(parts, 'text', tag);
  for (const [name, kind] of fields) encodeValue(parts, kind, row[name] as Value);
  return Buffer.concat(parts);
}

/** hash = SHA-256(prev_hash ‖ canonical(every column but hash)). */
export function rowHash(log: LogName, row: Omit<AccessRegisterRow, 'hash'> | Omit<SystemLogRow, 'hash'>): Buffer {
  const fields = log === 'access' ? ACCESS_FIELDS : SYSTEM_FIELDS;
  const r = row as unknown as Record<string, unknown>;
  return createHash('sha256').update(r.prev_hash as Buffer).update(encode(TAGS[log], fields, r)).digest();
}

export interface CheckpointBody {
  log: LogName;
  uptoSeq: number;
  headHash: Buffer;
  atMs: number;
}

/** The bytes a checkpoint signature covers: log, upto_seq, head_hash and at_ms, canonically encoded. */
export function checkpointMessage(c: CheckpointBody): Buffer {
  return encode(TAGS.checkpoint, [['log', 'text'], ['upto_seq', 'int'], ['head_hash', 'bytes'], ['at_ms', 'int']], {
    log: c.log, upto_seq: c.uptoSeq, head_hash: c.headHash, at_ms: c.atMs,
  });
}

/** The public half of a private key (a public key is returned as is). */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/** key_id: the first 16 hex characters of SHA-256 over the public key (SPKI DER). */
export function keyIdOf(key: KeyObject): string {
  const der = publicKeyOf(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function signCheckpoint(c: CheckpointBody, privateKey: KeyObject): Buffer {
  return sign(null, checkpointMessage(c), privateKey);
}

export function checkpointSignatureValid(c: CheckpointBody, signature: Buffer, key: KeyObject): boolean {
  try {
    return verify(null, checkpointMessage(c), publicKeyOf(key), signature);
  } catch {
    return false; // a malformed signature is simply not valid
  }
}
