// Public reports (举报) of unlawful installations (R24: anyone may report a camera installed against R7.3, R8.1 or
// R9.1): intake without an account, an unguessable tracking code for the reporter, and the handlers' work —
// assign, respond (append-only log; public replies are what the reporter sees), close.
//
// Privacy (PIPL): `contact` is personal information. It is returned only by the handler views and is never written
// to the system log or any other log. The tracking code is stored only as its SHA-256.
// Markup: every text is HTML-escaped before it is stored ("no HTML stored unescaped"), so no reader can be led to
// render a reporter's markup; the console decodes the five entities for display as plain text.
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { COMPLAINT_RESPONSE_DAYS, complaintUnanswered, type ComplaintFacts } from '../domain/index.js';
import type { ComplaintResponseRow, ComplaintRow } from '../db/index.js';
import type { SystemActor, SystemEventRecorder } from '../access/index.js';
import { RequestError } from './errors.js';
import { ComplaintsRepo } from './repo.js';
import type { Db } from '../db/index.js';

export const REPORT_LIMITS = { what: 2000, where: 500, when: 200, contact: 200, response: 4000, assignee: 80 } as const;

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no I, O, 0, 1: read aloud over the phone
/** "JB-" + 6 groups of 4: 24 symbols × 5 bits = 120 bits of randomness. */
const CODE_PATTERN = /^JB(-[A-HJ-NP-Z2-9]{4}){6}$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function newTrackingCode(): string {
  const bytes = randomBytes(24);
  const symbols = [...bytes].map((b) => CODE_ALPHABET[b & 31]!).join('');
  return `JB-${symbols.match(/.{4}/g)!.join('-')}`;
}

function codeHash(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

function text(value: unknown, field: string, max: number, optional = false): string | null {
  if (optional && (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))) return null;
  if (typeof value !== 'string' || value.trim() === '') throw new RequestError('invalid_report', `'${field}' is required`, field);
  const t = value.trim();
  if ([...t].length > max) throw new RequestError('invalid_report', `'${field}' is longer than ${max} characters`, field);
  if (CONTROL.test(t)) throw new RequestError('invalid_report', `'${field}' contains control characters`, field);
  return escapeHtml(t);
}

export interface NewReport {
  what: string;
  where: string;
  when: string;
  contact?: string;
}

export interface PublicReportStatus {
  status: ComplaintRow['status'];
  receivedMs: number;
  replies: { atMs: number; text: string }[];
}

export interface ComplaintResponse {
  id: string;
  atMs: number;
  kind: ComplaintResponseRow['kind'];
  public: boolean;
  text: string;
  by: { id: string; name: string; unit: string };
}

/** The handler's view: everything, contact included (handlers only). */
export interface Complaint {
  id: string;
  receivedMs: number;
  what: string;
  where: string;
  when: string;
  contact: string | null;
  status: ComplaintRow['status'];
  assignee: string | null;
  firstPublicReplyMs: number | null;
  closedMs: number | null;
  /** The first public reply is due by the end of this CST day (COMPLAINT_RESPONSE_DAYS). */
  replyOverdue: boolean;
  responses?: ComplaintResponse[];
}

export interface ComplaintServiceDeps {
  db: Db;
  now: () => number;
  /** The system log: receipt, assignment, responses and closure (never the contact or the code). */
  events: SystemEventRecorder;
}

export class ComplaintService {
  private readonly deps: ComplaintServiceDeps & { repo: ComplaintsRepo };

  constructor(deps: ComplaintServiceDeps) {
    this.deps = { ...deps, repo: new ComplaintsRepo(deps.db) };
  }

  private view(r: ComplaintRow, nowMs: number): Complaint {
    const first = r.first_public_reply_ms === null ? null : Number(r.first_public_reply_ms);
    return {
      id: r.id, receivedMs: Number(r.received_ms), what: r.what, where: r.where_text, when: r.when_text, contact: r.contact,
      status: r.status, assignee: r.assignee_name, firstPublicReplyMs: first, closedMs: r.closed_ms === null ? null : Number(r.closed_ms),
      replyOverdue: r.status !== 'closed' && complaintUnanswered(Number(r.received_ms), first ?? undefined, nowMs),
    };
  }

  /** Anyone: files a report and gets its tracking code (shown once; only its hash is kept). */
  async submit(input: NewReport): Promise<{ code: string; receivedMs: number; replyDays: number }> {
    const nowMs = this.deps.now();
    const code = newTrackingCode();
    const row: ComplaintRow = {
      id: uuidv7(), code_hash: codeHash(code), received_ms: nowMs,
      what: text(input.what, 'what', REPORT_LIMITS.what)!, where_text: text(input.where, 'where', REPORT_LIMITS.where)!,
      when_text: text(input.when, 'when', REPORT_LIMITS.when)!, contact: text(input.contact, 'contact', REPORT_LIMITS.contact, true),
      status: 'received', assignee_id: null, assignee_name: null, first_public_reply_ms: null, closed_ms: null, updated_ms: nowMs,
    };
    await this.deps.repo.insert(row);
    // Never the contact, never the code: the id is enough to find it.
    await this.deps.events.recordEvent({ actor: null, event: 'complaint.received', target: row.id, details: { withContact: row.contact !== null }, clientAddr: null });
    return { code, receivedMs: nowMs, replyDays: COMPLAINT_RESPONSE_DAYS };
  }

  /** Anyone with the code: the status and the public replies only. */
  async publicStatus(code: string): Promise<PublicReportStatus> {
    const normalized = code.trim().toUpperCase();
    const row = CODE_PATTERN.test(normalized) ? await this.deps.repo.byCodeHash(codeHash(normalized)) : undefined;
    if (!row) throw new RequestError('report_not_found', 'no report with that tracking code', 'code');
    const replies = await this.deps.repo.responses(row.id, true);
    return { status: row.status, receivedMs: Number(row.received_ms), replies: replies.map((r) => ({ atMs: Number(r.at_ms), text: r.text })) };
  }

  async list(filter: { status?: ComplaintRow['status'] }, page: { limit: number; offset: number }): Promise<{ items: Complaint[]; total: number }> {
    const nowMs = this.deps.now();
    const { rows, total } = await this.deps.repo.list(filter, page);
    return { items: rows.map((r) => this.view(r, nowMs)), total };
  }

  async get(id: string): Promise<Complaint> {
    const row = await this.deps.repo.get(id.toLowerCase());
    if (!row) throw new RequestError('report_not_found', `no report ${id}`, 'id');
    const responses = await this.deps.repo.responses(row.id, false);
    return { ...this.view(row, this.deps.now()), responses: responses.map(responseView) };
  }

  /** Assigns the report to a handler (by name; defaults to the caller). */
  async assign(actor: SystemActor, id: string, input: { assignee?: string }): Promise<Complaint> {
    const assignee = input.assignee === undefined ? escapeHtml(actor.displayName) : text(input.assignee, 'assignee', REPORT_LIMITS.assignee)!;
    const row = await this.append(actor, id, 'assign', false, `分派给 ${assignee}`, (c) => ({
      assignee_id: input.assignee === undefined ? actor.accountId : null, assignee_name: assignee, status: c.status === 'received' ? 'assigned' : c.status,
    }));
    return this.view(row, this.deps.now());
  }

  /** A note (handlers only) or a public reply (shown to the reporter). The first public reply stops the R24 clock. */
  async respond(actor: SystemActor, id: string, input: { text: string; public: boolean }): Promise<Complaint> {
    const body = text(input.text, 'text', REPORT_LIMITS.response)!;
    const nowMs = this.deps.now();
    const row = await this.append(actor, id, input.public ? 'reply' : 'note', input.public, body, (c) =>
      input.public ? { first_public_reply_ms: c.first_public_reply_ms ?? nowMs, status: 'answered' } : {},
    );
    return this.view(row, nowMs);
  }

  /** Closes the report with a final public reply; nothing can be added afterwards. */
  async close(actor: SystemActor, id: string, input: { text: string }): Promise<Complaint> {
    const body = text(input.text, 'text', REPORT_LIMITS.response)!;
    const nowMs = this.deps.now();
    const row = await this.append(actor, id, 'close', true, body, (c) => ({ status: 'closed', closed_ms: nowMs, first_public_reply_ms: c.first_public_reply_ms ?? nowMs }));
    return this.view(row, nowMs);
  }

  private async append(
    actor: SystemActor, id: string, kind: ComplaintResponseRow['kind'], isPublic: boolean, body: string,
    change: (c: ComplaintRow) => Partial<ComplaintRow>,
  ): Promise<ComplaintRow> {
    const nowMs = this.deps.now();
    const complaintId = id.toLowerCase();
    const response: ComplaintResponseRow = {
      id: uuidv7(), complaint_id: complaintId, at_ms: nowMs, kind, public: isPublic ? 1 : 0, text: body,
      by_id: actor.accountId, by_name: actor.displayName, by_unit: actor.unit,
    };
    const row = await this.deps.repo.respond(response, change);
    if (!row) {
      const exists = await this.deps.repo.get(complaintId);
      if (!exists) throw new RequestError('report_not_found', `no report ${id}`, 'id');
      throw new RequestError('report_closed', `report ${exists.id} is closed`, 'id', 'R24');
    }
    await this.deps.events.recordEvent({ actor, event: `complaint.${kind === 'reply' || kind === 'note' ? 'responded' : kind === 'assign' ? 'assigned' : 'closed'}`, target: row.id, details: { kind, public: isPublic }, clientAddr: null });
    return row;
  }

  /** ComplianceSnapshot.complaints (port of compliance/). */
  async complaintFacts(): Promise<ComplaintFacts[]> {
    return (await this.deps.repo.facts()).map((r) => ({
      id: r.id, receivedMs: Number(r.received_ms), closed: r.closed_ms !== null,
      ...(r.first_public_reply_ms === null ? {} : { firstPublicReplyMs: Number(r.first_public_reply_ms) }),
    }));
  }

  /** Counts and reply times of the reports received in [fromMs, toMs) (port of compliance/, for the self-assessment). */
  async complaintStats(fromMs: number, toMs: number, nowMs: number) {
    const rows = await this.deps.repo.receivedBetween(fromMs, toMs);
    const replyTimes = rows.filter((r) => r.first_public_reply_ms !== null).map((r) => Number(r.first_public_reply_ms) - Number(r.received_ms));
    return {
      received: rows.length,
      answered: replyTimes.length,
      closed: rows.filter((r) => r.closed_ms !== null).length,
      unansweredOverdue: rows.filter((r) => r.closed_ms === null && complaintUnanswered(Number(r.received_ms), r.first_public_reply_ms === null ? undefined : Number(r.first_public_reply_ms), nowMs)).length,
      meanFirstReplyMs: replyTimes.length ? Math.round(replyTimes.reduce((a, b) => a + b, 0) / replyTimes.length) : null,
      maxFirstReplyMs: replyTimes.length ? Math.max(...replyTimes) : null,
    };
  }
}

function responseView(r: ComplaintResponseRow): ComplaintResponse {
  return { id: r.id, atMs: Number(r.at_ms), kind: r.kind, public: r.public === 1, text: r.text, by: { id: r.by_id, name: r.by_name, unit: r.by_unit } };
}
