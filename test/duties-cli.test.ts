// `vigil duty due|task|log`, `vigil report self-assessment`, `vigil inspection list|show`, `vigil complaint list` and
// `vigil camera review` as a user runs them (a real process over a data directory): the --json shapes, exit codes 0
// ok, 1 refused (with the article where the law refuses), 2 usage; who the records name (actor.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { runVigil, writeTestConfig } from './support/vigil-process.js';

const cstDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const actor = { accountId: '0190a000-0000-7000-8000-0000000000aa', username: 'admin', displayName: '管理员', unit: '物业' };
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-duty-cli-'));
  writeTestConfig(dataDir);
  const core = await openCore(loadConfig({ dataDir }));
  try {
    await core.duties.tasks.create(actor, { kind: 'maintenance', title: '季度保养', recurrenceDays: 90, firstDueDay: cstDay(Date.now() + 3 * 86_400_000) });
  } finally {
    await core.close();
  }
});
afterAll(() => { if (dataDir) rmSync(dataDir, { recursive: true, force: true }); });

describe('vigil duty due / report self-assessment', () => {
  it('lists tasks due within N days; exit 3 once one is overdue', async () => {
    const soon = await runVigil(['duty', 'due', '--json', '--data-dir', dataDir, '--within', '7']);
    expect(soon.code, soon.stderr).toBe(0);
    expect(soon.json).toMatchObject({ within: 7, overdue: 0, tasks: [{ title: '季度保养', status: { state: 'due_soon', daysLeft: 3 } }] });
    const none = await runVigil(['duty', 'due', '--data-dir', dataDir, '--within', '1']);
    expect(none.stdout).toContain('no duty task overdue');
    const core = await openCore(loadConfig({ dataDir }));
    try {
      await core.duties.tasks.create(actor, { kind: 'r8_area_check', title: '禁止区域检查', recurrenceDays: 30, firstDueDay: cstDay(Date.now() - 2 * 86_400_000) });
    } finally {
      await core.close();
    }
    const overdue = await runVigil(['duty', 'due', '--data-dir', dataDir, '--within', '0']);
    expect(overdue.code).toBe(3);
    expect(overdue.stdout).toMatch(/OVERDUE .* r8_area_check +R8\.2 +禁止区域检查/);
    expect((await runVigil(['duty', 'due', '--data-dir', dataDir, '--within', 'soon'])).code).toBe(2);
  });

  it('prints the report as HTML or JSON, issues it with --issue, and refuses a bad format or period', async () => {
    const day = cstDay(Date.now());
    const html = await runVigil(['report', 'self-assessment', '--data-dir', dataDir, '--from', day, '--to', day, '--format', 'html']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toContain('定期自查评估报告');
    expect(html.stdout).toContain('草稿');
    const file = join(dataDir, 'report.html');
    const issued = await runVigil(['report', 'self-assessment', '--json', '--data-dir', dataDir, '--from', day, '--to', day, '--format', 'html', '--issue', '--out', file]);
    expect(issued.code, issued.stderr).toBe(0);
    const { id } = issued.json as { id: string };
    expect(readFileSync(file, 'utf8')).toContain(id);
    const json = await runVigil(['report', 'self-assessment', '--json', '--data-dir', dataDir, '--from', day, '--to', day]);
    expect(json.json).toMatchObject({ period: { fromDay: day, lastDay: day }, findings: [{ rule: 'area_check_overdue', article: 'R8.2' }] });
    expect((await runVigil(['report', 'self-assessment', '--data-dir', dataDir, '--from', day, '--to', day, '--format', 'pdf'])).code).toBe(2);
    expect((await runVigil(['report', 'self-assessment', '--data-dir', dataDir, '--from', '2026-02-30', '--to', day])).code).toBe(2);
  });
});

describe('vigil duty task / duty log / inspection / complaint / camera review', () => {
  let dir: string;
  let tokens: { record: string; listOnly: string };
  const vigil = (args: string[], env?: NodeJS.ProcessEnv) => runVigil([...args, '--json', '--data-dir', dir], env ? { env } : {});
  const human = (args: string[]) => runVigil([...args, '--data-dir', dir]);
  const day = (offsetDays: number) => cstDay(Date.now() + offsetDays * 86_400_000);
  const police = { accountId: '0190a000-0000-7000-8000-0000000000bb', username: 'police1', displayName: '李警官', unit: '某派出所' };
  let inspectionId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-duty-records-cli-'));
    writeTestConfig(dir);
    const core = await openCore(loadConfig({ dataDir: dir }));
    try {
      const { user } = await core.access.createUser(null, { username: 'zhang', displayName: '张三', unit: '保卫处', roles: ['operator'] });
      const subject = { accountId: user.id, username: 'zhang', displayName: '张三', unit: '保卫处', roles: user.roles, via: 'session' as const };
      const token = async (scope: 'duty.record' | 'camera.list') => (await core.access.createToken(subject, { name: scope, scopes: [scope], expiresMs: Date.now() + 86_400_000 })).token;
      tokens = { record: await token('duty.record'), listOnly: await token('camera.list') };
      const inspection = await core.duties.inspections.record(police, {
        inspectedMs: Date.now() - 5 * 86_400_000, inspectors: ['李警官', '王警官'], inspectorUnit: '某派出所', scope: '商场一期全部摄像机',
        findings: [
          { article: 'R13', description: '东门缺少监控提示标识', deadlineDay: day(-2) },
          { article: 'R8.1(3)', description: '三楼更衣室附近摄像机角度需调整', deadlineDay: day(10) },
        ],
      });
      inspectionId = inspection.id;
      await core.duties.inspections.rectify(police, inspection.findings[1]!.id, { rectification: '已调整角度并加装遮挡' });
      const first = await core.complaints.submit({ what: '<b>更衣室</b>里有摄像头', where: '三楼', when: '昨天下午', contact: '13800000000' });
      await core.complaints.submit({ what: '厕所门口有摄像头', where: '一楼', when: '今天' });
      const listed = await core.complaints.list({}, { limit: 10, offset: 0 });
      const withContact = listed.items.find((c) => c.contact !== null)!;
      await core.complaints.assign(police, withContact.id, {});
      expect(first.code).toMatch(/^JB-/);
    } finally {
      await core.close();
    }
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('duty task add|list|complete: shapes, the R8.2 find-and-report rule, refusals', async () => {
    const maint = await vigil(['duty', 'task', 'add', '--kind', 'maintenance', '--title', '月度保养', '--every', '30', '--first-due', day(-3)]);
    expect(maint.code, maint.stderr).toBe(0);
    const maintId = (maint.json as { id: string }).id;
    expect(maint.json).toMatchObject({ id: maintId, task: { kind: 'maintenance', article: 'D17', title: '月度保养', recurrenceDays: 30, nextDueDay: day(-3), active: true, scope: { kind: 'unit' }, status: { state: 'overdue' } } });
    const r8 = await vigil(['duty', 'task', 'add', '--kind', 'r8_area_check', '--title', 'R8.1区域检查', '--every', '7', '--camera', 'cam-a', '--camera', 'cam-b']);
    expect(r8.code, r8.stderr).toBe(0);
    const r8Id = (r8.json as { id: string }).id;
    expect(r8.json).toMatchObject({ task: { article: 'R8.2', scope: { kind: 'cameras', ids: ['cam-a', 'cam-b'] }, nextDueDay: day(7), status: { state: 'due_soon', daysLeft: 7 } } });

    const [badKind, badEvery, zero, both] = await Promise.all([
      vigil(['duty', 'task', 'add', '--kind', 'cleaning', '--title', 'x', '--every', '7']),
      vigil(['duty', 'task', 'add', '--kind', 'maintenance', '--title', 'x', '--every', 'weekly']),
      vigil(['duty', 'task', 'add', '--kind', 'maintenance', '--title', 'x', '--every', '0']),
      vigil(['duty', 'task', 'add', '--kind', 'maintenance', '--title', 'x', '--every', '7', '--camera', 'a', '--system', 'b']),
    ]);
    expect(badKind.code).toBe(1);
    expect(badKind.json).toMatchObject({ error: 'invalid_duty_input', field: 'kind' });
    expect(badEvery.code).toBe(2);
    expect(zero.code).toBe(1);
    expect(zero.json).toMatchObject({ error: 'invalid_duty_input', field: 'recurrenceDays' });
    expect(both.code).toBe(2);

    const list = await vigil(['duty', 'task', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect((list.json as { tasks: { id: string }[] }).tasks.map((t) => t.id)).toEqual([maintId, r8Id]);

    const done = await vigil(['duty', 'task', 'complete', maintId, '--result', 'ok']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.json).toMatchObject({ completion: { taskId: maintId, result: 'ok', late: true, dueDay: day(-3), nextDueDay: day(30), forbiddenCameraFound: null, by: { id: 'system', name: 'vigil (command line)' } } });
    const [noFlag, noReport, notR8, unknown, noResult, badDone] = await Promise.all([
      vigil(['duty', 'task', 'complete', r8Id, '--result', 'ok']),
      vigil(['duty', 'task', 'complete', r8Id, '--result', 'issues_found', '--findings', '更衣室内发现摄像头', '--forbidden-camera-found']),
      vigil(['duty', 'task', 'complete', maintId, '--result', 'ok', '--no-forbidden-camera-found']),
      vigil(['duty', 'task', 'complete', '01890000-0000-7000-8000-000000000000', '--result', 'ok']),
      vigil(['duty', 'task', 'complete', r8Id]),
      vigil(['duty', 'task', 'complete', r8Id, '--result', 'ok', '--done', 'yesterday']),
    ]);
    expect(noFlag.code).toBe(1);
    expect(noFlag.json).toMatchObject({ error: 'invalid_duty_input', field: 'forbiddenCameraFound', article: 'R8.2' });
    expect(noReport.code).toBe(1);
    expect(noReport.json).toMatchObject({ error: 'police_report_required', field: 'policeReportRef', article: 'R8.2' });
    expect(notR8.code).toBe(1);
    expect(notR8.json).toMatchObject({ error: 'invalid_duty_input', field: 'forbiddenCameraFound' });
    expect(unknown.code).toBe(1);
    expect(unknown.json).toMatchObject({ error: 'task_not_found' });
    expect(noResult.code).toBe(2);
    expect(badDone.code).toBe(2);
    const found = await vigil(['duty', 'task', 'complete', r8Id, '--result', 'issues_found', '--findings', '更衣室内发现摄像头', '--forbidden-camera-found', '--police-report', '杭公(西)报〔2026〕15号']);
    expect(found.code, found.stderr).toBe(0);
    expect(found.json).toMatchObject({ completion: { forbiddenCameraFound: true, policeReportRef: '杭公(西)报〔2026〕15号', result: 'issues_found', late: false, nextDueDay: day(7) } });
    const clean = await human(['duty', 'task', 'complete', r8Id, '--result', 'ok', '--no-forbidden-camera-found']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('no camera in an R8.1 area');

    // --all shows inactive tasks too (a task is deactivated in the console, PATCH …/tasks/:id).
    const core = await openCore(loadConfig({ dataDir: dir }));
    try {
      await core.duties.tasks.update(police, maintId, { active: false });
    } finally {
      await core.close();
    }
    const [active, all] = await Promise.all([vigil(['duty', 'task', 'list']), human(['duty', 'task', 'list', '--all'])]);
    expect((active.json as { tasks: { id: string }[] }).tasks.map((t) => t.id)).toEqual([r8Id]);
    expect(all.stdout).toMatch(/inactive +maintenance +D17 +月度保养/);
  });

  it('duty log add|list: corrections, signing with VIGIL_TOKEN, refusals', async () => {
    const first = await vigil(['duty', 'log', 'add', '--kind', 'shift_start', '--text', '早班开始，设备正常', '--at', String(Date.now() - 60_000)]);
    expect(first.code, first.stderr).toBe(0);
    const firstId = (first.json as { id: string }).id;
    expect(first.json).toMatchObject({ id: firstId, entry: { kind: 'shift_start', text: '早班开始，设备正常', correctsId: null, author: { id: 'system', username: 'cli', name: 'vigil (command line)' } } });
    const fix = await vigil(['duty', 'log', 'add', '--kind', 'correction', '--text', '早班开始时二号机离线', '--corrects', firstId]);
    expect(fix.code, fix.stderr).toBe(0);
    const fixId = (fix.json as { id: string }).id;
    const signed = await vigil(['duty', 'log', 'add', '--kind', 'observation', '--text', '东门人流正常'], { VIGIL_TOKEN: tokens.record });
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.json).toMatchObject({ entry: { author: { username: 'zhang', name: '张三', unit: '保卫处' } } });

    const [noCorrects, badKind, badAt, scopeless, unknownToken, badFrom, unknownTarget] = await Promise.all([
      vigil(['duty', 'log', 'add', '--kind', 'correction', '--text', 'x']),
      vigil(['duty', 'log', 'add', '--kind', 'note', '--text', 'x']),
      vigil(['duty', 'log', 'add', '--kind', 'observation', '--text', 'x', '--at', 'this morning']),
      vigil(['duty', 'log', 'add', '--kind', 'observation', '--text', 'x'], { VIGIL_TOKEN: tokens.listOnly }),
      vigil(['duty', 'log', 'add', '--kind', 'observation', '--text', 'x'], { VIGIL_TOKEN: 'vgt_not-a-token' }),
      vigil(['duty', 'log', 'list', '--from', '2026-02-30']),
      vigil(['duty', 'log', 'add', '--kind', 'correction', '--text', 'x', '--corrects', '01890000-0000-7000-8000-000000000000']),
    ]);
    expect(noCorrects.code).toBe(1);
    expect(noCorrects.json).toMatchObject({ error: 'invalid_duty_input', field: 'correctsId' });
    expect(badKind.code).toBe(1);
    expect(badKind.json).toMatchObject({ error: 'invalid_duty_input', field: 'kind' });
    expect(badAt.code).toBe(2);
    expect(scopeless.code).toBe(1);
    expect(scopeless.json).toMatchObject({ error: 'forbidden', article: 'R16.2' });
    expect(unknownToken.code).toBe(2);
    expect(badFrom.code).toBe(2);
    expect(unknownTarget.code).toBe(1);
    expect(unknownTarget.json).toMatchObject({ error: 'duty_entry_not_found', field: 'correctsId' });

    const list = await vigil(['duty', 'log', 'list', '--from', day(-1), '--to', day(0)]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json).toMatchObject({ total: 3, entries: [{ id: firstId, correctedBy: [fixId] }, { id: fixId, correctsId: firstId }, { kind: 'observation' }] });
    const [yesterday, text] = await Promise.all([vigil(['duty', 'log', 'list', '--from', day(-2), '--to', day(-1)]), human(['duty', 'log', 'list'])]);
    expect(yesterday.json).toMatchObject({ total: 0, entries: [] });
    expect(text.stdout).toContain(`[corrected by ${fixId}]`);
    expect(text.stdout).toMatch(/observation +张三 \(保卫处\): 东门人流正常/);
  });

  it('inspection list|show: findings with deadlines, states and overdue; unknown id refused', async () => {
    const [list, show, text, unknown] = await Promise.all([
      vigil(['inspection', 'list']),
      vigil(['inspection', 'show', inspectionId]),
      human(['inspection', 'show', inspectionId]),
      vigil(['inspection', 'show', '01890000-0000-7000-8000-000000000000']),
    ]);
    expect(list.code, list.stderr).toBe(0);
    const expected = {
      id: inspectionId, inspectors: ['李警官', '王警官'], inspectorUnit: '某派出所', scope: '商场一期全部摄像机',
      findings: [
        { seq: 1, article: 'R13', deadlineDay: day(-2), state: 'open', overdue: true, rectification: null },
        { seq: 2, article: 'R8.1(3)', deadlineDay: day(10), state: 'rectified', overdue: false, rectification: '已调整角度并加装遮挡', rectifiedBy: '李警官' },
      ],
    };
    expect(list.json).toMatchObject({ total: 1, inspections: [expected] });
    expect(show.json).toMatchObject({ inspection: expected });
    expect(text.stdout).toMatch(/#1 R13 +open OVERDUE +rectify by/);
    expect(text.stdout).toContain('2 finding(s), 1 open, 1 OVERDUE');
    expect(unknown.code).toBe(1);
    expect(unknown.json).toMatchObject({ error: 'inspection_not_found' });
    const empty = await vigil(['inspection', 'list', '--to', day(-10)]);
    expect(empty.json).toMatchObject({ total: 0, inspections: [] });
  });

  it('complaint list: tracking state, never the reporter’s contact', async () => {
    const [list, text, assigned, bad] = await Promise.all([
      vigil(['complaint', 'list']),
      human(['complaint', 'list']),
      vigil(['complaint', 'list', '--status', 'assigned']),
      vigil(['complaint', 'list', '--status', 'open']),
    ]);
    expect(list.code, list.stderr).toBe(0);
    const { complaints } = list.json as { complaints: Record<string, unknown>[] };
    expect(list.json).toMatchObject({ total: 2 });
    expect(complaints.map((c) => [c.status, c.withContact, c.assignee])).toEqual([['received', false, null], ['assigned', true, '李警官']]);
    expect(complaints[1]).toMatchObject({ what: '&lt;b&gt;更衣室&lt;/b&gt;里有摄像头', where: '三楼', replyOverdue: false, replyDueDay: day(15), firstPublicReplyMs: null });
    for (const c of complaints) expect(c).not.toHaveProperty('contact');
    for (const out of [list.stdout, text.stdout, assigned.stdout]) expect(out).not.toContain('13800000000');
    expect(text.stdout).toContain('<b>更衣室</b>里有摄像头');
    expect(assigned.json).toMatchObject({ total: 1, complaints: [{ status: 'assigned' }] });
    expect(bad.code).toBe(2);
  });

  it('camera review: clears the R8.1 screening hits with a note; refused without hits or note', async () => {
    const added = await vigil(['camera', 'add', '--name', '二楼走廊', '--url', 'rtsp://127.0.0.1:9/a', '--disabled', '--area', 'corridor', '--place-category', 'crowd_venue', '--necessity', '通道安全', '--position', '卫生间门外']);
    expect(added.code, added.stderr).toBe(0);
    const id = (added.json as { id: string }).id;
    const plain = await vigil(['camera', 'add', '--name', '大厅', '--url', 'rtsp://127.0.0.1:9/b', '--disabled']);
    const [reviewed, nothing, noNote, unknown] = await Promise.all([
      vigil(['camera', 'review', id, '--note', '门外走廊，拍不到门内']),
      vigil(['camera', 'review', (plain.json as { id: string }).id, '--note', '无']),
      vigil(['camera', 'review', id]),
      vigil(['camera', 'review', '01890000-0000-7000-8000-000000000000', '--note', 'x']),
    ]);
    expect(reviewed.code, reviewed.stderr).toBe(0);
    expect(reviewed.json).toMatchObject({
      cameraId: id,
      place: { review: [{ term: '卫生间', article: 'R8.1(3)', field: 'position' }], reviewCleared: { terms: ['卫生间'], note: '门外走廊，拍不到门内', by: { username: 'cli', name: 'vigil (command line)' } } },
    });
    expect(nothing.code).toBe(1);
    expect(nothing.json).toMatchObject({ error: 'nothing_to_review' });
    expect(noNote.code).toBe(2);
    expect(unknown.code).toBe(1);
    const log = await vigil(['audit', 'system-log', '--event', 'camera.place_review_cleared']);
    expect(log.json).toMatchObject({ total: 1, items: [{ target: id, details: { terms: ['卫生间'], note: '门外走廊，拍不到门内', via: 'cli' } }] });
  });
});
