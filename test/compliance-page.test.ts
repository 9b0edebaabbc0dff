// The compliance page (web/compliance.html) in a real browser against the real server: the findings table shows the
// checker's report Chinese first with its article; the systems table moves a system through its lifecycle, and a
// refused move shows the server's reason with the article (R11); the filing preview shows the generated record.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { launchBrowser, signedInContext } from './support/browser.js';
import { startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

describe('compliance page in Chromium', () => {
  let vigil: ServingVigil;
  let browser: Browser;
  let page: Page;
  let admin: ApiSession;
  let dataDir: string;
  let systemId: string;
  let passwords: Map<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-compliance-page-'));
    writeTestConfig(dataDir);
    passwords = await provisionAccounts(dataDir, [
      { username: 'admin1', displayName: '测试系统管理员', roles: ['system_admin'], personnel: true },
      { username: 'inspector1', displayName: '测试民警', roles: ['inspector'] },
    ]);
    vigil = await startServe(dataDir);
    admin = await ApiSession.login(vigil.url, 'admin1', passwords.get('admin1')!);
    const json = async (method: string, path: string, body: unknown) => {
      const res = await admin.fetch(path, { method, json: body });
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
      return (await res.json()) as { id: string };
    };
    await json('PUT', '/api/v1/unit', {
      name: '示例商场管理有限公司', unitType: '企业', unifiedSocialCreditCode: '914403001922038216',
      contactPerson: '张三', contactPhone: '0755-88888888', address: '深圳市龙岗区示例路1号',
    });
    const lone = await json('POST', '/api/v1/cameras', { name: '孤立摄像机', url: 'rtsp://127.0.0.1:9/none', enabled: false, areaType: 'car_park', placeCategory: 'crowd_venue', necessity: '停车场安全' });
    // Its sign (R13) and the regular R8.2 check are in place: the one finding left is the camera outside any system.
    await json('POST', `/api/v1/cameras/${lone.id}/signage`, { text: '视频监控区域', installedMs: Date.now() - 86_400_000 });
    const check = await json('POST', '/api/v1/compliance/tasks', { kind: 'r8_area_check', title: 'R8 区域定期检查', recurrenceDays: 30 });
    await json('POST', `/api/v1/duty/tasks/${check.id}/completions`, { result: 'ok', findings: '未发现', forbiddenCameraFound: false });
    systemId = (await json('POST', '/api/v1/systems', { name: '商场一期', location: '深圳市龙岗区示例路1号 一层' })).id;
    browser = await launchBrowser();
    page = await (await signedInContext(browser, admin)).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the findings with article, Chinese first, and no unchecked rules', async () => {
    await page.goto(`${vigil.url}/compliance.html`);
    const row = page.locator('#findings tbody tr').first();
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('重要 Major');
    expect(cells[1]).toBe('R11');
    expect(cells[2]).toMatch(/^摄像机不属于任何已登记的公共安全视频系统.* \/ Camera belongs to no registered system/);
    expect(await page.locator('#findings-summary').textContent()).toContain('共 1 项问题');
    // Every source keeps its data (installation records, signage, duties, retention): nothing is left unchecked.
    expect(await page.locator('#unchecked li').allTextContents()).toEqual([]);
  });

  it('moves a system through its lifecycle; a refused move shows the reason and the article', async () => {
    const systemRow = page.locator('#systems tbody tr', { hasText: '商场一期' });
    await expect(systemRow.locator('td').nth(2).textContent()).resolves.toContain('设计 Designed');
    await systemRow.locator('select').selectOption('built');
    await systemRow.locator('button').click();
    const error = page.locator('#error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/design.*system_document_missing.*HTTP 409.*R11/);
    for (const kind of ['design', 'construction_contract']) {
      const res = await admin.fetch(`/api/v1/systems/${systemId}/documents`, { method: 'POST', json: { kind, title: kind, date: '2026-11-01' } });
      expect(res.status).toBe(201);
    }
    await page.locator('#systems tbody tr', { hasText: '商场一期' }).locator('select').selectOption('built');
    await page.locator('#systems tbody tr', { hasText: '商场一期' }).locator('button').click();
    // The state cell (not the move menu, which also names 施工完成 while the system is designed).
    await page.waitForFunction(() => document.querySelector('#systems tbody tr td:nth-child(3)')?.textContent?.startsWith('施工完成 Built'));
    expect(await page.locator('#systems tbody tr', { hasText: '商场一期' }).locator('td').nth(4).textContent()).toBe('design, construction_contract');
  });

  it('previews the filing record generated from live data', async () => {
    const preview = page.locator('#filing-preview');
    await preview.locator('table').first().waitFor();
    const text = await preview.textContent();
    expect(text).toContain('示例商场管理有限公司');
    expect(text).toContain('914403001922038216');
    expect(text).toContain('深圳市龙岗区示例路1号 一层');
    expect(await page.locator('a[href="/api/v1/filing?format=pdf"]').count()).toBe(1);
  });

  it('gives an inspector the report and a link to each system, with no lifecycle control (R24: reads, does not run)', async () => {
    const inspector = await ApiSession.login(vigil.url, 'inspector1', passwords.get('inspector1')!);
    const context = await signedInContext(browser, inspector);
    const police = await context.newPage();
    try {
      await police.goto(`${vigil.url}/compliance.html`);
      const row = police.locator('#systems tbody tr', { hasText: '商场一期' });
      await row.waitFor();
      await police.locator('#findings tbody tr').first().waitFor();
      expect(await row.locator('a').getAttribute('href')).toBe(`systems.html?system=${systemId}`);
      expect(await row.locator('select, button').count()).toBe(0);
      expect(await police.locator('#findings-summary').textContent()).toContain('共 1 项问题');
    } finally {
      await context.close();
    }
  });
});
