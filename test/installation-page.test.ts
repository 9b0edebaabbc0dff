// The installation page (web/installation.html) in a real browser against the real server: a system admin picks a
// camera, saves its installation record with codes the server supplied (GET /api/v1/places/codes), sees free text
// flagged by the screening, is refused a toilet with R8.1(3) and nothing saved; records a sign with a PNG photo
// (R13) and deletes it; draws a privacy mask by clicking on the blank 16:9 canvas (the admin may not view video, and
// the camera is disabled), saves it (D11), then selects and deletes it. An operator sees the page read-only. Every
// effect is checked through the API, not the page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { launchBrowser, signedInContext } from './support/browser.js';
import { startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

/** A valid 1×1 PNG; the server sniffs the type from the bytes. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

interface Place { areaType: string | null; placeCategory: string | null; site: string | null; position: string | null; necessity: string | null; installingParty: string | null; reviewCleared?: { terms: string[]; by: { username: string } } | null }
interface Sign { id: string; text: string; installedMs: number; photo: { type: string; bytes: number; sha256: string } | null }
interface Masks { masks: { points: [number, number][]; burnExport: boolean; burnRecording: boolean }[] }

const VIEWPORT = { viewport: { width: 1280, height: 1400 } };

describe('installation page in Chromium', () => {
  let vigil: ServingVigil;
  let browser: Browser;
  let page: Page;
  let admin: ApiSession;
  let dataDir: string;
  let cameraId: string;
  const pageErrors: string[] = [];

  const api = async <T>(path: string): Promise<T> => {
    const res = await admin.fetch(path);
    expect(res.status, `GET ${path}: ${await res.clone().text()}`).toBe(200);
    return (await res.json()) as T;
  };
  const place = async () => (await api<{ place: Place }>(`/api/v1/cameras/${cameraId}`)).place;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-installation-page-'));
    writeTestConfig(dataDir);
    const passwords = await provisionAccounts(dataDir, [{ username: 'admin1', displayName: '测试系统管理员', roles: ['system_admin'], personnel: true }]);
    vigil = await startServe(dataDir);
    admin = await ApiSession.login(vigil.url, 'admin1', passwords.get('admin1')!);
    // Unreachable and disabled: no RTSP server needed, and no still to draw on (the blank-canvas path).
    for (const name of ['西门摄像机', '东门摄像机']) {
      const res = await admin.fetch('/api/v1/cameras', { method: 'POST', json: { name, url: 'rtsp://127.0.0.1:9/none', enabled: false } });
      expect(res.status).toBe(201);
      if (name === '东门摄像机') cameraId = ((await res.json()) as { id: string }).id;
    }
    browser = await launchBrowser();
    page = await (await signedInContext(browser, admin, VIEWPORT)).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the area types and place categories the server sends, forbidden ones marked with their R8.1 item', async () => {
    await page.goto(`${vigil.url}/installation.html`);
    await page.locator('body[data-ready="true"]').waitFor();
    const codes = await api<{ areaTypes: { code: string; forbidden: boolean }[]; placeCategories: unknown[] }>('/api/v1/places/codes');
    expect(codes.areaTypes.filter((a) => a.forbidden).map((a) => a.code)).toContain('toilet');
    // Every code the server knows, plus the "not set" choice; nothing the page made up.
    expect(await page.locator('#area-type option').count()).toBe(codes.areaTypes.length + 1);
    expect(await page.locator('#place-category option').count()).toBe(codes.placeCategories.length + 1);
    expect(await page.locator('#area-type option[value="toilet"]').textContent()).toMatch(/^禁止 R8\.1\(3\) · 公共卫生间内部/);
    expect(await page.locator('#area-type option[value="mall"]').textContent()).toBe('商贸中心 Commercial centre / mall');
    expect(await page.locator('#place-category option[value="crowd_venue"]').textContent()).toMatch(/^R7\.2\(1\) · /);
  });

  it('saves the installation record of the picked camera; free text the screening flags shows its warning', async () => {
    await page.locator('#camera-pick').selectOption(cameraId);
    // Wait until the camera's records are in: the form is filled from them, and filling it earlier would be overwritten.
    await page.waitForFunction((id) => (window as unknown as { vigilInstall?: { state(): { loadedCameraId: string | null } } }).vigilInstall?.state().loadedCameraId === id, cameraId);
    await page.locator('#area-type').selectOption('mall');
    await page.locator('#place-category').selectOption('crowd_venue');
    await page.locator('#site').fill('人民商场');
    await page.locator('#position').fill('一层东门上方');
    await page.locator('#angle').fill('朝向入口');
    await page.locator('#installing-party').fill('人民商场物业管理部');
    await page.locator('#necessity').fill('人员聚集的出入口，防范盗窃和踩踏');
    await page.locator('#record-save').click();
    await page.waitForFunction(() => document.querySelector('#record-status')?.textContent === '已保存 Saved');
    expect(await place()).toMatchObject({
      areaType: 'mall', placeCategory: 'crowd_venue', site: '人民商场', position: '一层东门上方',
      necessity: '人员聚集的出入口，防范盗窃和踩踏', installingParty: '人民商场物业管理部',
    });
    expect(await page.locator('#review li').count()).toBe(0);

    // A toilet named in free text is saved, but flagged for review with its article (R8.1: flag, never refuse).
    await page.locator('#position').fill('二楼卫生间门外');
    await page.locator('#record-save').click();
    await page.locator('#review li').first().waitFor();
    expect(await page.locator('#record-status').textContent()).toContain('需人工复核');
    expect(await page.locator('#review').textContent()).toMatch(/卫生间.*position.*R8\.1\(3\)/);
    expect((await place()).position).toBe('二楼卫生间门外');
    expect(await page.locator('#error').isHidden()).toBe(true);

    // A person who looked confirms it is not a forbidden place: the flag gives way to the signed review (R8.1).
    expect(await page.locator('#review-clear-form').isVisible()).toBe(true);
    await page.locator('#review-clear-note').fill('门外走廊，镜头朝向大厅，拍不到门内');
    await page.locator('#review-clear-form button').click();
    await page.waitForFunction(() => document.querySelector('#review-cleared')?.textContent?.startsWith('已复核') === true);
    expect(await page.locator('#review-cleared').textContent()).toMatch(/卫生间.*门外走廊.*测试系统管理员/);
    expect(await page.locator('#review li').count()).toBe(0);
    expect(await page.locator('#review-clear-form').isHidden()).toBe(true);
    expect((await place()).reviewCleared).toMatchObject({ terms: ['卫生间'], by: { username: 'admin1' } });
  });

  it('refuses a forbidden area type with the server’s message and R8.1(3), and saves nothing', async () => {
    await page.locator('#area-type').selectOption('toilet');
    await page.locator('#site').fill('不应保存 must not be saved');
    await page.locator('#record-save').click();
    const error = page.locator('#error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/camera_place_forbidden.*HTTP 422.*依据 Article R8\.1\(3\)/);
    expect(await place()).toMatchObject({ areaType: 'mall', site: '人民商场' });
  });

  it('records a sign with its PNG photo, shows the thumbnail, and deletes it (R13)', async () => {
    await page.locator('#sign-text').fill('您已进入视频监控区域');
    await page.locator('#sign-date').fill('2026-11-20');
    await page.locator('#sign-photo').setInputFiles({ name: 'sign.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('#sign-add').click();
    const thumb = page.locator('#signage tbody tr img.thumb');
    await thumb.waitFor();
    await page.waitForFunction(() => (document.querySelector('#signage img.thumb') as HTMLImageElement | null)?.naturalWidth === 1);
    const signs = await api<Sign[]>(`/api/v1/cameras/${cameraId}/signage`);
    expect(signs).toHaveLength(1);
    expect(signs[0]).toMatchObject({ text: '您已进入视频监控区域', installedMs: Date.parse('2026-11-20T00:00:00+08:00'), photo: { type: 'image/png', bytes: PNG.length } });
    const photo = await admin.fetch(`/api/v1/cameras/${cameraId}/signage/${signs[0]!.id}/photo`);
    expect(Buffer.from(await photo.arrayBuffer()).equals(PNG)).toBe(true);
    expect(await page.locator('#signage tbody tr td').nth(1).textContent()).toBe('2026-11-20');

    await page.locator('#signage tbody tr', { hasText: '您已进入视频监控区域' }).locator('button').click();
    await page.waitForFunction(() => !document.querySelector('#signage img.thumb'));
    expect(await api<Sign[]>(`/api/v1/cameras/${cameraId}/signage`)).toEqual([]);
  });

  it('draws a mask on the blank 16:9 canvas, saves it (D11), then selects and deletes it', async () => {
    const source = page.locator('#mask-source');
    expect(await source.getAttribute('data-source')).toBe('blank');
    expect(await source.textContent()).toMatch(/^空白 16:9 画布 Blank 16:9 canvas — .*video\.snapshot/);
    const canvas = page.locator('#mask-canvas');
    const box = (await canvas.boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(16 / 9, 1);
    const corners: [number, number][] = [[0.2, 0.2], [0.6, 0.25], [0.65, 0.7], [0.15, 0.75]];
    for (const [x, y] of corners) await canvas.click({ position: { x: x * box.width, y: y * box.height } });
    await page.locator('#mask-close').click();
    await page.locator('#burn-export').check();
    expect(await page.locator('#mask-list li').textContent()).toContain('4 点 points · 导出烧录 burn at export');
    await page.locator('#mask-save').click();
    await page.waitForFunction(() => document.querySelector('#mask-status')?.textContent?.startsWith('已保存 1'));
    const saved = await api<Masks>(`/api/v1/cameras/${cameraId}/masks`);
    expect(saved.masks).toHaveLength(1);
    expect(saved.masks[0]).toMatchObject({ burnExport: true, burnRecording: false });
    expect(saved.masks[0]!.points).toHaveLength(4);
    saved.masks[0]!.points.forEach(([x, y], i) => {
      expect(Math.abs(x - corners[i]![0])).toBeLessThan(0.01);
      expect(Math.abs(y - corners[i]![1])).toBeLessThan(0.01);
    });

    // Reload from the server, select the mask by clicking inside it, delete, save: none left.
    await page.locator('#mask-reload').click();
    await page.waitForFunction(() => document.querySelector('#mask-status')?.textContent?.startsWith('已载入 1'));
    await canvas.click({ position: { x: 0.4 * box.width, y: 0.45 * box.height } });
    expect(await page.locator('#mask-list li').getAttribute('aria-selected')).toBe('true');
    await page.locator('#mask-delete').click();
    await page.locator('#mask-save').click();
    await page.waitForFunction(() => document.querySelector('#mask-status')?.textContent?.startsWith('已保存 0'));
    expect((await api<Masks>(`/api/v1/cameras/${cameraId}/masks`)).masks).toEqual([]);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('shows an operator the page read-only: no installation details or signage (camera.locate), masks not editable', async () => {
    const viewerPage = await (await signedInContext(browser, vigil.viewer, VIEWPORT)).newPage();
    await viewerPage.goto(`${vigil.url}/installation.html`);
    await viewerPage.locator('body[data-ready="true"]').waitFor();
    expect(await viewerPage.locator('#record-note').textContent()).toContain('camera.locate');
    expect(await viewerPage.locator('#area-type').isDisabled()).toBe(true);
    expect(await viewerPage.locator('#record-save').isDisabled()).toBe(true);
    expect(await viewerPage.locator('#signage-note').textContent()).toContain('camera.locate');
    expect(await viewerPage.locator('#signage-form').isHidden()).toBe(true);
    expect(await viewerPage.locator('#mask-note').textContent()).toContain('compliance.manage');
    expect(await viewerPage.locator('#mask-save').isDisabled()).toBe(true);
    // The operator may view video, but the camera is disabled: still the blank canvas, and it says why.
    expect(await viewerPage.locator('#mask-source').textContent()).toContain('摄像机已停用');
    expect(await viewerPage.locator('#error').isHidden()).toBe(true);
  });
});
