// Checkpoints kept off the machine (R15, architecture §5 "optionally exported"). A signed checkpoint stored only in
// the index cannot prove that the newest segments were not deleted together with the checkpoints that named them: an
// attacker who owns the database can remove both (the append-only triggers stop mistakes, not an owner). A copy kept
// elsewhere — written line by line as `vigil serve` signs them, or exported by `vigil verify --export-checkpoints` —
// is checked by `vigil verify --against FILE`: each exported checkpoint must still be in the index, byte for byte,
// and every head it signed must still be on its chain (or tombstoned). Pure: parse and format only.
import type { IntegrityCheckpointRow } from '../db/index.js';

/** One line of an export file (NDJSON): the checkpoint row with its binary fields in base64. */
export interface ExportedCheckpoint {
  id: number;
  atMs: number;
  streams: number;
  keyId: string;
  /** The encoded chain heads (checkpoint.ts `encodeHeads`), base64. */
  heads: string;
  /** Ed25519 over `checkpointMessage(atMs, heads)`, base64. */
  signature: string;
}

export class CheckpointExportError extends Error {
  override readonly name = 'CheckpointExportError';
  constructor(
    message: string,
    /** 1-based line of the export file at fault. */
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function exportCheckpoint(row: IntegrityCheckpointRow): ExportedCheckpoint {
  return {
    id: Number(row.id),
    atMs: Number(row.at_ms),
    streams: Number(row.streams),
    keyId: row.key_id,
    heads: Buffer.from(row.heads).toString('base64'),
    signature: Buffer.from(row.signature).toString('base64'),
  };
}

/** One NDJSON line (with its newline) per checkpoint. */
export function formatExportLine(row: IntegrityCheckpointRow): string {
  return `${JSON.stringify(exportCheckpoint(row))}\n`;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function field<T>(o: Record<string, unknown>, name: string, check: (v: unknown) => v is T, line: number, what: string): T {
  const v = o[name];
  if (!check(v)) throw new CheckpointExportError(`"${name}" must be ${what}`, line);
  return v;
}

const isSafeInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isBase64 = (v: unknown): v is string => typeof v === 'string' && v.length % 4 === 0 && BASE64.test(v);
const isKeyId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128;

/** Parses an export file; blank lines are skipped, anything else malformed is refused with its line number. */
export function parseCheckpointExport(text: string): ExportedCheckpoint[] {
  const out: ExportedCheckpoint[] = [];
  const seen = new Set<number>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch {
      throw new CheckpointExportError('not a JSON object', line);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new CheckpointExportError('not a JSON object', line);
    const r = o as Record<string, unknown>;
    const c: ExportedCheckpoint = {
      id: field(r, 'id', isSafeInt, line, 'a non-negative integer'),
      atMs: field(r, 'atMs', isSafeInt, line, 'a non-negative integer'),
      streams: field(r, 'streams', isSafeInt, line, 'a non-negative integer'),
      keyId: field(r, 'keyId', isKeyId, line, 'a key id'),
      heads: field(r, 'heads', isBase64, line, 'base64'),
      signature: field(r, 'signature', isBase64, line, 'base64'),
    };
    // The same checkpoint exported twice (an append after a full export) is one checkpoint.
    if (seen.has(c.id)) return;
    seen.add(c.id);
    out.push(c);
  });
  return out.sort((a, b) => a.id - b.id);
}

/** The row form verify checks, from an exported line. */
export function importedRow(c: ExportedCheckpoint): IntegrityCheckpointRow {
  return {
    id: c.id, at_ms: c.atMs, streams: c.streams, key_id: c.keyId,
    heads: Buffer.from(c.heads, 'base64'), signature: Buffer.from(c.signature, 'base64'),
  } as IntegrityCheckpointRow;
}

/** True when the index row is the exported checkpoint, byte for byte. */
export function sameCheckpoint(row: IntegrityCheckpointRow, c: ExportedCheckpoint): boolean {
  const e = exportCheckpoint(row);
  return e.atMs === c.atMs && e.streams === c.streams && e.keyId === c.keyId && e.heads === c.heads && e.signature === c.signature;
}
