// The public report page (R24) in a real browser, without signing in: file a report, get the tracking code, look
// up its status; then the duty page signed in as an operator writes a duty-log entry (D17).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { launchBrowser, signedInContext } from './support/browser.js';
import { startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

let dataDir: string;
let vigil: ServingVigil;
let browser: Browser;
let operator: ApiSession;
let inspector: ApiSession;
let admin: ApiSession;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-duty-web-'));
  writeTestConfig(dataDir);
  const pw = await provisionAccounts(dataDir, [
    { username: 'w_op', displayName: '值班员', roles: ['operator'] },
    { username: 'w_insp', displayName: '王警官', unit: '某某派出所', roles: ['inspector'] },
    { username: 'w_admin', displayName: '系统管理员', roles: ['system_admin'], personnel: true },
  ]);
  vigil = await startServe(dataDir);
  operator = await ApiSession.login(vigil.url, 'w_op', pw.get('w_op')!);
  inspector = await ApiSession.login(vigil.url, 'w_insp', pw.get('w_insp')!);
  admin = await ApiSession.login(vigil.url, 'w_admin', pw.get('w_admin')!);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await vigil?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('console pages', () => {
  it('the public report page files a report and looks it up without an account', async () => {
    const page = await browser.newPage();
    await page.goto(`${vigil.url}/report.html`);
    expect(await page.locator('h1').innerText()).toContain('举报');
    await page.fill('#what', '<b>试衣间</b>里有摄像头');
    await page.fill('#where', '某某商场 3F');
    await page.fill('#when', '今天下午');
    await page.click('#report-form button[type=submit]');
    await page.waitForSelector('#receipt:not([hidden])');
    const receipt = await page.locator('#receipt').innerText();
    const code = /JB(-[A-Z2-9]{4}){6}/.exec(receipt)?.[0];
    expect(code).toBeTruthy();
    await page.click('#status-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('Received'));
    expect(await page.locator('#status').innerText()).toContain('已收到');
    await page.close();
  });

  it('the duty page lets a signed-in operator write the duty log', async () => {
    const context = await signedInContext(browser, operator);
    const page = await context.newPage();
    await page.goto(`${vigil.url}/duties.html`);
    await page.waitForFunction(() => document.querySelector('#who')?.textContent !== '');
    await page.fill('#log-text', '夜班开始，设备正常');
    await page.click('#log-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#log')?.textContent?.includes('夜班开始'));
    expect(await page.locator('#error').isHidden()).toBe(true);
    await context.close();
  });

  it('an inspector records an inspection and reads the reports, seeing reporters\' markup as plain text', async () => {
    const context = await signedInContext(browser, inspector);
    const page = await context.newPage();
    await page.goto(`${vigil.url}/inspections.html`);
    await page.waitForSelector('#record:not([hidden])');
    await page.fill('#i-inspectors', '王警官，赵警官');
    await page.fill('#i-scope', '监控室');
    await page.fill('#i-findings', 'R13|停车场入口缺少提示标识|2099-01-01');
    await page.click('#inspection-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#list')?.textContent?.includes('停车场入口缺少提示标识'));
    expect(await page.locator('#list').innerText()).toContain('王警官、赵警官');

    await page.goto(`${vigil.url}/complaints.html`);
    await page.waitForFunction(() => (document.querySelector('#list')?.children.length ?? 0) > 0);
    expect(await page.locator('#list').innerText()).toContain('<b>试衣间</b>里有摄像头');
    expect(await page.locator('#list b').count()).toBe(0);
    expect(await page.locator('#error').isHidden()).toBe(true);
    await context.close();
  });

  it('the unit issues a self-assessment report (D17); an inspector lists and opens it but cannot issue', async () => {
    const asAdmin = await signedInContext(browser, admin);
    const page = await asAdmin.newPage();
    await page.goto(`${vigil.url}/duties.html`);
    await page.waitForSelector('#assessment-issue:not([hidden])');
    await page.click('#assessment-issue');
    await page.waitForSelector('#assessment-issued:not([hidden])');
    const id = /Issued: ([0-9a-f-]{36})/.exec(await page.locator('#assessment-issued').innerText())?.[1];
    expect(id).toBeTruthy();
    await page.waitForFunction(() => (document.querySelector('#assessments')?.children.length ?? 0) === 1);
    expect(await page.locator('#assessments td').nth(2).innerText()).toBe('系统管理员');
    await asAdmin.close();

    const asInspector = await signedInContext(browser, inspector);
    const police = await asInspector.newPage();
    await police.goto(`${vigil.url}/duties.html`);
    await police.waitForFunction(() => (document.querySelector('#assessments')?.children.length ?? 0) === 1);
    expect(await police.locator('#assessment-issue').isHidden()).toBe(true);
    const href = await police.locator('#assessments a').getAttribute('href');
    expect(href).toBe(`/api/v1/compliance/self-assessments/${id}?format=html`);
    const report = await inspector.fetch(href!);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('自查');
    await asInspector.close();
  });
});
