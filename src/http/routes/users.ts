// /api/v1/users: accounts (system admin: user.manage), their roles (security admin: role.manage, 三员分立 enforced by
// access/) and their personnel records (security admin: personnel.manage — vetting, confidentiality, training,
// contractor agreement; R16.1, R15.2, R19). Thin: schema, one AccessService call.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ROLES, type AccessService, type Role } from '../../access/index.js';
import { errorResponses } from '../schemas.js';

export interface UserRoutesOptions {
  access: AccessService;
}

const View = Type.Object({}, { additionalProperties: true });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const RoleName = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Page = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), offset: Type.Integer({ minimum: 0, default: 0 }) });
const NewUser = Type.Object(
  {
    username: Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    displayName: Type.String({ minLength: 1, maxLength: 80 }),
    unit: Type.String({ minLength: 1, maxLength: 120 }),
    employeeId: Type.Optional(Type.String({ maxLength: 64 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    roles: Type.Array(RoleName, { maxItems: ROLES.length }),
    password: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
const UserPatch = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    unit: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    employeeId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
const Ms = Type.Integer({ minimum: 0, description: 'ms since the epoch (UTC)' });

export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesOptions> = async (app, { access }) => {
  app.get('/api/v1/users', { config: { access: 'user.manage' }, schema: { querystring: Page, response: { 200: Type.Array(View) } } }, async (req, reply) => {
    const { items, total } = await access.listUsers(req.subject, req.query);
    return reply.header('x-total-count', String(total)).send(items);
  });

  app.post('/api/v1/users', { config: { access: 'user.manage' }, schema: { body: NewUser, response: { 201: Type.Object({ user: View, initialPassword: Type.String() }), ...errorResponses } } }, async (req, reply) => {
    const created = await access.createUser(req.subject, { ...req.body, roles: req.body.roles as Role[] });
    return reply.code(201).header('cache-control', 'no-store').send(created);
  });

  app.get('/api/v1/users/:id', { config: { access: 'user.manage' }, schema: { params: Id, response: { 200: View, ...errorResponses } } }, async (req) => access.getUser(req.subject, req.params.id));

  app.patch('/api/v1/users/:id', { config: { access: 'user.manage' }, schema: { params: Id, body: UserPatch, response: { 200: View, ...errorResponses } } }, async (req) =>
    access.updateUser(req.subject, req.params.id, req.body),
  );

  app.post('/api/v1/users/:id/unlock', { config: { access: 'user.manage' }, schema: { params: Id, response: { 200: View, ...errorResponses } } }, async (req) => access.unlockUser(req.subject, req.params.id));

  app.post('/api/v1/users/:id/reset-password', { config: { access: 'user.manage' }, schema: { params: Id, response: { 200: Type.Object({ password: Type.String() }), ...errorResponses } } }, async (req, reply) =>
    reply.header('cache-control', 'no-store').send(await access.resetPassword(req.subject, req.params.id)),
  );

  app.put(
    '/api/v1/users/:id/roles',
    { config: { access: 'role.manage' }, schema: { params: Id, body: Type.Object({ roles: Type.Array(RoleName, { maxItems: ROLES.length }) }, { additionalProperties: false }), response: { 200: View, ...errorResponses } } },
    async (req) => access.setRoles(req.subject, req.params.id, req.body.roles as Role[]),
  );

  app.get('/api/v1/users/:id/personnel', { config: { access: 'personnel.manage' }, schema: { params: Id, response: { 200: View, ...errorResponses } } }, async (req) =>
    access.getPersonnel(req.subject, req.params.id),
  );

  app.patch(
    '/api/v1/users/:id/personnel',
    {
      config: { access: 'personnel.manage' },
      schema: {
        params: Id,
        body: Type.Object({ vettedMs: Type.Optional(Type.Union([Ms, Type.Null()])), confidentialitySignedMs: Type.Optional(Type.Union([Ms, Type.Null()])) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: View, ...errorResponses },
      },
    },
    async (req) => access.setPersonnel(req.subject, req.params.id, req.body),
  );

  app.post(
    '/api/v1/users/:id/trainings',
    {
      config: { access: 'personnel.manage' },
      schema: {
        params: Id,
        body: Type.Object({ course: Type.String({ minLength: 1, maxLength: 120 }), completedMs: Ms, validUntilMs: Ms }, { additionalProperties: false }),
        response: { 201: View, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await access.addTraining(req.subject, req.params.id, req.body)),
  );

  app.put(
    '/api/v1/users/:id/agreement',
    {
      config: { access: 'personnel.manage' },
      schema: {
        params: Id,
        body: Type.Object(
          { company: Type.String({ minLength: 1, maxLength: 120 }), scope: Type.String({ minLength: 1, maxLength: 500 }), startMs: Ms, endMs: Ms, documentRef: Type.String({ minLength: 1, maxLength: 120 }) },
          { additionalProperties: false },
        ),
        response: { 200: View, ...errorResponses },
      },
    },
    async (req) => access.setAgreement(req.subject, req.params.id, req.body),
  );
};
