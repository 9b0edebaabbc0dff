// Signing in and staying signed in: password + TOTP login with lockout, sessions (idle and absolute timeouts),
// API tokens, password change and TOTP enrolment. R15 (anti-intrusion) through R16.2 (only the right person acts).
//
// Rules kept here: a session token and an API token are stored only as their SHA-256; a login always makes a new
// session (a token presented by the client is never adopted: no fixation); an unknown user name or a locked account
// still spends one argon2 check, so timing does not tell which names exist; failures are counted atomically in the
// repo; the system log gets login.succeeded / login.failed / account.locked, never a password or token.
import { Secret, TOTP } from 'otpauth';
import { v7 as uuidv7 } from 'uuid';
import { allows, logEvent, requireUser, type AccessServiceDeps } from './deps.js';
import { AccessError, invalid } from './errors.js';
import type { Subject } from './grant.js';
import { checkPassword, normalizeUsername, requiredText, USERNAME_PATTERN } from './policy.js';
import * as repo from './repo.js';
import { PERMISSIONS, type Permission } from './roles.js';
import {
  API_TOKEN_PREFIX,
  hashPassword,
  openTotpSecret,
  randomApiToken,
  randomToken,
  sealTotpSecret,
  sha256Hex,
  spendPasswordCheck,
  verifyPassword,
} from './secrets.js';
import { subjectOf, toTokenView, totpSetupRequired, type LoginResult, type TokenView } from './views.js';

export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** One step either side: tolerates 30 s of clock drift between server and phone. */
export const TOTP_WINDOW = 1;
export const TOKEN_MAX_LIFETIME_MS = 365 * 86_400_000;

function totpOf(username: string, base32: string): TOTP {
  return new TOTP({ issuer: 'Vigil', label: username, secret: Secret.fromBase32(base32), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S });
}

/** The time step of a valid `code` for the secret at `nowMs`, or null. Replay is refused by the caller (claimTotpStep). */
function totpStep(username: string, base32: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(username, base32).validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  return delta === null ? null : TOTP.counter({ period: TOTP_PERIOD_S, timestamp: nowMs }) + delta;
}

function sessionOnly(subject: Subject, what: string): void {
  if (subject.via !== 'session') throw new AccessError('forbidden', `${what} needs a signed-in person, not an API token (R16.2)`, 'R16.2');
}

export async function login(
  deps: AccessServiceDeps,
  input: { username: string; password: string; totp?: string; clientAddr: string | null },
): Promise<LoginResult> {
  const { clientAddr } = input;
  const password = typeof input.password === 'string' ? input.password : '';
  const username = normalizeUsername(typeof input.username === 'string' ? input.username : '');
  const now = deps.now();
  const record = USERNAME_PATTERN.test(username) ? await repo.getUser(deps.db, { username }) : undefined;
  const failed = (target: string | null, reason: string) =>
    logEvent(deps, null, 'login.failed', target, { username: username.slice(0, 64), reason, via: 'login' }, clientAddr);
  const wrong = () => new AccessError('invalid_credentials', 'user name or password is wrong');

  if (!record) {
    await spendPasswordCheck(password);
    await failed(null, 'unknown_user');
    throw wrong();
  }
  const { user } = record;
  const lockedError = (lockedUntilMs: number) => new AccessError(
    'account_locked',
    `account is locked after repeated failed logins until ${new Date(lockedUntilMs).toISOString()}; wait, or ask a system admin to unlock it (R15)`,
    'R15',
  );
  if (user.locked_until_ms !== null && user.locked_until_ms > now) {
    await spendPasswordCheck(password); // refused even with the right password, in the same time
    await failed(user.id, 'locked');
    throw lockedError(user.locked_until_ms);
  }
  // Parallel guesses all get past the check above before any of them fails, so the lock is checked again where each
  // one ends: a guess that finds the account locked by another gets the locked answer, right password or wrong, so the
  // answers of guesses made in a burst neither let one in nor tell which was right (R15).
  const countFailure = async (reason: string): Promise<AccessError | null> => {
    const outcome = await repo.recordLoginFailure(deps.db, user.id, deps.lockoutAfterFailures, now, now + deps.lockoutMs);
    if (outcome.kind === 'already_locked') {
      await failed(user.id, 'locked');
      return lockedError(outcome.lockedUntilMs);
    }
    await failed(user.id, reason);
    if (outcome.kind === 'locked_now') {
      await logEvent(deps, null, 'account.locked', user.id, {
        username: user.username, failures: deps.lockoutAfterFailures, lockedUntilMs: now + deps.lockoutMs, via: 'login',
      }, clientAddr);
    }
    return null;
  };
  if (!(await verifyPassword(user.password_hash, password))) {
    throw (await countFailure('bad_password')) ?? wrong();
  }
  if (user.disabled === 1) {
    await failed(user.id, 'disabled');
    throw new AccessError('account_disabled', 'this account is disabled; ask a system admin');
  }
  if (user.totp_enabled === 1) {
    if (typeof input.totp !== 'string' || input.totp.trim() === '') {
      throw new AccessError('totp_required', 'enter the 6-digit code from your authenticator app');
    }
    const secret = openTotpSecret(user.totp_secret ?? '', deps.totpKey, user.id);
    const step = totpStep(user.username, secret, input.totp.trim(), now);
    if (step === null || !(await repo.claimTotpStep(deps.db, user.id, step))) {
      throw (await countFailure('totp_invalid'))
        ?? new AccessError('totp_invalid', 'the authenticator code is wrong or was already used; wait for the next code');
    }
  }
  const lock = await repo.clearLoginFailures(deps.db, user.id, now);
  if (lock) {
    await failed(user.id, 'locked');
    throw lockedError(lock.lockedUntilMs);
  }

  const sessionToken = randomToken(); // always fresh: never adopt a token from the client (session fixation)
  const sessionId = sha256Hex(sessionToken);
  const csrfToken = randomToken();
  const expiresMs = now + deps.sessionAbsoluteMs;
  await repo.insertSession(deps.db, {
    id: sessionId, user_id: user.id, csrf_token: csrfToken, created_ms: now, last_seen_ms: now, expires_ms: expiresMs, client_addr: clientAddr,
  });
  const subject = subjectOf(record, { sessionId });
  await logEvent(deps, subject, 'login.succeeded', user.id, { via: 'login', totp: user.totp_enabled === 1 }, clientAddr);
  return {
    sessionToken,
    csrfToken,
    expiresMs,
    subject,
    mustChangePassword: user.must_change_password === 1,
    totpSetupRequired: totpSetupRequired(record.roles, user.totp_enabled === 1),
  };
}

export interface AuthenticatedSession {
  subject: Subject;
  csrfToken: string;
  /** The HTTP layer allows only the password-change routes while this is true. */
  mustChangePassword: boolean;
  /** The HTTP layer allows only the TOTP enrolment routes while this is true. */
  totpSetupRequired: boolean;
}

export async function authenticateSession(deps: AccessServiceDeps, sessionToken: string): Promise<AuthenticatedSession | null> {
  if (typeof sessionToken !== 'string' || sessionToken.length === 0 || sessionToken.length > 200) return null;
  const id = sha256Hex(sessionToken);
  const session = await repo.getSession(deps.db, id);
  if (!session) return null;
  const now = deps.now();
  if (now >= session.expires_ms || now - session.last_seen_ms >= deps.sessionIdleMs) {
    await repo.deleteSession(deps.db, id);
    return null;
  }
  const record = await repo.getUser(deps.db, { id: session.user_id });
  if (!record || record.user.disabled === 1) {
    await repo.deleteSession(deps.db, id);
    return null;
  }
  await repo.touchSession(deps.db, id, now);
  return {
    subject: subjectOf(record, { sessionId: id }),
    csrfToken: session.csrf_token,
    mustChangePassword: record.user.must_change_password === 1,
    totpSetupRequired: totpSetupRequired(record.roles, record.user.totp_enabled === 1),
  };
}

export async function logout(deps: AccessServiceDeps, sessionToken: string, clientAddr: string | null): Promise<void> {
  const signedIn = await authenticateSession(deps, sessionToken);
  if (!signedIn) return;
  await repo.deleteSession(deps.db, sha256Hex(sessionToken));
  await logEvent(deps, signedIn.subject, 'logout', signedIn.subject.accountId, { via: 'session' }, clientAddr);
}

export async function changePassword(deps: AccessServiceDeps, subject: Subject, input: { current: string; next: string }): Promise<void> {
  sessionOnly(subject, 'changing a password');
  const { user } = await requireUser(deps, subject.accountId);
  if (!(await verifyPassword(user.password_hash, String(input.current)))) {
    throw new AccessError('invalid_credentials', 'the current password is wrong');
  }
  checkPassword(user.username, String(input.next));
  if (input.next === input.current) throw new AccessError('password_policy', 'the new password must differ from the current one', undefined, 'next');
  const now = deps.now();
  await repo.updateUser(deps.db, user.id, {
    password_hash: await hashPassword(input.next), password_changed_ms: now, must_change_password: 0, updated_ms: now,
  });
  // Whoever else holds a session of this account (a stolen cookie) loses it with the old password.
  const ended = await repo.deleteSessionsOf(deps.db, user.id, subject.sessionId);
  await logEvent(deps, subject, 'password.changed', user.id, { otherSessionsEnded: ended });
}

export async function beginTotp(deps: AccessServiceDeps, subject: Subject): Promise<{ secret: string; uri: string }> {
  sessionOnly(subject, 'TOTP enrolment');
  const { user } = await requireUser(deps, subject.accountId);
  const secret = new Secret({ size: 20 }).base32;
  // Pending until confirmed: an enrolled secret keeps working until a new one is proven (confirmTotp).
  await repo.updateUser(deps.db, user.id, { totp_pending: sealTotpSecret(secret, deps.totpKey, user.id), updated_ms: deps.now() });
  return { secret, uri: totpOf(user.username, secret).toString() };
}

export async function confirmTotp(deps: AccessServiceDeps, subject: Subject, code: string): Promise<void> {
  sessionOnly(subject, 'TOTP enrolment');
  const { user } = await requireUser(deps, subject.accountId);
  if (user.totp_pending === null) throw new AccessError('totp_not_started', 'start TOTP enrolment first, then enter a code from the app');
  const secret = openTotpSecret(user.totp_pending, deps.totpKey, user.id);
  const now = deps.now();
  const step = totpStep(user.username, secret, String(code).trim(), now);
  if (step === null || !(await repo.claimTotpStep(deps.db, user.id, step))) {
    throw new AccessError('totp_invalid', 'the authenticator code is wrong or was already used; wait for the next code');
  }
  await repo.updateUser(deps.db, user.id, { totp_secret: user.totp_pending, totp_pending: null, totp_enabled: 1, updated_ms: now });
  await logEvent(deps, subject, 'totp.enabled', user.id, {});
}

export async function authenticateToken(deps: AccessServiceDeps, token: string): Promise<Subject | null> {
  if (typeof token !== 'string' || !token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return null;
  const row = await repo.getTokenByHash(deps.db, sha256Hex(token));
  const now = deps.now();
  if (!row || row.revoked_ms !== null || now >= row.expires_ms) return null;
  const record = await repo.getUser(deps.db, { id: row.user_id });
  if (!record || record.user.disabled === 1) return null;
  await repo.touchToken(deps.db, row.id, now);
  return subjectOf(record, { tokenId: row.id, scopes: JSON.parse(row.scopes) as string[] });
}

export async function createToken(
  deps: AccessServiceDeps,
  subject: Subject,
  input: { name: string; scopes: Permission[]; expiresMs: number },
): Promise<{ token: string; view: TokenView }> {
  sessionOnly(subject, 'creating an API token');
  const name = requiredText('name', input.name);
  const scopes = [...new Set(Array.isArray(input.scopes) ? input.scopes : [])];
  if (scopes.length === 0 || scopes.some((s) => !(PERMISSIONS as readonly string[]).includes(s))) {
    throw invalid('scopes', `scopes must be a non-empty list of permissions (${PERMISSIONS.join(', ')})`);
  }
  const exceeding = scopes.filter((s) => !allows(subject, s));
  if (exceeding.length > 0) {
    throw new AccessError('token_scope_exceeds_owner', `a token may not do more than its owner: your roles do not give ${exceeding.join(', ')} (R16.2)`, 'R16.2', 'scopes');
  }
  const now = deps.now();
  if (!Number.isSafeInteger(input.expiresMs) || input.expiresMs <= now || input.expiresMs > now + TOKEN_MAX_LIFETIME_MS) {
    throw invalid('expiresMs', 'expiresMs must be a time in the future, at most one year from now');
  }
  const token = randomApiToken();
  const row = {
    id: uuidv7(), token_hash: sha256Hex(token), user_id: subject.accountId, name, scopes: JSON.stringify(scopes),
    created_ms: now, expires_ms: input.expiresMs, revoked_ms: null, last_used_ms: null,
  };
  await repo.insertToken(deps.db, row);
  await logEvent(deps, subject, 'token.created', subject.accountId, { tokenId: row.id, name, scopes, expiresMs: input.expiresMs });
  return { token, view: toTokenView(row) };
}

export async function listTokens(deps: AccessServiceDeps, subject: Subject): Promise<TokenView[]> {
  return (await repo.listTokensOf(deps.db, subject.accountId)).map(toTokenView);
}

export async function revokeToken(deps: AccessServiceDeps, subject: Subject, id: string): Promise<void> {
  // Any signed-in account, for its own tokens only (the repo matches the owner).
  const outcome = await repo.revokeToken(deps.db, String(id), subject.accountId, deps.now());
  if (outcome === 'not_found') throw new AccessError('token_not_found', 'you have no API token with that id');
  // Revoking a revoked token succeeds and changes nothing, so it is not logged again.
  if (outcome === 'revoked') await logEvent(deps, subject, 'token.revoked', subject.accountId, { tokenId: id });
}
