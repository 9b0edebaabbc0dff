// Random tampering of a synthetic store (issue 5's tamper test, R15): each mutation changes footage or its index
// the way an attacker or a fault would, and says what verify must name.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import type { OpenDatabase, SegmentRow } from '../../src/db/index.js';
import { keyIdOf } from '../../src/audit/index.js';
import { decodeHeads, encodeHeads, segmentLink, signHeads } from '../../src/integrity/index.js';
import type { SyntheticStore } from './integrity-store.js';

export const MUTATIONS = [
  'flip_byte', 'truncate', 'delete_file', 'delete_row', 'reorder_rows', 'swap_files', 'edit_timestamp', 'insert_row',
  'forge_checkpoint', 'foreign_checkpoint', 'relink_chain', 'forge_tombstone',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** What verify must report: segments by id and status, files as unexpected, or any checkpoint problem. */
export interface Expectation {
  segments?: { id: number; status: 'altered' | 'missing' | 'unexpected' }[];
  unexpectedFiles?: string[];
  checkpointProblem?: boolean;
  /** Only that the report is not ok (the mutation's effect is spread over the chain). */
  notOk?: true;
}

const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

function rowValues(r: SegmentRow): Omit<SegmentRow, 'id'> {
  const { id: _id, ...rest } = r;
  return rest;
}

export async function mutate(kind: Mutation, s: SyntheticStore, database: OpenDatabase, random: () => number): Promise<Expectation> {
  const db = database.db;
  // Lawfully deleted segments are left alone: the test also checks they stay reported as deleted-lawfully.
  const tombs = await db.selectFrom('segment_tombstones').select(['segment_id', 'stream_id']).execute();
  const tombstoned = new Set(tombs.map((t) => Number(t.segment_id)));
  /** The last tombstone of a stream: a re-linked chain starts after it (its link is fixed in the tombstone). */
  const lastTombOf = (streamId: string) => Math.max(0, ...tombs.filter((t) => t.stream_id === streamId).map((t) => Number(t.segment_id)));
  const rows = (await s.rows()).filter((r) => r.chain_hash !== null && !tombstoned.has(r.id));
  const live = rows.filter((r) => readable(s, r));
  const target = pick(random, live);
  switch (kind) {
    case 'flip_byte': {
      const data = readFileSync(s.pathOf(target));
      data[Math.floor(random() * data.length)]! ^= 1 << Math.floor(random() * 8);
      writeFileSync(s.pathOf(target), data);
      return { segments: [{ id: target.id, status: 'altered' }] };
    }
    case 'truncate':
      truncateSync(s.pathOf(target), Math.floor(random() * target.size_bytes));
      return { segments: [{ id: target.id, status: 'altered' }] };
    case 'delete_file':
      rmSync(s.pathOf(target));
      return { segments: [{ id: target.id, status: 'missing' }] };
    case 'delete_row':
      await db.deleteFrom('segments').where('id', '=', target.id).execute();
      return { unexpectedFiles: [s.relOf(target)] };
    case 'reorder_rows': {
      const sameStream = rows.filter((r) => r.stream_id === target.stream_id && r.id !== target.id);
      const other = pick(random, sameStream);
      const [a, b] = target.id < other.id ? [target, other] : [other, target];
      await db.deleteFrom('segments').where('id', 'in', [a.id, b.id]).execute();
      await db.insertInto('segments').values(rowValues(b) as never).execute();
      await db.insertInto('segments').values(rowValues(a) as never).execute();
      return { notOk: true };
    }
    case 'swap_files': {
      const other = pick(random, live.filter((r) => r.camera_id !== target.camera_id));
      const x = readFileSync(s.pathOf(target));
      writeFileSync(s.pathOf(target), readFileSync(s.pathOf(other)));
      writeFileSync(s.pathOf(other), x);
      return { segments: [{ id: target.id, status: 'altered' }, { id: other.id, status: 'altered' }] };
    }
    case 'edit_timestamp': {
      const delta = (1 + Math.floor(random() * 5000)) * (random() < 0.5 ? -1 : 1);
      const field = random() < 0.5 ? 'start_ms' : 'end_ms';
      await db.updateTable('segments').set({ [field]: target[field] + delta } as never).where('id', '=', target.id).execute();
      return { segments: [{ id: target.id, status: 'altered' }] };
    }
    case 'insert_row': {
      // A fabricated row, correctly linked to an older (non-head) segment, with a matching file: a fork.
      const older = pick(random, rows.filter((r) => r.stream_id === target.stream_id).slice(0, -1));
      const forged = { ...rowValues(older), seq: older.seq + 1000, chain_prev: older.chain_hash, status: 'ok' };
      forged.chain_hash = segmentLink(older.chain_hash!, forged);
      const id = Number((await db.insertInto('segments').values(forged as never).returning('id').executeTakeFirstOrThrow()).id);
      writeFileSync(s.pathOf({ ...older, seq: forged.seq }), readFileSync(s.pathOf(older)));
      return { segments: [{ id, status: 'unexpected' }] };
    }
    case 'forge_checkpoint': {
      // Moves a signed head to another segment, keeping the old signature.
      const c = (await s.integrity.repo.checkpoints()).at(-1)!;
      const heads = decodeHeads(c.heads);
      const h = pick(random, heads);
      h.link = rows.find((r) => r.stream_id === h.streamId && r.id !== h.segmentId)!.chain_hash!;
      await s.integrity.repo.insertCheckpoint({ ...rowValues(c as never), heads: encodeHeads(heads) } as never);
      return { checkpointProblem: true };
    }
    case 'foreign_checkpoint': {
      // Signed by another key, even under this installation's key id.
      const c = (await s.integrity.repo.checkpoints()).at(-1)!;
      const other = generateKeyPairSync('ed25519').privateKey;
      const keyId = random() < 0.5 ? keyIdOf(other) : c.key_id;
      await s.integrity.repo.insertCheckpoint({ at_ms: c.at_ms + 1, streams: c.streams, heads: c.heads, key_id: keyId, signature: signHeads(c.at_ms + 1, c.heads, other) });
      return { checkpointProblem: true };
    }
    case 'forge_tombstone': {
      // Removes a segment and passes it off as deleted by retention: a tombstone with the right link and hash, but
      // naming no system-log entry, one that does not exist, or a real entry that records something else (R17).
      const other = (await db.selectFrom('system_log').select('seq').where('event', '!=', 'retention.deleted').orderBy('seq', 'desc').executeTakeFirst())?.seq;
      const choice = random();
      const auditSeq = choice < 1 / 3 ? null : choice < 2 / 3 || other === undefined ? 9_999_999 : Number(other);
      rmSync(s.pathOf(target));
      await s.integrity.repo.insertTombstone({
        segment_id: target.id, stream_id: target.stream_id, camera_id: target.camera_id, run_id: target.run_id, seq: target.seq,
        start_ms: target.start_ms, end_ms: target.end_ms, sha256: target.sha256, chain_prev: target.chain_prev!, chain_hash: target.chain_hash!,
        deleted_ms: target.end_ms + 31 * 86_400_000, reason: 'retention_expired', policy: 'default-30d', audit_seq: auditSeq,
      });
      if (random() < 0.5) await db.deleteFrom('segments').where('id', '=', target.id).execute();
      return { segments: [{ id: target.id, status: 'missing' }] };
    }
    case 'relink_chain': {
      // Changes a row and re-computes every later link of its stream consistently: only the checkpoint catches it.
      const stream = rows.filter((r) => r.stream_id === target.stream_id && r.id > lastTombOf(target.stream_id));
      const i = Math.max(0, stream.findIndex((r) => r.id === target.id));
      let prev = stream[i]!.chain_prev!;
      for (const [k, r] of stream.slice(i).entries()) {
        const changed = k === 0 ? { ...r, frames: r.frames + 1 } : r;
        const link = segmentLink(prev, changed);
        await db.updateTable('segments').set({ frames: changed.frames, chain_prev: prev, chain_hash: link } as never).where('id', '=', r.id).execute();
        prev = link;
      }
      return { checkpointProblem: true };
    }
  }
}

function readable(s: SyntheticStore, r: SegmentRow): boolean {
  try {
    readFileSync(s.pathOf(r));
    return true;
  } catch {
    return false;
  }
}

export { keyIdOf };
