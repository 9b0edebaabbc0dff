// `vigil duty due` and `vigil report self-assessment` as a user runs them (a real process over a data directory).
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
