// The access register page (web/register.html, R16.3) in real Chromium against a real `vigil serve`: register rows
// are made for real — an operator asks for playback with a reason (granted, then closed: no footage), an untrained
// operator is refused (R16.1) — then a police inspector reads them with the viewer's unit and name and the reason,
// pages, filters by person, exports CSV and JSON holding the same rows, verifies the chain and reads the system log;
// an operator without audit.read is told so and sees no data. Markup typed into a reason stays text.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { launchBrowser, signedInContext } from './support/browser.js';
import { runVigil, startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const REASON_TEXT = '调查三号门失窃 <i>theft</i> at gate 3';
const REFUSALS = 55; // with the one granted row: more than one page of 50

describe('access register page in Chromium', () => {
  let dataDir: string;
  let vigil: ServingVigil;
  let browser: Browser;
  let camera: string;
  let inspector: ApiSession;
  let operator: ApiSession;
  let context: BrowserContext;
  let page: Page;

  const rows = (p: Page) => p.locator('#access-table tbody tr[data-id]');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-register-page-'));
    writeTestConfig(dataDir);
    const added = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', '东门 East Gate', '--url', 'rtsp://127.0.0.1:9/none']);
    expect(added.code, added.stderr).toBe(0);
    camera = (added.json as { id: string }).id;
    const pw = await provisionAccounts(dataDir, [
      { username: 'op_a', displayName: '值班员甲', unit: '保安部 Security Dept', roles: ['operator'], grantAll: ['playback'] },
      { username: 'op_b', displayName: '值班员乙', unit: '物业公司 Property Co', roles: ['operator'], personnel: false, grantAll: ['playback'] },
      { username: 'insp', displayName: '王警官', unit: '某某派出所', roles: ['inspector'] },
    ]);
    vigil = await startServe(dataDir);
    operator = await ApiSession.login(vigil.url, 'op_a', pw.get('op_a')!);
    const untrained = await ApiSession.login(vigil.url, 'op_b', pw.get('op_b')!);
    inspector = await ApiSession.login(vigil.url, 'insp', pw.get('insp')!);

    // Through the gate for real: granted (the register row is written, then closed — there is no footage yet) …
    const range = `from=${Date.now() - 120_000}&to=${Date.now() - 60_000}`;
    const granted = await operator.fetch(`/api/v1/cameras/${camera}/playback.m3u8?${range}&reason=incident_investigation&reasonText=${encodeURIComponent(REASON_TEXT)}`);
    expect(granted.status, await granted.clone().text()).toBe(404);
    // … and refused: op_b has no vetting record (R16.1). Each refusal is a row too.
    for (let i = 0; i < REFUSALS; i++) {
      const refused = await untrained.fetch(`/api/v1/cameras/${camera}/playback.m3u8?${range}&reason=security_patrol&reasonText=${encodeURIComponent(`巡查 patrol ${i}`)}`);
      expect(refused.status).toBe(403);
    }
    browser = await launchBrowser();
    context = await signedInContext(browser, inspector);
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows an inspector the register, newest first and paged, with the viewer\'s unit and name and the reason', async () => {
    await page.goto(`${vigil.url}/register.html`);
    await page.waitForFunction(() => document.querySelector('#a-count')?.textContent?.includes('共'));
    expect(await page.locator('#a-count').textContent()).toBe('第 1–50 条，共 56 条 Entries 1–50 of 56');
    expect(await rows(page).count()).toBe(50);
    expect(await page.locator('#a-prev').isDisabled()).toBe(true);
    expect(await page.locator('#denied').isHidden()).toBe(true);

    const refused = rows(page).first();
    const refusedCells = await refused.locator('td').allTextContents();
    expect(refusedCells[2]).toContain('值班员乙');
    expect(refusedCells[2]).toContain('物业公司 Property Co');
    expect(refusedCells[3]).toBe('东门 East Gate');
    expect(refusedCells[4]).toBe('回放 Playback');
    expect(refusedCells[6]).toContain('安全巡查 Security patrol');
    expect(refusedCells[7]).toContain('拒绝 Refused');
    expect(refusedCells[7]).toContain('vetting_missing · 依据 Article R16.1');

    await page.click('#a-next');
    await page.waitForFunction(() => document.querySelector('#a-count')?.textContent?.startsWith('第 51–56'));
    expect(await rows(page).count()).toBe(6);
    expect(await page.locator('#a-next').isDisabled()).toBe(true);
    const granted = rows(page).last();
    const cells = await granted.locator('td').allTextContents();
    expect(cells[2]).toContain('值班员甲');
    expect(cells[2]).toContain('保安部 Security Dept');
    expect(cells[2]).toContain('op_a');
    expect(cells[5]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n?– \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(cells[6]).toBe(`事件调查 Incident investigation${REASON_TEXT}`);
    expect(cells[7]).toBe('准许 Granted');
    expect(cells[8]).toBe('0 B'); // closed at once: no footage in the range
    expect(cells[9]).not.toBe('进行中 Open');
    // The reason's markup is text, never elements.
    expect(await page.locator('#access-table i').count()).toBe(0);
  });

  it('filters by person; the CSV and JSON export links carry the filter and return the same rows', async () => {
    await page.fill('#a-username', 'op_a');
    await page.click('#access-filter button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#a-count')?.textContent?.endsWith('of 1'));
    expect(await rows(page).count()).toBe(1);
    const id = await rows(page).first().getAttribute('data-id');

    const csvHref = await page.locator('#a-export-csv').getAttribute('href');
    expect(csvHref).toBe('/api/v1/audit/access/export?username=op_a&format=csv');
    const csv = await inspector.fetch(csvHref!);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM, so Excel reads the Chinese text
    const lines = bytes.subarray(3).toString('utf8').trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(',').slice(0, 4)).toEqual(['id', 'at', 'atMs', 'outcome']);
    expect(lines[1]!.startsWith(`${id},`)).toBe(true);
    expect(lines[1]).toContain(REASON_TEXT);
    expect(lines[1]).toContain('保安部 Security Dept');

    const jsonHref = await page.locator('#a-export-json').getAttribute('href');
    const json = (await (await inspector.fetch(jsonHref!)).json()) as { id: number; username: string }[];
    expect(json.map((e) => [String(e.id), e.username])).toEqual([[id, 'op_a']]);

    // Refused rows of the other viewer, by outcome; clearing the form brings every row back.
    await page.selectOption('#a-outcome', 'refused');
    await page.fill('#a-username', 'op_b');
    await page.click('#access-filter button[type=submit]');
    await page.waitForFunction((n) => document.querySelector('#a-count')?.textContent?.endsWith(`of ${n}`), REFUSALS);
    expect(await page.locator('#a-export-csv').getAttribute('href')).toBe('/api/v1/audit/access/export?username=op_b&outcome=refused&format=csv');
    await page.click('#a-clear');
    await page.waitForFunction(() => document.querySelector('#a-count')?.textContent?.endsWith('of 56'));
  });

  it('verifies the chain and shows ok; reads the system log in its tab', async () => {
    await page.click('#verify-run');
    await page.waitForSelector('#verify-result[data-ok]');
    expect(await page.locator('#verify-result').getAttribute('data-ok')).toBe('true');
    expect(await page.locator('#verify-result').textContent()).toContain('校验通过 OK');
    expect(await page.locator('#verify-problems li').count()).toBe(0);

    await page.click('#tab-system');
    expect(await page.locator('#access').isHidden()).toBe(true);
    await page.fill('#s-event', 'login.succeeded');
    await page.click('#system-filter button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#system-table tbody tr[data-id]') !== null
      && Array.from(document.querySelectorAll('#system-table tbody tr[data-id] td:nth-child(4)')).every((td) => td.textContent === 'login.succeeded'));
    expect(await page.locator('#system-table tbody').textContent()).toContain('王警官');
    expect(await page.locator('#s-export-csv').getAttribute('href')).toBe('/api/v1/audit/system/export?event=login.succeeded&format=csv');
    expect(await page.locator('#error').isHidden()).toBe(true);
  });

  it('tells an operator (no audit.read) that the register is not theirs to read, and shows no data', async () => {
    const ctx = await signedInContext(browser, operator);
    try {
      const p = await ctx.newPage();
      await p.goto(`${vigil.url}/register.html`);
      await p.waitForSelector('#denied:not([hidden])');
      expect(await p.locator('#denied').textContent()).toContain('needs audit.read');
      expect(await p.locator('#access').isHidden()).toBe(true);
      expect(await p.locator('#system').isHidden()).toBe(true);
      expect(await p.locator('#tabs').isHidden()).toBe(true);
      expect(await p.locator('table tbody tr').count()).toBe(0);
      expect((await operator.fetch('/api/v1/audit/access')).status).toBe(403);
    } finally {
      await ctx.close();
    }
  });
});
