// The duties, inspections and public reports over a real `vigil serve` (SQLite): who may do what (inspectors read
// and record inspections but change nothing else), errors with their articles, the public report intake's rate
// limit, size limits and escaping, and the reporter's contact kept out of the server log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const cstDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const CONTACT = '13912345678';

let dataDir: string;
let vigil: ServingVigil;
let admin: ApiSession;
let inspector: ApiSession;
let operator: ApiSession;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-duties-'));
  writeTestConfig(dataDir);
  const pw = await provisionAccounts(dataDir, [
    { username: 'd_admin', displayName: '系统管理员甲', roles: ['system_admin'] },
    { username: 'd_insp', displayName: '王警官', unit: '某某派出所', roles: ['inspector'] },
    { username: 'd_op', displayName: '值班员李明', roles: ['operator'] },
  ]);
  // A drill already overdue when the server starts: `vigil serve` logs it as a reminder (D17).
  const core = await openCore(loadConfig({ dataDir }));
  try {
    const who = { accountId: 'setup', username: 'setup', displayName: '初始化', unit: '测试' };
    await core.duties.tasks.create(who, { kind: 'emergency_drill', title: '应急演练', recurrenceDays: 180, firstDueDay: cstDay(Date.now() - 5 * 86_400_000) });
  } finally {
    await core.close();
  }
  vigil = await startServe(dataDir);
  admin = await ApiSession.login(vigil.url, 'd_admin', pw.get('d_admin')!);
  inspector = await ApiSession.login(vigil.url, 'd_insp', pw.get('d_insp')!);
  operator = await ApiSession.login(vigil.url, 'd_op', pw.get('d_op')!);
});

afterAll(async () => {
  await vigil?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('duty log and tasks over HTTP (D17, R8.2)', () => {
  it('staff on duty write and read the log by CST day; compliance readers read it; corrections name the entry', async () => {
    const created = await operator.fetch('/api/v1/duty/log', { method: 'POST', json: { kind: 'shift_start', text: '夜班开始' } });
    expect(created.status).toBe(201);
    const entry = (await created.json()) as { id: string; author: { name: string } };
    expect(entry.author.name).toBe('值班员李明');
    expect((await operator.fetch('/api/v1/duty/log', { method: 'POST', json: { kind: 'correction', text: '更正' } })).status).toBe(400);
    expect((await operator.fetch('/api/v1/duty/log', { method: 'POST', json: { kind: 'correction', text: '更正：22:00 开始', correctsId: entry.id } })).status).toBe(201);
    const day = cstDay(Date.now());
    const list = await inspector.fetch(`/api/v1/compliance/duty-log?day=${day}`);
    expect(list.status).toBe(200);
    expect(list.headers.get('x-total-count')).toBe('2');
    expect(((await list.json()) as { correctedBy: string[] }[])[0]!.correctedBy).toHaveLength(1);
    expect((await inspector.fetch(`/api/v1/duty/log?day=${day}`)).status).toBe(403);
    expect((await inspector.fetch('/api/v1/duty/log', { method: 'POST', json: { kind: 'observation', text: 'x' } })).status).toBe(403);
  });

  it('tasks: defined by the unit, reminded when due, completed by staff; an R8 find needs the police report (R8.2)', async () => {
    const yesterday = cstDay(Date.now() - 86_400_000);
    const refused = await inspector.fetch('/api/v1/compliance/tasks', { method: 'POST', json: { kind: 'r8_area_check', title: 'x', recurrenceDays: 30 } });
    expect(refused.status).toBe(403);
    const res = await admin.fetch('/api/v1/compliance/tasks', { method: 'POST', json: { kind: 'r8_area_check', title: '禁止区域月检', recurrenceDays: 30, firstDueDay: yesterday } });
    expect(res.status).toBe(201);
    const task = (await res.json()) as { id: string; status: { state: string } };
    expect(task.status.state).toBe('overdue');
    const due = (await (await inspector.fetch('/api/v1/compliance/tasks/due?within=0')).json()) as { id: string; kind: string }[];
    expect(due.map((t) => t.kind)).toEqual(['emergency_drill', 'r8_area_check']);
    expect(vigil.logs()).toContain('duty reminder: 1 task(s) overdue');
    const noRef = await operator.fetch(`/api/v1/duty/tasks/${task.id}/completions`, { method: 'POST', json: { result: 'issues_found', findings: '试衣间发现摄像头', forbiddenCameraFound: true } });
    expect(noRef.status).toBe(422);
    expect(await noRef.json()).toMatchObject({ error: 'police_report_required', article: 'R8.2', field: 'policeReportRef' });
    const done = await operator.fetch(`/api/v1/duty/tasks/${task.id}/completions`, { method: 'POST', json: { result: 'issues_found', findings: '试衣间发现摄像头，已拆除', forbiddenCameraFound: true, policeReportRef: '110-2026-0001' } });
    expect(done.status).toBe(201);
    expect((await done.json()) as object).toMatchObject({ late: true, policeReportRef: '110-2026-0001' });
    expect(((await (await inspector.fetch('/api/v1/compliance/tasks/due?within=0')).json()) as { kind: string }[]).map((t) => t.kind)).toEqual(['emergency_drill']);
    expect((await inspector.fetch(`/api/v1/compliance/tasks/${task.id}`, { method: 'PATCH', json: { active: false } })).status).toBe(403);
  });
});

describe('police inspections over HTTP (R24)', () => {
  it('inspector records, the unit rectifies, the inspector closes; the inspector cannot rectify', async () => {
    const deadline = cstDay(Date.now() + 7 * 86_400_000);
    const res = await inspector.fetch('/api/v1/compliance/inspections', {
      method: 'POST',
      json: { inspectedMs: Date.now(), inspectors: ['王警官', '赵警官'], inspectorUnit: '某某派出所', scope: '监控室', findings: [{ article: 'R13', description: '缺少提示标识', deadlineDay: deadline }] },
    });
    expect(res.status).toBe(201);
    const insp = (await res.json()) as { id: string; findings: { id: string; state: string }[] };
    const findingId = insp.findings[0]!.id;
    expect((await admin.fetch(`/api/v1/compliance/inspection-findings/${findingId}/closure`, { method: 'POST', json: {} })).status).toBe(403);
    const early = await inspector.fetch(`/api/v1/compliance/inspection-findings/${findingId}/closure`, { method: 'POST', json: {} });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: 'finding_state_conflict', article: 'R24' });
    expect((await inspector.fetch(`/api/v1/compliance/inspection-findings/${findingId}/rectification`, { method: 'POST', json: { rectification: 'x' } })).status).toBe(403);
    expect((await admin.fetch(`/api/v1/compliance/inspection-findings/${findingId}/rectification`, { method: 'POST', json: { rectification: '已设置标识' } })).status).toBe(200);
    const closed = await inspector.fetch(`/api/v1/compliance/inspection-findings/${findingId}/closure`, { method: 'POST', json: {} });
    expect(((await closed.json()) as { state: string }).state).toBe('closed');
    expect(((await (await admin.fetch(`/api/v1/compliance/inspections/${insp.id}`)).json()) as { findings: { state: string }[] }).findings[0]!.state).toBe('closed');
  });

  it('self-assessment: previewed as HTML by the inspector, issued by the unit, listed', async () => {
    const day = cstDay(Date.now());
    const html = await inspector.fetch(`/api/v1/compliance/self-assessment?from=${day}&to=${day}&format=html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('定期自查评估报告');
    expect((await inspector.fetch('/api/v1/compliance/self-assessments', { method: 'POST', json: { from: day, to: day } })).status).toBe(403);
    const issued = await admin.fetch('/api/v1/compliance/self-assessments', { method: 'POST', json: { from: day, to: day } });
    expect(issued.status).toBe(201);
    const body = (await issued.json()) as { id: string; report: { tasks: { r8Checks: { done: number } }; inspections: { closed: number } } };
    expect(body.report.tasks.r8Checks.done).toBe(1);
    expect(body.report.inspections.closed).toBe(1);
    const listed = (await (await inspector.fetch('/api/v1/compliance/self-assessments')).json()) as { id: string }[];
    expect(listed.map((r) => r.id)).toEqual([body.id]);
    const stored = await inspector.fetch(`/api/v1/compliance/self-assessments/${body.id}?format=html`);
    expect(await stored.text()).toContain(`编号 No. ${body.id}`);
    expect((await inspector.fetch('/api/v1/compliance/self-assessment?from=2026-01-02&to=2026-01-01')).status).toBe(400);
  });
});

describe('public reports (R24)', () => {
  it('anyone files a report and reads its status by code; handlers see the contact; the log never does', async () => {
    const post = (json: unknown) => fetch(`${vigil.url}/api/v1/public/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
    const res = await post({ what: '<script>alert(1)</script>更衣室有摄像头', where: '某某商场三楼', when: '今天', contact: CONTACT });
    expect(res.status).toBe(201);
    const { code } = (await res.json()) as { code: string };
    const status = await fetch(`${vigil.url}/api/v1/public/reports/${code}`);
    expect(await status.json()).toEqual({ status: 'received', receivedMs: expect.any(Number), replies: [] });
    expect((await fetch(`${vigil.url}/api/v1/complaints`)).status).toBe(401);
    expect((await operator.fetch('/api/v1/complaints')).status).toBe(403);
    const [c] = (await (await inspector.fetch('/api/v1/complaints')).json()) as { id: string; contact: string; what: string }[];
    expect(c).toMatchObject({ contact: CONTACT, what: '&lt;script&gt;alert(1)&lt;/script&gt;更衣室有摄像头' });
    expect((await admin.fetch(`/api/v1/complaints/${c!.id}/responses`, { method: 'POST', json: { text: '已受理', public: true } })).status).toBe(200);
    expect((await admin.fetch(`/api/v1/complaints/${c!.id}/responses`, { method: 'POST', json: { text: '内部备注', public: false } })).status).toBe(200);
    expect(((await (await fetch(`${vigil.url}/api/v1/public/reports/${code}`)).json()) as { replies: { text: string }[] }).replies.map((r) => r.text)).toEqual(['已受理']);
    expect((await admin.fetch(`/api/v1/complaints/${c!.id}/close`, { method: 'POST', json: { text: '已责令拆除' } })).status).toBe(200);
    const late = await admin.fetch(`/api/v1/complaints/${c!.id}/responses`, { method: 'POST', json: { text: 'x', public: true } });
    expect(await late.json()).toMatchObject({ error: 'report_closed', article: 'R24' });
    expect((await fetch(`${vigil.url}/api/v1/public/reports/JB-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA`)).status).toBe(404);

    // Size limits: a field over its limit, a body over 16 KiB.
    expect((await post({ what: 'x'.repeat(2001), where: 'y', when: 'z' })).status).toBe(400);
    expect((await post({ what: 'x', where: 'y', when: 'z', extra: 'y'.repeat(17 * 1024) })).status).toBe(413);
    // The limit is 5 an hour per address: 3 used above (one 201, one 400, one 413 all count), 2 more, then 429.
    expect((await post({ what: 'a', where: 'b', when: 'c' })).status).toBe(201);
    expect((await post({ what: 'a', where: 'b', when: 'c' })).status).toBe(201);
    const limited = await post({ what: 'a', where: 'b', when: 'c' });
    expect(limited.status).toBe(429);
    expect(vigil.logs()).not.toContain(CONTACT);
    expect(vigil.logs()).not.toContain(code);
  });
});
