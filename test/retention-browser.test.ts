// The retention page (web/retention.html) in real Chromium against a real `vigil serve` (R17): a system administrator
// sees the 30-day default and the capacity line, is refused a 20-day policy with the article shown, sets a lawful one;
// the holds section says "no permission" to them; a security administrator places a hold and requests its lift in
// the page, and a second one approves it there (four eyes) — the requester's own approval is refused on the page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { launchBrowser, signedInContext } from './support/browser.js';
import { runVigil, startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

describe('retention page in Chromium', () => {
  let vigil: ServingVigil;
  let browser: Browser;
  let dataDir: string;
  let camera: string;
  const sessions = new Map<string, ApiSession>();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-retention-web-'));
    writeTestConfig(dataDir);
    const r = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', '金库 Vault', '--url', 'rtsp://127.0.0.1:9/none']);
    expect(r.code, r.stderr).toBe(0);
    camera = (r.json as { id: string }).id;
    const pw = await provisionAccounts(dataDir, [
      { username: 'sys1', roles: ['system_admin'] }, { username: 'sec_a', roles: ['security_admin'] }, { username: 'sec_b', roles: ['security_admin'] },
    ]);
    vigil = await startServe(dataDir);
    // Administrators sign in with TOTP; the API session settles that, the browser then uses its cookie.
    for (const u of ['sys1', 'sec_a', 'sec_b']) sessions.set(u, await ApiSession.login(vigil.url, u, pw.get(u)!));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function pageAs(username: string): Promise<Page> {
    const context = await signedInContext(browser, sessions.get(username)!, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept('案件已结 case closed'));
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    await page.goto(`${vigil.url}/retention.html`);
    return page;
  }

  it('policies and capacity for the system administrator; a policy below 30 days is refused with R17', async () => {
    const page = await pageAs('sys1');
    await page.waitForFunction(() => document.getElementById('policies')!.textContent!.includes('Default'));
    expect(await page.textContent('#policies')).toContain('默认 Default');
    expect(await page.textContent('#cameras')).toContain(camera);
    await page.waitForFunction(() => document.getElementById('capacity')!.textContent!.includes('Headroom'));
    expect(await page.textContent('#holds')).toContain('No permission');
    await page.selectOption('#policy-scope', 'camera');
    await page.fill('#policy-scope-id', camera);
    await page.fill('#policy-days', '20');
    await page.click('#policy-form button[type="submit"]');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/retention_below_floor.*R17/);
    await page.fill('#policy-days', '45');
    await page.click('#policy-form button[type="submit"]');
    await page.waitForFunction((id) => document.getElementById('policies')!.textContent!.includes(id), camera);
    await page.close();
  });

  it('four eyes in the page: sec_a places a hold and requests the lift, cannot approve it; sec_b approves', async () => {
    const a = await pageAs('sec_a');
    await a.waitForFunction(() => document.getElementById('policies')!.textContent!.includes('No permission'));
    await a.fill('#hold-cameras', camera);
    await a.fill('#hold-from', '2026-11-01T08:00:00');
    await a.fill('#hold-to', '2026-11-02T08:00:00');
    await a.fill('#hold-reason', '案件 2026-117');
    await a.fill('#hold-basis', '刑事诉讼法');
    await a.fill('#hold-requester', '某派出所');
    await a.click('#hold-form button[type="submit"]');
    await a.waitForFunction(() => document.getElementById('holds')!.textContent!.includes('某派出所') || !document.getElementById('error')!.hidden);
    expect(await a.isHidden('#error'), (await a.textContent('#error')) ?? '').toBe(true);
    await a.click('text=申请解除 Request lift');
    await a.waitForFunction(() => document.getElementById('holds')!.textContent!.includes('Lift requested'));
    await a.click('text=批准解除 Approve lift');
    await a.waitForSelector('#error:not([hidden])');
    expect(await a.textContent('#error')).toMatch(/hold_lift_same_account.*R17/);

    const b = await pageAs('sec_b');
    await b.waitForFunction(() => document.getElementById('holds')!.textContent!.includes('Lift requested'));
    await b.click('text=批准解除 Approve lift');
    await b.waitForFunction(() => document.getElementById('holds')!.textContent!.includes('已解除 Lifted'));
    expect(await b.textContent('#policies')).toContain('No permission');
    await a.close();
    await b.close();
  });
});
