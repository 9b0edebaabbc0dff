import { describe, expect, it } from 'vitest';
import { decideAccess, grantedCameras, type GateFacts, type PersonnelFacts } from './gate-rules.js';
import type { GateRequest, Subject } from './grant.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 15);
const operator: Subject = { accountId: 'u1', username: 'op', displayName: 'Li Na', unit: 'Patrol', roles: ['operator'], via: 'session' };
const goodPersonnel: PersonnelFacts = {
  vettedMs: NOW - 100 * DAY,
  confidentialitySignedMs: NOW - 100 * DAY,
  trainings: [{ course: 'CCTV operator', completedMs: NOW - 30 * DAY, validUntilMs: NOW + 300 * DAY }],
  agreements: [{ company: 'Acme Security', startMs: NOW - DAY, endMs: NOW + DAY }],
};
const facts = (over: Partial<GateFacts> = {}): GateFacts => ({
  reasonCategories: ['incident_investigation', 'security_patrol'],
  nowMs: NOW,
  grants: [{ scope: { kind: 'camera', cameraId: 'cam-a' }, actions: ['live', 'playback'] }],
  groupMembers: new Map(),
  personnel: goodPersonnel,
  ...over,
});
const request = (over: Partial<GateRequest> = {}): GateRequest => ({
  subject: operator,
  action: 'live',
  target: { cameraIds: ['cam-a'] },
  reason: { category: 'security_patrol', text: 'night round' },
  ...over,
});

describe('decideAccess: the gate in order', () => {
  it('lets a trained, vetted operator with a grant and a reason in', () => {
    expect(decideAccess(request(), facts())).toBeNull();
  });

  it.each<[string, Partial<GateRequest>, Partial<GateFacts>, string, string, RegExp?]>([
    ['no reason', { reason: undefined }, {}, 'reason_required', 'R16.3'],
    ['unknown category', { reason: { category: 'curiosity', text: 'just looking' } }, {}, 'reason_required', 'R16.3'],
    ['text too short', { reason: { category: 'security_patrol', text: ' x ' } }, {}, 'reason_required', 'R16.3'],
    // a reason problem is reported before anything else, even for a role without video
    ['no reason and no role', { reason: undefined, subject: { ...operator, roles: ['auditor'] } }, {}, 'reason_required', 'R16.3'],
    ['role without video', { subject: { ...operator, roles: ['system_admin'] } }, {}, 'forbidden', 'R16.2', /video\.live/],
    ['token without scope', { subject: { ...operator, via: 'token', tokenScopes: ['video.playback'] } }, {}, 'forbidden', 'R16.2', /token/],
    ['camera not granted', { target: { cameraIds: ['cam-a', 'cam-b'] } }, {}, 'camera_not_granted', 'R16.2', /cam-b/],
    ['action not granted', { action: 'export' }, {}, 'camera_not_granted', 'R16.2', /'export'/],
    ['download needs export', { action: 'download' }, {}, 'camera_not_granted', 'R16.2', /'export'/],
    ['no camera named', { target: { cameraIds: [] } }, {}, 'camera_not_granted', 'R16.2'],
    ['not vetted', {}, { personnel: { ...goodPersonnel, vettedMs: null } }, 'vetting_missing', 'R16.1'],
    ['no confidentiality', {}, { personnel: { ...goodPersonnel, confidentialitySignedMs: null } }, 'confidentiality_missing', 'R16.1'],
    ['no training', {}, { personnel: { ...goodPersonnel, trainings: [] } }, 'training_missing', 'R16.1'],
    [
      'training expired',
      {},
      { personnel: { ...goodPersonnel, trainings: [{ course: 'CCTV operator', completedMs: NOW - 400 * DAY, validUntilMs: Date.UTC(2026, 9, 1) }] } },
      'training_overdue',
      'R16.1',
      /training 'CCTV operator' expired on 2026-10-01; renew it \(R16\.1\)/,
    ],
  ])('%s → %s', (_name, req, over, code, article, message) => {
    const refusal = decideAccess(request(req), facts(over));
    expect(refusal?.code).toBe(code);
    expect(refusal?.article).toBe(article);
    if (message) expect(refusal?.message).toMatch(message);
  });

  it('a token with the scope passes the scope check', () => {
    expect(decideAccess(request({ subject: { ...operator, via: 'token', tokenScopes: ['video.live'] } }), facts())).toBeNull();
  });

  it('download passes with an export grant', () => {
    const grants = [{ scope: { kind: 'all' as const }, actions: ['export' as const] }];
    expect(decideAccess(request({ action: 'download' }), facts({ grants }))).toBeNull();
  });

  it('reports the first failing personnel gate (vetting before confidentiality before training)', () => {
    const none: PersonnelFacts = { vettedMs: null, confidentialitySignedMs: null, trainings: [], agreements: [] };
    expect(decideAccess(request(), facts({ personnel: none }))?.code).toBe('vetting_missing');
  });

  const contractor: Subject = { ...operator, roles: ['contractor'] };
  it.each<[string, PersonnelFacts['agreements'], string | null, string | null]>([
    ['in force', [{ company: 'Acme', startMs: NOW - DAY, endMs: NOW + DAY }], null, null],
    ['none', [], 'agreement_missing', 'R15.2'],
    ['ended', [{ company: 'Acme', startMs: NOW - 10 * DAY, endMs: NOW - DAY }], 'agreement_expired', 'R19'],
    ['not started', [{ company: 'Acme', startMs: NOW + DAY, endMs: NOW + 10 * DAY }], 'agreement_not_started', 'R19'],
    ['old one ended, new one in force', [
      { company: 'Acme', startMs: NOW - 10 * DAY, endMs: NOW - DAY },
      { company: 'Acme', startMs: NOW - DAY, endMs: NOW + 10 * DAY },
    ], null, null],
  ])('contractor agreement %s', (_name, agreements, code, article) => {
    const refusal = decideAccess(request({ subject: contractor }), facts({ personnel: { ...goodPersonnel, agreements } }));
    expect(refusal?.code ?? null).toBe(code);
    expect(refusal?.article ?? null).toBe(article);
  });

  it('an operator (not a contractor) needs no agreement', () => {
    expect(decideAccess(request(), facts({ personnel: { ...goodPersonnel, agreements: [] } }))).toBeNull();
  });
});

describe('grantedCameras', () => {
  const members = new Map([['g1', new Set(['cam-b', 'cam-c'])]]);
  it('unions camera and group grants for the action', () => {
    const grants = [
      { scope: { kind: 'camera' as const, cameraId: 'cam-a' }, actions: ['live' as const] },
      { scope: { kind: 'group' as const, groupId: 'g1' }, actions: ['live' as const, 'playback' as const] },
      { scope: { kind: 'camera' as const, cameraId: 'cam-z' }, actions: ['export' as const] },
    ];
    expect(grantedCameras(grants, members, 'live')).toEqual(new Set(['cam-a', 'cam-b', 'cam-c']));
    expect(grantedCameras(grants, members, 'playback')).toEqual(new Set(['cam-b', 'cam-c']));
    expect(grantedCameras(grants, members, 'snapshot')).toEqual(new Set());
  });
  it('an all grant for the action is all', () => {
    expect(grantedCameras([{ scope: { kind: 'all' }, actions: ['live'] }], members, 'live')).toBe('all');
    expect(grantedCameras([{ scope: { kind: 'all' }, actions: ['live'] }], members, 'export')).toEqual(new Set());
  });
});
