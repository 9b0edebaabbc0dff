import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessUnderTest } from '../../test/support/fake-registers.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { AccessError, type AccessService, type Role, type Subject } from './index.js';

const T0 = Date.UTC(2026, 11, 1);
const PASSWORD = 'Correct-Horse-42';

// The burst test below holds the right password's check (after argon2 said yes) until it lets go; every other call is
// the real check, unchanged.
const gate = vi.hoisted(() => ({ password: 'Correct-Horse-42', hold: null as Promise<void> | null }));
vi.mock('./secrets.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./secrets.js')>();
  return {
    ...real,
    verifyPassword: async (passwordHash: string, password: string) => {
      const ok = await real.verifyPassword(passwordHash, password);
      if (password === gate.password && gate.hold) await gate.hold;
      return ok;
    },
  };
});

async function rejection(promise: Promise<unknown>): Promise<AccessError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccessError);
  return error as AccessError;
}

function codeAt(secret: string, ms: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: ms });
}

describe.each(dialects)('authentication on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let h: ReturnType<typeof accessUnderTest>;
  let service: AccessService;
  let n = 0;

  async function user(roles: Role[] = ['operator']): Promise<{ id: string; username: string }> {
    const username = `user${++n}`;
    const { user } = await service.createUser(null, { username, displayName: `User ${n}`, unit: 'Control room', roles, password: PASSWORD });
    return { id: user.id, username };
  }

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    h = accessUnderTest(t.db, T0);
    service = h.service;
  });
  afterAll(async () => { await t?.dispose(); });

  it('bootstraps the admin on a system that has accounts but no system administrator (e.g. CLI-made operators)', async () => {
    const fresh = await createTestDatabase(dialect);
    try {
      const svc = accessUnderTest(fresh.db, T0).service;
      await svc.createUser(null, { username: 'early_op', displayName: '早班', unit: '保卫处', roles: ['operator'] });
      expect((await svc.bootstrapAdmin())?.username).toBe('admin');
      expect(await svc.bootstrapAdmin()).toBeNull();
    } finally {
      await fresh.dispose();
    }
  });

  it('bootstraps one admin on first start, then never again', async () => {
    const first = await service.bootstrapAdmin();
    expect(first?.username).toBe('admin');
    expect(first?.password).toHaveLength(20);
    expect(await service.bootstrapAdmin()).toBeNull();
    const login = await service.login({ username: 'admin', password: first!.password, clientAddr: '10.0.0.1' });
    expect(login.subject.roles).toEqual(['system_admin']);
    expect(login.mustChangePassword).toBe(true);
    expect(login.totpSetupRequired).toBe(true); // an administrator without TOTP may only enrol
    expect(h.registers.eventsNamed('user.created')[0]).toMatchObject({ actor: null, details: { via: 'bootstrap' } });
  });

  it('logs in with a fresh session each time, stores only the token hash, and logs success', async () => {
    const u = await user();
    const a = await service.login({ username: u.username.toUpperCase(), password: PASSWORD, clientAddr: '10.0.0.2' });
    const b = await service.login({ username: u.username, password: PASSWORD, clientAddr: '10.0.0.2' });
    expect(a.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.sessionToken).not.toBe(b.sessionToken);
    expect(a.expiresMs).toBe(h.clock.nowMs + 12 * 3600_000);
    const rows = await t.db.selectFrom('sessions').selectAll().where('user_id', '=', u.id).execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) expect([a.sessionToken, b.sessionToken]).not.toContain(row.id);
    expect((await service.authenticateSession(a.sessionToken))?.subject.username).toBe(u.username);
    const event = h.registers.eventsNamed('login.succeeded').at(-1)!;
    expect(event).toMatchObject({ target: u.id, clientAddr: '10.0.0.2', actor: { username: u.username } });
    expect(JSON.stringify(h.registers.events)).not.toContain(PASSWORD);
  });

  it('locks after N failures, refuses the right password while locked, and unlocks by time', async () => {
    const u = await user();
    for (let i = 0; i < 3; i++) {
      expect((await rejection(service.login({ username: u.username, password: 'Wrong-Password-1', clientAddr: null }))).code).toBe('invalid_credentials');
    }
    expect(h.registers.eventsNamed('account.locked').at(-1)).toMatchObject({ target: u.id, actor: null });
    const locked = await rejection(service.login({ username: u.username, password: PASSWORD, clientAddr: null }));
    expect(locked.code).toBe('account_locked');
    expect((await service.getUser(null, u.id))).toMatchObject({ locked: true, lockedUntilMs: h.clock.nowMs + 15 * 60_000 });
    h.clock.nowMs += 15 * 60_000 - 1;
    expect((await rejection(service.login({ username: u.username, password: PASSWORD, clientAddr: null }))).code).toBe('account_locked');
    h.clock.nowMs += 1;
    await expect(service.login({ username: u.username, password: PASSWORD, clientAddr: null })).resolves.toMatchObject({ subject: { accountId: u.id } });
    expect((await service.getUser(null, u.id)).locked).toBe(false);
    const failures = h.registers.eventsNamed('login.failed').filter((e) => e.target === u.id).map((e) => e.details.reason);
    expect(failures).toEqual(['bad_password', 'bad_password', 'bad_password', 'locked', 'locked']);
  });

  it('a burst of parallel guesses locks the account once, and the right password among them does not get in (R15)', async () => {
    const u = await user();
    // The right password starts first, so it reads the account unlocked; its check is then held until the nine wrong
    // guesses beside it are done, three of which lock the account. It must not get in on what it read before the lock.
    let release!: () => void;
    gate.hold = new Promise<void>((resolve) => (release = resolve));
    try {
      const right = rejection(service.login({ username: u.username, password: PASSWORD, clientAddr: null })).catch(() => null);
      const wrong = await Promise.all(Array.from({ length: 9 }, (_, i) =>
        rejection(service.login({ username: u.username, password: `Wrong-Password-${i}`, clientAddr: null }))));
      release();
      expect((await right)?.code).toBe('account_locked'); // was a session: the lock set mid-burst was not looked at again
      const codes = wrong.map((a) => a.code);
      expect(codes.filter((c) => c === 'invalid_credentials')).toHaveLength(3); // the three that locked it
      expect(codes.filter((c) => c === 'account_locked')).toHaveLength(6);
    } finally {
      gate.hold = null;
    }
    expect(h.registers.eventsNamed('account.locked').filter((e) => e.target === u.id)).toHaveLength(1);
    expect(await t.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute()).toHaveLength(0);
    expect((await service.getUser(null, u.id))).toMatchObject({ locked: true, lockedUntilMs: h.clock.nowMs + 15 * 60_000 });
  });

  it('a success resets the failure count; an admin can unlock early', async () => {
    const u = await user();
    await rejection(service.login({ username: u.username, password: 'nope', clientAddr: null }));
    await rejection(service.login({ username: u.username, password: 'nope', clientAddr: null }));
    await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    await rejection(service.login({ username: u.username, password: 'nope', clientAddr: null }));
    await rejection(service.login({ username: u.username, password: 'nope', clientAddr: null }));
    expect((await service.getUser(null, u.id)).locked).toBe(false);
    await rejection(service.login({ username: u.username, password: 'nope', clientAddr: null }));
    expect((await service.getUser(null, u.id)).locked).toBe(true);
    expect((await service.unlockUser(null, u.id)).locked).toBe(false);
    await expect(service.login({ username: u.username, password: PASSWORD, clientAddr: null })).resolves.toBeTruthy();
  });

  it('unknown user names get the same answer as a wrong password, and are logged', async () => {
    const error = await rejection(service.login({ username: 'nobody-here', password: PASSWORD, clientAddr: '1.2.3.4' }));
    expect(error.code).toBe('invalid_credentials');
    expect(h.registers.eventsNamed('login.failed').at(-1)).toMatchObject({ target: null, details: { reason: 'unknown_user' } });
  });

  it('refuses a disabled account and ends its sessions', async () => {
    const u = await user();
    const s = await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    await service.updateUser(null, u.id, { disabled: true });
    expect(await service.authenticateSession(s.sessionToken)).toBeNull();
    expect((await rejection(service.login({ username: u.username, password: PASSWORD, clientAddr: null }))).code).toBe('account_disabled');
  });

  it('TOTP: enrol, then required at login; wrong, replayed and stale codes fail and count; window ±1 step', async () => {
    const u = await user(['auditor']);
    const first = await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    expect(first.totpSetupRequired).toBe(true);
    const { secret, uri } = await service.beginTotp(first.subject);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Vigil:user\d+\?/);
    const stored = await t.db.selectFrom('users').select(['totp_pending', 'totp_secret']).where('id', '=', u.id).executeTakeFirstOrThrow();
    expect(stored.totp_pending).not.toContain(secret); // sealed at rest
    expect((await rejection(service.confirmTotp(first.subject, '000000'))).code).toBe('totp_invalid');
    await service.confirmTotp(first.subject, codeAt(secret, h.clock.nowMs));
    expect((await service.getUser(null, u.id)).totpEnabled).toBe(true);

    h.clock.nowMs += 60_000;
    expect((await rejection(service.login({ username: u.username, password: PASSWORD, clientAddr: null }))).code).toBe('totp_required');
    const code = codeAt(secret, h.clock.nowMs - 30_000); // one step old: inside the window
    const ok = await service.login({ username: u.username, password: PASSWORD, totp: code, clientAddr: null });
    expect(ok.totpSetupRequired).toBe(false);
    // the same code again is a replay
    expect((await rejection(service.login({ username: u.username, password: PASSWORD, totp: code, clientAddr: null }))).code).toBe('totp_invalid');
    // two steps old: outside the window
    h.clock.nowMs += 90_000;
    const stale = codeAt(secret, h.clock.nowMs - 60_000);
    expect((await rejection(service.login({ username: u.username, password: PASSWORD, totp: stale, clientAddr: null }))).code).toBe('totp_invalid');
    // both TOTP failures counted: a third locks
    await rejection(service.login({ username: u.username, password: PASSWORD, totp: '123456', clientAddr: null }));
    expect((await service.getUser(null, u.id)).locked).toBe(true);
  });

  it('sessions end after the idle timeout, and after the absolute timeout however busy', async () => {
    const u = await user();
    const idle = await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    h.clock.nowMs += 30 * 60_000 - 1;
    expect(await service.authenticateSession(idle.sessionToken)).not.toBeNull(); // touches last_seen
    h.clock.nowMs += 30 * 60_000 - 1;
    expect(await service.authenticateSession(idle.sessionToken)).not.toBeNull();
    h.clock.nowMs += 30 * 60_000;
    expect(await service.authenticateSession(idle.sessionToken)).toBeNull();
    expect(await t.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute()).toHaveLength(0);

    const busy = await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    for (let i = 0; i < 12 * 4 - 1; i++) {
      h.clock.nowMs += 15 * 60_000;
      expect(await service.authenticateSession(busy.sessionToken)).not.toBeNull();
    }
    h.clock.nowMs += 15 * 60_000; // 12 h after login
    expect(await service.authenticateSession(busy.sessionToken)).toBeNull();
    expect(await service.authenticateSession('made-up-token')).toBeNull();
  });

  it('logout ends the session; a password change ends the other sessions only', async () => {
    const u = await user();
    const a = await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    const b = await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    const c = await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    await service.logout(c.sessionToken, '10.1.1.1');
    expect(await service.authenticateSession(c.sessionToken)).toBeNull();
    expect(h.registers.eventsNamed('logout').at(-1)).toMatchObject({ target: u.id, clientAddr: '10.1.1.1' });

    const current = (await service.authenticateSession(a.sessionToken))!;
    expect((await rejection(service.changePassword(current.subject, { current: 'wrong', next: 'New-Password-2027' }))).code).toBe('invalid_credentials');
    expect((await rejection(service.changePassword(current.subject, { current: PASSWORD, next: 'short' }))).code).toBe('password_policy');
    await service.changePassword(current.subject, { current: PASSWORD, next: 'New-Password-2027' });
    expect(await service.authenticateSession(a.sessionToken)).not.toBeNull();
    expect(await service.authenticateSession(b.sessionToken)).toBeNull();
    expect((await rejection(service.login({ username: u.username, password: PASSWORD, clientAddr: null }))).code).toBe('invalid_credentials');
    expect((await service.login({ username: u.username, password: 'New-Password-2027', clientAddr: null })).mustChangePassword).toBe(false);
  });

  it('API tokens: scoped within the owner, expiring (≤ 1 year), revocable, stored hashed', async () => {
    const u = await user(['operator']);
    const { subject } = await service.login({ username: u.username, password: PASSWORD, clientAddr: null });
    const scopeError = await rejection(service.createToken(subject, { name: 'nvr', scopes: ['video.live', 'user.manage'], expiresMs: h.clock.nowMs + 86_400_000 }));
    expect(scopeError).toMatchObject({ code: 'token_scope_exceeds_owner', article: 'R16.2' });
    expect((await rejection(service.createToken(subject, { name: 'nvr', scopes: ['video.live'], expiresMs: h.clock.nowMs + 366 * 86_400_000 }))).code).toBe('invalid_request');
    expect((await rejection(service.createToken(subject, { name: 'nvr', scopes: ['video.live'], expiresMs: h.clock.nowMs }))).code).toBe('invalid_request');

    const { token, view } = await service.createToken(subject, { name: 'nvr', scopes: ['video.live'], expiresMs: h.clock.nowMs + 86_400_000 });
    expect(token).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    const row = await t.db.selectFrom('api_tokens').selectAll().where('id', '=', view.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    const machine = (await service.authenticateToken(token)) as Subject;
    expect(machine).toMatchObject({ accountId: u.id, via: 'token', tokenId: view.id, tokenScopes: ['video.live'] });
    expect((await rejection(service.createToken(machine, { name: 'x', scopes: ['video.live'], expiresMs: h.clock.nowMs + 1000 }))).code).toBe('forbidden');
    expect((await service.listTokens(subject))[0]).toMatchObject({ id: view.id, lastUsedMs: h.clock.nowMs, revokedMs: null });

    h.clock.nowMs += 86_400_000;
    expect(await service.authenticateToken(token)).toBeNull(); // expired
    const second = await service.createToken(subject, { name: 'vms', scopes: ['video.playback'], expiresMs: h.clock.nowMs + 86_400_000 });
    expect(await service.authenticateToken(second.token)).not.toBeNull();
    await service.revokeToken(subject, second.view.id);
    expect(await service.authenticateToken(second.token)).toBeNull();
    // Revoking again (or twice at once) succeeds, keeps the first revocation's time and logs it once.
    const third = await service.createToken(subject, { name: 'nvr2', scopes: ['video.live'], expiresMs: h.clock.nowMs + 86_400_000 });
    await Promise.all([service.revokeToken(subject, third.view.id), service.revokeToken(subject, third.view.id)]);
    const revokedMs = (await service.listTokens(subject)).find((v) => v.id === third.view.id)!.revokedMs;
    h.clock.nowMs += 1000;
    await service.revokeToken(subject, third.view.id);
    expect((await service.listTokens(subject)).find((v) => v.id === third.view.id)!.revokedMs).toBe(revokedMs);
    expect(h.registers.eventsNamed('token.revoked').filter((e) => e.details.tokenId === third.view.id)).toHaveLength(1);
    const other = await user();
    const otherSubject = (await service.login({ username: other.username, password: PASSWORD, clientAddr: null })).subject;
    expect((await rejection(service.revokeToken(otherSubject, view.id))).code).toBe('token_not_found');
    expect(await service.authenticateToken('vgl_forged')).toBeNull();
  });
});
