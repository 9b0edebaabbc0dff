import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessUnderTest } from '../../test/support/fake-registers.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { AccessError, type AccessService, type Role, type Subject } from './index.js';

const T0 = Date.UTC(2026, 11, 1);

async function rejection(promise: Promise<unknown>): Promise<AccessError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccessError);
  return error as AccessError;
}

describe.each(dialects)('accounts on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let h: ReturnType<typeof accessUnderTest>;
  let service: AccessService;
  let n = 0;

  async function signedIn(roles: Role[]): Promise<Subject> {
    const username = `a${++n}`;
    const { initialPassword } = await service.createUser(null, { username, displayName: `A ${n}`, unit: 'HQ', roles });
    return (await service.login({ username, password: initialPassword, clientAddr: null })).subject;
  }

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    h = accessUnderTest(t.db, T0);
    service = h.service;
  });
  afterAll(async () => { await t?.dispose(); });

  it('creates an account with a one-time password; the view has no hash or secret; the CLI is logged as via cli', async () => {
    const { user, initialPassword } = await service.createUser(null, {
      username: ' Zhang.Wei ', displayName: '张伟', unit: '治安大队', employeeId: 'E-100', roles: ['operator'],
    });
    expect(user).toEqual({
      id: expect.any(String), username: 'zhang.wei', displayName: '张伟', unit: '治安大队', employeeId: 'E-100', phone: null,
      roles: ['operator'], disabled: false, locked: false, lockedUntilMs: null, totpEnabled: false, mustChangePassword: true,
      createdMs: T0, updatedMs: T0,
    });
    expect(initialPassword).toHaveLength(20);
    const row = await t.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(h.registers.eventsNamed('user.created').at(-1)).toMatchObject({ actor: null, target: user.id, details: { via: 'cli', roles: ['operator'] } });
    expect(JSON.stringify(h.registers.events)).not.toContain(initialPassword);
    expect((await rejection(service.createUser(null, { username: 'zhang.wei', displayName: 'x', unit: 'y', roles: [] }))).code).toBe('username_taken');
    expect((await rejection(service.createUser(null, { username: 'li', displayName: 'x', unit: 'y', roles: [], password: 'li-password' }))).code).toBe('password_policy');
  });

  it('三员分立: refuses combined administrator roles at creation and on change (R16.2)', async () => {
    const create = await rejection(service.createUser(null, { username: `both${dialect}`, displayName: 'x', unit: 'y', roles: ['system_admin', 'auditor'] }));
    expect(create).toMatchObject({ code: 'separation_of_duties', article: 'R16.2' });
    const sec = await signedIn(['security_admin']);
    const target = await signedIn(['auditor']);
    expect(await rejection(service.setRoles(sec, target.accountId, ['auditor', 'security_admin']))).toMatchObject({ code: 'separation_of_duties', article: 'R16.2' });
    expect(await rejection(service.setRoles(sec, sec.accountId, ['security_admin', 'operator']))).toMatchObject({ code: 'separation_of_duties', article: 'R16.2' });
    const changed = await service.setRoles(sec, target.accountId, ['auditor', 'inspector']);
    expect(changed.roles).toEqual(['auditor', 'inspector']);
    expect(h.registers.eventsNamed('roles.changed').at(-1)).toMatchObject({ actor: { accountId: sec.accountId }, details: { from: ['auditor'], to: ['auditor', 'inspector'] } });
  });

  it('checks the actor’s permission: system admin for accounts, security admin for roles, grants and personnel', async () => {
    const sys = await signedIn(['system_admin']);
    const sec = await signedIn(['security_admin']);
    const op = await signedIn(['operator']);
    // the first system admin can create the first security admin and auditor
    const { user: newSec } = await service.createUser(sys, { username: `sec${dialect}`, displayName: 'S', unit: 'U', roles: ['security_admin'] });
    expect(newSec.roles).toEqual(['security_admin']);
    expect(await rejection(service.createUser(op, { username: 'nope', displayName: 'x', unit: 'y', roles: [] }))).toMatchObject({ code: 'forbidden', article: 'R16.2' });
    expect((await rejection(service.createUser(sec, { username: 'nope', displayName: 'x', unit: 'y', roles: [] }))).code).toBe('forbidden');
    expect((await rejection(service.setRoles(sys, op.accountId, ['contractor']))).code).toBe('forbidden');
    expect((await rejection(service.addGrant(sys, { userId: op.accountId, scope: { kind: 'all' }, actions: ['live'] }))).code).toBe('forbidden');
    expect((await rejection(service.setPersonnel(op, op.accountId, { vettedMs: T0 }))).code).toBe('forbidden');
    expect((await rejection(service.resetPassword(sec, op.accountId))).code).toBe('forbidden');
    await service.addGrant(sec, { userId: op.accountId, scope: { kind: 'all' }, actions: ['live'] });
    expect(await service.listGrants(op, { userId: op.accountId })).toHaveLength(1); // one's own grants
    expect((await rejection(service.listGrants(op, {}))).code).toBe('forbidden');
    expect((await service.getUser(op, op.accountId)).id).toBe(op.accountId); // one's own account
    expect((await rejection(service.getUser(op, sys.accountId))).code).toBe('forbidden');
    const page = await service.listUsers(sec, { limit: 2, offset: 0 });
    expect(page.items).toHaveLength(2);
    expect(page.total).toBe((await t.db.selectFrom('users').select('id').execute()).length);
  });

  it('reset password: new one-time password, sessions ended, must change; unknown ids are user_not_found', async () => {
    const op = await signedIn(['operator']);
    const before = await t.db.selectFrom('sessions').select('id').where('user_id', '=', op.accountId).execute();
    expect(before).toHaveLength(1);
    const { password } = await service.resetPassword(null, op.accountId);
    expect(await t.db.selectFrom('sessions').select('id').where('user_id', '=', op.accountId).execute()).toHaveLength(0);
    const login = await service.login({ username: op.username, password, clientAddr: null });
    expect(login.mustChangePassword).toBe(true);
    expect((await rejection(service.getUser(null, 'no-such-id'))).code).toBe('user_not_found');
    expect((await rejection(service.findUser(null, 'no-such-user'))).code).toBe('user_not_found');
  });

  it('updates profile fields and refuses disabling oneself', async () => {
    const sys = await signedIn(['system_admin']);
    const op = await signedIn(['operator']);
    const updated = await service.updateUser(sys, op.accountId, { displayName: 'Wang Fang', phone: '13800000000', employeeId: null });
    expect(updated).toMatchObject({ displayName: 'Wang Fang', phone: '13800000000', employeeId: null });
    expect((await rejection(service.updateUser(sys, sys.accountId, { disabled: true }))).code).toBe('forbidden');
    expect((await rejection(service.updateUser(sys, op.accountId, { unit: '  ' }))).code).toBe('invalid_request');
  });
});
