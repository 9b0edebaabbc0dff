import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { checkCompliance, type InstallationRecord } from '../domain/index.js';
import { CameraService, credentialKey, DeviceError, type CameraChangeEvent } from './index.js';

/** The articles of the checker's R8.1 text flags (place_text_flagged) for one record. */
function textFlags(record: InstallationRecord): string[] {
  const findings = checkCompliance({ nowMs: Date.now(), cameras: [], installations: [record], signage: [], systems: [], users: [] });
  return findings.filter((f) => f.rule === 'place_text_flagged').map((f) => f.article);
}

const T0 = 1_800_000_000_000;
/** The R10 / D11 / S fields of a place recorded without them. */
const NO_INSTALLATION_FLAGS = { facesResidence: false, nearMilitaryOrClassified: false, consentDocumentRef: null, angle: null, assessment: null };

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function rejection(promise: Promise<unknown>): Promise<DeviceError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DeviceError);
  return error as DeviceError;
}

describe.each(dialects)('CameraService on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let nowMs = T0;
  let service: CameraService;
  const events: CameraChangeEvent[] = [];
  const key = credentialKey(randomBytes(32));

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    service = new CameraService({ db: t.db, credentialKey: key, clock: () => (nowMs += 1000) });
    service.onChange((e) => { events.push(e); });
  });
  afterAll(async () => { await t?.dispose(); });

  it('adds a camera with UUIDv7 ids and redacted stream URLs, and gets and lists it', async () => {
    const camera = await service.add({
      name: ' North gate ',
      url: 'rtsp://admin:S3cret@10.0.0.5:554/Streaming/Channels/101',
      subUrl: 'rtsp://admin:S3cret@10.0.0.5:554/Streaming/Channels/102',
    });
    expect(camera).toEqual({
      id: expect.stringMatching(UUID_V7),
      name: 'North gate',
      enabled: true,
      rtspClient: 'default',
      place: null,
      createdMs: nowMs,
      updatedMs: nowMs,
      streams: [
        { id: expect.stringMatching(UUID_V7), kind: 'main', url: 'rtsp://***@10.0.0.5:554/Streaming/Channels/101', record: true },
        { id: expect.stringMatching(UUID_V7), kind: 'sub', url: 'rtsp://***@10.0.0.5:554/Streaming/Channels/102', record: false },
      ],
    });
    expect(await service.get(camera.id)).toEqual(camera);
    expect(await service.get(camera.id.toUpperCase())).toEqual(camera);
    expect((await service.list()).at(-1)).toEqual(camera);
    expect(events.at(-1)).toEqual({ type: 'added', cameraId: camera.id, camera });
  });

  it('never shows credentials: not in get/list output, not in clear in the database (R18, D6)', async () => {
    const secrets = ['p@ss/w0rd#1', 'p%40ss%2Fw0rd%231', 'xm-hunter2', 'tok-9f8e7d', 'operator'];
    const camera = await service.add({
      name: 'Secret cam',
      url: 'rtsp://operator:p%40ss%2Fw0rd%231@cam.local:554/live',
      subUrl: 'rtsp://cam.local/user=admin&password=xm-hunter2&channel=1&stream=1.sdp?token=tok-9f8e7d',
      recordSub: true,
    });
    const shown = [JSON.stringify(camera), JSON.stringify(await service.get(camera.id)), JSON.stringify(await service.list())];
    const rows = await t.db.selectFrom('camera_streams').selectAll().where('camera_id', '=', camera.id).execute();
    for (const text of [...shown, JSON.stringify(rows)]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect(camera.streams.map((s) => s.url)).toEqual([
      'rtsp://***@cam.local:554/live',
      'rtsp://cam.local/user=***&password=***&channel=1&stream=1.sdp?token=***',
    ]);
  });

  it('gives the recorder the opened URLs of enabled cameras, exactly as entered, and keeps them out of logs', async () => {
    const url = 'rtsp://admin:p%40ss@cam-i.local/main';
    const on = await service.add({ name: 'Ingest on', url, subUrl: 'rtsp://cam-i.local/sub', recordSub: false });
    const off = await service.add({ name: 'Ingest off', url: 'rtsp://u:pw@cam-off.local/main', enabled: false });
    const plan = await service.streamsToIngest();
    expect(plan.unreadable).toEqual([]);
    const mine = plan.streams.filter((s) => s.cameraId === on.id);
    expect(mine.map((s) => ({ ...s }))).toEqual([
      { cameraId: on.id, cameraName: 'Ingest on', streamId: on.streams[0]?.id, kind: 'main', url, urlRedacted: 'rtsp://***@cam-i.local/main', record: true, burnInMasks: [] },
      { cameraId: on.id, cameraName: 'Ingest on', streamId: on.streams[1]?.id, kind: 'sub', url: 'rtsp://cam-i.local/sub', urlRedacted: 'rtsp://cam-i.local/sub', record: false, burnInMasks: [] },
    ]);
    expect(plan.streams.some((s) => s.cameraId === off.id)).toBe(false);
    expect(JSON.stringify(plan)).not.toContain('p%40ss');
    const { inspect } = await import('node:util');
    expect(inspect(mine[0])).not.toContain('p%40ss');
  });

  it('reports a stream whose sealed URL was swapped or altered as unreadable, and still plans the others', async () => {
    const a = await service.add({ name: 'Swap A', url: 'rtsp://a:pa@cam-a.local/x' });
    const b = await service.add({ name: 'Swap B', url: 'rtsp://b:pb@cam-b.local/x' });
    const sealedOf = async (id: string | undefined) =>
      (await t.db.selectFrom('camera_streams').select('url_sealed').where('id', '=', id ?? '').executeTakeFirstOrThrow()).url_sealed;
    // Planned once before the swap: B's opened URL is kept (per sealed value) and must not outlive the change.
    expect((await service.streamsToIngest()).streams.find((s) => s.cameraId === b.id)?.url).toBe('rtsp://b:pb@cam-b.local/x');
    // An attacker with write access to the index copies A's sealed URL onto B, to send A's password to B's host.
    await t.db.updateTable('camera_streams').set({ url_sealed: await sealedOf(a.streams[0]?.id) }).where('id', '=', b.streams[0]?.id ?? '').execute();
    const plan = await service.streamsToIngest();
    expect(plan.streams.some((s) => s.cameraId === a.id)).toBe(true);
    expect(plan.unreadable).toEqual([
      { cameraId: b.id, streamId: b.streams[0]?.id, kind: 'main', urlRedacted: 'rtsp://***@cam-b.local/x', error: expect.any(DeviceError) },
    ]);
    expect(plan.unreadable[0]?.error.code).toBe('credential_unreadable');
    await service.remove(b.id);
  });

  it('with another key, every stream is unreadable with a key-mismatch error', async () => {
    const other = new CameraService({ db: t.db, credentialKey: credentialKey(randomBytes(32)), clock: () => nowMs });
    const plan = await other.streamsToIngest();
    expect(plan.streams).toEqual([]);
    expect(plan.unreadable.length).toBeGreaterThan(0);
    expect(new Set(plan.unreadable.map((u) => u.error.code))).toEqual(new Set(['credential_key_mismatch']));
  });

  it('updates name, enabled, URLs and the sub stream, keeping stream ids', async () => {
    const camera = await service.add({ name: 'Upd', url: 'rtsp://u:p1@cam-u.local/main' });
    const mainId = camera.streams[0]?.id;
    const renamed = await service.update(camera.id, { name: 'Upd 2', enabled: false, url: 'rtsp://u:p2@cam-u.local/main2' });
    expect(renamed).toMatchObject({ name: 'Upd 2', enabled: false, createdMs: camera.createdMs, updatedMs: nowMs });
    expect(renamed.streams).toEqual([{ id: mainId, kind: 'main', url: 'rtsp://***@cam-u.local/main2', record: true }]);

    const withSub = await service.update(camera.id, { enabled: true, subUrl: 'rtsp://u:p3@cam-u.local/sub', recordSub: true });
    expect(withSub.streams[1]).toMatchObject({ kind: 'sub', url: 'rtsp://***@cam-u.local/sub', record: true });
    const subId = withSub.streams[1]?.id;
    const notRecorded = await service.update(camera.id, { recordSub: false });
    expect(notRecorded.streams[1]).toEqual({ id: subId, kind: 'sub', url: 'rtsp://***@cam-u.local/sub', record: false });

    const opened = (await service.streamsToIngest()).streams.filter((s) => s.cameraId === camera.id);
    expect(opened.map((s) => s.url)).toEqual(['rtsp://u:p2@cam-u.local/main2', 'rtsp://u:p3@cam-u.local/sub']);

    const noSub = await service.update(camera.id, { subUrl: null });
    expect(noSub.streams.map((s) => s.kind)).toEqual(['main']);
    expect(await service.get(camera.id)).toEqual(noSub);
  });

  it("keeps each camera's RTSP client choice and hands it to the recorder; 'default' follows the server", async () => {
    const camera = await service.add({ name: 'Quirky', url: 'rtsp://cam-q.local/main', subUrl: 'rtsp://cam-q.local/sub', rtspClient: 'ffmpeg' });
    expect(camera.rtspClient).toBe('ffmpeg');
    expect(await service.get(camera.id)).toMatchObject({ rtspClient: 'ffmpeg' });
    const clientsOf = async () => (await service.streamsToIngest()).streams.filter((s) => s.cameraId === camera.id).map((s) => s.rtspClient);
    expect(await clientsOf()).toEqual(['ffmpeg', 'ffmpeg']); // both streams of the camera
    const count = events.length;
    const back = await service.update(camera.id, { rtspClient: 'default' });
    expect(back.rtspClient).toBe('default');
    expect(events.length).toBe(count + 1); // the recorder re-plans, and restarts the streams with the other client
    expect(await clientsOf()).toEqual([undefined, undefined]);
    // Stored as null, so a later change of the server's default reaches this camera.
    const row = await t.db.selectFrom('cameras').select('rtsp_client').where('id', '=', camera.id).executeTakeFirstOrThrow();
    expect(row.rtsp_client).toBeNull();
    expect((await service.update(camera.id, { rtspClient: 'builtin', name: 'Quirky 2' })).rtspClient).toBe('builtin');
    const bad = await rejection(service.update(camera.id, { rtspClient: 'vlc' }));
    expect(bad).toMatchObject({ code: 'invalid_camera', field: 'rtspClient', message: 'rtspClient must be one of "default", "builtin", "ffmpeg"' });
    expect((await service.get(camera.id)).rtspClient).toBe('builtin');
    // The table refuses anything else even when written around the service.
    await expect(t.db.updateTable('cameras').set({ rtsp_client: 'vlc' as 'ffmpeg' }).where('id', '=', camera.id).execute()).rejects.toThrow();
    await service.remove(camera.id);
  });

  it('refuses recordSub on a camera without a sub stream, changing nothing', async () => {
    const camera = await service.add({ name: 'No sub', url: 'rtsp://cam-n.local/main' });
    const error = await rejection(service.update(camera.id, { recordSub: true, name: 'Renamed' }));
    expect(error).toMatchObject({ code: 'invalid_camera', field: 'recordSub', message: 'recordSub needs a sub stream: this camera has none, give subUrl' });
    expect(await service.get(camera.id)).toEqual(camera);
  });

  it('treats an empty update as a no-op: no write, no event', async () => {
    const camera = await service.add({ name: 'Noop', url: 'rtsp://cam-0.local/main' });
    const count = events.length;
    expect(await service.update(camera.id, {})).toEqual(camera);
    expect(events.length).toBe(count);
  });

  it('removes a camera; afterwards it is not found', async () => {
    const camera = await service.add({ name: 'Gone', url: 'rtsp://cam-g.local/main' });
    await service.remove(camera.id);
    expect(events.at(-1)).toEqual({ type: 'removed', cameraId: camera.id });
    for (const call of [() => service.get(camera.id), () => service.remove(camera.id), () => service.update(camera.id, { name: 'x' })]) {
      expect(await rejection(call())).toMatchObject({ code: 'camera_not_found', field: 'id', message: `camera ${camera.id} not found` });
    }
    expect((await service.list()).some((c) => c.id === camera.id)).toBe(false);
  });

  it('rejects ids that are not UUIDs as invalid_camera, and absent UUIDs as camera_not_found', async () => {
    for (const call of [() => service.get('camera-1'), () => service.update('1; drop table cameras', { name: 'x' }), () => service.remove('')]) {
      expect(await rejection(call())).toMatchObject({ code: 'invalid_camera', field: 'id' });
    }
    const absent = uuidv7();
    expect(await rejection(service.get(absent))).toMatchObject({ code: 'camera_not_found', message: `camera ${absent} not found` });
  });

  it('rejects invalid input before writing anything', async () => {
    const before = (await service.list()).length;
    const count = events.length;
    const error = await rejection(service.add({ name: 'Bad', url: 'http://admin:pw@cam.local/' }));
    expect(error).toMatchObject({ code: 'invalid_camera', field: 'url' });
    expect((await service.list()).length).toBe(before);
    expect(events.length).toBe(count);
  });
  it('records where a camera is installed; refuses a forbidden area (R8.1) on add and on move, changing nothing', async () => {
    const camera = await service.add({ name: '东门 East Gate', url: 'rtsp://10.0.0.9/a', areaType: 'square', placeCategory: 'crowd_venue', necessity: '人流密集 crowded' });
    expect(camera.place).toEqual({ areaType: 'square', placeCategory: 'crowd_venue', site: null, position: null, necessity: '人流密集 crowded', installingParty: null, ...NO_INSTALLATION_FLAGS, review: [], reviewCleared: null });
    const refused = await rejection(service.add({ name: 'x', url: 'rtsp://10.0.0.9/b', areaType: 'changing_room' }));
    expect(refused).toMatchObject({ code: 'camera_place_forbidden', article: 'R8.1(3)', field: 'areaType' });
    const moved = await rejection(service.update(camera.id, { areaType: 'hotel_room', site: '3楼' }));
    expect(moved).toMatchObject({ code: 'camera_place_forbidden', article: 'R8.1(1)' });
    expect((await service.get(camera.id)).place).toEqual(camera.place);
    // A rename that names a forbidden place is flagged for review, and cleared once renamed again.
    const flagged = await service.update(camera.id, { name: '员工更衣室门口', position: '朝东' });
    expect(flagged.place?.review).toEqual([{ term: '更衣室', article: 'R8.1(3)', field: 'name' }]);
    expect(flagged.place?.position).toBe('朝东');
    // The checker sees the same name (R8.1): a flag until renamed or reviewed.
    const named = (await service.installationRecords()).find((r) => r.cameraId === camera.id)!;
    expect(named.cameraName).toBe('员工更衣室门口');
    expect(textFlags(named)).toEqual(['R8.1(3)']);
    const cleared = await service.update(camera.id, { name: '东门 East Gate' });
    expect(cleared.place?.review).toEqual([]);
    // The necessity statement is screened as the checker screens it.
    const necessity = await service.update(camera.id, { necessity: '防范宿舍区盗窃' });
    expect(necessity.place?.review).toEqual([{ term: '宿舍', article: 'R8.1(2)', field: 'necessity' }]);
    await service.remove(camera.id);
    await expect(service.get(camera.id)).rejects.toMatchObject({ code: 'camera_not_found' });
  });
  it('keeps a person’s review of screening hits (R8.1) while the reviewed texts stay; a change re-opens it', async () => {
    const camera = await service.add({ name: '走廊 Corridor', url: 'rtsp://10.0.0.9/r', areaType: 'corridor', placeCategory: 'crowd_venue', necessity: '通道', position: '二楼卫生间门外，朝向大厅' });
    expect(camera.place?.review).toEqual([{ term: '卫生间', article: 'R8.1(3)', field: 'position' }]);
    const by = { username: 'sec', name: '保卫科 李', unit: '某商场' };
    await expect(service.clearPlaceReview(camera.id, { note: ' ' }, by)).rejects.toMatchObject({ code: 'invalid_camera', field: 'note' });
    const place = await service.clearPlaceReview(camera.id, { note: '门外走廊，镜头朝向大厅，拍不到门内' }, by);
    expect(place.reviewCleared).toEqual({ terms: ['卫生间'], note: '门外走廊，镜头朝向大厅，拍不到门内', by, atMs: expect.any(Number) });
    const [record] = (await service.installationRecords()).filter((r) => r.cameraId === camera.id);
    expect(record?.reviewedTexts).toContain('二楼卫生间门外，朝向大厅');
    expect(record).toMatchObject({ cameraName: '走廊 Corridor', reviewedName: '走廊 Corridor' });
    expect(textFlags(record!)).toEqual([]);
    // Unrelated changes keep it; a change to a screened text (or the name) re-opens it.
    expect((await service.update(camera.id, { installingParty: '某安防公司' })).place?.reviewCleared).not.toBeNull();
    expect((await service.update(camera.id, { position: '二楼卫生间内' })).place?.reviewCleared).toBeNull();
    const again = await service.clearPlaceReview(camera.id, { note: '复核' }, by);
    expect(again.reviewCleared?.note).toBe('复核');
    expect((await service.update(camera.id, { name: '走廊二 Corridor 2' })).place?.reviewCleared).toBeNull();
    const renamed = (await service.installationRecords()).find((r) => r.cameraId === camera.id)!;
    expect(textFlags(renamed)).toEqual(['R8.1(3)']);
    const clean = await service.update(camera.id, { position: '二楼大厅' });
    expect(clean.place?.review).toEqual([]);
    await expect(service.clearPlaceReview(camera.id, { note: '无' }, by)).rejects.toMatchObject({ code: 'nothing_to_review' });
  });
});

describe.each(dialects)('CameraService pagination on %s', (dialect) => {
  it('pages over cameras (not joined stream rows) in creation order and counts them all', async () => {
    const t = await createTestDatabase(dialect);
    try {
      let now = T0;
      const service = new CameraService({ db: t.db, credentialKey: credentialKey(randomBytes(32)), clock: () => (now += 1000) });
      for (let i = 0; i < 5; i++) {
        await service.add({ name: `cam ${i}`, url: `rtsp://10.0.0.${i}/main`, subUrl: `rtsp://10.0.0.${i}/sub` });
      }
      expect(await service.count()).toBe(5);
      const first = await service.list({ limit: 2 });
      expect(first.map((c) => c.name)).toEqual(['cam 0', 'cam 1']);
      expect(first.every((c) => c.streams.length === 2)).toBe(true);
      expect((await service.list({ limit: 2, offset: 2 })).map((c) => c.name)).toEqual(['cam 2', 'cam 3']);
      expect((await service.list({ limit: 2, offset: 4 })).map((c) => c.name)).toEqual(['cam 4']);
      expect(await service.list({ limit: 2, offset: 10 })).toEqual([]);
      expect((await service.list()).length).toBe(5);
    } finally {
      await t.dispose();
    }
  });
});

describe.each(dialects)('CameraService.onChange on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  beforeAll(async () => { t = await createTestDatabase(dialect); });
  afterAll(async () => { await t?.dispose(); });

  it('fires after add, update and remove; stops after unsubscribe; survives failing listeners', async () => {
    const failures: Array<[unknown, string]> = [];
    const service = new CameraService({
      db: t.db,
      credentialKey: credentialKey(randomBytes(32)),
      clock: () => T0,
      onListenerError: (error, event) => failures.push([error, event.type]),
    });
    const seen: string[] = [];
    const stop = service.onChange(async (e) => {
      // The change is committed before listeners run: a recorder reconciling reads it back.
      const plan = await service.streamsToIngest();
      seen.push(`${e.type}:${plan.streams.filter((s) => s.cameraId === e.cameraId).length}`);
    });
    service.onChange(() => { throw new Error('sync listener failure'); });
    service.onChange(async () => { throw new Error('async listener failure'); });

    // Each async listener settles before the next change, so what it reads back is that change's committed state.
    const settle = () => new Promise((r) => setTimeout(r, 30));
    const camera = await service.add({ name: 'Evented', url: 'rtsp://cam-e.local/main' });
    await settle();
    await service.update(camera.id, { subUrl: 'rtsp://cam-e.local/sub' });
    await settle();
    await service.remove(camera.id);
    await new Promise((r) => setTimeout(r, 50)); // let the async listeners settle
    expect(seen).toEqual(['added:1', 'updated:2', 'removed:0']);
    expect(failures.map(([e, type]) => `${type}:${(e as Error).message}`).sort()).toEqual(
      ['added', 'updated', 'removed'].flatMap((type) => [`${type}:async listener failure`, `${type}:sync listener failure`]).sort(),
    );

    stop();
    await service.add({ name: 'Silent', url: 'rtsp://cam-s.local/main' });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toHaveLength(3);
  });

});

describe('CameraService construction', () => {
  it('refuses a credential key that is not 32 bytes at once', async () => {
    const t = await createTestDatabase('sqlite');
    try {
      expect(() => new CameraService({ db: t.db, credentialKey: randomBytes(16), clock: () => T0 })).toThrow(
        new DeviceError('credential_key_invalid', 'credential key must be 32 bytes, got 16 bytes'),
      );
    } finally {
      await t.dispose();
    }
  });
});
