// The permission matrix (R16.2): every route the real server registers × every role (and no one) × own / other
// camera, against one table declared here. The table is independent of the routes' own declarations, so a route
// that changes its rule, or a new route nobody declared, fails this test; and every cell is a real HTTP request to a
// real `vigil serve` on each database dialect, so what is declared is also what is enforced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hasPermission, ROLES, VIDEO_ROLES, type Permission, type Role, type RouteAccess } from '../src/access/index.js';
import { ApiSession, provisionAccounts, TEST_PASSWORD, TEST_REASON_QUERY } from './support/accounts.js';
import { createTestDatabase, dialects, type TestDatabase } from './support/databases.js';
import { runVigil, startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

/** The declared rule of every API route. Static files and the API docs are public by pattern (see `declared`). */
const EXPECTED: Record<string, RouteAccess> = {
  'GET /healthz': 'public',
  'GET /metrics': 'ops.read',
  'GET /api/v1/system/routes': 'config.read',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'authenticated',
  'GET /api/v1/auth/me': 'authenticated',
  'POST /api/v1/auth/password': 'authenticated',
  'POST /api/v1/auth/totp/begin': 'authenticated',
  'POST /api/v1/auth/totp/confirm': 'authenticated',
  'GET /api/v1/auth/tokens': 'authenticated',
  'POST /api/v1/auth/tokens': 'authenticated',
  'DELETE /api/v1/auth/tokens/:tokenId': 'authenticated',
  'GET /api/v1/users': 'user.manage',
  'POST /api/v1/users': 'user.manage',
  'GET /api/v1/users/:id': 'user.manage',
  'PATCH /api/v1/users/:id': 'user.manage',
  'POST /api/v1/users/:id/unlock': 'user.manage',
  'POST /api/v1/users/:id/reset-password': 'user.manage',
  'PUT /api/v1/users/:id/roles': 'role.manage',
  'GET /api/v1/users/:id/personnel': 'personnel.manage',
  'PATCH /api/v1/users/:id/personnel': 'personnel.manage',
  'POST /api/v1/users/:id/trainings': 'personnel.manage',
  'PUT /api/v1/users/:id/agreement': 'personnel.manage',
  'GET /api/v1/camera-groups': 'grant.manage',
  'POST /api/v1/camera-groups': 'grant.manage',
  'PUT /api/v1/camera-groups/:id/cameras': 'grant.manage',
  'DELETE /api/v1/camera-groups/:id': 'grant.manage',
  'GET /api/v1/grants': 'grant.manage',
  'POST /api/v1/grants': 'grant.manage',
  'DELETE /api/v1/grants/:id': 'grant.manage',
  'GET /api/v1/cameras': 'camera.list',
  'POST /api/v1/cameras': 'camera.configure',
  'GET /api/v1/cameras/:id': 'camera.list',
  'PATCH /api/v1/cameras/:id': 'camera.configure',
  'DELETE /api/v1/cameras/:id': 'camera.configure',
  'GET /api/v1/cameras/:id/signage': 'camera.locate',
  'POST /api/v1/cameras/:id/signage': 'compliance.manage',
  'POST /api/v1/cameras/:id/place/review': 'compliance.manage',
  'PUT /api/v1/cameras/:id/signage/:signageId/photo': 'compliance.manage',
  'GET /api/v1/cameras/:id/signage/:signageId/photo': 'camera.locate',
  'DELETE /api/v1/cameras/:id/signage/:signageId': 'compliance.manage',
  'GET /api/v1/cameras/:id/masks': 'camera.list',
  'PUT /api/v1/cameras/:id/masks': 'compliance.manage',
  'GET /api/v1/places/codes': 'authenticated',
  'GET /api/v1/cameras/:id/recordings': 'video.playback',
  'GET /api/v1/cameras/:id/playback.m3u8': 'video.playback',
  'GET /api/v1/cameras/:id/segments/:segmentId': 'video.playback',
  'GET /api/v1/cameras/:id/export.mp4': 'video.export',
  'GET /api/v1/cameras/:id/live': 'video.live',
  'GET /api/v1/cameras/:id/snapshot.jpg': 'video.snapshot',
  'GET /api/v1/audit/access': 'audit.read',
  'GET /api/v1/audit/access/export': 'audit.read',
  'GET /api/v1/audit/system': 'systemlog.read',
  'GET /api/v1/audit/system/export': 'systemlog.read',
  'GET /api/v1/audit/verify': 'audit.read',
  'GET /api/v1/audit/public-key': 'audit.read',
  'GET /api/v1/integrity/status': 'audit.read',
  'POST /api/v1/integrity/verify': 'audit.read',
  'GET /api/v1/integrity/checkpoints': 'audit.read',
  // Operations duties (D17, R8.2), police inspections and public reports (R24).
  'GET /api/v1/duty/log': 'duty.record',
  'POST /api/v1/duty/log': 'duty.record',
  'GET /api/v1/duty/tasks': 'duty.record',
  'POST /api/v1/duty/tasks/:id/completions': 'duty.record',
  'GET /api/v1/compliance/duty-log': 'compliance.read',
  'GET /api/v1/compliance/tasks': 'compliance.read',
  'GET /api/v1/compliance/tasks/due': 'compliance.read',
  'POST /api/v1/compliance/tasks': 'compliance.manage',
  'PATCH /api/v1/compliance/tasks/:id': 'compliance.manage',
  'GET /api/v1/compliance/tasks/:id/completions': 'compliance.read',
  'GET /api/v1/compliance/self-assessment': 'compliance.read',
  'POST /api/v1/compliance/self-assessments': 'compliance.manage',
  'GET /api/v1/compliance/self-assessments': 'compliance.read',
  'GET /api/v1/compliance/self-assessments/:id': 'compliance.read',
  'GET /api/v1/compliance/duty-facts': 'compliance.read',
  'GET /api/v1/compliance/inspections': 'compliance.read',
  'POST /api/v1/compliance/inspections': 'inspection.record',
  'GET /api/v1/compliance/inspections/:id': 'compliance.read',
  'POST /api/v1/compliance/inspection-findings/:id/rectification': 'compliance.manage',
  'POST /api/v1/compliance/inspection-findings/:id/closure': 'inspection.record',
  'POST /api/v1/public/reports': 'public',
  'GET /api/v1/public/reports/:code': 'public',
  'GET /api/v1/complaints': 'complaint.handle',
  'GET /api/v1/complaints/:id': 'complaint.handle',
  'POST /api/v1/complaints/:id/assign': 'complaint.handle',
  'POST /api/v1/complaints/:id/responses': 'complaint.handle',
  'POST /api/v1/complaints/:id/close': 'complaint.handle',
  'GET /api/v1/systems': 'compliance.read',
  'GET /api/v1/systems/catalog': 'compliance.read',
  'POST /api/v1/systems': 'compliance.manage',
  'GET /api/v1/systems/:id': 'compliance.read',
  'PATCH /api/v1/systems/:id': 'compliance.manage',
  'POST /api/v1/systems/:id/documents': 'compliance.manage',
  'GET /api/v1/systems/:id/documents/:documentId/file': 'compliance.read',
  'POST /api/v1/systems/:id/transitions': 'compliance.manage',
  'PUT /api/v1/systems/:id/cameras': 'compliance.manage',
  'GET /api/v1/systems/:id/filing-status': 'compliance.read',
  'GET /api/v1/unit': 'compliance.read',
  'PUT /api/v1/unit': 'compliance.manage',
  'GET /api/v1/filing': 'compliance.read',
  'GET /api/v1/filing/submissions': 'compliance.read',
  'POST /api/v1/filing/submissions': 'compliance.manage',
  'POST /api/v1/filing/submissions/:id/receipt': 'compliance.manage',
  'GET /api/v1/compliance/findings': 'compliance.read',
  'GET /api/v1/retention/policies': 'config.read',
  'PUT /api/v1/retention/policies': 'retention.manage',
  'DELETE /api/v1/retention/policies/:id': 'retention.manage',
  'GET /api/v1/retention/cameras': 'config.read',
  'GET /api/v1/retention/holds': 'hold.manage',
  'POST /api/v1/retention/holds': 'hold.manage',
  'POST /api/v1/retention/holds/:id/request-lift': 'hold.manage',
  'POST /api/v1/retention/holds/:id/approve-lift': 'hold.manage',
  'GET /api/v1/retention/runs': 'config.read',
  'POST /api/v1/retention/runs': 'retention.manage',
  'GET /api/v1/retention/runs/:id/certificate': 'config.read',
  'GET /api/v1/retention/capacity': 'config.read',
};

/** Routes whose `:id` is a camera that per-camera grants govern (R16.2): other cameras are refused to video roles. */
const CAMERA_SCOPED = new Set([
  'GET /api/v1/cameras/:id',
  'GET /api/v1/cameras/:id/recordings',
  'GET /api/v1/cameras/:id/playback.m3u8',
  'GET /api/v1/cameras/:id/export.mp4',
  'GET /api/v1/cameras/:id/live',
  'GET /api/v1/cameras/:id/snapshot.jpg',
  'GET /api/v1/cameras/:id/masks',
]);

/** Requests with side effects on the caller's own session go last, logout very last. */
const LAST = ['POST /api/v1/auth/totp/begin', 'POST /api/v1/auth/password', 'POST /api/v1/auth/logout'];

function declared(method: string, url: string): RouteAccess | undefined {
  const key = `${method === 'HEAD' ? 'GET' : method} ${url}`;
  if (key in EXPECTED) return EXPECTED[key];
  // The web page's files and the API docs: public, GET/HEAD only.
  if ((method === 'GET' || method === 'HEAD') && !url.startsWith('/api/') && url !== '/metrics') return 'public';
  return undefined;
}

type Who = Role | 'anonymous';
const NOBODY = '00000000-0000-7000-8000-000000000000';

function allowedByRole(who: Who, access: RouteAccess): boolean {
  if (access === 'public') return true;
  if (who === 'anonymous') return false;
  if (access === 'authenticated') return true;
  return hasPermission([who], access as Permission);
}

describe.each(dialects)('permission matrix over every route (%s)', (dialect) => {
  let db: TestDatabase & { dispose(): Promise<void> };
  let dataDir: string;
  let vigil: ServingVigil;
  let own: string;
  let other: string;
  const sessions = new Map<Role, ApiSession>();

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-matrix-'));
    writeTestConfig(dataDir, db.url ? { database: { dialect: 'postgres', url: db.url } } : {});
    const add = async (name: string) => {
      // Unreachable cameras: the matrix is about who may ask, not about video.
      const r = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', name, '--url', 'rtsp://127.0.0.1:9/none']);
      expect(r.code, r.stderr).toBe(0);
      return (r.json as { id: string }).id;
    };
    own = await add('own');
    other = await add('other');
    const usernames = Object.fromEntries(ROLES.map((r) => [r, `m_${r}`])) as Record<Role, string>;
    const passwords = await provisionAccounts(
      dataDir,
      ROLES.map((role) => ({ username: usernames[role], roles: [role], agreement: role === 'contractor', grantCameras: VIDEO_ROLES.includes(role) ? [own] : [] })),
    );
    vigil = await startServe(dataDir);
    for (const role of ROLES) sessions.set(role, await ApiSession.login(vigil.url, usernames[role], passwords.get(usernames[role]) ?? TEST_PASSWORD));
  });

  afterAll(async () => {
    await vigil?.stop();
    await db?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the server registers exactly the declared routes, each with its declared rule', async () => {
    const res = await sessions.get('inspector')!.fetch('/api/v1/system/routes');
    expect(res.status).toBe(200);
    const routes = (await res.json()) as { method: string; url: string; access: RouteAccess | null }[];
    const undeclared = routes.filter((r) => declared(r.method, r.url) === undefined).map((r) => `${r.method} ${r.url}`);
    expect(undeclared, 'routes missing from the permission table').toEqual([]);
    const mismatched = routes.filter((r) => r.access !== declared(r.method, r.url)).map((r) => `${r.method} ${r.url}: ${r.access} ≠ ${declared(r.method, r.url)}`);
    expect(mismatched).toEqual([]);
    const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
    expect(Object.keys(EXPECTED).filter((k) => !registered.has(k)), 'declared routes the server lacks').toEqual([]);
  });

  it('every route × role × own/other camera is allowed or refused exactly as declared', async () => {
    const res = await sessions.get('inspector')!.fetch('/api/v1/system/routes');
    const routes = ((await res.json()) as { method: string; url: string }[]).filter((r) => r.url.startsWith('/api/') || r.url === '/metrics');
    const keys = [...new Set(routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`))];
    keys.sort((a, b) => LAST.indexOf(a) - LAST.indexOf(b));
    const who: Who[] = ['anonymous', ...ROLES];
    const wrong: string[] = [];
    let cells = 0;
    for (const key of keys) {
      const [method, url] = key.split(' ') as [string, string];
      const access = declared(method, url)!;
      for (const camera of CAMERA_SCOPED.has(key) ? [own, other] : [NOBODY]) {
        for (const w of who) {
          const expectAllowed = allowedByRole(w, access) && !(CAMERA_SCOPED.has(key) && camera === other && VIDEO_ROLES.includes(w as Role));
          const session = w === 'anonymous' ? null : sessions.get(w)!;
          const outcome = url.endsWith('/live') ? await tryLive(vigil.url, url, camera, session) : await tryHttp(vigil.url, method, url, camera, session);
          cells += 1;
          if (outcome.allowed !== expectAllowed) {
            wrong.push(`${key} as ${w} on ${camera === own ? 'own' : camera === other ? 'other' : '-'} camera: expected ${expectAllowed ? 'allowed' : 'refused'}, got ${outcome.detail}`);
          }
        }
      }
    }
    console.log(`[permission matrix ${dialect}] ${keys.length} routes, ${cells} cells checked`);
    expect(wrong).toEqual([]);
  });
});

/** Refused = 401, or 403 from the permission layer or a per-camera grant; 404 on a camera hidden from its viewer (D6). */
function refusal(status: number, code: string | undefined, key: string): boolean {
  if (status === 401) return true;
  if (status === 403) return code === 'forbidden' || code === 'camera_not_granted';
  return status === 404 && code === 'camera_not_found' && key === 'GET /api/v1/cameras/:id';
}

async function tryHttp(base: string, method: string, url: string, camera: string, session: ApiSession | null): Promise<{ allowed: boolean; detail: string }> {
  let path = url.replace(':segmentId', '1').replace(':tokenId', NOBODY).replace(':id', camera);
  if (path.endsWith('/snapshot.jpg')) path += `?at=${Date.now() - 60_000}&${TEST_REASON_QUERY}`;
  if (/\/(playback\.m3u8|export\.mp4|recordings)$/.test(path)) path += `?from=${Date.now() - 600_000}&to=${Date.now()}&${TEST_REASON_QUERY}`;
  if (path.endsWith('/recordings?' + path.split('?')[1])) path = path.replace(`&${TEST_REASON_QUERY}`, '');
  const init: RequestInit & { json?: unknown } = { method };
  if (method !== 'GET' && method !== 'DELETE') init.json = {};
  const res = session ? await session.fetch(path, init) : await fetch(`${base}${path}`, { method, ...(init.json ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
  let code: string | undefined;
  try {
    code = ((await res.json()) as { error?: string }).error;
  } catch {
    code = undefined; // a non-JSON success (playlist, metrics text, CSV)
  }
  const refused = refusal(res.status, code, `${method} ${url}`);
  return { allowed: !refused, detail: `${res.status} ${code ?? ''}`.trim() };
}

/** A real WebSocket upgrade: refused by the auth layer (HTTP 401/403) or by the gate (close 4403). */
function tryLive(base: string, url: string, camera: string, session: ApiSession | null): Promise<{ allowed: boolean; detail: string }> {
  const wsUrl = `${base.replace('http', 'ws')}${url.replace(':id', camera)}?${TEST_REASON_QUERY}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, session ? session.wsOptions() : {});
    const done = (allowed: boolean, detail: string) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve({ allowed, detail });
    };
    const timer = setTimeout(() => done(true, 'open, no refusal within 3 s'), 3000);
    ws.on('unexpected-response', (_req, res) => done(!(res.statusCode === 401 || res.statusCode === 403), `HTTP ${res.statusCode}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return done(true, 'video bytes');
      const msg = JSON.parse(String(data)) as { type: string; error?: string };
      if (msg.type === 'error') done(!(msg.error === 'forbidden' || msg.error === 'camera_not_granted'), `error ${msg.error}`);
      else done(true, `message ${msg.type}`);
    });
    ws.on('close', (code) => done(code !== 4403 && code !== 4401, `close ${code}`));
    ws.on('error', (err) => done(false, `error ${err.message}`));
  });
}
