// Authentication and route access (R16.2) for every request, in one place:
//   - every route declares `config: { access }` (a permission, 'authenticated' or 'public'); a route without one
//     makes the server refuse to start, so no route can ship unguarded (the permission-matrix test checks the rest);
//   - the caller is resolved from the session cookie (browsers) or an `Authorization: Bearer` API token (machines);
//   - a state-changing request made with the session cookie must carry the session's CSRF token in `x-csrf-token`
//     (SameSite=Strict already stops cross-site sends; the token is the second lock), and a WebSocket upgrade must
//     come from our own origin (cross-site WebSocket hijacking);
//   - a session that still owes a password change or TOTP enrolment may only call the routes that settle it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasPermission, type AuthenticatedSession, type Permission, type RouteAccess, type Subject } from '../access/index.js';
import type {} from '@fastify/cookie';
import './access-config.js';
import { ApiError } from './errors.js';

export const SESSION_COOKIE = 'vigil_session';

/** What the auth layer needs of access/ (AccessService implements it). */
export interface AuthBackend {
  authenticateSession(token: string): Promise<AuthenticatedSession | null>;
  authenticateToken(token: string): Promise<Subject | null>;
}

type Pending = 'password_change' | 'totp_setup' | null;

/** Routes a session with a pending duty may still call. */
const PENDING_ALLOWED = new Set(['/api/v1/auth/me', '/api/v1/auth/logout', '/api/v1/auth/password', '/api/v1/auth/totp/begin', '/api/v1/auth/totp/confirm']);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Marks every route registered in this context (and its children) public: static files, API docs. */
export function markRoutesPublic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    // In place: the root's hook (installAuth) has already taken a reference to this config object.
    route.config ??= {};
    const config = route.config as { access?: RouteAccess };
    config.access ??= 'public';
  });
}

/** One route and who may call it, as registered. */
export interface RouteRule {
  method: string;
  url: string;
  access: RouteAccess | null;
}

/**
 * Installs route-access enforcement on the root instance. Call before any route is registered. Returns the route
 * table (every route registered, with its rule), for the routes listing and the permission-matrix test.
 */
export function installAuth(app: FastifyInstance, backend: AuthBackend): () => RouteRule[] {
  const routes: { method: string; url: string; config: { access?: RouteAccess } }[] = [];
  app.decorateRequest('subject', null);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    route.config ??= {};
    for (const method of methods) routes.push({ method, url: route.url, config: route.config as { access?: RouteAccess } });
  });
  app.addHook('onReady', async () => {
    const unguarded = routes.filter((r) => !r.config.access).map((r) => `${r.method} ${r.url}`);
    if (unguarded.length) throw new Error(`routes without an access rule (R16.2): ${unguarded.join(', ')}`);
  });

  app.addHook('onRequest', async (req, reply) => {
    req.subject = null;
    const access = (req.routeOptions.config as { access?: RouteAccess } | undefined)?.access;
    // No route matched (404 handler) or an unguarded route (refused at start, so only in a broken build): fail closed.
    if (!req.routeOptions.url) return;
    if (!access) throw new ApiError('forbidden', 'this route declares no access rule', undefined, 'R16.2');

    const session = await resolveCaller(req, backend);
    if (session) req.subject = session.subject;
    if (access === 'public') return;
    if (!session) throw new ApiError('unauthenticated', 'sign in first (POST /api/v1/auth/login) or send an API token');

    if (session.csrfToken !== null) checkCsrfAndOrigin(req, session.csrfToken);
    if (session.pending && !PENDING_ALLOWED.has(req.routeOptions.url)) {
      throw session.pending === 'password_change'
        ? new ApiError('password_change_required', 'change the one-time password first (POST /api/v1/auth/password)')
        : new ApiError('totp_setup_required', 'administrator accounts need two-factor sign-in: enrol TOTP first (POST /api/v1/auth/totp/begin)', undefined, 'R16.2');
    }
    if (access !== 'authenticated') requirePermission(session.subject, access);
    void reply;
  });
  // A refused WebSocket upgrade is answered over the raw socket, which the HTTP server no longer tracks: unless it is
  // destroyed here, it stays open after the answer and holds up the server's shutdown.
  app.addHook('onResponse', async (req, reply) => {
    if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket' && reply.statusCode >= 400) req.raw.socket?.destroy();
  });
  return () => routes.map((r) => ({ method: r.method, url: r.url, access: r.config.access ?? null }));
}

function requirePermission(subject: Subject, permission: Permission): void {
  if (!hasPermission(subject.roles, permission)) {
    throw new ApiError('forbidden', `your roles (${subject.roles.join(', ') || 'none'}) do not include ${permission}`, undefined, 'R16.2');
  }
  if (subject.via === 'token' && !(subject.tokenScopes ?? []).includes(permission)) {
    throw new ApiError('forbidden', `this API token's scopes do not include ${permission}`, undefined, 'R16.2');
  }
}

/** Session cookie first (a browser), then a bearer token (a machine); csrfToken null for tokens (no cookie, no CSRF). */
async function resolveCaller(req: FastifyRequest, backend: AuthBackend): Promise<{ subject: Subject; csrfToken: string | null; pending?: Pending } | null> {
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (cookie) {
    const session = await backend.authenticateSession(cookie);
    if (session) {
      const pending: Pending = session.mustChangePassword ? 'password_change' : session.totpSetupRequired ? 'totp_setup' : null;
      return { subject: session.subject, csrfToken: session.csrfToken, pending };
    }
  }
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const subject = await backend.authenticateToken(header.slice(7).trim());
    if (!subject) throw new ApiError('unauthenticated', 'the API token is unknown, expired or revoked');
    return { subject, csrfToken: null };
  }
  return null;
}

function checkCsrfAndOrigin(req: FastifyRequest, csrfToken: string): void {
  const isUpgrade = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
  if (isUpgrade) {
    const origin = req.headers.origin;
    if (origin && new URL(origin).host !== req.headers.host) {
      throw new ApiError('csrf_invalid', `a WebSocket from origin ${origin} is refused: only this site's pages may open one`);
    }
    return;
  }
  if (SAFE_METHODS.has(req.method)) return;
  const sent = req.headers['x-csrf-token'];
  if (typeof sent !== 'string' || !timingSafeEqualText(sent, csrfToken)) {
    throw new ApiError('csrf_invalid', 'missing or wrong x-csrf-token header: send the token from login or GET /api/v1/auth/me');
  }
}

function timingSafeEqualText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Sets the session cookie: httpOnly, SameSite=Strict, Secure when the request came over TLS. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, expiresMs: number): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.protocol === 'https',
    path: '/',
    expires: new Date(expiresMs),
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
