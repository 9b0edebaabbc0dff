// The unit and systems page (web/systems.html) in a real browser against a real `vigil serve`, from an empty
// installation: a system admin fills the unit profile (a wrong credit code is refused with its article, R14, and
// nothing is kept), creates and edits a system, assigns a camera with its device type, uploads the archive documents
// each lifecycle move needs through the file input and takes the system designed → built → inspected → accepted →
// in_use (a move without its document is refused with its article, R11), then records the filing submission and the
// police receipt (R14). Every step is checked through the API. An inspector (compliance.read) sees it all read-only.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { launchBrowser, signIn } from './support/browser.js';
import { startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

interface SystemView {
  id: string;
  name: string;
  location: string;
  lifecycle: string;
  inUseSinceMs: number | null;
  cameras: { cameraId: string; deviceType: string }[];
  transitions: { to: string; note: string }[];
  documents: { id: string; kind: string; title: string; parties: { name: string; role: string }[]; file: { name: string; sha256: string; sizeBytes: number } | null }[];
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('unit and systems page in Chromium', () => {
  let vigil: ServingVigil;
  let browser: Browser;
  let page: Page;
  let admin: ApiSession;
  let inspector: ApiSession;
  let dataDir: string;
  let cameraId: string;
  let systemId: string;
  const files = new Map<string, Buffer>();

  const get = async <T>(path: string): Promise<T> => {
    const res = await admin.fetch(path);
    expect(res.status, `GET ${path}: ${await res.clone().text()}`).toBe(200);
    return (await res.json()) as T;
  };
  const system = () => get<SystemView>(`/api/v1/systems/${systemId}`);

  async function signedInPage(context: BrowserContext, session: ApiSession): Promise<Page> {
    await signIn(context, session);
    return context.newPage();
  }

  /** Uploads a generated file as a document of `kind` through the page's form. */
  async function upload(kind: string): Promise<void> {
    const bytes = Buffer.from(`%PDF-1.4\n% ${kind} 文件 ${Math.random()}\n`);
    files.set(kind, bytes);
    const before = (await system()).documents.length;
    await page.selectOption('#doc-kind', kind);
    await page.fill('#doc-title', `${kind} 资料`);
    await page.fill('#doc-date', '2026-11-20');
    await page.fill('#doc-parties', '深圳某某安防工程有限公司，施工单位\n李四, 项目经理');
    await page.setInputFiles('#doc-file', { name: `${kind}.pdf`, mimeType: 'application/pdf', buffer: bytes });
    await page.click('#doc-form button[type=submit]');
    await page.locator(`#documents tbody tr[data-kind="${kind}"]`).waitFor();
    await settled();
    expect((await system()).documents.length).toBe(before + 1);
  }

  async function move(to: string): Promise<void> {
    await page.click(`#next-steps tr[data-to="${to}"] button.move`);
  }

  /** Waits for the page to finish a change and its redraw (the page marks body[data-busy] meanwhile). */
  const settled = () => page.waitForSelector('body:not([data-busy])', { state: 'attached' });

  async function expectState(lifecycle: string, label: string): Promise<void> {
    await page.waitForFunction((text) => document.querySelector('#lifecycle-state')?.textContent?.startsWith(text), label);
    await settled();
    expect((await system()).lifecycle).toBe(lifecycle);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-systems-page-'));
    writeTestConfig(dataDir);
    const passwords = await provisionAccounts(dataDir, [
      { username: 'admin1', displayName: '测试系统管理员', roles: ['system_admin'], personnel: true },
      { username: 'police1', displayName: '测试检查员', roles: ['inspector'] },
    ]);
    vigil = await startServe(dataDir);
    [admin, inspector] = await Promise.all([
      ApiSession.login(vigil.url, 'admin1', passwords.get('admin1')!),
      ApiSession.login(vigil.url, 'police1', passwords.get('police1')!),
    ]);
    const res = await admin.fetch('/api/v1/cameras', {
      method: 'POST',
      json: { name: '一层入口', url: 'rtsp://127.0.0.1:9/none', enabled: false, areaType: 'car_park', placeCategory: 'crowd_venue', necessity: '停车场安全' },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    cameraId = ((await res.json()) as { id: string }).id;
    browser = await launchBrowser();
    page = await signedInPage(await browser.newContext(), admin);
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('fills the unit profile: a wrong credit code is refused with its article and nothing is kept', async () => {
    await page.goto(`${vigil.url}/compliance.html`);
    await page.click('#systems-page');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#unit-saved').textContent()).toContain('尚未填写');
    expect(await page.locator('#readonly').isHidden()).toBe(true);
    await page.fill('#unit-name', '示例商场管理有限公司');
    await page.fill('#unit-type', '企业');
    await page.fill('#unit-code', '914403001922038217'); // the check character of …8216 changed
    await page.fill('#unit-contact', '张三');
    await page.fill('#unit-phone', '0755-88888888');
    await page.fill('#unit-address', '深圳市龙岗区示例路1号');
    await page.click('#unit-form button[type=submit]');
    const error = page.locator('#unit-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/unified social credit code.*\(credit_code_invalid · HTTP 422 · 依据 Article R14\)/);
    expect(await get<{ unit: unknown }>('/api/v1/unit')).toEqual({ unit: null });

    await page.fill('#unit-code', '914403001922038216');
    await page.click('#unit-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#unit-saved')?.textContent?.startsWith('已保存'));
    expect(await error.isHidden()).toBe(true);
    const { unit } = await get<{ unit: Record<string, string> }>('/api/v1/unit');
    expect(unit).toMatchObject({
      name: '示例商场管理有限公司', unitType: '企业', unifiedSocialCreditCode: '914403001922038216',
      contactPerson: '张三', contactPhone: '0755-88888888', address: '深圳市龙岗区示例路1号',
    });
  });

  it('creates a system, edits it and assigns the camera with its device type', async () => {
    await page.fill('#create-name', '商场一期');
    await page.fill('#create-location', '深圳市龙岗区示例路1号');
    await page.click('#system-create button[type=submit]');
    await page.locator('#selected').waitFor({ state: 'visible' });
    await settled();
    const systems = await get<SystemView[]>('/api/v1/systems');
    expect(systems.map((s) => [s.name, s.location, s.lifecycle])).toEqual([['商场一期', '深圳市龙岗区示例路1号', 'designed']]);
    systemId = systems[0]!.id;
    expect(page.url()).toContain(`system=${systemId}`);

    await page.fill('#edit-location', '深圳市龙岗区示例路1号 一层');
    await page.click('#system-edit button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#systems tbody tr td:nth-child(2)')?.textContent === '深圳市龙岗区示例路1号 一层');
    await settled();
    expect((await system()).location).toBe('深圳市龙岗区示例路1号 一层');

    // The device types come from the server's catalog, not from the page.
    const row = page.locator(`#members tr[data-camera-id="${cameraId}"]`);
    expect(await row.locator('select.device-type option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)))
      .toEqual(['bullet', 'dome', 'ptz', 'fisheye', 'panoramic', 'checkpoint', 'other']);
    await row.locator('input.member').check();
    await row.locator('select.device-type').selectOption('dome');
    await page.click('#cameras-save');
    await page.waitForFunction(() => document.querySelector('#systems tbody tr td:nth-child(4)')?.textContent === '1');
    expect((await system()).cameras).toEqual([{ cameraId, deviceType: 'dome' }]);
  });

  it('takes the system to in_use with its documents; a move without its document is refused with the article', async () => {
    // The document kinds come from the server's catalog.
    expect(await page.locator('#doc-kind option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)))
      .toEqual(['design', 'feasibility_review', 'construction_contract', 'construction_record', 'parties', 'inspection_report', 'acceptance_report', 'change_design', 'maintenance_record', 'retirement_record', 'other']);
    expect(await page.locator('#next-steps tr[data-to="built"] td').nth(1).textContent()).toMatch(/✗ 设计方案 Design · R11.*✗ 施工合同 Construction contract · R11/);

    await move('built');
    const error = page.locator('#lifecycle-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/design document.*\(system_document_missing · HTTP 409 · 依据 Article R11\)/);
    expect((await system()).lifecycle).toBe('designed');

    await upload('design');
    await upload('construction_contract');
    expect(await page.locator('#next-steps tr[data-to="built"] .present').count()).toBe(2);
    await move('built');
    await expectState('built', '施工完成 Built');
    expect(await error.isHidden()).toBe(true);

    await move('inspected');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/inspection_report.*R11/);
    await upload('inspection_report');
    await move('inspected');
    await expectState('inspected', '已检验 Inspected');

    await move('accepted');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/acceptance_report.*依据 Article D12/);
    await upload('acceptance_report');
    await page.fill('#lifecycle-note', '验收合格');
    await move('accepted');
    await expectState('accepted', '已验收 Accepted');
    // R14: a system never in use may declare the day it went into use (here: today, CST), with its evidence.
    expect(await page.locator('#in-use-since-field').isVisible()).toBe(true);
    const todayCst = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    await page.fill('#in-use-since', todayCst);
    await page.fill('#lifecycle-note', '运行日志首日');
    await move('in_use');
    await expectState('in_use', '投入使用 In use');
    expect(await page.locator('#in-use-since-field').isHidden()).toBe(true);

    const s = await system();
    expect(s.inUseSinceMs).toBe(Date.parse(`${todayCst}T00:00+08:00`));
    expect(s.transitions.map((t) => t.to)).toEqual(['built', 'inspected', 'accepted', 'in_use']);
    expect(s.transitions[2]!.note).toBe('验收合格');
    expect(await page.locator('#transitions tbody tr').count()).toBe(4);
    // Each stored file is the bytes the file input sent, with its parties; its download link serves them back.
    for (const kind of ['design', 'construction_contract', 'inspection_report', 'acceptance_report']) {
      const doc = s.documents.find((d) => d.kind === kind)!;
      expect(doc.file).toMatchObject({ name: `${kind}.pdf`, sha256: sha256(files.get(kind)!), sizeBytes: files.get(kind)!.length });
      expect(doc.parties).toEqual([{ name: '深圳某某安防工程有限公司', role: '施工单位' }, { name: '李四', role: '项目经理' }]);
    }
    const href = await page.locator('#documents tr[data-kind="acceptance_report"] a').getAttribute('href');
    const download = await admin.fetch(href!);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(files.get('acceptance_report')!)).toBe(true);
  });

  it('records the filing submission and the police receipt', async () => {
    await settled();
    expect(await page.locator('#filing-status').textContent()).toMatch(/^待备案 Due，最迟 last day \d{4}-\d{2}-\d{2}/);
    await page.click('#filing-submit');
    await page.locator('#submissions tbody tr form.receipt').waitFor();
    const [submission] = await get<{ id: string; systemId: string; record: { system: { location: string } }; receipt: unknown }[]>(`/api/v1/filing/submissions?system=${systemId}`);
    expect(submission).toMatchObject({ systemId, receipt: null, record: { system: { location: '深圳市龙岗区示例路1号 一层' } } });
    expect(await page.locator('#filing-status').textContent()).toBe('已备案 Filed');

    await page.fill('#submissions .receipt-number', '深公网备 4403000001');
    await page.fill('#submissions .receipt-organ', '深圳市公安局龙岗分局');
    await page.fill('#submissions .receipt-date', '2026-12-01');
    await page.click('#submissions form.receipt button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#submissions tbody tr td:nth-child(3)')?.textContent?.startsWith('深公网备'));
    const [withReceipt] = await get<{ receipt: Record<string, unknown> }[]>(`/api/v1/filing/submissions?system=${systemId}`);
    expect(withReceipt!.receipt).toMatchObject({ number: '深公网备 4403000001', organ: '深圳市公安局龙岗分局', date: '2026-12-01' });
    expect((await get<{ status: { status: string } }>(`/api/v1/systems/${systemId}/filing-status`)).status.status).toBe('filed');
  });

  it('an inspector sees everything read-only', async () => {
    const context = await browser.newContext();
    const police = await signedInPage(context, inspector);
    await police.goto(`${vigil.url}/systems.html?system=${systemId}`);
    await police.waitForSelector('body[data-ready="true"]');
    expect(await police.locator('#readonly').isVisible()).toBe(true);
    expect(await police.inputValue('#unit-code')).toBe('914403001922038216');
    expect(await police.locator('#lifecycle-state').textContent()).toMatch(/^投入使用 In use/);
    expect(await police.locator('#documents tbody tr').count()).toBe(4);
    expect(await police.locator('#submissions tbody tr td').nth(2).textContent()).toContain('深公网备 4403000001');
    for (const selector of [
      '#unit-form button', '#unit-code', '#system-create button', '#create-name', '#system-edit button', '#edit-location',
      '#doc-form button', '#doc-kind', '#doc-file', '#cameras-save', '#filing-submit', '#lifecycle-note',
    ]) {
      expect(await police.locator(selector).isDisabled(), selector).toBe(true);
    }
    expect(await police.locator('#unit-code').isEditable()).toBe(false);
    expect(await police.locator(`#members tr[data-camera-id="${cameraId}"] input.member`).isDisabled()).toBe(true);
    for (const button of await police.locator('#next-steps button.move').all()) expect(await button.isDisabled()).toBe(true);
    expect(await police.locator('#next-steps button.move').count()).toBe(2); // in_use → changed, retired
    await context.close();
  });
});
