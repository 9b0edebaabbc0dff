// The unit profile, filing and the checker's report over a real database on both dialects, with the real camera
// registry (installation records and signage), systems and access service, as app/ wires them.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessUnderTest, FakeRegisters } from '../../test/support/fake-registers.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { CameraService, SystemService } from '../devices/index.js';
import { cstDayStartMs, type CapacityWarning } from '../domain/index.js';
import { ComplianceService, personnelFromAccess } from './index.js';

const UNIT = {
  name: '示例商场管理有限公司', unitType: '企业', unifiedSocialCreditCode: '91330100799655058B',
  contactPerson: '张三', contactPhone: '0571-88888888', address: '杭州市西湖区示例路1号',
};
const DAY = 86_400_000;

describe.each(dialects)('compliance on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let now: number;
  let retentionDays: number;
  let storageWarnings: CapacityWarning[];
  let systems: SystemService;
  let cameras: CameraService;
  let compliance: ComplianceService;
  let events: FakeRegisters;

  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    now = cstDayStartMs('2026-06-01') + 10 * 3_600_000;
    retentionDays = 30;
    storageWarnings = [];
    const clock = () => now;
    events = new FakeRegisters(clock);
    systems = new SystemService({ db: t.db, clock, events });
    cameras = new CameraService({ db: t.db, credentialKey: randomBytes(32), clock });
    const access = accessUnderTest(t.db, now).service;
    compliance = new ComplianceService({
      db: t.db, clock, events, cameras, systems,
      // Every camera under one period the test sets (retention/'s own tests cover policies and their resolution).
      // The store's capacity warnings are what the test sets (retention/'s capacity tests cover the planner).
      retention: { retentionDaysByCamera: async (ids) => new Map(ids.map((id) => [id, retentionDays])), capacityWarnings: async () => storageWarnings },
      installations: { installationRecords: () => cameras.installationRecords(), unchecked: [] },
      signage: { signageRecords: () => cameras.signageRecords(), unchecked: [] },
      personnel: personnelFromAccess(access), pdf: null,
      // No duties recorded: the duty checks (D17, R8.2, R24, R16.3) are the DutiesService's own tests.
      operations: { complianceFacts: async () => ({}) },
    });
  });
  afterEach(async () => t.dispose());

  async function inUseSystem(): Promise<{ systemId: string; cameraId: string }> {
    const cam = await cameras.add({ name: '入口', url: 'rtsp://10.0.0.1/a', areaType: 'mall', placeCategory: 'crowd_venue', necessity: '防盗防抢', site: '一层入口' });
    const s = await systems.create(null, { name: '一期', location: '示例路1号 一层' });
    for (const [kind, to] of [['design', null], ['construction_contract', 'built'], ['inspection_report', 'inspected'], ['acceptance_report', 'accepted']] as const) {
      await systems.addDocument(null, s.id, { kind, title: kind, date: '2026-05-01' });
      if (to) await systems.transition(null, s.id, to);
    }
    await cameras.addSignage(cam.id, { text: '视频监控区域 CCTV in operation', installedMs: now - DAY }, null);
    await systems.setCameras(null, s.id, [{ cameraId: cam.id, deviceType: 'dome' }]);
    await systems.transition(null, s.id, 'in_use');
    return { systemId: s.id, cameraId: cam.id };
  }

  it('sets the unit profile, checking the credit code (GB 32100-2015) and logging the change', async () => {
    expect(await compliance.unit()).toBeNull();
    await expect(compliance.setUnit(null, { name: 'x' })).rejects.toMatchObject({ code: 'invalid_unit' });
    await expect(compliance.setUnit(null, { ...UNIT, unifiedSocialCreditCode: '91330100799655058A' })).rejects.toMatchObject({ code: 'credit_code_invalid', article: 'R14', field: 'unifiedSocialCreditCode' });
    expect(await compliance.setUnit(null, { ...UNIT, unifiedSocialCreditCode: '91330100799655058b' })).toMatchObject({ ...UNIT, updatedMs: now });
    expect(await compliance.setUnit(null, { contactPhone: '0571-12345678' })).toMatchObject({ name: UNIT.name, contactPhone: '0571-12345678' });
    expect(events.eventsNamed('unit.changed').map((e) => e.details.fields)).toEqual([
      ['name', 'unitType', 'unifiedSocialCreditCode', 'contactPerson', 'contactPhone', 'address'], ['contactPhone'],
    ]);
  });

  it('generates the record from live data, files it, and tracks deadlines, changes and the receipt', async () => {
    const { systemId, cameraId } = await inUseSystem();
    await expect(compliance.records(systemId)).rejects.toMatchObject({ code: 'unit_profile_missing', article: 'R14' });
    await compliance.setUnit(null, UNIT);
    const [record] = await compliance.records(systemId);
    expect(record!.facts).toMatchObject({ unitName: UNIT.name, contact: '张三 0571-88888888', systemLocation: '示例路1号 一层', cameraCountByType: { dome: 1 }, retentionDays: 30 });
    expect((await compliance.filingStatus(systemId)).status).toMatchObject({ status: 'due', basis: 'initial', lastDay: '2026-07-01' });
    now += 31 * DAY;
    expect((await compliance.filingStatus(systemId)).status).toMatchObject({ status: 'overdue', basis: 'initial' });
    const submission = await compliance.submit(null, systemId);
    expect(submission.record.facts).toEqual(record!.facts);
    expect((await compliance.filingStatus(systemId)).status).toEqual({ status: 'filed' });

    // A change to a filed fact: first seen now; later looks keep that instant; reverting forgets it.
    now += DAY;
    const changedAt = now;
    await systems.setCameras(null, systemId, [{ cameraId, deviceType: 'ptz' }]);
    await compliance.refreshFilings();
    now += 5 * DAY;
    const stale = await compliance.filingStatus(systemId);
    expect(stale).toMatchObject({ lastChangeMs: changedAt, changedFacts: ['cameraCountByType'], status: { status: 'stale', basis: 'change' } });
    retentionDays = 60;
    expect((await compliance.filingStatus(systemId)).changedFacts).toEqual(['cameraCountByType', 'retentionDays']);
    expect((await compliance.filingStatus(systemId)).lastChangeMs).toBe(changedAt);
    now = changedAt + 31 * DAY;
    expect((await compliance.filingStatus(systemId)).status).toMatchObject({ status: 'overdue', basis: 'change' });
    await systems.setCameras(null, systemId, [{ cameraId, deviceType: 'dome' }]);
    retentionDays = 30;
    expect(await compliance.filingStatus(systemId)).toMatchObject({ status: { status: 'filed' }, lastChangeMs: null, changedFacts: [] });

    const received = await compliance.receipt(null, submission.id, { number: '浙公备2026-001', organ: '杭州市西湖区公安分局', date: '2026-07-05' });
    expect(received.receipt).toMatchObject({ number: '浙公备2026-001', organ: '杭州市西湖区公安分局', date: '2026-07-05' });
    await expect(compliance.receipt(null, submission.id, { number: 'x', organ: 'y', date: '2026-07-06' })).rejects.toMatchObject({ code: 'filing_receipt_exists' });
    await expect(compliance.receipt(null, submission.id, { number: 'x', organ: 'y', date: '07/06/2026' })).rejects.toMatchObject({ code: 'invalid_filing', field: 'date' });
    expect(events.eventsNamed('filing.submitted')).toHaveLength(1);
    expect(events.eventsNamed('filing.receipt_recorded')).toHaveLength(1);
  });

  it('concurrent refreshes of a changed system all succeed and keep the first change time', async () => {
    // refresh() runs after every change and before every status read, so requests overlap; on PostgreSQL two used to
    // read "no change row" at once and the second insert failed on the primary key (a 500 from /compliance/findings).
    const { systemId, cameraId } = await inUseSystem();
    await compliance.setUnit(null, UNIT);
    await compliance.submit(null, systemId);
    now += DAY;
    const changedAt = now;
    await systems.setCameras(null, systemId, [{ cameraId, deviceType: 'ptz' }]);
    const settled = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? compliance.findings() : compliance.refreshFilings())));
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    now += DAY;
    await Promise.all(Array.from({ length: 6 }, () => compliance.refreshFilings()));
    expect(await compliance.filingStatus(systemId)).toMatchObject({ lastChangeMs: changedAt, changedFacts: ['cameraCountByType'] });
    // A newer submission starts over: the next change is timed from then.
    const again = await compliance.submit(null, systemId);
    expect(again.record.facts.cameraCountByType).toEqual({ ptz: 1 });
    now += DAY;
    await systems.setCameras(null, systemId, [{ cameraId, deviceType: 'dome' }]);
    await Promise.all(Array.from({ length: 6 }, () => compliance.refreshFilings()));
    expect((await compliance.filingStatus(systemId)).lastChangeMs).toBe(now);
  });

  it('concurrent first saves of the unit profile all succeed (one row, no primary-key failure)', async () => {
    // A read-then-insert let two first saves both insert; on PostgreSQL the second failed on the primary key (a 500).
    const settled = await Promise.allSettled(Array.from({ length: 8 }, () => compliance.setUnit(null, UNIT)));
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await compliance.unit()).toMatchObject({ name: UNIT.name });
  });

  it('exports the record as JSON, CSV and the Chinese HTML form', async () => {
    const { systemId } = await inUseSystem();
    await compliance.setUnit(null, UNIT);
    const json = JSON.parse((await compliance.exportFiling('json')).body.toString()) as { records: { system: { id: string } }[] };
    expect(json.records.map((r) => r.system.id)).toEqual([systemId]);
    const csv = (await compliance.exportFiling('csv', systemId)).body.toString();
    expect(csv.split('\n')[1]).toContain(',dome,半球摄像机,1,1,30');
    const html = (await compliance.exportFiling('html')).body.toString();
    for (const label of ['公共安全视频图像信息系统备案登记表', '单位名称', '单位性质', '统一社会信用代码', '联系人', '系统位置', '采集设备数量', '存储期限', '30 日']) {
      expect(html).toContain(label);
    }
  });

  it('the report: a camera in no system and without signage is found; the compliant system is clean', async () => {
    await compliance.setUnit(null, UNIT);
    const { systemId } = await inUseSystem();
    const lone = await cameras.add({ name: '孤立', url: 'rtsp://10.0.0.1/b', areaType: 'car_park', placeCategory: 'crowd_venue', necessity: '停车场安全' });
    let report = await compliance.findings();
    expect(report.findings.map((f) => `${f.rule} ${f.article}`)).toEqual(['signage_missing R13', 'camera_without_system R11', 'filing_due R14']);
    expect(report.findings[0]!.objects).toEqual([{ kind: 'camera', id: lone.id }]);
    expect(report.findings[1]!.objects).toEqual([{ kind: 'camera', id: lone.id }]);
    expect(report.unchecked).toEqual([]);
    await cameras.remove(lone.id);
    await compliance.submit(null, systemId);
    report = await compliance.findings();
    expect(report.findings).toEqual([]);
    now += 60_000;
    retentionDays = 7;
    expect((await compliance.findings()).findings.map((f) => f.rule)).toEqual(['retention_below_minimum', 'filing_stale']);
  });

  it('the report carries the store’s capacity (R17): 30 days that do not fit are critical', async () => {
    await compliance.setUnit(null, UNIT);
    const { systemId } = await inUseSystem();
    await compliance.submit(null, systemId);
    expect((await compliance.findings()).findings).toEqual([]);
    storageWarnings = [
      { kind: 'floor_at_risk', severity: 'critical', article: 'R17', message: 'x', bytesForFloor: 300 * 1024 ** 3, usableBytes: 100 * 1024 ** 3 },
      { kind: 'low_headroom', severity: 'warning', article: 'R17', message: 'x', headroomDays: 2.5 },
    ];
    const report = await compliance.findings();
    expect(report.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual(['storage_floor_at_risk critical', 'storage_low_headroom minor']);
    expect(report.findings[0]).toMatchObject({ article: 'R17', objects: [{ kind: 'store', id: 'local' }] });
    expect(report.findings[0]!.message.en).toContain('about 10.0 days of all cameras');
  });
});
