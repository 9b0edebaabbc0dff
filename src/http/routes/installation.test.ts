// The installation routes over a real CameraService and system log (SQLite), through app.inject: the R10 / D11
// refusals answer 422 with their article, signage photos are sniffed, bounded and served back byte-exact with their
// digest, masks are validated, per-camera viewers read only granted cameras' masks, and every change is logged.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/databases.js';
import type { Subject } from '../../access/index.js';
import { AuditRegisters } from '../../audit/index.js';
import { CameraService, credentialKey } from '../../devices/index.js';
import { toApiError } from '../errors.js';
import { cameraRoutes } from './cameras.js';
import { installationRoutes } from './installation.js';

const T0 = Date.UTC(2026, 11, 3, 8);
const admin: Subject = { accountId: 'a-admin', username: 'admin', displayName: '管理员', unit: '物业', roles: ['system_admin'], via: 'session' };
const operator: Subject = { accountId: 'a-op', username: 'op', displayName: '值班员', unit: '物业', roles: ['operator'], via: 'session' };
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(1000)]);
const SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]];

let app: FastifyInstance;
let cameras: CameraService;
let audit: AuditRegisters;
let dispose: () => Promise<void>;
let as: Subject = admin;
let granted = new Set<string>();

beforeAll(async () => {
  const t = await createTestDatabase('sqlite');
  audit = new AuditRegisters({ db: t.db, now: () => T0, signingKey: generateKeyPairSync('ed25519').privateKey, checkpointEveryEntries: 100, checkpointEveryMs: 60_000 });
  cameras = new CameraService({ db: t.db, credentialKey: credentialKey(randomBytes(32)), clock: () => T0 });
  dispose = async () => { await audit.close(); await t.dispose(); };
  app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } } }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = toApiError(err);
    return reply.code(status).send(body);
  });
  app.decorateRequest('subject', null);
  app.addHook('onRequest', async (req) => { req.subject = as; });
  const cameraScope = async (s: Subject) => (s.roles.includes('operator') ? granted : 'all' as const);
  await app.register(cameraRoutes, { cameras, statusOf: () => undefined, cameraScope, events: audit });
  await app.register(installationRoutes, { cameras, cameraScope, events: audit });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await dispose();
});

async function events(): Promise<string[]> {
  const page = await audit.querySystem({}, { limit: 100, offset: 0 });
  return page.items.map((e) => e.event);
}

describe('installation routes', () => {
  it('records a person’s review of screening hits (R8.1): note required, logged, 409 when nothing is flagged', async () => {
    as = admin;
    const created = await app.inject({ method: 'POST', url: '/api/v1/cameras', payload: { name: '二楼走廊', url: 'rtsp://h/r', areaType: 'corridor', placeCategory: 'crowd_venue', necessity: '通道', position: '卫生间门外' } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(created.json().place.review).toEqual([{ term: '卫生间', article: 'R8.1(3)', field: 'position' }]);
    expect((await app.inject({ method: 'POST', url: `/api/v1/cameras/${id}/place/review`, payload: {} })).statusCode).toBe(400);
    const ok = await app.inject({ method: 'POST', url: `/api/v1/cameras/${id}/place/review`, payload: { note: '门外走廊，拍不到门内' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().reviewCleared).toMatchObject({ terms: ['卫生间'], note: '门外走廊，拍不到门内', by: { username: 'admin', name: '管理员', unit: '物业' }, atMs: T0 });
    expect((await app.inject({ method: 'GET', url: `/api/v1/cameras/${id}` })).json().place.reviewCleared.note).toBe('门外走廊，拍不到门内');
    expect(await events()).toContain('camera.place_review_cleared');
    const plain = await app.inject({ method: 'POST', url: '/api/v1/cameras', payload: { name: '大厅', url: 'rtsp://h/p' } });
    const none = await app.inject({ method: 'POST', url: `/api/v1/cameras/${plain.json().id}/place/review`, payload: { note: 'x' } });
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ error: 'nothing_to_review' });
    expect((await app.inject({ method: 'POST', url: '/api/v1/cameras/01890000-0000-7000-8000-000000000000/place/review', payload: { note: 'x' } })).statusCode).toBe(404);
  });

  it('refuses activation with the article: R10 without consent, D11 without masks (422)', async () => {
    as = admin;
    const r10 = await app.inject({ method: 'POST', url: '/api/v1/cameras', payload: { name: 'Base', url: 'rtsp://h/m', nearMilitaryOrClassified: true } });
    expect(r10.statusCode).toBe(422);
    expect(r10.json()).toMatchObject({ error: 'classified_consent_missing', article: 'R10', field: 'consentDocumentRef' });
    const d11 = await app.inject({ method: 'POST', url: '/api/v1/cameras', payload: { name: 'Flats', url: 'rtsp://h/m', facesResidence: true } });
    expect(d11.statusCode).toBe(422);
    expect(d11.json()).toMatchObject({ error: 'privacy_masks_missing', article: 'D11' });

    const off = await app.inject({ method: 'POST', url: '/api/v1/cameras', payload: { name: 'Flats', url: 'rtsp://h/m', facesResidence: true, enabled: false, angle: '朝北' } });
    expect(off.statusCode).toBe(201);
    const id = off.json().id as string;
    expect(off.json().place).toMatchObject({ facesResidence: true, angle: '朝北' });
    const enable = await app.inject({ method: 'PATCH', url: `/api/v1/cameras/${id}`, payload: { enabled: true } });
    expect(enable.json()).toMatchObject({ error: 'privacy_masks_missing', article: 'D11' });

    const bad = await app.inject({ method: 'PUT', url: `/api/v1/cameras/${id}/masks`, payload: { masks: [{ points: [[0, 0], [1, 1], [1, 0], [0, 1]] }] } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: 'invalid_mask', field: 'masks[0].points' });
    const outOfRange = await app.inject({ method: 'PUT', url: `/api/v1/cameras/${id}/masks`, payload: { masks: [{ points: [[0, 0], [2, 0], [0, 1]] }] } });
    expect(outOfRange.statusCode).toBe(400);
    const set = await app.inject({ method: 'PUT', url: `/api/v1/cameras/${id}/masks`, payload: { masks: [{ points: SQUARE, burnExport: true }] } });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ cameraId: id, masks: [{ points: SQUARE, burnExport: true, burnRecording: false }] });
    expect((await app.inject({ method: 'PATCH', url: `/api/v1/cameras/${id}`, payload: { enabled: true } })).json().enabled).toBe(true);
    const unmask = await app.inject({ method: 'PUT', url: `/api/v1/cameras/${id}/masks`, payload: { masks: [] } });
    expect(unmask.statusCode).toBe(422);
    expect(unmask.json()).toMatchObject({ error: 'privacy_masks_missing', article: 'D11' });
    expect(await events()).toContain('camera.masks_set');
  });

  it('shows masks to a per-camera viewer only for granted cameras', async () => {
    as = admin;
    const a = (await app.inject({ method: 'POST', url: '/api/v1/cameras', payload: { name: 'A', url: 'rtsp://h/a' } })).json().id as string;
    const b = (await app.inject({ method: 'POST', url: '/api/v1/cameras', payload: { name: 'B', url: 'rtsp://h/b' } })).json().id as string;
    await app.inject({ method: 'PUT', url: `/api/v1/cameras/${a}/masks`, payload: { masks: [{ points: SQUARE }] } });
    granted = new Set([a]);
    as = operator;
    const mine = await app.inject({ url: `/api/v1/cameras/${a}/masks` });
    expect(mine.json().masks).toHaveLength(1);
    const other = await app.inject({ url: `/api/v1/cameras/${b}/masks` });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'camera_not_granted', article: 'R16.2' });
    // The installation fields are place fields: hidden without camera.locate (D6).
    expect((await app.inject({ url: `/api/v1/cameras/${a}` })).json().place).toBeUndefined();
  });

  it('records signage with a sniffed, bounded photo served back byte-exact, and logs every change', async () => {
    as = admin;
    const id = (await app.inject({ method: 'POST', url: '/api/v1/cameras', payload: { name: 'Signed', url: 'rtsp://h/s' } })).json().id as string;
    const created = await app.inject({ method: 'POST', url: `/api/v1/cameras/${id}/signage`, payload: { text: '您已进入视频监控区域', installedMs: T0 } });
    expect(created.statusCode).toBe(201);
    const sid = created.json().id as string;
    expect(created.json()).toMatchObject({ cameraId: id, recordedBy: 'admin', photo: null });
    const empty = await app.inject({ method: 'POST', url: `/api/v1/cameras/${id}/signage`, payload: { text: ' ', installedMs: T0 } });
    expect(empty.json()).toMatchObject({ error: 'invalid_signage', field: 'text' });

    const gif = await app.inject({ method: 'PUT', url: `/api/v1/cameras/${id}/signage/${sid}/photo`, headers: { 'content-type': 'image/png' }, payload: Buffer.from('GIF89a....') });
    expect(gif.statusCode).toBe(415);
    expect(gif.json()).toMatchObject({ error: 'photo_type_unsupported' });
    const huge = await app.inject({ method: 'PUT', url: `/api/v1/cameras/${id}/signage/${sid}/photo`, headers: { 'content-type': 'image/jpeg' }, payload: Buffer.concat([JPEG, Buffer.alloc(5 * 1024 * 1024)]) });
    expect(huge.statusCode).toBe(413);
    const put = await app.inject({ method: 'PUT', url: `/api/v1/cameras/${id}/signage/${sid}/photo`, headers: { 'content-type': 'image/png' }, payload: JPEG });
    expect(put.statusCode).toBe(200);
    const sha256 = createHash('sha256').update(JPEG).digest('hex');
    expect(put.json().photo).toEqual({ type: 'image/jpeg', bytes: JPEG.length, sha256 }); // the content decides the type
    const got = await app.inject({ url: `/api/v1/cameras/${id}/signage/${sid}/photo` });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(got.rawPayload.equals(JPEG)).toBe(true);
    expect(got.headers.digest).toBe(`sha-256=${Buffer.from(sha256, 'hex').toString('base64')}`);
    expect((await app.inject({ url: `/api/v1/cameras/${id}/signage` })).json()).toHaveLength(1);

    const del = await app.inject({ method: 'DELETE', url: `/api/v1/cameras/${id}/signage/${sid}` });
    expect(del.statusCode).toBe(204);
    expect((await app.inject({ url: `/api/v1/cameras/${id}/signage/${sid}/photo` })).json()).toMatchObject({ error: 'signage_not_found' });
    expect(await events()).toEqual(expect.arrayContaining(['camera.signage_recorded', 'camera.signage_photo_set', 'camera.signage_removed']));
  });
});
