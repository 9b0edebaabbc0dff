import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessUnderTest } from '../../test/support/fake-registers.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { AccessError, type AccessService, type GateRequest, type Role, type Subject } from './index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1);
const reason = { category: 'incident_investigation', text: 'theft report #12' };

async function rejection(promise: Promise<unknown>): Promise<AccessError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccessError);
  return error as AccessError;
}

describe.each(dialects)('the gate on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let h: ReturnType<typeof accessUnderTest>;
  let service: AccessService;
  let n = 0;

  async function account(roles: Role[]): Promise<Subject> {
    const username = `g${++n}`;
    const { user } = await service.createUser(null, { username, displayName: `Name ${n}`, unit: 'Unit A', roles, password: 'Gate-Password-99' });
    return { accountId: user.id, username, displayName: user.displayName, unit: user.unit, roles: user.roles, via: 'session' };
  }
  async function cleared(subject: Subject): Promise<void> {
    await service.setPersonnel(null, subject.accountId, { vettedMs: T0 - 10 * DAY, confidentialitySignedMs: T0 - 10 * DAY });
    await service.addTraining(null, subject.accountId, { course: 'CCTV operator', completedMs: T0 - DAY, validUntilMs: T0 + 365 * DAY });
  }
  const req = (subject: Subject, over: Partial<GateRequest> = {}): GateRequest => ({
    subject, action: 'live', target: { cameraIds: ['cam-1'] }, reason, clientAddr: '10.9.9.9', ...over,
  });

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    h = accessUnderTest(t.db, T0);
    service = h.service;
  });
  afterAll(async () => { await t?.dispose(); });

  it('refuses in order, recording a register row for each refusal before throwing', async () => {
    const op = await account(['operator']);
    const steps: [string, string, () => Promise<void>][] = [
      ['reason_required', 'R16.3', async () => {}],
      ['forbidden', 'R16.2', async () => {}],
      ['camera_not_granted', 'R16.2', async () => { await service.addGrant(null, { userId: op.accountId, scope: { kind: 'camera', cameraId: 'cam-1' }, actions: ['live'] }); }],
      ['vetting_missing', 'R16.1', async () => { await service.setPersonnel(null, op.accountId, { vettedMs: T0 - DAY }); }],
      ['confidentiality_missing', 'R16.1', async () => { await service.setPersonnel(null, op.accountId, { confidentialitySignedMs: T0 - DAY }); }],
      ['training_missing', 'R16.1', async () => { await service.addTraining(null, op.accountId, { course: 'CCTV operator', completedMs: T0 - 400 * DAY, validUntilMs: T0 - 35 * DAY }); }],
      ['training_overdue', 'R16.1', async () => { await service.addTraining(null, op.accountId, { course: 'CCTV operator', completedMs: T0 - DAY, validUntilMs: T0 + 365 * DAY }); }],
    ];
    for (const [code, article, fix] of steps) {
      const before = h.registers.accessRows.length;
      const request = code === 'reason_required' ? req(op, { reason: { category: 'security_patrol', text: '' } })
        : code === 'forbidden' ? req(op, { subject: { ...op, via: 'token', tokenScopes: ['video.playback'] } })
        : req(op);
      const error = await rejection(service.gate.open(request));
      expect({ code: error.code, article: error.article }).toEqual({ code, article });
      expect(h.registers.accessRows).toHaveLength(before + 1);
      expect(h.registers.accessRows.at(-1)).toMatchObject({
        outcome: 'refused', refusal: { code, article, message: error.message }, accountId: op.accountId, username: op.username,
        displayName: op.displayName, unit: 'Unit A', action: 'live', cameraIds: ['cam-1'], clientAddr: '10.9.9.9',
      });
      await fix();
    }
    expect(h.registers.accessRows.at(-1)?.refusal?.message).toMatch(/training 'CCTV operator' expired on 2026-10-27; renew it \(R16\.1\)/);
    const grant = await service.gate.open(req(op));
    expect(grant.accessId).toBe(h.registers.accessRows.at(-1)!.id);
    expect(h.registers.accessRows.at(-1)).toMatchObject({ outcome: 'granted', refusal: null, reasonCategory: 'incident_investigation', reasonText: 'theft report #12' });
  });

  it('a removed grant refuses at once; two removals at once remove and log it once, the other finds no grant', async () => {
    const op = await account(['operator']);
    await cleared(op);
    const grant = await service.addGrant(null, { userId: op.accountId, scope: { kind: 'camera', cameraId: 'cam-1' }, actions: ['live'] });
    await (await service.gate.open(req(op))).close();
    const outcomes = await Promise.all([0, 1, 2].map(() => service.removeGrant(null, grant.id).then(() => 'removed', (e: AccessError) => e.code)));
    expect(outcomes.sort()).toEqual(['grant_not_found', 'grant_not_found', 'removed']);
    expect(h.registers.eventsNamed('grant.removed').filter((e) => e.details.grantId === grant.id)).toHaveLength(1);
    expect(await rejection(service.gate.open(req(op)))).toMatchObject({ code: 'camera_not_granted', article: 'R16.2' });
  });

  it('refuses a role without video (system admin) with forbidden R16.2', async () => {
    const admin = await account(['system_admin']);
    await service.addGrant(null, { userId: admin.accountId, scope: { kind: 'all' }, actions: ['live'] });
    expect(await rejection(service.gate.open(req(admin)))).toMatchObject({ code: 'forbidden', article: 'R16.2' });
    expect(h.registers.accessRows.at(-1)).toMatchObject({ outcome: 'refused', roles: ['system_admin'] });
  });

  it('contractors: agreement missing, not started, in force, expired (R15.2, R19)', async () => {
    const c = await account(['contractor']);
    await cleared(c);
    await service.addGrant(null, { userId: c.accountId, scope: { kind: 'all' }, actions: ['playback'] });
    const open = () => service.gate.open(req(c, { action: 'playback', target: { cameraIds: ['cam-9'], fromMs: T0 - DAY, toMs: T0 } }));
    expect(await rejection(open())).toMatchObject({ code: 'agreement_missing', article: 'R15.2' });
    await service.setAgreement(null, c.accountId, { company: 'Acme Security', scope: 'maintenance', startMs: T0 + DAY, endMs: T0 + 30 * DAY, documentRef: 'AG-1' });
    expect(await rejection(open())).toMatchObject({ code: 'agreement_not_started', article: 'R19' });
    h.clock.nowMs = T0 + 2 * DAY;
    const grant = await open();
    expect(h.registers.accessRows.at(-1)).toMatchObject({ outcome: 'granted', fromMs: T0 - DAY, toMs: T0, action: 'playback' });
    await grant.close();
    h.clock.nowMs = T0 + 31 * DAY;
    expect(await rejection(open())).toMatchObject({ code: 'agreement_expired', article: 'R19' });
    expect((await service.getPersonnel(null, c.accountId)).blockers.map((b) => b.code)).toEqual(['agreement_expired']);
    h.clock.nowMs = T0;
  });

  it('writes the granted row before returning, counts bytes, and closes exactly once', async () => {
    const op = await account(['operator']);
    await cleared(op);
    await service.addGrant(null, { userId: op.accountId, scope: { kind: 'camera', cameraId: 'cam-1' }, actions: ['live'] });
    const rowsBefore = h.registers.accessRows.length;
    const grant = await service.gate.open(req(op));
    expect(h.registers.accessRows).toHaveLength(rowsBefore + 1);
    expect(grant).toMatchObject({ action: 'live', cameraIds: ['cam-1'], fromMs: null, toMs: null, openedMs: T0, closed: false });
    grant.addBytes(1000);
    grant.addBytes(24);
    expect(() => grant.addBytes(-1)).toThrow(RangeError);
    h.clock.nowMs = T0 + 5000;
    await Promise.all([grant.close(), grant.close()]);
    await grant.close();
    grant.addBytes(99);
    expect(grant.closed).toBe(true);
    expect(h.registers.accessEnds.filter((e) => e.accessId === grant.accessId)).toEqual([{ accessId: grant.accessId, bytes: 1024, endedMs: T0 + 5000 }]);
    h.clock.nowMs = T0;
  });

  it('grants nothing when the register cannot record the access', async () => {
    const op = await account(['operator']);
    await cleared(op);
    await service.addGrant(null, { userId: op.accountId, scope: { kind: 'all' }, actions: ['snapshot'] });
    h.registers.failNextAccess = true;
    await expect(service.gate.open(req(op, { action: 'snapshot' }))).rejects.toThrow('access register unavailable');
  });

  it('grants through camera, group and all grants; download needs export; cameraScope agrees', async () => {
    const op = await account(['operator']);
    await cleared(op);
    const group = await service.createGroup(null, { name: `north-${dialect}`, cameraIds: ['cam-2', 'cam-3'] });
    await service.addGrant(null, { userId: op.accountId, scope: { kind: 'camera', cameraId: 'cam-1' }, actions: ['live', 'playback'] });
    await service.addGrant(null, { userId: op.accountId, scope: { kind: 'group', groupId: group.id }, actions: ['live'] });
    await service.addGrant(null, { userId: op.accountId, scope: { kind: 'all' }, actions: ['export'] });

    await (await service.gate.open(req(op, { target: { cameraIds: ['cam-1', 'cam-2', 'cam-3'] } }))).close();
    expect((await rejection(service.gate.open(req(op, { action: 'playback', target: { cameraIds: ['cam-2'] } })))).code).toBe('camera_not_granted');
    await (await service.gate.open(req(op, { action: 'download', target: { cameraIds: ['anything'] } }))).close();
    expect(await service.cameraScope(op, 'live')).toEqual(new Set(['cam-1', 'cam-2', 'cam-3']));
    expect(await service.cameraScope(op, 'playback')).toEqual(new Set(['cam-1']));
    expect(await service.cameraScope(op, 'export')).toBe('all');
    expect(await service.cameraScope(op, 'configure')).toEqual(new Set()); // an operator's roles do not configure
    expect(await service.cameraScope({ ...op, via: 'token', tokenScopes: ['video.playback'] }, 'live')).toEqual(new Set());

    await service.setGroupCameras(null, group.id, ['cam-4']);
    expect(await service.cameraScope(op, 'live')).toEqual(new Set(['cam-1', 'cam-4']));
    await service.deleteGroup(null, group.id);
    expect(await service.cameraScope(op, 'live')).toEqual(new Set(['cam-1']));
    expect((await service.listGrants(null, { userId: op.accountId })).map((g) => g.scope.kind)).toEqual(['camera', 'all']);
  });

  it('decides on the account as it is now: removed roles and disabled accounts are refused', async () => {
    const op = await account(['operator']);
    await cleared(op);
    await service.addGrant(null, { userId: op.accountId, scope: { kind: 'all' }, actions: ['live'] });
    await (await service.gate.open(req(op))).close();
    await service.setRoles(null, op.accountId, ['investigator']);
    expect((await rejection(service.gate.open(req(op)))).code).toBe('forbidden');
    await service.setRoles(null, op.accountId, ['operator']);
    await service.updateUser(null, op.accountId, { disabled: true });
    expect((await rejection(service.gate.open(req(op)))).code).toBe('account_disabled');
    expect(h.registers.accessRows.at(-1)?.outcome).toBe('refused');
  });
});
