// The CLI contracts of systems, the unit profile and the checker (architecture §8): JSON output, exit codes 0 ok,
// 1 error (with the article where the law refuses), 2 usage, 3 a check found problems.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVigil } from './support/vigil-process.js';

let dir: string;
const vigil = (...args: string[]) => runVigil([...args, '--json', '--data-dir', dir]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-systems-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil system, unit and check --compliance', () => {
  it('an empty installation is compliant: exit 0 and {"findings":[]}', async () => {
    const r = await vigil('check', '--compliance');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ findings: [] });
  });

  it('refuses a lifecycle step without its document (exit 1, article), then takes it with the document', async () => {
    const added = await vigil('system', 'add', '--name', '一期', '--location', '示例路1号');
    expect(added.code, added.stderr).toBe(0);
    const id = (added.json as { id: string }).id;
    const refused = await vigil('system', 'transition', id, 'built');
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ error: 'system_document_missing', article: 'R11' });
    const file = join(dir, '设计.txt');
    writeFileSync(file, '设计方案 design');
    const docAdded = await vigil('system', 'doc', id, '--kind', 'design', '--title', '设计方案', '--date', '2026-11-01', '--party', '某设计院:设计单位', '--file', file);
    expect(docAdded.code, docAdded.stderr).toBe(0);
    expect((docAdded.json as { document: { file: { sha256: string } } }).document.file.sha256)
      .toBe(createHash('sha256').update('设计方案 design').digest('hex'));
    await vigil('system', 'doc', id, '--kind', 'construction_contract', '--title', '施工合同', '--date', '2026-11-02');
    const built = await vigil('system', 'transition', id, 'built', '--note', '竣工');
    expect(built.code, built.stderr).toBe(0);
    expect(built.json).toMatchObject({ system: { lifecycle: 'built', transitions: [{ from: 'designed', to: 'built', actor: 'cli', note: '竣工' }] } });
    expect((await vigil('system', 'cameras', 'set', id, 'not-a-pair')).code).toBe(2);
  });

  it('declares the day a system already in use went into use; R14 then counts from it (2025-06-30 for older systems)', async () => {
    const id = ((await vigil('system', 'add', '--name', '老系统', '--location', '示例路9号')).json as { id: string }).id;
    for (const [kind, to] of [['design', null], ['construction_contract', 'built'], ['inspection_report', 'inspected'], ['acceptance_report', 'accepted']] as const) {
      expect((await vigil('system', 'doc', id, '--kind', kind, '--title', kind, '--date', '2024-05-01')).code).toBe(0);
      if (to) expect((await vigil('system', 'transition', id, to)).code).toBe(0);
    }
    const noEvidence = await vigil('system', 'transition', id, 'in_use', '--in-use-since', '2024-06-01');
    expect(noEvidence.code).toBe(1);
    expect(noEvidence.json).toMatchObject({ error: 'invalid_system', article: 'R14', field: 'note' });
    const future = await vigil('system', 'transition', id, 'in_use', '--in-use-since', '2999-01-01', '--note', '未来');
    expect(future.code).toBe(1);
    expect(future.json).toMatchObject({ error: 'invalid_system', article: 'R14', field: 'inUseSince' });
    const inUse = await vigil('system', 'transition', id, 'in_use', '--in-use-since', '2024-06-01', '--note', '2024 年验收报告及运行日志');
    expect(inUse.code, inUse.stderr).toBe(0);
    expect(inUse.json).toMatchObject({ system: { lifecycle: 'in_use', inUseSinceMs: Date.parse('2024-06-01T00:00+08:00') } });
    const status = await vigil('filing', 'status', id);
    expect(status.json).toMatchObject({ filing: { status: { status: 'overdue', basis: 'transitional', lastDay: '2025-06-30' } } });
  });

  it('checks the unified social credit code (exit 1, R14) and keeps a valid profile', async () => {
    const common = ['--name', '示例商场', '--type', '企业', '--contact', '张三', '--phone', '0571-88888888', '--address', '杭州'];
    const bad = await vigil('unit', 'set', ...common, '--credit-code', '91330100799655058C');
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ error: 'credit_code_invalid', article: 'R14', field: 'unifiedSocialCreditCode' });
    const good = await vigil('unit', 'set', ...common, '--credit-code', '91330100799655058B');
    expect(good.code, good.stderr).toBe(0);
    expect(good.json).toMatchObject({ unit: { unifiedSocialCreditCode: '91330100799655058B' } });
  });
});
