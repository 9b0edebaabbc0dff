// Systems over a real database on both dialects (conventions §8): lifecycle with documents, membership, D12 doors.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeRegisters } from '../../test/support/fake-registers.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { AcceptedIngestSource, CameraService, DOCUMENT_MAX_BYTES, SystemService, ViewableCameras, isSystemError } from './index.js';
import * as systemsRepo from './systems-repo.js';

describe.each(dialects)('systems on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let now = 1_800_000_000_000;
  let events: FakeRegisters;
  let systems: SystemService;
  let cameras: CameraService;
  const clock = () => now;

  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    events = new FakeRegisters(clock);
    systems = new SystemService({ db: t.db, clock, events });
    cameras = new CameraService({ db: t.db, credentialKey: randomBytes(32), clock });
  });
  afterEach(async () => t.dispose());

  const doc = (id: string, kind: string) => systems.addDocument(null, id, { kind, title: kind, date: '2026-12-01' });
  async function accepted(): Promise<string> {
    const s = await systems.create(null, { name: '一期', location: '示例路1号' });
    await doc(s.id, 'design');
    await doc(s.id, 'construction_contract');
    await systems.transition(null, s.id, 'built');
    await doc(s.id, 'inspection_report');
    await systems.transition(null, s.id, 'inspected');
    await doc(s.id, 'acceptance_report');
    await systems.transition(null, s.id, 'accepted');
    return s.id;
  }

  it('walks the lifecycle with its documents, keeps every transition and logs every change', async () => {
    const id = await accepted();
    now += 1000;
    const inUse = await systems.transition({ accountId: 'a', username: 'admin', displayName: '管理员', unit: '单位' }, id, 'in_use', { note: '开通' });
    expect(inUse).toMatchObject({ lifecycle: 'in_use', inUseSinceMs: now, recordingAllowed: true });
    expect(inUse.transitions.map((x) => `${x.from}>${x.to}`)).toEqual(['designed>built', 'built>inspected', 'inspected>accepted', 'accepted>in_use']);
    expect(inUse.transitions.at(-1)).toMatchObject({ actor: '管理员 (admin)', note: '开通' });
    expect(events.events.map((e) => e.event)).toEqual([
      'system.created', 'system.document_added', 'system.document_added', 'system.transitioned', 'system.document_added',
      'system.transitioned', 'system.document_added', 'system.transitioned', 'system.transitioned',
    ]);
    // A change, then re-acceptance: the old acceptance report does not count, a new one does; in-use date kept.
    now += 1000;
    await doc(id, 'change_design');
    await systems.transition(null, id, 'changed');
    now += 1000;
    await expect(systems.transition(null, id, 'in_use')).rejects.toMatchObject({ code: 'system_document_missing', article: 'D12' });
    await doc(id, 'acceptance_report');
    expect(await systems.transition(null, id, 'in_use')).toMatchObject({ lifecycle: 'in_use', inUseSinceMs: inUse.inUseSinceMs });
    await systems.transition(null, id, 'retired');
    await expect(systems.transition(null, id, 'in_use')).rejects.toMatchObject({ code: 'system_transition_invalid', article: 'R11' });
    await expect(doc(id, 'other')).rejects.toMatchObject({ code: 'system_retired' });
  });

  it('refuses acceptance without an acceptance report, naming D12, and changes nothing', async () => {
    const s = await systems.create(null, { name: 'x', location: 'y' });
    await expect(systems.transition(null, s.id, 'built')).rejects.toMatchObject({ code: 'system_document_missing', article: 'R11', field: 'documents' });
    await doc(s.id, 'design');
    await doc(s.id, 'construction_contract');
    await systems.transition(null, s.id, 'built');
    await doc(s.id, 'inspection_report');
    await systems.transition(null, s.id, 'inspected');
    const refused = await systems.transition(null, s.id, 'accepted').catch((e: unknown) => e);
    expect(isSystemError(refused, 'system_document_missing')).toBe(true);
    expect((refused as Error).message).toContain('acceptance_report');
    expect((await systems.get(s.id)).lifecycle).toBe('inspected');
    await expect(systems.transition(null, s.id, 'launched')).rejects.toMatchObject({ code: 'invalid_system', field: 'to' });
  });

  it('keeps a document file with its SHA-256 and refuses one above 10 MiB', async () => {
    const s = await systems.create(null, { name: 'x', location: 'y' });
    const bytes = randomBytes(300_000);
    const added = await systems.addDocument(null, s.id, {
      kind: 'parties', title: '参建单位', date: '2026-11-30', parties: [{ name: '某施工公司', role: '施工单位' }, { name: '李四', role: '项目技术负责人' }],
      file: { name: '名单.pdf', type: 'application/pdf', bytes },
    });
    expect(added.file).toMatchObject({ name: '名单.pdf', sizeBytes: 300_000 });
    const back = await systems.documentFile(s.id, added.id);
    expect(back.bytes.equals(bytes)).toBe(true);
    expect(back.sha256).toBe(added.file!.sha256);
    expect((await systems.get(s.id)).documents[0]!.parties).toEqual([{ name: '某施工公司', role: '施工单位' }, { name: '李四', role: '项目技术负责人' }]);
    await expect(systems.addDocument(null, s.id, { kind: 'design', title: 't', date: '2026-11-30', file: { name: 'big', bytes: Buffer.alloc(DOCUMENT_MAX_BYTES + 1) } }))
      .rejects.toMatchObject({ code: 'document_too_large' });
    await expect(systems.addDocument(null, s.id, { kind: 'selfie', title: 't', date: '2026-11-30' })).rejects.toMatchObject({ code: 'invalid_system', field: 'kind' });
    await expect(systems.addDocument(null, s.id, { kind: 'design', title: 't', date: '2026-13-45' })).rejects.toMatchObject({ field: 'date' });
  });

  it('puts a camera in at most one system, with a device type', async () => {
    const a = await systems.create(null, { name: 'a', location: 'l' });
    const b = await systems.create(null, { name: 'b', location: 'l' });
    const cam = await cameras.add({ name: 'c', url: 'rtsp://10.0.0.1/a' });
    const cam2 = await cameras.add({ name: 'd', url: 'rtsp://10.0.0.1/b' });
    expect((await systems.setCameras(null, a.id, [{ cameraId: cam.id, deviceType: 'dome' }, { cameraId: cam2.id, deviceType: 'ptz' }])).cameras).toHaveLength(2);
    await expect(systems.setCameras(null, b.id, [{ cameraId: cam.id, deviceType: 'bullet' }])).rejects.toMatchObject({ code: 'camera_in_other_system' });
    await expect(systems.setCameras(null, b.id, [{ cameraId: cam2.id, deviceType: 'covert' }])).rejects.toMatchObject({ code: 'invalid_system' });
    await expect(systems.setCameras(null, b.id, [{ cameraId: '01900000-0000-7000-8000-000000000000', deviceType: 'dome' }])).rejects.toMatchObject({ code: 'invalid_system', field: 'cameras' });
    await systems.setCameras(null, a.id, [{ cameraId: cam2.id, deviceType: 'ptz' }]);
    expect((await systems.setCameras(null, b.id, [{ cameraId: cam.id, deviceType: 'bullet' }])).cameras).toEqual([{ cameraId: cam.id, deviceType: 'bullet' }]);
    expect([...(await systems.membership()).entries()].map(([c, m]) => `${c === cam.id ? 'cam' : 'cam2'} ${m.systemId === b.id ? 'b' : 'a'} ${m.deviceType}`).sort())
      .toEqual(['cam b bullet', 'cam2 a ptz']);
    // Removing the camera removes its membership (ON DELETE CASCADE on both dialects, foreign keys on in SQLite).
    await cameras.remove(cam.id);
    expect((await systems.get(b.id)).cameras).toEqual([]);
  });

  it('two systems claiming one camera at once: one gets it, the other camera_in_other_system (a 409, not a 500)', async () => {
    const a = await systems.create(null, { name: 'a', location: 'l' });
    const b = await systems.create(null, { name: 'b', location: 'l' });
    for (let i = 0; i < 5; i++) {
      const cam = await cameras.add({ name: `c${i}`, url: `rtsp://10.0.0.1/${i}` });
      const outcomes = await Promise.all([a.id, b.id].map((id) => systems.setCameras(null, id, [{ cameraId: cam.id, deviceType: 'dome' }])
        .then(() => 'set', (e: unknown) => (isSystemError(e, 'camera_in_other_system') ? 'camera_in_other_system' : e))));
      expect(outcomes.sort()).toEqual(['camera_in_other_system', 'set']);
      expect((await systems.membership([cam.id])).size).toBe(1);
    }
  });

  it('a retired system takes no new document and no change, decided where the write is made (R11)', async () => {
    const s = await systems.create(null, { name: 'old', location: 'l' });
    await doc(s.id, 'other');
    await systems.transition(null, s.id, 'retired');
    // The service reads the lifecycle first; a retirement committed after that read is caught by the write itself.
    const row = {
      id: '01900000-0000-7000-8000-00000000d0c5', system_id: s.id, kind: 'other', title: 'late', parties: '[]', document_date: '2026-12-01',
      file_name: null, file_type: null, file_bytes: null, file_sha256: null, file_size_bytes: null, added_ms: now, added_by: 'x',
    };
    expect(await systemsRepo.insertDocument(t.db, row)).toBe('retired');
    expect(await systemsRepo.updateSystem(t.db, s.id, { location: 'elsewhere', updated_ms: now })).toBe('retired');
    expect(await systemsRepo.insertDocument(t.db, { ...row, system_id: '01900000-0000-7000-8000-0000000000aa' })).toBe('not_found');
    const after = await systems.get(s.id);
    expect(after.documents).toHaveLength(1);
    expect(after.location).toBe('l');
  });

  it('D12: the ingest plan and the viewer directory leave out cameras of unaccepted systems; legacy cameras pass', async () => {
    const legacy = await cameras.add({ name: 'legacy', url: 'rtsp://10.0.0.1/l' });
    const cam = await cameras.add({ name: 'member', url: 'rtsp://10.0.0.1/m' });
    const s = await systems.create(null, { name: 's', location: 'l' });
    await systems.setCameras(null, s.id, [{ cameraId: cam.id, deviceType: 'dome' }]);
    const source = new AcceptedIngestSource(cameras, systems);
    const viewable = new ViewableCameras(cameras, systems);
    let changes = 0;
    const off = source.onChange(() => void (changes += 1));
    expect((await source.streamsToIngest()).streams.map((x) => x.cameraId)).toEqual([legacy.id]);
    await expect(viewable.get(cam.id)).rejects.toMatchObject({ code: 'system_not_accepted', article: 'D12' });
    expect((await viewable.get(legacy.id)).id).toBe(legacy.id);
    await doc(s.id, 'design');
    await doc(s.id, 'construction_contract');
    await systems.transition(null, s.id, 'built');
    await doc(s.id, 'inspection_report');
    await systems.transition(null, s.id, 'inspected');
    await doc(s.id, 'acceptance_report');
    await systems.transition(null, s.id, 'accepted');
    expect(changes).toBe(3);
    expect((await source.streamsToIngest()).streams.map((x) => x.cameraId).sort()).toEqual([legacy.id, cam.id].sort());
    expect((await viewable.get(cam.id)).id).toBe(cam.id);
    await systems.transition(null, s.id, 'retired');
    expect((await source.streamsToIngest()).streams.map((x) => x.cameraId)).toEqual([legacy.id]);
    // A retired system's camera may go into a new system (the retired one is final and records nothing); the
    // membership at retirement stays in the system log.
    const successor = await systems.create(null, { name: 's2', location: 'l' });
    expect((await systems.setCameras(null, successor.id, [{ cameraId: cam.id, deviceType: 'bullet' }])).cameras).toEqual([{ cameraId: cam.id, deviceType: 'bullet' }]);
    expect((await systems.get(s.id)).cameras).toEqual([]);
    expect((await systems.membership()).get(cam.id)?.systemId).toBe(successor.id);
    await expect(systems.setCameras(null, s.id, [])).rejects.toMatchObject({ code: 'system_retired' });
    off();
  });
});
