// DutiesService over a real database (both dialects) and the real registers (audit/): duty log append-only with
// corrections, tasks and due days, R8.2 completions, inspections open → rectified → closed, complianceFacts and the
// self-assessment report from live data, with the public reports of requests/.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, dialects, type TestDatabase } from '../../../test/support/databases.js';
import { AuditRegisters } from '../../audit/index.js';
import { checkCompliance } from '../../domain/index.js';
import { ComplaintService } from '../../requests/index.js';
import { DutiesService, DutyError, renderSelfAssessmentHtml } from '../index.js';

const cst = (local: string): number => Date.parse(`${local}+08:00`);
const actor = { accountId: '0190a000-0000-7000-8000-000000000001', username: 'li', displayName: '李明', unit: '物业监控室' };
const inspector = { accountId: '0190a000-0000-7000-8000-000000000002', username: 'wang', displayName: '王警官', unit: '某某派出所' };

async function rejection(p: Promise<unknown>): Promise<DutyError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(DutyError);
  return e as DutyError;
}

describe.each(dialects)('DutiesService on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let nowMs = cst('2026-09-01T09:00');
  let audit: AuditRegisters;
  let duties: DutiesService;
  let complaints: ComplaintService;
  const now = () => nowMs;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    audit = new AuditRegisters({ db: t.db, now, signingKey: generateKeyPairSync('ed25519').privateKey, checkpointEveryEntries: 1000, checkpointEveryMs: 3_600_000 });
    complaints = new ComplaintService({ db: t.db, now, events: audit });
    duties = new DutiesService({ db: t.db, now, events: audit, register: audit, complaints });
  });
  afterAll(async () => { await audit?.close(); await t?.dispose(); });

  it('duty log: appends, lists a CST day with pagination, corrects by a new entry, refuses UPDATE and DELETE', async () => {
    const start = await duties.log.append(actor, { kind: 'shift_start', text: '白班开始，设备正常', atMs: cst('2026-09-01T08:00') });
    await duties.log.append(actor, { kind: 'observation', text: '东门摄像机画面模糊', atMs: cst('2026-09-01T08:30') });
    await duties.log.append(actor, { kind: 'observation', text: '前一天的记录', atMs: cst('2026-08-31T23:59') });
    const fix = await duties.log.append(actor, { kind: 'correction', text: '更正：白班 07:55 开始', correctsId: start.id });
    const page1 = await duties.log.listDay('2026-09-01', { limit: 2, offset: 0 });
    expect(page1.total).toBe(3);
    expect(page1.items.map((e) => e.kind)).toEqual(['shift_start', 'observation']);
    expect(page1.items[0]).toMatchObject({ correctedBy: [fix.id], author: { name: '李明', unit: '物业监控室' } });
    expect((await rejection(duties.log.append(actor, { kind: 'correction', text: 'x' }))).field).toBe('correctsId');
    expect((await rejection(duties.log.append(actor, { kind: 'correction', text: 'x', correctsId: '0190a000-0000-7000-8000-00000000dead' }))).code).toBe('duty_entry_not_found');
    expect((await rejection(duties.log.append(actor, { kind: 'observation', text: ' ' }))).field).toBe('text');
    expect((await rejection(duties.log.listDay('2026-02-30', { limit: 10, offset: 0 }))).field).toBe('day');
    await expect(sql`UPDATE duty_log SET text = 'changed'`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM duty_log`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('tasks: due days in CST, reminders, R8.2 completion rules, the next due day from the day done', async () => {
    const r8 = await duties.tasks.create(actor, { kind: 'r8_area_check', title: '禁止区域月检', recurrenceDays: 30, firstDueDay: '2026-09-01' });
    const mt = await duties.tasks.create(actor, { kind: 'maintenance', title: '设备保养', recurrenceDays: 90, firstDueDay: '2026-09-20', scope: { kind: 'cameras', ids: ['cam-1'] } });
    expect(r8).toMatchObject({ article: 'R8.2', status: { state: 'due_soon', daysLeft: 0 } });
    expect((await rejection(duties.tasks.create(actor, { kind: 'gardening', title: 'x', recurrenceDays: 1 }))).field).toBe('kind');
    expect((await rejection(duties.tasks.create(actor, { kind: 'maintenance', title: 'x', recurrenceDays: 0 }))).field).toBe('recurrenceDays');
    expect((await duties.tasks.due(7)).map((x) => x.id)).toEqual([r8.id]);
    expect((await duties.tasks.due(30)).map((x) => x.id)).toEqual([r8.id, mt.id]);

    nowMs = cst('2026-09-03T10:00'); // the R8 check is now overdue
    expect((await duties.tasks.due(0)).map((x) => [x.id, x.status.state])).toEqual([[r8.id, 'overdue']]);
    const facts = await duties.complianceFacts();
    expect(checkCompliance({ nowMs, cameras: [], installations: [], signage: [], systems: [], users: [], tasks: facts.tasks }).map((f) => f.rule)).toEqual(['area_check_overdue']);

    expect((await rejection(duties.tasks.complete(actor, r8.id, { result: 'ok', findings: '' }))).field).toBe('forbiddenCameraFound');
    const noRef = await rejection(duties.tasks.complete(actor, r8.id, { result: 'issues_found', findings: '更衣室发现摄像头', forbiddenCameraFound: true }));
    expect({ code: noRef.code, article: noRef.article }).toEqual({ code: 'police_report_required', article: 'R8.2' });
    const done = await duties.tasks.complete(actor, r8.id, { result: 'issues_found', findings: '更衣室发现摄像头，已拆除', forbiddenCameraFound: true, policeReportRef: '报警回执 2026-0903-17' });
    expect(done).toMatchObject({ dueDay: '2026-09-01', nextDueDay: '2026-10-03', late: true, forbiddenCameraFound: true, by: { name: '李明' } });
    expect((await rejection(duties.tasks.complete(actor, mt.id, { result: 'ok', findings: '', forbiddenCameraFound: false }))).field).toBe('forbiddenCameraFound');
    expect((await duties.tasks.get(r8.id)).nextDueDay).toBe('2026-10-03');
    expect((await duties.tasks.completions(r8.id, { limit: 10, offset: 0 })).total).toBe(1);
    await expect(sql`DELETE FROM duty_task_completions`.execute(t.db)).rejects.toThrow(/append-only/);

    const paused = await duties.tasks.update(actor, mt.id, { active: false, title: '设备保养（季度）' });
    expect(paused).toMatchObject({ active: false, title: '设备保养（季度）' });
    expect((await duties.tasks.list()).map((x) => x.id)).toEqual([r8.id]);
    const logged = await audit.querySystem({ target: r8.id }, { limit: 10, offset: 0 });
    expect(logged.items.map((e) => e.event).sort()).toEqual(['duty_task.completed', 'duty_task.created']);
  });

  it('inspections: findings with articles and deadlines, rectified by the unit, closed by the inspector, overdue in the facts', async () => {
    const bad = await rejection(duties.inspections.record(inspector, { inspectedMs: nowMs, inspectors: ['王警官'], inspectorUnit: '某某派出所', scope: '全部', findings: [{ article: 'Article 8', description: 'x', deadlineDay: '2026-09-10' }] }));
    expect(bad.field).toBe('findings[0].article');
    const insp = await duties.inspections.record(inspector, {
      inspectedMs: cst('2026-09-03T09:00'), inspectors: ['王警官', '赵警官'], inspectorUnit: '某某派出所', scope: '监控室及全部摄像机',
      findings: [
        { article: 'R13', description: '停车场入口缺少提示标识', deadlineDay: '2026-09-10' },
        { article: 'R16.3', description: '调阅登记缺少事由', deadlineDay: '2026-09-05' },
      ],
    });
    expect(insp.findings.map((f) => [f.seq, f.state, f.overdue])).toEqual([[1, 'open', false], [2, 'open', false]]);
    const [f1, f2] = insp.findings as [typeof insp.findings[0], typeof insp.findings[0]];
    expect((await rejection(duties.inspections.close(inspector, f1.id))).code).toBe('finding_state_conflict');
    expect((await duties.inspections.rectify(actor, f1.id, { rectification: '已设置提示标识，附照片' })).state).toBe('rectified');
    expect((await duties.inspections.close(inspector, f1.id))).toMatchObject({ state: 'closed', closedBy: '王警官' });
    expect((await rejection(duties.inspections.rectify(actor, f1.id, { rectification: 'again' }))).code).toBe('finding_state_conflict');

    nowMs = cst('2026-09-06T08:00');
    expect((await duties.inspections.get(insp.id)).findings.map((f) => [f.state, f.overdue])).toEqual([['closed', false], ['open', true]]);
    const facts = await duties.complianceFacts();
    expect(facts.rectifications.map((r) => r.findingId)).toEqual([f2.id]);
    expect((await duties.inspections.list({}, { limit: 10, offset: 0 })).total).toBe(1);
  });

  it('complianceFacts and the self-assessment report come from live data; issuing stores it append-only', async () => {
    await audit.recordAccess({
      outcome: 'granted', accountId: 'a1', username: 'op', displayName: '张伟', unit: '', roles: ['operator'], action: 'playback',
      cameraIds: ['cam-1'], fromMs: null, toMs: null, reasonCategory: 'case', reasonText: '', requestId: null, clientAddr: null, refusal: null,
    });
    await complaints.submit({ what: '更衣室内有摄像头', where: '某某商场三楼', when: '2026-09-04 下午' });
    nowMs = cst('2026-09-30T10:00'); // the report has waited more than 15 days
    const facts = await duties.complianceFacts();
    expect(facts.accessRegister.verified).toBe(true);
    expect(facts.accessRegister.incompleteEntries).toEqual([{ id: expect.any(Number), missing: ['reason', 'unit'] }]);
    expect(facts.complaints).toHaveLength(1);

    const report = await duties.selfAssessments.generate(cst('2026-09-01T00:00'), cst('2026-10-01T00:00'));
    expect(report.period).toMatchObject({ fromDay: '2026-09-01', lastDay: '2026-09-30' });
    expect(report.tasks).toMatchObject({ completed: 1, completedLate: 1, r8Checks: { done: 1, forbiddenCameraFound: 1, reportedToPolice: 1 } });
    expect(report.dutyLog).toMatchObject({ entries: 3, days: 30, coveredDays: 1 });
    expect(report.inspections).toMatchObject({ count: 1, findings: 2, closed: 1, open: 1, overdue: 1 });
    expect(report.complaints).toMatchObject({ received: 1, answered: 0, unansweredOverdue: 1 });
    expect(report.accessRegister).toMatchObject({ granted: 1, verified: true, incompleteEntries: 1 });
    expect(report.findings.map((f) => f.rule).sort()).toEqual(['access_register_incomplete', 'complaint_unanswered', 'inspection_rectification_overdue']);

    const issued = await duties.selfAssessments.issue(actor, report.period.fromMs, report.period.toMs);
    expect((await duties.selfAssessments.get(issued.id)).report).toEqual(issued.report);
    expect((await duties.selfAssessments.list({ limit: 5, offset: 0 })).items.map((r) => r.id)).toEqual([issued.id]);
    await expect(sql`UPDATE self_assessments SET body = '{}'`.execute(t.db)).rejects.toThrow(/append-only/);
    const html = renderSelfAssessmentHtml(issued.report, issued);
    expect(html).toContain('定期自查评估报告');
    expect(html).toContain(issued.id);
    expect(html).not.toContain('<script');
  });
});
