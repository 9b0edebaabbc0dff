import { describe, expect, it } from 'vitest';
import {
  effectiveRetentionDays,
  isRetentionPolicyError,
  policyProblems,
  resolvePolicy,
  RetentionPolicyError,
  validatePolicy,
  type RetentionPolicy,
  type RetentionPolicyErrorCode,
} from './index.js';

const base: RetentionPolicy = {
  id: 'p1',
  scope: { kind: 'default' },
  retentionDays: 30,
  deleteAfterPurposeServed: true,
};

describe('validatePolicy (R17)', () => {
  it('refuses a 29-day policy with a typed error carrying article R17', () => {
    let caught: unknown;
    try {
      validatePolicy({ ...base, retentionDays: 29 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RetentionPolicyError);
    expect(isRetentionPolicyError(caught, 'retention_below_floor')).toBe(true);
    const error = caught as RetentionPolicyError;
    expect(error.article).toBe('R17');
    expect(error.field).toBe('retentionDays');
    expect(error.message).toMatch(/29 days.*at least 30 days \(R17\)/);
    expect(error.toJSON()).toMatchObject({ error: 'retention_below_floor', article: 'R17', field: 'retentionDays' });
  });

  it.each<[string, Partial<RetentionPolicy>]>([
    ['exactly the floor', { retentionDays: 30 }],
    ['above the floor', { retentionDays: 45 }],
    ['a bank override of 90 days', { sectorOverride: { sector: 'bank', retentionDays: 90, legalBasis: 'banking rules' } }],
    ['a ceiling equal to retention', { retentionDays: 60, ceilingDays: 60 }],
    ['a ceiling above retention', { ceilingDays: 365 }],
    ['a null ceiling', { ceilingDays: null }],
    ['keeping past retention until the ceiling', { deleteAfterPurposeServed: false, ceilingDays: 180 }],
    ['a camera scope', { scope: { kind: 'camera', cameraId: 'cam-1' } }],
    ['a group scope', { scope: { kind: 'group', groupId: 'g1', memberCameraIds: ['cam-1'] } }],
  ])('accepts %s', (_name, change) => {
    const policy = { ...base, ...change };
    expect(validatePolicy(policy)).toBe(policy);
  });

  it.each<[string, Partial<RetentionPolicy>, RetentionPolicyErrorCode]>([
    ['29 days', { retentionDays: 29 }, 'retention_below_floor'],
    ['0 days', { retentionDays: 0 }, 'retention_not_whole_days'],
    ['negative days', { retentionDays: -30 }, 'retention_not_whole_days'],
    ['fractional days', { retentionDays: 30.5 }, 'retention_not_whole_days'],
    ['NaN days', { retentionDays: Number.NaN }, 'retention_not_whole_days'],
    [
      'a sector override at the floor',
      { sectorOverride: { sector: 'bank', retentionDays: 30, legalBasis: 'x' } },
      'sector_override_not_above_floor',
    ],
    [
      'a sector override without legal basis',
      { sectorOverride: { sector: 'bank', retentionDays: 90, legalBasis: ' ' } },
      'sector_override_incomplete',
    ],
    ['a ceiling below retention', { retentionDays: 60, ceilingDays: 59 }, 'ceiling_below_retention'],
    [
      'a ceiling below the sector override',
      { ceilingDays: 60, sectorOverride: { sector: 'bank', retentionDays: 90, legalBasis: 'banking rules' } },
      'ceiling_below_retention',
    ],
    ['a fractional ceiling', { ceilingDays: 40.5 }, 'ceiling_not_whole_days'],
    ['an empty camera id', { scope: { kind: 'camera', cameraId: '' } }, 'scope_invalid'],
    ['an empty group id', { scope: { kind: 'group', groupId: '', memberCameraIds: [] } }, 'scope_invalid'],
    ['an empty policy id', { id: '' }, 'policy_id_missing'],
  ])('refuses %s', (_name, change, code) => {
    const problems = policyProblems({ ...base, ...change });
    expect(problems.map((p) => p.code)).toContain(code);
    expect(problems.every((p) => p.article === 'R17')).toBe(true);
    expect(() => validatePolicy({ ...base, ...change })).toThrow(RetentionPolicyError);
  });
});

describe('effectiveRetentionDays', () => {
  it.each<[Partial<RetentionPolicy>, number]>([
    [{ retentionDays: 30 }, 30],
    [{ retentionDays: 10 }, 30], // never below the floor, even unvalidated (R17)
    [{ retentionDays: 45 }, 45],
    [{ retentionDays: 30, sectorOverride: { sector: 'bank', retentionDays: 90, legalBasis: 'b' } }, 90],
    [{ retentionDays: 120, sectorOverride: { sector: 'bank', retentionDays: 90, legalBasis: 'b' } }, 120],
  ])('%j → %i days', (change, days) => {
    expect(effectiveRetentionDays({ ...base, ...change })).toBe(days);
  });
});

describe('resolvePolicy: camera > groups (longest retention) > default', () => {
  const fallback: RetentionPolicy = { ...base, id: 'default', retentionDays: 30 };
  const lobby: RetentionPolicy = {
    ...base,
    id: 'lobby',
    retentionDays: 60,
    scope: { kind: 'group', groupId: 'lobby', memberCameraIds: ['cam-1', 'cam-2'] },
  };
  const vault: RetentionPolicy = {
    ...base,
    id: 'vault',
    retentionDays: 40,
    sectorOverride: { sector: 'bank', retentionDays: 90, legalBasis: 'banking rules' },
    scope: { kind: 'group', groupId: 'vault', memberCameraIds: ['cam-2'] },
  };
  const cam2: RetentionPolicy = { ...base, id: 'cam-2', retentionDays: 31, scope: { kind: 'camera', cameraId: 'cam-2' } };
  const all = [fallback, lobby, vault, cam2];

  it.each<[string, readonly RetentionPolicy[], string, string | null]>([
    ['the camera policy wins over its groups', all, 'cam-2', 'cam-2'],
    ['a group policy wins over the default', all, 'cam-1', 'lobby'],
    ['among groups the longest effective retention wins', [fallback, lobby, vault], 'cam-2', 'vault'],
    ['the default applies to cameras in no group', all, 'cam-9', 'default'],
    ['no policy at all', [lobby], 'cam-9', null],
  ])('%s', (_name, policies, cameraId, expected) => {
    expect(resolvePolicy(cameraId, policies)?.id ?? null).toBe(expected);
  });

  it('breaks ties by the longest ceiling (none is longest), then by id', () => {
    const scope = { kind: 'group', groupId: 'g', memberCameraIds: ['c'] } as const;
    const capped: RetentionPolicy = { ...base, id: 'a', scope, ceilingDays: 60 };
    const open: RetentionPolicy = { ...base, id: 'b', scope, ceilingDays: null };
    expect(resolvePolicy('c', [capped, open])?.id).toBe('b');
    const twin: RetentionPolicy = { ...base, id: 'a0', scope, ceilingDays: 60 };
    expect(resolvePolicy('c', [capped, twin])?.id).toBe('a');
    expect(resolvePolicy('c', [twin, capped])?.id).toBe('a');
  });
});
