import { describe, expect, it } from 'vitest';
import { checkCompliance } from './compliance-checks.js';
import type { ComplianceSnapshot } from './findings.js';
import { screenedTextsOf, type InstallationRecord } from './installation.js';

const cst = (local: string): number => Date.parse(`${local}+08:00`);
const NOW = cst('2025-09-01T10:00');
const YEAR_AHEAD = cst('2026-09-01T00:00');
const VETTED = cst('2025-04-15T09:00');

const record: InstallationRecord = {
  cameraId: 'cam-1',
  site: '人民商场',
  placeCategory: 'crowd_venue',
  areaType: 'mall',
  position: '一层东门上方',
  angle: '朝向入口',
  necessityStatement: '人员聚集的出入口，防范盗窃和踩踏',
  installingParty: '人民商场物业管理部',
  facesResidence: false,
  nearMilitaryOrClassified: false,
  privacyMaskCount: 0,
};

function compliant(): ComplianceSnapshot {
  return {
    nowMs: NOW,
    cameras: [
      { id: 'cam-1', systemId: 'sys-1', recording: true, retentionDays: 30 },
      { id: 'cam-2', systemId: 'sys-1', recording: true, retentionDays: 90 },
    ],
    installations: [record, { ...record, cameraId: 'cam-2', position: '地下停车场入口', areaType: 'car_park' }],
    signage: [
      { cameraId: 'cam-1', installedMs: cst('2025-05-01T00:00'), text: '视频监控区域' },
      { cameraId: 'cam-2', installedMs: cst('2025-05-01T00:00'), text: '您已进入视频监控区域' },
    ],
    systems: [{ id: 'sys-1', lifecycle: 'in_use', inUseSinceMs: cst('2025-05-10T09:00'), filedMs: cst('2025-05-20T10:00') }],
    users: [
      { id: 'u-op', handlesVideo: true, vettedMs: VETTED, confidentialitySignedMs: VETTED, trainingValidUntilMs: YEAR_AHEAD, contractor: false },
      { id: 'u-ct', handlesVideo: true, vettedMs: VETTED, confidentialitySignedMs: VETTED, trainingValidUntilMs: YEAR_AHEAD, contractor: true, agreementValidUntilMs: YEAR_AHEAD },
    ],
  };
}

type Breaker = (s: ComplianceSnapshot) => void;
const install = (s: ComplianceSnapshot, change: Partial<InstallationRecord>): void => {
  s.installations = [{ ...record, ...change }, ...s.installations.slice(1)];
};

describe('checkCompliance', () => {
  it('finds nothing in a compliant snapshot', () => {
    expect(checkCompliance(compliant())).toEqual([]);
  });

  it.each<[string, Breaker, string, string, string, string | null]>([
    ['camera in a fitting room', (s) => install(s, { areaType: 'fitting_room' }), 'camera_in_forbidden_place', 'R8.1(3)', 'critical', 'R27.1'],
    ['camera in a guest room', (s) => install(s, { areaType: 'hotel_room' }), 'camera_in_forbidden_place', 'R8.1(1)', 'critical', 'R27.1'],
    ['camera in a dorm', (s) => install(s, { areaType: 'dorm' }), 'camera_in_forbidden_place', 'R8.1(2)', 'critical', 'R27.1'],
    ['camera on a privacy spot', (s) => install(s, { areaType: 'privacy_spot' }), 'camera_in_forbidden_place', 'R8.1(4)', 'critical', 'R27.1'],
    ['unknown area', (s) => install(s, { areaType: 'moon_base' }), 'area_type_unknown', 'R8.1', 'minor', null],
    ['text mentions a toilet', (s) => install(s, { position: '二楼卫生间门外' }), 'place_text_flagged', 'R8.1(3)', 'minor', 'R27.1'],
    ['camera named after a changing room', (s) => install(s, { cameraName: '员工更衣室门口' }), 'place_text_flagged', 'R8.1(3)', 'minor', 'R27.1'],
    ['a mall recorded as a non-public place (R33)', (s) => install(s, { placeCategory: 'non_public_place' }), 'place_category_understated', 'R7.2(1)', 'major', null],
    ['a mall recorded as an R9 place', (s) => install(s, { placeCategory: 'other_public_place' }), 'place_category_understated', 'R7.2(1)', 'major', null],
    ['a bank hall recorded as a non-public place', (s) => install(s, { placeCategory: 'non_public_place', areaType: 'bank' }), 'place_category_understated', 'R9', 'minor', null],
    ['R10 consent missing', (s) => install(s, { nearMilitaryOrClassified: true }), 'classified_consent_missing', 'R10', 'critical', 'R28'],
    ['D11 masks missing', (s) => install(s, { facesResidence: true }), 'privacy_masks_missing', 'D11', 'major', null],
    ['no installation record', (s) => void (s.installations = s.installations.slice(1)), 'installation_record_missing', 'R7.3', 'major', 'R26'],
    ['no necessity statement (R7 place)', (s) => install(s, { necessityStatement: '' }), 'necessity_statement_missing', 'R7.3', 'major', 'R26'],
    ['no necessity statement (R9 place)', (s) => install(s, { placeCategory: 'other_public_place', areaType: 'bank', necessityStatement: ' ' }), 'necessity_statement_missing', 'R9.1', 'major', 'R26'],
    ['no signage', (s) => void (s.signage = s.signage.slice(1)), 'signage_missing', 'R13', 'major', 'R13'],
    ['signage put up later than now', (s) => void (s.signage[0]!.installedMs = NOW + 1), 'signage_missing', 'R13', 'major', 'R13'],
    ['unfiled, within 30 days', (s) => void (s.systems = [{ id: 'sys-1', lifecycle: 'in_use', inUseSinceMs: cst('2025-08-20T00:00') }]), 'filing_due', 'R14', 'minor', 'R29'],
    ['unfiled, overdue', (s) => void (s.systems = [{ id: 'sys-1', lifecycle: 'in_use', inUseSinceMs: cst('2025-05-10T00:00') }]), 'filing_overdue', 'R14', 'major', 'R29'],
    ['unfiled since before 2025-04-01', (s) => void (s.systems = [{ id: 'sys-1', lifecycle: 'in_use', inUseSinceMs: cst('2023-01-01T00:00') }]), 'filing_overdue', 'R14', 'major', 'R29'],
    ['changed after filing', (s) => void (s.systems[0]!.lastChangeMs = cst('2025-08-25T00:00')), 'filing_stale', 'R14', 'minor', 'R29'],
    ['change filing overdue', (s) => void (s.systems[0]!.lastChangeMs = cst('2025-07-01T00:00')), 'filing_overdue', 'R14', 'major', 'R29'],
    ['30 days of every camera do not fit the store', (s) => void (s.storage = { store: 'local', warnings: [{ kind: 'floor_at_risk', severity: 'critical', article: 'R17', message: '', bytesForFloor: 2e12, usableBytes: 1e12 }] }), 'storage_floor_at_risk', 'R17', 'critical', null],
    ['the longer periods do not fit the store', (s) => void (s.storage = { store: 'local', warnings: [{ kind: 'retention_exceeds_capacity', severity: 'warning', article: 'R17', message: '', bytesForRetention: 2e12, usableBytes: 1e12 }] }), 'storage_retention_exceeds_capacity', 'R17', 'major', null],
    ['free space for two days', (s) => void (s.storage = { store: 'local', warnings: [{ kind: 'low_headroom', severity: 'warning', article: 'R17', message: '', headroomDays: 2 }] }), 'storage_low_headroom', 'R17', 'minor', null],
    ['retention 29 days', (s) => void (s.cameras[0]!.retentionDays = 29), 'retention_below_minimum', 'R17', 'major', null],
    ['recording before acceptance', (s) => void (s.systems[0]!.lifecycle = 'inspected'), 'recording_before_acceptance', 'D12', 'critical', null],
    ['camera in no system (R7 place)', (s) => void (s.cameras[1]!.systemId = null), 'camera_without_system', 'R11', 'major', null],
    ['operator never vetted', (s) => void delete s.users[0]!.vettedMs, 'vetting_missing', 'R16.1', 'major', 'R31'],
    ['vetting recorded for a later day', (s) => void (s.users[0]!.vettedMs = NOW + 1), 'vetting_missing', 'R16.1', 'major', 'R31'],
    ['contractor without a confidentiality agreement', (s) => void delete s.users[1]!.confidentialitySignedMs, 'confidentiality_agreement_missing', 'R16.1', 'major', 'R31'],
    ['operator training expired', (s) => void (s.users[0]!.trainingValidUntilMs = NOW), 'training_missing', 'R16.1', 'major', 'R31'],
    ['operator never trained', (s) => void delete s.users[0]!.trainingValidUntilMs, 'training_missing', 'R16.1', 'major', 'R31'],
    ['contractor agreement expired', (s) => void (s.users[1]!.agreementValidUntilMs = NOW - 1), 'contractor_agreement_missing', 'R15.2, R19', 'major', 'R31'],
  ])('%s → %s (%s)', (_name, breakIt, rule, article, severity, penaltyArticle) => {
    const snapshot = compliant();
    breakIt(snapshot);
    const findings = checkCompliance(snapshot);
    // The fixture breaks exactly one rule, so the checker reports that rule and nothing else.
    expect([...new Set(findings.map((f) => f.rule))]).toEqual([rule]);
    const hit = findings[0];
    expect(hit).toMatchObject({ rule, article, severity });
    expect(hit?.penalty?.article ?? null).toBe(penaltyArticle);
    expect(hit?.fix.zh).not.toBe('');
    expect(hit?.fix.en).not.toBe('');
  });

  it('a person’s review clears a text flag only while the texts are exactly as reviewed (R8.1)', () => {
    const snapshot = compliant();
    install(snapshot, { position: '二楼卫生间门外' });
    const flagged = snapshot.installations[0]!;
    expect(checkCompliance(snapshot).map((f) => f.rule)).toEqual(['place_text_flagged']);
    install(snapshot, { position: '二楼卫生间门外', reviewedTexts: screenedTextsOf(flagged) });
    expect(checkCompliance(snapshot)).toEqual([]);
    // Any change to a screened text re-opens it, even one that keeps the same term.
    install(snapshot, { position: '二楼卫生间门外', angle: '朝向卫生间内部', reviewedTexts: screenedTextsOf(flagged) });
    expect(checkCompliance(snapshot).map((f) => f.rule)).toEqual(['place_text_flagged']);
    install(snapshot, { position: '二楼卫生间门外', reviewedTexts: [] });
    expect(checkCompliance(snapshot).map((f) => f.rule)).toEqual(['place_text_flagged']);
    // The camera's name is part of what was read: a rename re-opens the review.
    install(snapshot, { position: '二楼卫生间门外', cameraName: '二楼走廊', reviewedTexts: screenedTextsOf(flagged), reviewedName: '二楼走廊' });
    expect(checkCompliance(snapshot)).toEqual([]);
    install(snapshot, { position: '二楼卫生间门外', cameraName: '二楼走廊东', reviewedTexts: screenedTextsOf(flagged), reviewedName: '二楼走廊' });
    expect(checkCompliance(snapshot).map((f) => f.rule)).toEqual(['place_text_flagged']);
  });

  it('does not report a camera without a valid measured bitrate as a finding (the retention page shows it)', () => {
    const snapshot = compliant();
    snapshot.storage = { store: 'local', warnings: [{ kind: 'invalid_measurement', severity: 'warning', article: 'R17', message: '', cameraId: 'cam-1' }] };
    expect(checkCompliance(snapshot)).toEqual([]);
  });

  it('accepts a place category stricter than the area type’s own (more duties, not fewer)', () => {
    const snapshot = compliant();
    install(snapshot, { areaType: 'corridor' }); // a hospital's corridor: R9 area type in an R7.2(1) place
    expect(checkCompliance(snapshot)).toEqual([]);
    install(snapshot, { areaType: 'bank' });
    expect(checkCompliance(snapshot)).toEqual([]);
  });

  it('tells a camera left enabled in a retired system apart from one recording before acceptance (D12)', () => {
    const snapshot = compliant();
    snapshot.systems[0]!.lifecycle = 'retired';
    const findings = checkCompliance(snapshot).filter((f) => f.rule === 'recording_before_acceptance');
    expect(findings).toHaveLength(2);
    expect(findings[0]!.message.en).toMatch(/retired/);
    expect(findings[0]!.fix.en).toMatch(/Disable the camera, or take it into an accepted system/);
  });

  it('reports a camera in no system only in an R7 place, never as recording before acceptance', () => {
    const snapshot = compliant();
    snapshot.cameras[1]!.systemId = null;
    snapshot.cameras[1]!.recording = true;
    expect(checkCompliance(snapshot).map((f) => `${f.rule} ${f.objects[0]?.id}`)).toEqual(['camera_without_system cam-2']);
    snapshot.installations = snapshot.installations.map((r) => (r.cameraId === 'cam-2' ? { ...r, placeCategory: 'other_public_place', areaType: 'bank' } : r));
    expect(checkCompliance(snapshot)).toEqual([]);
  });

  it('cites the penalty amounts the article attaches', () => {
    const snapshot = compliant();
    install(snapshot, { areaType: 'toilet' });
    expect(checkCompliance(snapshot)[0]?.penalty?.summary).toContain('¥10,000–¥20,000 (unit)');
  });

  it('holds R9 places to fewer duties than R7 places (R9.2: no R14, R17, D12)', () => {
    const snapshot = compliant();
    snapshot.installations = snapshot.installations.map((r) => ({ ...r, placeCategory: 'other_public_place', areaType: 'bank' }));
    snapshot.systems = [{ id: 'sys-1', lifecycle: 'built', inUseSinceMs: cst('2025-01-01T00:00') }];
    snapshot.cameras[0]!.retentionDays = 7;
    expect(checkCompliance(snapshot)).toEqual([]);
    // The same facts in an R7 place: overdue filing, short retention, recording before acceptance.
    snapshot.installations = [record, { ...record, cameraId: 'cam-2' }];
    expect(checkCompliance(snapshot).map((f) => f.rule).sort()).toEqual(
      ['filing_overdue', 'recording_before_acceptance', 'recording_before_acceptance', 'retention_below_minimum'],
    );
  });

  it('orders findings by severity, check, then object id, whatever the input order', () => {
    const snapshot = compliant();
    snapshot.signage = [];
    snapshot.cameras[1]!.retentionDays = 10;
    install(snapshot, { nearMilitaryOrClassified: true });
    const reversed: ComplianceSnapshot = { ...snapshot, cameras: [...snapshot.cameras].reverse(), installations: [...snapshot.installations].reverse() };
    const summary = checkCompliance(snapshot).map((f) => `${f.severity} ${f.rule} ${f.objects[0]?.id}`);
    expect(summary).toEqual([
      'critical classified_consent_missing cam-1',
      'major signage_missing cam-1',
      'major signage_missing cam-2',
      'major retention_below_minimum cam-2',
    ]);
    expect(checkCompliance(reversed)).toEqual(checkCompliance(snapshot));
  });
});
