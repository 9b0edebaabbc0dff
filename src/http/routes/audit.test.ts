// The /api/v1/audit routes over a real register (SQLite): every route declares its permission, lists carry
// x-total-count, unknown query fields and bad times are refused, exports stream CSV/JSON as attachments.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/databases.js';
import { AuditRegisters } from '../../audit/index.js';
import { generateKeyPairSync } from 'node:crypto';
import { toApiError } from '../errors.js';
import { auditRoutes } from './audit.js';

let app: FastifyInstance;
let audit: AuditRegisters;
let dispose: () => Promise<void>;
const declared = new Map<string, unknown>();

beforeAll(async () => {
  const t = await createTestDatabase('sqlite');
  audit = new AuditRegisters({ db: t.db, now: () => Date.UTC(2026, 11, 2, 8), signingKey: generateKeyPairSync('ed25519').privateKey, checkpointEveryEntries: 100, checkpointEveryMs: 60_000 });
  dispose = async () => { await audit.close(); await t.dispose(); };
  for (let i = 0; i < 3; i++) {
    await audit.recordAccess({
      outcome: 'granted', accountId: 'a1', username: 'zhang', displayName: '张伟', unit: '治安大队', roles: ['operator'], action: 'playback',
      cameraIds: [`cam-${i}`], fromMs: null, toMs: null, reasonCategory: 'case', reasonText: '调阅', requestId: null, clientAddr: null, refusal: null,
    });
  }
  await audit.recordEvent({ actor: null, event: 'bootstrap', target: null, details: { admin: 'root' }, clientAddr: null });
  app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } } }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = toApiError(err);
    return reply.code(status).send(body);
  });
  app.addHook('onRoute', (r) => void declared.set(`${r.method} ${r.url}`, (r.config as { access?: unknown } | undefined)?.access));
  await app.register(auditRoutes, { audit });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await dispose();
});

describe('/api/v1/audit', () => {
  it('declares a permission on every route', () => {
    expect(Object.fromEntries([...declared].filter(([k]) => k.startsWith('GET')))).toEqual({
      'GET /api/v1/audit/access': 'audit.read',
      'GET /api/v1/audit/access/export': 'audit.read',
      'GET /api/v1/audit/system': 'systemlog.read',
      'GET /api/v1/audit/system/export': 'systemlog.read',
      'GET /api/v1/audit/verify': 'audit.read',
      'GET /api/v1/audit/public-key': 'audit.read',
    });
  });

  it('lists with filters, a page and the total', async () => {
    const res = await app.inject({ url: '/api/v1/audit/access?limit=2&username=zhang&from=2026-12-02T00:00:00Z' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-total-count']).toBe('3');
    expect(res.json().map((e: { id: number }) => e.id)).toEqual([3, 2]);
    const cam = await app.inject({ url: '/api/v1/audit/access?cameraId=cam-1' });
    expect(cam.json()).toEqual([expect.objectContaining({ id: 2, displayName: '张伟', cameraIds: ['cam-1'] })]);
    const sys = await app.inject({ url: '/api/v1/audit/system?event=bootstrap' });
    expect(sys.json()).toEqual([expect.objectContaining({ event: 'bootstrap', details: { admin: 'root' }, actorId: null })]);
  });

  it('refuses unknown query fields and bad times', async () => {
    expect((await app.inject({ url: '/api/v1/audit/access?user=zhang' })).statusCode).toBe(400);
    const bad = await app.inject({ url: '/api/v1/audit/access?from=yesterday' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'bad_time_range', field: 'from' });
  });

  it('streams a CSV export as an attachment', async () => {
    const res = await app.inject({ url: '/api/v1/audit/access/export?format=csv&cameraId=cam-2' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="vigil-access-register-.*\.csv"$/);
    // The UTF-8 BOM (EF BB BF) is in the bytes; res.body's decoding would hide it.
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = res.rawPayload.subarray(3).toString('utf8').trim().split('\n');
    expect(lines[0]!.startsWith('id,')).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('治安大队');
    const json = await app.inject({ url: '/api/v1/audit/system/export?format=json' });
    expect(JSON.parse(json.body)).toHaveLength(1);
  });

  it('verifies and shows the public key', async () => {
    expect((await app.inject({ url: '/api/v1/audit/verify' })).json()).toMatchObject({ ok: true, logs: { access: { entries: 3 } } });
    const key = (await app.inject({ url: '/api/v1/audit/public-key' })).json();
    expect(key.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
  });
});
