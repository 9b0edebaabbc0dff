// /api/v1/auth: sign-in and the signed-in account's own affairs — logout, who am I (with the CSRF token), password
// change, TOTP enrolment and API tokens. Login is rate-limited per client address on top of the per-account lockout
// (R16.2): guessing across many accounts from one address is slowed as well as guessing one account.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PERMISSIONS, permissionsOf, type AccessService, type Permission, type Subject } from '../../access/index.js';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas.js';

export interface AuthRoutesOptions {
  access: AccessService;
  reasonCategories: readonly string[];
  /** Login attempts per client address per minute. */
  loginRatePerMinute?: number;
}

const Me = Type.Object({
  accountId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  unit: Type.String(),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  via: Type.String(),
  csrfToken: Type.Union([Type.String(), Type.Null()]),
  reasonCategories: Type.Array(Type.String()),
});

const Login = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }), totp: Type.Optional(Type.String({ maxLength: 10 })) },
  { additionalProperties: false },
);

const TokenView = Type.Object({}, { additionalProperties: true });

function me(subject: Subject, csrfToken: string | null, reasonCategories: readonly string[]) {
  return {
    accountId: subject.accountId,
    username: subject.username,
    displayName: subject.displayName,
    unit: subject.unit,
    roles: subject.roles,
    permissions: [...permissionsOf(subject.roles)],
    via: subject.via,
    csrfToken,
    reasonCategories: [...reasonCategories],
  };
}

function subjectOf(req: { subject: Subject | null }): Subject {
  if (!req.subject) throw new ApiError('unauthenticated', 'sign in first');
  return req.subject;
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { access, reasonCategories, loginRatePerMinute = 20 }) => {
  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public', rateLimit: { max: loginRatePerMinute, timeWindow: 60_000 } },
      schema: { body: Login, response: { 200: Type.Object({ ...Me.properties, expiresMs: Type.Integer(), mustChangePassword: Type.Boolean(), totpSetupRequired: Type.Boolean() }), ...errorResponses } },
    },
    async (req, reply) => {
      const result = await access.login({ ...req.body, clientAddr: req.ip });
      setSessionCookie(req, reply, result.sessionToken, result.expiresMs);
      return {
        ...me(result.subject, result.csrfToken, reasonCategories),
        via: 'session',
        expiresMs: result.expiresMs,
        mustChangePassword: result.mustChangePassword,
        totpSetupRequired: result.totpSetupRequired,
      };
    },
  );

  app.post('/api/v1/auth/logout', { config: { access: 'authenticated' }, schema: { response: { 204: Type.Null() } } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await access.logout(token, req.ip);
    clearSessionCookie(reply);
    return reply.code(204).send(null);
  });

  app.get('/api/v1/auth/me', { config: { access: 'authenticated' }, schema: { response: { 200: Me } } }, async (req) => {
    const subject = subjectOf(req);
    const token = req.cookies[SESSION_COOKIE];
    const session = subject.via === 'session' && token ? await access.authenticateSession(token) : null;
    return me(subject, session?.csrfToken ?? null, reasonCategories);
  });

  app.post(
    '/api/v1/auth/password',
    { config: { access: 'authenticated' }, schema: { body: Type.Object({ current: Type.String({ maxLength: 256 }), next: Type.String({ maxLength: 256 }) }, { additionalProperties: false }), response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await access.changePassword(subjectOf(req), req.body);
      return reply.code(204).send(null);
    },
  );

  app.post('/api/v1/auth/totp/begin', { config: { access: 'authenticated' }, schema: { response: { 200: Type.Object({ secret: Type.String(), uri: Type.String() }) } } }, async (req) =>
    access.beginTotp(subjectOf(req)),
  );

  app.post(
    '/api/v1/auth/totp/confirm',
    { config: { access: 'authenticated' }, schema: { body: Type.Object({ code: Type.String({ minLength: 6, maxLength: 10 }) }, { additionalProperties: false }), response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await access.confirmTotp(subjectOf(req), req.body.code);
      return reply.code(204).send(null);
    },
  );

  app.get('/api/v1/auth/tokens', { config: { access: 'authenticated' }, schema: { response: { 200: Type.Array(TokenView) } } }, async (req) => access.listTokens(subjectOf(req)));

  app.post(
    '/api/v1/auth/tokens',
    {
      config: { access: 'authenticated' },
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 80 }),
            scopes: Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))), { minItems: 1, maxItems: PERMISSIONS.length }),
            expiresMs: Type.Integer({ minimum: 0 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String(), view: TokenView }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const created = await access.createToken(subjectOf(req), { ...req.body, scopes: req.body.scopes as Permission[] });
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.delete(
    '/api/v1/auth/tokens/:tokenId',
    { config: { access: 'authenticated' }, schema: { params: Type.Object({ tokenId: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await access.revokeToken(subjectOf(req), req.params.tokenId);
      return reply.code(204).send(null);
    },
  );
};
