// `vigil filing submit|receipt|status|list` (R14) as a user runs them (a real process over a data directory): a system
// built through the CLI from nothing to in_use is due for filing, is filed, gets its police receipt, and goes stale
// when a filed fact changes. Exit codes: 0 ok, 1 refused (with the article where the law refuses), 2 usage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVigil, writeTestConfig } from './support/vigil-process.js';

let dir: string;
const vigil = (...args: string[]) => runVigil([...args, '--json', '--data-dir', dir]);
const human = (...args: string[]) => runVigil([...args, '--data-dir', dir]);
const cstDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const UNKNOWN = '01890000-0000-7000-8000-000000000000';

async function ok(...args: string[]): Promise<Record<string, unknown>> {
  const r = await vigil(...args);
  expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return r.json as Record<string, unknown>;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-filing-cli-'));
  writeTestConfig(dir);
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('vigil filing submit / receipt / status / list', () => {
  let systemId: string;
  let submissionId: string;

  it('a system taken to in_use through the CLI is due for filing; submitting needs the unit profile (R14)', async () => {
    const camera = (await ok('camera', 'add', '--name', '东门', '--url', 'rtsp://127.0.0.1:9/east', '--disabled', '--area', 'square', '--place-category', 'crowd_venue', '--necessity', '出入口安全')).id as string;
    systemId = (await ok('system', 'add', '--name', '商场一期', '--location', '杭州市西湖区示例路1号')).id as string;
    for (const [kind, title] of [['design', '设计方案'], ['construction_contract', '施工合同'], ['inspection_report', '检验报告'], ['acceptance_report', '验收报告']]) {
      await ok('system', 'doc', systemId, '--kind', kind!, '--title', title!, '--date', '2026-11-01');
    }
    await ok('system', 'cameras', 'set', systemId, `${camera}:dome`);
    for (const to of ['built', 'inspected', 'accepted']) await ok('system', 'transition', systemId, to);
    expect(await ok('filing', 'status', systemId)).toMatchObject({ filing: { systemId, status: { status: 'not_due' }, filedMs: null, latest: null } });
    const inUse = await ok('system', 'transition', systemId, 'in_use');
    expect(inUse).toMatchObject({ system: { lifecycle: 'in_use', inUseSinceMs: expect.any(Number) } });

    const due = await ok('filing', 'status', systemId);
    expect(due).toMatchObject({ filing: { status: { status: 'due', basis: 'initial' }, filedMs: null, changedFacts: [] } });
    const lastDay = (due.filing as { status: { lastDay: string } }).status.lastDay;
    // R14: 30 days from going into use, counted in CST days (docs/compliance.md §5).
    expect(lastDay).toBe(cstDay((inUse.system as { inUseSinceMs: number }).inUseSinceMs + 30 * 86_400_000));
    expect((await human('filing', 'status', systemId)).stdout).toContain(`due (initial, last day ${lastDay})`);

    const noUnit = await vigil('filing', 'submit', systemId);
    expect(noUnit.code).toBe(1);
    expect(noUnit.json).toMatchObject({ error: 'unit_profile_missing', article: 'R14' });
    await ok('unit', 'set', '--name', '示例商场', '--type', '企业', '--credit-code', '91330100799655058B', '--contact', '张三', '--phone', '0571-88888888', '--address', '杭州');
  });

  it('submit keeps the record filed; receipt is recorded once; status says filed; list shows it', async () => {
    const submitted = await ok('filing', 'submit', systemId);
    const submission = submitted.submission as { id: string };
    submissionId = submission.id;
    expect(submitted).toMatchObject({
      submission: {
        systemId, submittedBy: 'cli', receipt: null,
        record: { unit: { name: '示例商场', unifiedSocialCreditCode: '91330100799655058B' }, system: { id: systemId, location: '杭州市西湖区示例路1号', lifecycle: 'in_use' } },
      },
    });

    const [unknownSystem, unknownSubmission, badDate, noNumber] = await Promise.all([
      vigil('filing', 'submit', UNKNOWN),
      vigil('filing', 'receipt', UNKNOWN, '--number', '备2026-1', '--organ', '西湖分局', '--date', '2026-12-01'),
      vigil('filing', 'receipt', submissionId, '--number', '备2026-1', '--organ', '西湖分局', '--date', '2026-13-01'),
      vigil('filing', 'receipt', submissionId, '--organ', '西湖分局', '--date', '2026-12-01'),
    ]);
    expect(unknownSystem.code).toBe(1);
    expect(unknownSystem.json).toMatchObject({ error: 'system_not_found' });
    expect(unknownSubmission.code).toBe(1);
    expect(unknownSubmission.json).toMatchObject({ error: 'filing_submission_not_found' });
    expect(badDate.code).toBe(1);
    expect(badDate.json).toMatchObject({ error: 'invalid_filing', field: 'date' });
    expect(noNumber.code).toBe(2);

    const receipt = await ok('filing', 'receipt', submissionId, '--number', '杭公西备〔2026〕88号', '--organ', '杭州市公安局西湖区分局', '--date', '2026-12-01');
    expect(receipt).toMatchObject({ submission: { id: submissionId, receipt: { number: '杭公西备〔2026〕88号', organ: '杭州市公安局西湖区分局', date: '2026-12-01' } } });
    const again = await vigil('filing', 'receipt', submissionId, '--number', '另一个', '--organ', '西湖分局', '--date', '2026-12-02');
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({ error: 'filing_receipt_exists' });

    const [status, list, listOther, text, unknownStatus] = await Promise.all([
      vigil('filing', 'status', systemId),
      vigil('filing', 'list'),
      vigil('filing', 'list', '--system', UNKNOWN),
      human('filing', 'list'),
      vigil('filing', 'status', UNKNOWN),
    ]);
    expect(status.json).toMatchObject({ filing: { status: { status: 'filed' }, changedFacts: [], latest: { id: submissionId, receipt: { number: '杭公西备〔2026〕88号' } } } });
    expect(list.json).toMatchObject({ submissions: [{ id: submissionId, systemId, receipt: { date: '2026-12-01' } }] });
    expect((list.json as { submissions: unknown[] }).submissions).toHaveLength(1);
    expect(listOther.json).toMatchObject({ submissions: [] });
    expect(text.stdout).toContain(`${submissionId}  ${systemId}`);
    expect(text.stdout).toContain('receipt 杭公西备〔2026〕88号');
    expect(unknownStatus.code).toBe(1);
    expect(unknownStatus.json).toMatchObject({ error: 'system_not_found' });
  });

  it('a change to a filed fact makes the filing stale, with a change deadline; a new submission files it again', async () => {
    await ok('system', 'update', systemId, '--location', '杭州市西湖区示例路2号');
    const stale = await ok('filing', 'status', systemId);
    expect(stale).toMatchObject({ filing: { status: { status: 'stale', basis: 'change' }, changedFacts: expect.arrayContaining([expect.stringMatching(/location/i)]) } });
    expect((stale.filing as { lastChangeMs: number | null }).lastChangeMs).toEqual(expect.any(Number));
    const second = await ok('filing', 'submit', systemId);
    expect(second).toMatchObject({ submission: { record: { system: { location: '杭州市西湖区示例路2号' } }, receipt: null } });
    expect(await ok('filing', 'status', systemId)).toMatchObject({ filing: { status: { status: 'filed' }, changedFacts: [] } });
    const list = await ok('filing', 'list', '--system', systemId);
    expect((list.submissions as { id: string }[]).map((s) => s.id)).toEqual([(second.submission as { id: string }).id, submissionId]);
  });
});
