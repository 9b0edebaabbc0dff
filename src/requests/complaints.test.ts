// ComplaintService over a real database (both dialects) and the real system log: intake with an unguessable code,
// escaping, public status with public replies only, the append-only response log, and the contact never logged.
import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { AuditRegisters } from '../audit/index.js';
import { ComplaintService, RequestError } from './index.js';

const cst = (local: string): number => Date.parse(`${local}+08:00`);
const handler = { accountId: '0190a000-0000-7000-8000-000000000003', username: 'zhao', displayName: '赵警官', unit: '治安大队' };

async function rejection(p: Promise<unknown>): Promise<RequestError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(RequestError);
  return e as RequestError;
}

describe.each(dialects)('ComplaintService on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let audit: AuditRegisters;
  let service: ComplaintService;
  let nowMs = cst('2026-10-01T10:00');

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    audit = new AuditRegisters({ db: t.db, now: () => nowMs, signingKey: generateKeyPairSync('ed25519').privateKey, checkpointEveryEntries: 1000, checkpointEveryMs: 3_600_000 });
    service = new ComplaintService({ db: t.db, now: () => nowMs, events: audit });
  });
  afterAll(async () => { await audit?.close(); await t?.dispose(); });

  it('takes a report, escapes markup, answers only with the code, and logs neither contact nor code', async () => {
    const { code, replyDays } = await service.submit({ what: '<img src=x onerror=alert(1)> 试衣间里有摄像头', where: '某某商场 2F', when: '昨天', contact: '13800138000' });
    expect(code).toMatch(/^JB(-[A-HJ-NP-Z2-9]{4}){6}$/);
    expect(replyDays).toBe(15);
    const status = await service.publicStatus(code.toLowerCase());
    expect(status).toEqual({ status: 'received', receivedMs: nowMs, replies: [] });
    const [listed] = (await service.list({}, { limit: 10, offset: 0 })).items;
    expect(listed).toMatchObject({ what: '&lt;img src=x onerror=alert(1)&gt; 试衣间里有摄像头', contact: '13800138000', replyOverdue: false });
    const rows = await t.db.selectFrom('complaints').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(code);
    const log = await audit.querySystem({}, { limit: 100, offset: 0 });
    expect(JSON.stringify(log.items)).not.toContain('13800138000');
    expect(JSON.stringify(log.items)).not.toContain(code);
    expect((await rejection(service.publicStatus('JB-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA'))).code).toBe('report_not_found');
    expect((await rejection(service.publicStatus('../../etc'))).code).toBe('report_not_found');
  });

  it('refuses empty, too long and control-character fields, naming the field', async () => {
    expect((await rejection(service.submit({ what: ' ', where: 'x', when: 'y' }))).field).toBe('what');
    expect((await rejection(service.submit({ what: 'x', where: 'y'.repeat(501), when: 'z' }))).field).toBe('where');
    expect((await rejection(service.submit({ what: 'x', where: 'y', when: 'z\u0007' }))).field).toBe('when');
  });

  it('assign, note, public reply, close: the reporter sees public replies only; closed takes nothing more', async () => {
    const { code } = await service.submit({ what: '卫生间门口朝内的摄像头', where: '某某车站', when: '今天上午' });
    const id = (await service.list({ status: 'received' }, { limit: 1, offset: 0 })).items[0]!.id;
    expect(await service.assign(handler, id, {})).toMatchObject({ status: 'assigned', assignee: '赵警官' });
    await service.respond(handler, id, { text: '内部：联系车站物业', public: false });
    nowMs += 3_600_000;
    expect(await service.respond(handler, id, { text: '已受理，正在核查', public: true })).toMatchObject({ status: 'answered', firstPublicReplyMs: nowMs });
    await service.close(handler, id, { text: '经核查已责令拆除' });
    expect(await service.publicStatus(code)).toMatchObject({ status: 'closed', replies: [{ text: '已受理，正在核查' }, { text: '经核查已责令拆除' }] });
    const full = await service.get(id);
    expect(full.responses!.map((r) => [r.kind, r.public])).toEqual([['assign', false], ['note', false], ['reply', true], ['close', true]]);
    const closed = await rejection(service.respond(handler, id, { text: 'late', public: true }));
    expect({ code: closed.code, article: closed.article }).toEqual({ code: 'report_closed', article: 'R24' });
    expect((await rejection(service.assign(handler, '0190a000-0000-7000-8000-00000000dead', {}))).code).toBe('report_not_found');
    await expect(sql`UPDATE complaint_responses SET text = 'x'`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('facts and stats: unanswered after 15 CST days, reply times', async () => {
    nowMs = cst('2026-10-30T10:00');
    const facts = await service.complaintFacts();
    expect(facts.map((f) => [f.closed, f.firstPublicReplyMs !== undefined])).toEqual([[false, false], [true, true]]);
    const stats = await service.complaintStats(cst('2026-10-01T00:00'), cst('2026-11-01T00:00'), nowMs);
    expect(stats).toEqual({ received: 2, answered: 1, closed: 1, unansweredOverdue: 1, meanFirstReplyMs: 3_600_000, maxFirstReplyMs: 3_600_000 });
    expect((await service.list({}, { limit: 10, offset: 0 })).items.find((c) => c.status === 'received')?.replyOverdue).toBe(true);
  });
});
