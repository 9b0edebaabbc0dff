// The duty checks (D17, R8.2, R24, R16.3): each fails on a fixture built to break it and passes on a compliant one.
import { describe, expect, it } from 'vitest';
import { checkCompliance } from './compliance-checks.js';
import type { ComplianceSnapshot } from './findings.js';

const cst = (local: string): number => Date.parse(`${local}+08:00`);
const NOW = cst('2026-09-01T10:00');

function compliant(): ComplianceSnapshot {
  return {
    nowMs: NOW,
    cameras: [],
    installations: [],
    signage: [],
    systems: [],
    users: [],
    tasks: [
      { id: 't-r8', kind: 'r8_area_check', title: '禁止区域月检', nextDueDay: '2026-09-01' },
      { id: 't-mt', kind: 'maintenance', title: '设备保养', nextDueDay: '2026-09-15' },
    ],
    rectifications: [
      { findingId: 'f-1', inspectionId: 'i-1', article: 'R13', deadlineDay: '2026-08-20', rectifiedMs: cst('2026-08-19T10:00') },
      { findingId: 'f-2', inspectionId: 'i-1', article: 'R17', deadlineDay: '2026-09-01' },
    ],
    complaints: [
      { id: 'c-1', receivedMs: cst('2026-08-01T10:00'), firstPublicReplyMs: cst('2026-08-03T10:00'), closed: false },
      { id: 'c-2', receivedMs: cst('2026-08-20T10:00'), closed: false },
      { id: 'c-3', receivedMs: cst('2026-01-01T10:00'), closed: true },
    ],
    accessRegister: { verified: true, problems: [], incompleteEntries: [] },
  };
}

type Breaker = (s: ComplianceSnapshot) => void;
const withCamera: Breaker = (s) => void (s.cameras = [{ id: 'cam-1', systemId: 'sys-1', recording: false, retentionDays: 30 }]);

describe('duty checks', () => {
  it('find nothing in a compliant snapshot', () => {
    expect(checkCompliance(compliant())).toEqual([]);
  });

  it('are skipped when the snapshot does not carry the facts', () => {
    const s = compliant();
    delete s.tasks; delete s.rectifications; delete s.complaints; delete s.accessRegister;
    withCamera(s);
    expect(checkCompliance(s).map((f) => f.rule)).not.toContain('area_check_overdue');
  });

  it.each<[string, Breaker, string, string, string, string | null, string | undefined]>([
    ['R8 check overdue', (s) => void (s.tasks![0]!.nextDueDay = '2026-08-31'), 'area_check_overdue', 'R8.2', 'major', 'R27.2', 't-r8'],
    ['no R8 check scheduled, with cameras', (s) => { s.tasks = s.tasks!.slice(1); withCamera(s); }, 'area_check_overdue', 'R8.2', 'major', 'R27.2', undefined],
    ['maintenance overdue', (s) => void (s.tasks![1]!.nextDueDay = '2026-08-01'), 'maintenance_overdue', 'D17', 'minor', null, 't-mt'],
    ['rectification overdue', (s) => void (s.rectifications![1]!.deadlineDay = '2026-08-31'), 'inspection_rectification_overdue', 'R24', 'major', null, 'f-2'],
    ['report unanswered 15 days', (s) => void (s.complaints![1]!.receivedMs = cst('2026-08-16T23:00')), 'complaint_unanswered', 'R24', 'major', null, 'c-2'],
    ['register tampered', (s) => void (s.accessRegister = { verified: false, problems: [{ kind: 'hash_mismatch', seq: 3, message: 'x' }], incompleteEntries: [] }), 'access_register_incomplete', 'R16.3', 'critical', 'R31', 'access'],
    ['entry without a reason', (s) => void (s.accessRegister = { verified: true, problems: [], incompleteEntries: [{ id: 7, missing: ['reason'] }] }), 'access_register_incomplete', 'R16.3', 'major', 'R31', 'access'],
  ])('%s → %s', (_name, breakIt, rule, article, severity, penalty, objectId) => {
    const s = compliant();
    breakIt(s);
    const findings = checkCompliance(s).filter((f) => !['signage_missing', 'installation_record_missing', 'recording_before_acceptance'].includes(f.rule));
    expect(findings.map((f) => f.rule)).toEqual([rule]);
    expect(findings[0]).toMatchObject({ rule, article, severity });
    expect(findings[0]?.penalty?.article ?? null).toBe(penalty);
    expect(findings[0]?.objects[0]?.id).toBe(objectId);
    expect(findings[0]?.message.zh).not.toBe('');
  });

  it('a closed report is never unanswered, and no cameras means no R8 areas to check', () => {
    const s = compliant();
    s.complaints = [{ id: 'c-9', receivedMs: cst('2025-01-01T00:00'), closed: true }];
    s.tasks = [];
    expect(checkCompliance(s)).toEqual([]);
  });
});
