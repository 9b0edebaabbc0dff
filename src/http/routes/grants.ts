// /api/v1/camera-groups and /api/v1/grants: which cameras each account may act on, per action (R16.2). Security
// admin only (grant.manage). Thin: schema, one AccessService call.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CAMERA_ACTIONS, type AccessService, type CameraAction } from '../../access/index.js';
import { errorResponses } from '../schemas.js';

export interface GrantRoutesOptions {
  access: AccessService;
}

const View = Type.Object({}, { additionalProperties: true });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const CameraIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10_000 });
const Scope = Type.Union([
  Type.Object({ kind: Type.Literal('camera'), cameraId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('group'), groupId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('all') }, { additionalProperties: false }),
]);

export const grantRoutes: FastifyPluginAsyncTypebox<GrantRoutesOptions> = async (app, { access }) => {
  app.get('/api/v1/camera-groups', { config: { access: 'grant.manage' }, schema: { response: { 200: Type.Array(View) } } }, async (req) => access.listGroups(req.subject));

  app.post(
    '/api/v1/camera-groups',
    { config: { access: 'grant.manage' }, schema: { body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 80 }), cameraIds: CameraIds }, { additionalProperties: false }), response: { 201: View, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(await access.createGroup(req.subject, req.body)),
  );

  app.put(
    '/api/v1/camera-groups/:id/cameras',
    { config: { access: 'grant.manage' }, schema: { params: Id, body: Type.Object({ cameraIds: CameraIds }, { additionalProperties: false }), response: { 200: View, ...errorResponses } } },
    async (req) => access.setGroupCameras(req.subject, req.params.id, req.body.cameraIds),
  );

  app.delete('/api/v1/camera-groups/:id', { config: { access: 'grant.manage' }, schema: { params: Id, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await access.deleteGroup(req.subject, req.params.id);
    return reply.code(204).send(null);
  });

  app.get(
    '/api/v1/grants',
    { config: { access: 'grant.manage' }, schema: { querystring: Type.Object({ userId: Type.Optional(Type.String({ maxLength: 64 })) }), response: { 200: Type.Array(View) } } },
    async (req) => access.listGrants(req.subject, req.query.userId ? { userId: req.query.userId } : {}),
  );

  app.post(
    '/api/v1/grants',
    {
      config: { access: 'grant.manage' },
      schema: {
        body: Type.Object(
          { userId: Type.String({ minLength: 1, maxLength: 64 }), scope: Scope, actions: Type.Array(Type.Union(CAMERA_ACTIONS.map((a) => Type.Literal(a))), { minItems: 1, maxItems: CAMERA_ACTIONS.length }) },
          { additionalProperties: false },
        ),
        response: { 201: View, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await access.addGrant(req.subject, { ...req.body, actions: req.body.actions as CameraAction[] })),
  );

  app.delete('/api/v1/grants/:id', { config: { access: 'grant.manage' }, schema: { params: Id, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await access.removeGrant(req.subject, req.params.id);
    return reply.code(204).send(null);
  });
};
