// Rows → the entries audit/ answers with, and their flat export form (CSV columns, JSON objects), streamed page by
// page so an export of millions of rows never sits in memory.
import { stringify } from 'csv-stringify/sync';
import type { SystemLogRow } from '../db/index.js';
import type { AccessRowWithClose } from './repo.js';
import type { AccessEntry, SystemEntry } from './types.js';

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback; // a tampered row still lists; verify reports it
  }
}

export function toAccessEntry(r: AccessRowWithClose): AccessEntry {
  const atMs = Number(r.at_ms);
  const endedMs = num(r.close_ended_ms);
  return {
    id: Number(r.seq),
    atMs,
    outcome: r.kind === 'refused' ? 'refused' : 'granted',
    accountId: r.account_id,
    username: r.username,
    displayName: r.display_name,
    unit: r.unit,
    roles: r.roles ? r.roles.split(',') : [],
    action: r.action,
    cameraIds: parseJson<string[]>(r.camera_ids, []),
    fromMs: num(r.from_ms),
    toMs: num(r.to_ms),
    reasonCategory: r.reason_category,
    reasonText: r.reason_text,
    requestId: r.request_id,
    clientAddr: r.client_addr,
    refusalCode: r.refusal_code,
    refusalArticle: r.refusal_article,
    refusalMessage: r.refusal_message,
    closedBy: num(r.close_seq),
    bytes: num(r.close_bytes),
    endedMs,
    durationMs: endedMs === null ? null : endedMs - atMs,
    hash: r.hash.toString('hex'),
  };
}

export function toSystemEntry(r: SystemLogRow): SystemEntry {
  return {
    id: Number(r.seq),
    atMs: Number(r.at_ms),
    actorId: r.actor_id,
    actorUsername: r.actor_username,
    actorName: r.actor_name,
    actorUnit: r.actor_unit,
    event: r.event,
    target: r.target,
    details: parseJson<Record<string, unknown>>(r.details, {}),
    clientAddr: r.client_addr,
    hash: r.hash.toString('hex'),
  };
}

type Flat = Record<string, string | number | null>;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function flatAccess(e: AccessEntry): Flat {
  return {
    id: e.id, at: iso(e.atMs), atMs: e.atMs, outcome: e.outcome, accountId: e.accountId, username: e.username,
    displayName: e.displayName, unit: e.unit, roles: e.roles.join(';'), action: e.action, cameraIds: e.cameraIds.join(';'),
    from: iso(e.fromMs), to: iso(e.toMs), reasonCategory: e.reasonCategory, reasonText: e.reasonText, requestId: e.requestId,
    clientAddr: e.clientAddr, refusalCode: e.refusalCode, refusalArticle: e.refusalArticle, refusalMessage: e.refusalMessage,
    bytes: e.bytes, endedMs: e.endedMs, durationMs: e.durationMs, hash: e.hash,
  };
}

function flatSystem(e: SystemEntry): Flat {
  return {
    id: e.id, at: iso(e.atMs), atMs: e.atMs, actorId: e.actorId, actorUsername: e.actorUsername, actorName: e.actorName,
    actorUnit: e.actorUnit, event: e.event, target: e.target, details: JSON.stringify(e.details), clientAddr: e.clientAddr,
    hash: e.hash,
  };
}

export type ExportFormat = 'csv' | 'json';

/**
 * Writes pages of entries as CSV (UTF-8 with a BOM so Excel reads Chinese text correctly, header row first) or as one
 * JSON array. `write` is awaited per page, so a slow reader slows the export instead of filling memory.
 */
export async function writeExport<E extends AccessEntry | SystemEntry>(
  pages: AsyncIterable<E[]>,
  kind: 'access' | 'system',
  format: ExportFormat,
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  const flat = (e: E) => (kind === 'access' ? flatAccess(e as AccessEntry) : flatSystem(e as SystemEntry));
  const columns = Object.keys(kind === 'access' ? flatAccess(SAMPLE_ACCESS) : flatSystem(SAMPLE_SYSTEM));
  let count = 0;
  if (format === 'csv') await write('\uFEFF' + stringify([], { header: true, columns }));
  else await write('[');
  for await (const page of pages) {
    if (page.length === 0) continue;
    if (format === 'csv') {
      await write(stringify(page.map(flat), { columns }));
    } else {
      await write(page.map((e, i) => (count + i === 0 ? '\n' : ',\n') + JSON.stringify(e)).join(''));
    }
    count += page.length;
  }
  if (format === 'json') await write(count ? '\n]\n' : ']\n');
  return count;
}

// Shapes only (for the column list): never written.
const SAMPLE_ACCESS: AccessEntry = {
  id: 0, atMs: 0, outcome: 'granted', accountId: null, username: '', displayName: '', unit: '', roles: [], action: '',
  cameraIds: [], fromMs: null, toMs: null, reasonCategory: null, reasonText: null, requestId: null, clientAddr: null,
  refusalCode: null, refusalArticle: null, refusalMessage: null, closedBy: null, bytes: null, endedMs: null,
  durationMs: null, hash: '',
};
const SAMPLE_SYSTEM: SystemEntry = {
  id: 0, atMs: 0, actorId: null, actorUsername: null, actorName: null, actorUnit: null, event: '', target: null,
  details: {}, clientAddr: null, hash: '',
};
