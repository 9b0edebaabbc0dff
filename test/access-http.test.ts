// The auth layer and the gate over real HTTP against a real `vigil serve` (R15, R16, R19): brute force locks the
// account, a session id planted before login is never adopted, a write without the CSRF token or a WebSocket from
// another site is refused, API tokens are scoped, revocable and expire, and the personnel gates refuse video with
// the missing item and its article — each refusal written to the access register before the answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiSession, provisionAccounts, TEST_PASSWORD, TEST_REASON_QUERY, withReason } from './support/accounts.js';
import { runVigil, startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const DAY = 86_400_000;

describe('auth and the gate over HTTP', () => {
  let dataDir: string;
  let vigil: ServingVigil;
  let camera: string;
  let auditor: ApiSession;
  const pw = new Map<string, string>();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-access-http-'));
    writeTestConfig(dataDir);
    const r = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', '东门 East Gate', '--url', 'rtsp://127.0.0.1:9/none']);
    expect(r.code, r.stderr).toBe(0);
    camera = (r.json as { id: string }).id;
    const created = await provisionAccounts(dataDir, [
      { username: 'brute', roles: ['operator'], grantAll: ['live'] },
      { username: 'untrained', roles: ['operator'], personnel: false, grantAll: ['live', 'playback'] },
      { username: 'contractor1', roles: ['contractor'], grantAll: ['live'], agreement: false },
      { username: 'auditor1', roles: ['auditor'] },
      { username: 'sys1', roles: ['system_admin'] },
    ]);
    for (const [k, v] of created) pw.set(k, v);
    vigil = await startServe(dataDir);
    auditor = await ApiSession.login(vigil.url, 'auditor1', pw.get('auditor1')!);
  });

  afterAll(async () => {
    await vigil?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${vigil.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });

  it('locks an account after 5 wrong passwords: the right one is then refused too (423), and it is logged', async () => {
    for (let i = 0; i < 5; i++) expect((await login('brute', 'wrong-password-1A!')).status).toBe(401);
    const locked = await login('brute', pw.get('brute')!);
    expect(locked.status).toBe(423);
    expect(await locked.json()).toMatchObject({ error: 'account_locked' });
    const events = (await (await auditor.fetch('/api/v1/audit/system?event=account.locked')).json()) as { event: string; target: string }[];
    expect(events.map((e) => e.event)).toContain('account.locked');
  });

  it('records camera changes in the system log with who made them (here: the CLI), never the stream URL', async () => {
    const res = await auditor.fetch('/api/v1/audit/system?event=camera.created');
    const events = (await res.json()) as { event: string; target: string; actorId: string | null; details: Record<string, unknown> }[];
    expect(events).toEqual([expect.objectContaining({ event: 'camera.created', target: camera, actorId: null, details: { name: '东门 East Gate', streams: ['main'], via: 'cli' } })]);
    expect(JSON.stringify(events)).not.toContain('rtsp://');
  });

  it('the API refuses a camera in a forbidden place with 422 and the article; only camera.locate roles see places (D6)', async () => {
    const sys = await ApiSession.login(vigil.url, 'sys1', pw.get('sys1')!);
    const refused = await sys.fetch('/api/v1/cameras', { method: 'POST', json: { name: '浴室', url: 'rtsp://127.0.0.1:9/x', areaType: 'public_bath' } });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ error: 'camera_place_forbidden', article: 'R8.1(3)', field: 'areaType' });
    const moved = await sys.fetch(`/api/v1/cameras/${camera}`, { method: 'PATCH', json: { areaType: 'nursing_room' } });
    expect(moved.status).toBe(422);
    expect(await moved.json()).toMatchObject({ article: 'R8.1(3)' });
    const placed = await sys.fetch(`/api/v1/cameras/${camera}`, { method: 'PATCH', json: { areaType: 'road', placeCategory: 'government_public_area', site: '人民路 1 号' } });
    expect(placed.status).toBe(200);
    expect(((await placed.json()) as { place: unknown }).place).toMatchObject({ areaType: 'road', site: '人民路 1 号' });
    const asViewer = (await (await vigil.api(`/api/v1/cameras/${camera}`)).json()) as Record<string, unknown>;
    expect(asViewer).not.toHaveProperty('place');
    expect(JSON.stringify(asViewer)).not.toContain('人民路');
    const changed = (await (await auditor.fetch('/api/v1/audit/system?event=camera.changed')).json()) as { details: { fields: string[] } }[];
    expect(changed[0]?.details.fields).toEqual(['areaType', 'placeCategory', 'site']);
  });

  it('never adopts a session id planted before login, and the planted one authenticates nothing', async () => {
    const planted = 'vigil_session=attacker-chosen-session-id-0123456789';
    const res = await login('viewer', TEST_PASSWORD, { cookie: planted });
    expect(res.status).toBe(200);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^vigil_session=/);
    expect(cookie).not.toBe(planted);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    expect((await fetch(`${vigil.url}/api/v1/auth/me`, { headers: { cookie: planted } })).status).toBe(401);
  });

  it('refuses a write without the CSRF token, and a WebSocket opened from another site', async () => {
    const noToken = await fetch(`${vigil.url}/api/v1/auth/tokens`, {
      method: 'POST',
      headers: { cookie: vigil.viewer.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', scopes: ['camera.list'], expiresMs: Date.now() + DAY }),
    });
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toMatchObject({ error: 'csrf_invalid' });
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${vigil.url.replace('http', 'ws')}/api/v1/cameras/${camera}/live?${TEST_REASON_QUERY}`, {
        headers: { cookie: vigil.viewer.cookie, origin: 'http://evil.example' },
      });
      ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
  });

  it('API tokens: do what their scopes allow, no more; revoked and expired tokens are refused', async () => {
    const create = async (scopes: string[], expiresMs: number) => {
      const r = await vigil.viewer.fetch('/api/v1/auth/tokens', { method: 'POST', json: { name: 'script', scopes, expiresMs } });
      expect(r.status, await r.clone().text()).toBe(201);
      return (await r.json()) as { token: string; view: { id: string } };
    };
    const bearer = (token: string, path: string) => fetch(`${vigil.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const listOnly = await create(['camera.list'], Date.now() + DAY);
    expect((await bearer(listOnly.token, '/api/v1/cameras')).status).toBe(200);
    const outOfScope = await bearer(listOnly.token, withReason(`/api/v1/cameras/${camera}/playback.m3u8?from=${Date.now() - 60_000}&to=${Date.now()}`));
    expect(outOfScope.status).toBe(403);
    // A token cannot hold more than its owner: the viewer (operator) has no audit.read.
    const tooMuch = await vigil.viewer.fetch('/api/v1/auth/tokens', { method: 'POST', json: { name: 'x', scopes: ['audit.read'], expiresMs: Date.now() + DAY } });
    expect(tooMuch.status).toBe(422);
    expect(await tooMuch.json()).toMatchObject({ error: 'token_scope_exceeds_owner' });
    const revoked = await vigil.viewer.fetch(`/api/v1/auth/tokens/${listOnly.view.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    expect((await bearer(listOnly.token, '/api/v1/cameras')).status).toBe(401);
    const shortLived = await create(['camera.list'], Date.now() + 1500);
    expect((await bearer(shortLived.token, '/api/v1/cameras')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await bearer(shortLived.token, '/api/v1/cameras')).status).toBe(401);
  });

  it('refuses video to an untrained operator and to a contractor without an agreement, naming the article; each refusal is in the register', async () => {
    const untrained = await ApiSession.login(vigil.url, 'untrained', pw.get('untrained')!);
    const r1 = await untrained.fetch(withReason(`/api/v1/cameras/${camera}/playback.m3u8?from=${Date.now() - 60_000}&to=${Date.now()}`));
    expect(r1.status).toBe(403);
    expect(await r1.json()).toMatchObject({ error: 'vetting_missing', article: 'R16.1' });
    const contractor = await ApiSession.login(vigil.url, 'contractor1', pw.get('contractor1')!);
    const r2 = await contractor.fetch(withReason(`/api/v1/cameras/${camera}/export.mp4?from=${Date.now() - 60_000}&to=${Date.now()}`));
    expect(r2.status).toBe(403); // no export grant: refused before the agreement is looked at
    const live = await new Promise<{ error: string; article?: string }>((resolve) => {
      const ws = new WebSocket(`${vigil.url.replace('http', 'ws')}/api/v1/cameras/${camera}/live?${TEST_REASON_QUERY}`, contractor.wsOptions());
      ws.on('message', (d) => resolve(JSON.parse(String(d)) as { error: string; article?: string }));
      ws.on('error', () => undefined);
    });
    expect(live).toMatchObject({ error: 'agreement_missing', article: 'R15.2' });
    const noReason = await vigil.api(`/api/v1/cameras/${camera}/playback.m3u8?from=${Date.now() - 60_000}&to=${Date.now()}`);
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ error: 'reason_required', article: 'R16.3' });

    const rows = (await (await auditor.fetch('/api/v1/audit/access?outcome=refused&limit=50')).json()) as { username: string; refusalCode: string; unit: string; displayName: string; cameraIds: string[] }[];
    const codes = rows.map((r) => `${r.username}:${r.refusalCode}`);
    expect(codes).toEqual(expect.arrayContaining(['untrained:vetting_missing', 'contractor1:agreement_missing', 'contractor1:camera_not_granted', 'viewer:reason_required']));
    const row = rows.find((r) => r.username === 'untrained')!;
    expect(row).toMatchObject({ displayName: '测试 untrained', unit: '测试单位 Test Unit', cameraIds: [camera] });
    const verify = (await (await auditor.fetch('/api/v1/audit/verify')).json()) as { ok: boolean };
    expect(verify.ok).toBe(true);
  });
});
