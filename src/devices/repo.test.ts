import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import type { NewCameraStreamRow } from '../db/index.js';
import { deleteCamera, getCamera, insertCamera, listCameras, updateCamera } from './repo.js';

function cameraRows(name: string, atMs: number, opts: { enabled?: boolean; sub?: boolean; rtspClient?: 'builtin' | 'ffmpeg' } = {}) {
  const id = uuidv7();
  const stream = (kind: 'main' | 'sub'): NewCameraStreamRow => ({
    id: uuidv7(),
    camera_id: id,
    kind,
    url_redacted: `rtsp://***@${name}/${kind}`,
    url_sealed: `v1.sealed-${kind}`,
    record: kind === 'main' ? 1 : 0,
    created_ms: atMs,
    updated_ms: atMs,
  });
  return {
    camera: { id, name, enabled: opts.enabled === false ? 0 : 1, created_ms: atMs, updated_ms: atMs, rtsp_client: opts.rtspClient ?? null },
    streams: opts.sub ? [stream('sub'), stream('main')] : [stream('main')],
  };
}

describe.each(dialects)('devices repo on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  beforeAll(async () => { t = await createTestDatabase(dialect); });
  afterAll(async () => { await t?.dispose(); });

  it('inserts a camera with its streams and reads them back, main first, with numeric times', async () => {
    const rows = cameraRows('cam-a', 1_800_000_000_000, { sub: true });
    await insertCamera(t.db, rows.camera, rows.streams);
    const record = await getCamera(t.db, rows.camera.id);
    expect(record?.camera).toEqual(rows.camera);
    expect(record?.streams.map((s) => s.kind)).toEqual(['main', 'sub']);
    expect(record?.streams[0]).toEqual(rows.streams[1]);
    expect(typeof record?.camera.created_ms).toBe('number');
    expect(await getCamera(t.db, uuidv7())).toBeUndefined();
  });

  it('lists in creation order, optionally only enabled cameras', async () => {
    const before = (await listCameras(t.db)).length;
    const b = cameraRows('cam-b', 1_800_000_000_002, { enabled: false });
    const c = cameraRows('cam-c', 1_800_000_000_001);
    await insertCamera(t.db, b.camera, b.streams);
    await insertCamera(t.db, c.camera, c.streams);
    const all = await listCameras(t.db);
    expect(all).toHaveLength(before + 2);
    expect(all.slice(-2).map((r) => r.camera.name)).toEqual(['cam-c', 'cam-b']);
    const enabled = await listCameras(t.db, { enabledOnly: true });
    expect(enabled.map((r) => r.camera.name)).not.toContain('cam-b');
    expect(enabled.every((r) => r.streams.length > 0)).toBe(true);
  });

  it('inserts nothing when a stream insert fails (one transaction)', async () => {
    const rows = cameraRows('cam-dup', 1_800_000_000_003, { sub: true });
    const broken = rows.streams.map((s) => ({ ...s, kind: 'main' as const })); // violates unique (camera_id, kind)
    await expect(insertCamera(t.db, rows.camera, broken)).rejects.toThrow();
    expect(await getCamera(t.db, rows.camera.id)).toBeUndefined();
  });

  it('updates fields and streams atomically, re-sealing with the existing stream id', async () => {
    const rows = cameraRows('cam-u', 1_800_000_000_010);
    await insertCamera(t.db, rows.camera, rows.streams);
    const mainId = rows.streams[0]?.id;
    const subId = uuidv7();
    const updated = await updateCamera(t.db, rows.camera.id, (current) => {
      expect(current.camera.name).toBe('cam-u');
      return {
        updatedMs: 1_800_000_000_020,
        name: 'cam-u2',
        enabled: false,
        streams: {
          main: { url: { redacted: 'rtsp://h/main2', seal: (id) => `sealed-for-${id}` }, newId: uuidv7() },
          sub: { url: { redacted: 'rtsp://h/sub', seal: (id) => `sealed-for-${id}` }, record: true, newId: subId },
        },
      };
    });
    expect(updated?.camera).toMatchObject({ name: 'cam-u2', enabled: 0, created_ms: 1_800_000_000_010, updated_ms: 1_800_000_000_020 });
    expect(updated?.streams).toMatchObject([
      { id: mainId, kind: 'main', url_redacted: 'rtsp://h/main2', url_sealed: `sealed-for-${mainId}`, record: 1 },
      { id: subId, kind: 'sub', url_sealed: `sealed-for-${subId}`, record: 1, created_ms: 1_800_000_000_020 },
    ]);

    const removed = await updateCamera(t.db, rows.camera.id, () => ({ updatedMs: 1_800_000_000_030, streams: { sub: null } }));
    expect(removed?.streams.map((s) => s.kind)).toEqual(['main']);
  });

  it("sets and clears a camera's RTSP client, leaving it alone when a change does not name it", async () => {
    const rows = cameraRows('cam-rc', 1_800_000_000_035, { rtspClient: 'ffmpeg' });
    await insertCamera(t.db, rows.camera, rows.streams);
    expect((await getCamera(t.db, rows.camera.id))?.camera.rtsp_client).toBe('ffmpeg');
    expect((await updateCamera(t.db, rows.camera.id, () => ({ updatedMs: 1_800_000_000_036, name: 'cam-rc2' })))?.camera.rtsp_client).toBe('ffmpeg');
    expect((await updateCamera(t.db, rows.camera.id, () => ({ updatedMs: 1_800_000_000_037, rtspClient: 'builtin' })))?.camera.rtsp_client).toBe('builtin');
    expect((await updateCamera(t.db, rows.camera.id, () => ({ updatedMs: 1_800_000_000_038, rtspClient: null })))?.camera.rtsp_client).toBeNull();
    expect((await listCameras(t.db)).find((r) => r.camera.id === rows.camera.id)?.camera.rtsp_client).toBeNull();
  });

  it('rolls back when the plan throws, and returns undefined for a missing camera', async () => {
    const rows = cameraRows('cam-r', 1_800_000_000_040);
    await insertCamera(t.db, rows.camera, rows.streams);
    await expect(updateCamera(t.db, rows.camera.id, () => { throw new Error('refused'); })).rejects.toThrow('refused');
    expect((await getCamera(t.db, rows.camera.id))?.camera).toEqual(rows.camera);
    let called = false;
    expect(await updateCamera(t.db, uuidv7(), () => { called = true; return { updatedMs: 1 }; })).toBeUndefined();
    expect(called).toBe(false);
  });

  it('serialises concurrent updates of one camera: adding a sub stream twice never duplicates it', async () => {
    const rows = cameraRows('cam-c2', 1_800_000_000_050);
    await insertCamera(t.db, rows.camera, rows.streams);
    // Each plan waits (up to 300 ms) for the other to have read the camera too. Without the row lock both would read
    // "no sub stream" and both insert one; with it, the second reads only after the first has committed.
    let arrived = 0;
    const bothRead = async () => {
      arrived += 1;
      for (let waited = 0; arrived < 2 && waited < 300; waited += 10) await new Promise((r) => setTimeout(r, 10));
    };
    const addSub = (n: number) =>
      updateCamera(t.db, rows.camera.id, async () => {
        await bothRead();
        return {
          updatedMs: 1_800_000_000_050 + n,
          streams: { sub: { url: { redacted: `rtsp://h/sub${n}`, seal: () => `s${n}` }, newId: uuidv7() } },
        };
      });
    await Promise.all([addSub(1), addSub(2)]);
    const record = await getCamera(t.db, rows.camera.id);
    expect(record?.streams.filter((s) => s.kind === 'sub')).toHaveLength(1);
    expect(arrived).toBe(2);
  });

  it('deletes a camera with its streams', async () => {
    const rows = cameraRows('cam-d', 1_800_000_000_060, { sub: true });
    await insertCamera(t.db, rows.camera, rows.streams);
    expect(await deleteCamera(t.db, rows.camera.id)).toBe(true);
    expect(await getCamera(t.db, rows.camera.id)).toBeUndefined();
    const left = await t.db.selectFrom('camera_streams').select('id').where('camera_id', '=', rows.camera.id).execute();
    expect(left).toEqual([]);
    expect(await deleteCamera(t.db, rows.camera.id)).toBe(false);
  });
});
