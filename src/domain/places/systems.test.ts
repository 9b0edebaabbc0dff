import { describe, expect, it } from 'vitest';
import {
  checkTransition,
  declaredInUseSince,
  DEVICE_TYPES,
  inUseSinceAfter,
  isDeviceType,
  isSystemDocumentKind,
  lifecycleAllowsRecording,
  lifecycleSteps,
  SYSTEM_LIFECYCLE,
  SYSTEM_TRANSITIONS,
  type SystemDocumentFact,
  type SystemLifecycle,
} from './index.js';

const docs = (...kinds: SystemDocumentFact['kind'][]): SystemDocumentFact[] => kinds.map((kind) => ({ kind, addedMs: 1_000 }));

describe('system lifecycle transitions (R11, D12)', () => {
  it.each<[SystemLifecycle, SystemLifecycle, SystemDocumentFact[], string]>([
    ['designed', 'built', docs('design', 'construction_contract'), 'ok'],
    ['designed', 'built', docs('design'), 'system_document_missing construction_contract R11'],
    ['designed', 'built', [], 'system_document_missing design R11'],
    ['built', 'inspected', docs('inspection_report'), 'ok'],
    ['built', 'inspected', docs('acceptance_report'), 'system_document_missing inspection_report R11'],
    ['inspected', 'accepted', docs('acceptance_report'), 'ok'],
    ['inspected', 'accepted', docs('inspection_report'), 'system_document_missing acceptance_report D12'],
    ['inspected', 'built', [], 'ok'],
    ['accepted', 'in_use', [], 'ok'],
    ['in_use', 'changed', docs('change_design'), 'ok'],
    ['in_use', 'changed', [], 'system_document_missing change_design R11'],
    // Re-acceptance: the acceptance report must be newer than the change (entered at 5_000 below).
    ['changed', 'in_use', docs('acceptance_report'), 'system_document_missing acceptance_report D12'],
    ['changed', 'in_use', [{ kind: 'acceptance_report', addedMs: 5_000 }], 'ok'],
    ['changed', 'retired', [], 'ok'],
    ['designed', 'accepted', docs('acceptance_report'), 'system_transition_invalid'],
    ['built', 'in_use', [], 'system_transition_invalid'],
    ['accepted', 'changed', docs('change_design'), 'system_transition_invalid'],
    ['retired', 'in_use', [], 'system_transition_invalid'],
    ['in_use', 'in_use', [], 'system_transition_invalid'],
  ])('%s → %s', (from, to, documents, expected) => {
    const result = checkTransition({ from, to, enteredMs: 5_000, documents });
    const summary = result.ok ? 'ok' : result.error === 'system_document_missing' ? `${result.error} ${result.kind} ${result.article}` : result.error;
    expect(summary).toBe(expected);
    if (!result.ok) expect(result.message).toMatch(new RegExp(`${from}.*${to}`));
  });

  it('retired is final and every state is in the table', () => {
    expect(SYSTEM_TRANSITIONS.retired).toEqual([]);
    expect(Object.keys(SYSTEM_TRANSITIONS).sort()).toEqual([...SYSTEM_LIFECYCLE].sort());
    for (const state of SYSTEM_LIFECYCLE) if (state !== 'retired') expect(SYSTEM_TRANSITIONS[state]).toContain('retired');
  });

  it('lifecycleSteps lists every allowed move with the documents checkTransition asks for', () => {
    const steps = lifecycleSteps();
    expect(steps.map((s) => s.state)).toEqual([...SYSTEM_LIFECYCLE]);
    const requires = (from: SystemLifecycle, to: SystemLifecycle) =>
      steps.find((s) => s.state === from)!.next.find((n) => n.to === to)!.requires.map((r) => `${r.kind} ${r.article}${r.sinceCurrentState ? ' since' : ''}`);
    expect(requires('designed', 'built')).toEqual(['design R11', 'construction_contract R11']);
    expect(requires('built', 'inspected')).toEqual(['inspection_report R11']);
    expect(requires('inspected', 'accepted')).toEqual(['acceptance_report D12']);
    expect(requires('inspected', 'built')).toEqual([]);
    expect(requires('accepted', 'in_use')).toEqual([]);
    expect(requires('changed', 'in_use')).toEqual(['acceptance_report D12 since']);
    expect(requires('in_use', 'changed')).toEqual(['change_design R11']);
    // The same moves as the table, and each move's listed documents are exactly what makes checkTransition pass.
    for (const { state, next } of steps) {
      expect(next.map((n) => n.to)).toEqual(SYSTEM_TRANSITIONS[state]);
      for (const { to, requires: needs } of next) {
        expect(checkTransition({ from: state, to, enteredMs: 0, documents: needs.map((n) => ({ kind: n.kind, addedMs: 1 })) }).ok).toBe(true);
        if (needs.length) expect(checkTransition({ from: state, to, enteredMs: 0, documents: [] }).ok).toBe(false);
      }
    }
  });

  it.each<[SystemLifecycle, boolean]>([
    ['designed', false], ['built', false], ['inspected', false], ['accepted', true], ['in_use', true], ['changed', true], ['retired', false],
  ])('D12: %s records → %s', (state, allowed) => {
    expect(lifecycleAllowsRecording(state)).toBe(allowed);
  });

  it('the first move to in_use starts R14; a return after a change keeps the first date', () => {
    expect(inUseSinceAfter({ to: 'in_use', atMs: 10, previousInUseSinceMs: null })).toBe(10);
    expect(inUseSinceAfter({ to: 'in_use', atMs: 20, previousInUseSinceMs: 10 })).toBe(10);
    expect(inUseSinceAfter({ to: 'accepted', atMs: 20, previousInUseSinceMs: null })).toBeNull();
  });

  describe('a declared in-use day (R14, systems in use before Vigil)', () => {
    const NOW = Date.parse('2026-12-03T10:00+08:00');
    const declare = (over: Partial<Parameters<typeof declaredInUseSince>[0]> = {}) =>
      declaredInUseSince({ to: 'in_use', day: '2024-06-01', note: '2024 年验收报告', previousInUseSinceMs: null, nowMs: NOW, ...over });

    it('is 00:00 China Standard Time of that day, whatever the server zone', () => {
      expect(declare()).toEqual({ ok: true, inUseSinceMs: Date.parse('2024-06-01T00:00+08:00') });
      expect(declare({ day: '2026-12-03' })).toEqual({ ok: true, inUseSinceMs: Date.parse('2026-12-03T00:00+08:00') });
    });

    it.each<[string, Partial<Parameters<typeof declaredInUseSince>[0]>, 'inUseSince' | 'note', RegExp]>([
      ['another target state', { to: 'accepted' }, 'inUseSince', /only on the move to in_use/],
      ['a system already in use keeps its day', { previousInUseSinceMs: Date.parse('2025-05-10T09:00+08:00') }, 'inUseSince', /2025-05-10.*kept/],
      ['tomorrow', { day: '2026-12-04' }, 'inUseSince', /future/],
      ['not a day', { day: '2024-02-30' }, 'inUseSince', /not a calendar day/],
      ['a time, not a day', { day: '2024-06-01T08:00' }, 'inUseSince', /not a calendar day/],
      ['no evidence named', { note: '  ' }, 'note', /evidence/],
    ])('refuses %s', (_name, over, field, message) => {
      const result = declare(over);
      expect(result).toMatchObject({ ok: false, error: 'invalid_system', field, article: 'R14' });
      expect(result.ok ? '' : result.message).toMatch(message);
    });
  });

  it('codes are closed sets', () => {
    expect(isDeviceType('dome')).toBe(true);
    expect(isDeviceType('covert')).toBe(false);
    expect(isDeviceType('toString')).toBe(false);
    expect(isSystemDocumentKind('acceptance_report')).toBe(true);
    expect(isSystemDocumentKind('selfie')).toBe(false);
    expect(Object.keys(DEVICE_TYPES)).toEqual(['bullet', 'dome', 'ptz', 'fisheye', 'panoramic', 'checkpoint', 'other']);
  });
});
