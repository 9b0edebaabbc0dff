import { describe, expect, it } from 'vitest';
import { buildFilingRecord, changedFilingFacts, type UnitProfile } from './index.js';

const unit: UnitProfile = {
  name: '示例商场管理有限公司', unitType: '企业', unifiedSocialCreditCode: '91330100799655058B',
  contactPerson: '张三', contactPhone: '0571-88888888', address: '杭州市西湖区示例路1号',
};
const system = { id: 'sys-1', name: '商场一期', location: '杭州市西湖区示例路1号 一层', lifecycle: 'in_use', inUseSinceMs: 1_000 };

describe('filing record from live data (R14)', () => {
  it('counts devices by type, files the shortest retention, and names every camera', () => {
    const record = buildFilingRecord({
      unit, system, nowMs: 5,
      cameras: [{ cameraId: 'c3', deviceType: 'dome' }, { cameraId: 'c1', deviceType: 'bullet' }, { cameraId: 'c2', deviceType: 'dome' }],
      retentionDaysByCamera: new Map([['c1', 90], ['c2', 30], ['c3', 60]]),
    });
    expect(record.facts).toEqual({
      unitName: unit.name, unitType: '企业', unifiedSocialCreditCode: '91330100799655058B', contact: '张三 0571-88888888',
      systemLocation: system.location, cameraCountByType: { bullet: 1, dome: 2 }, retentionDays: 30,
    });
    expect(record.devices.map((d) => `${d.type}:${d.count}:${d.label.zh}`)).toEqual(['bullet:1:枪式摄像机', 'dome:2:半球摄像机']);
    expect(record.cameras.map((c) => c.cameraId)).toEqual(['c1', 'c2', 'c3']);
    expect(record.cameraCount).toBe(3);
  });

  it('a system without cameras files none and retention 0', () => {
    const record = buildFilingRecord({ unit, system, cameras: [], retentionDaysByCamera: new Map(), nowMs: 5 });
    expect(record.facts.cameraCountByType).toEqual({});
    expect(record.facts.retentionDays).toBe(0);
  });

  it('refuses to file a camera whose retention is unknown', () => {
    expect(() => buildFilingRecord({ unit, system, cameras: [{ cameraId: 'c1', deviceType: 'ptz' }], retentionDaysByCamera: new Map(), nowMs: 5 }))
      .toThrow(/c1/);
  });

  it('a change of device type, location or contact is a filing change', () => {
    const base = { unit, system, retentionDaysByCamera: new Map([['c1', 30]]), nowMs: 5 };
    const filed = buildFilingRecord({ ...base, cameras: [{ cameraId: 'c1', deviceType: 'dome' }] }).facts;
    const live = buildFilingRecord({
      ...base, unit: { ...unit, contactPhone: '110' }, system: { ...system, location: '二层' }, cameras: [{ cameraId: 'c1', deviceType: 'ptz' }],
    }).facts;
    expect(changedFilingFacts(filed, live)).toEqual(['contact', 'systemLocation', 'cameraCountByType']);
    expect(changedFilingFacts(filed, filed)).toEqual([]);
  });
});
