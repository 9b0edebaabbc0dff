// /api/v1/retention: retention policies (R17), legal holds with a four-eyes lift, executor runs with their signed
// deletion certificates, and capacity (R17, D22(3)). Thin: schema, one RetentionService call. Changing policies
// needs retention.manage, holds hold.manage; reading needs config.read (system administrators, inspectors).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { certificateHtml, certificateText, type RetentionService } from '../../retention/index.js';
import { errorResponses } from '../schemas.js';

export interface RetentionRoutesOptions {
  retention: RetentionService;
}

const View = Type.Object({}, { additionalProperties: true });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const IdStr = Type.String({ minLength: 1, maxLength: 64 });
const Days = Type.Integer({ minimum: 0, maximum: 100_000 });
const strict = { additionalProperties: false } as const;
const Scope = Type.Union([
  Type.Object({ kind: Type.Literal('camera'), cameraId: IdStr }, strict),
  Type.Object({ kind: Type.Literal('group'), groupId: IdStr }, strict),
  Type.Object({ kind: Type.Literal('default') }, strict),
]);
const PolicyBody = Type.Object(
  {
    scope: Scope,
    retentionDays: Days,
    // Null first: with type coercion on, ajv would otherwise turn null into 0 for the number branch.
    sector: Type.Optional(Type.Union([
      Type.Null(),
      Type.Object({ sector: Type.String({ maxLength: 100 }), retentionDays: Days, legalBasis: Type.String({ maxLength: 500 }) }, strict),
    ])),
    ceilingDays: Type.Optional(Type.Union([Type.Null(), Days])),
    deleteAfterPurposeServed: Type.Optional(Type.Boolean()),
  },
  strict,
);
const HoldBody = Type.Object(
  {
    cameraIds: Type.Array(IdStr, { minItems: 1, maxItems: 10_000 }),
    fromMs: Type.Integer(),
    toMs: Type.Integer(),
    reason: Type.String({ maxLength: 1000 }),
    legalBasis: Type.String({ maxLength: 1000 }),
    requester: Type.String({ maxLength: 200 }),
    expiresMs: Type.Optional(Type.Union([Type.Null(), Type.Integer()])),
  },
  strict,
);

export const retentionRoutes: FastifyPluginAsyncTypebox<RetentionRoutesOptions> = async (app, { retention }) => {
  app.get('/api/v1/retention/policies', { config: { access: 'config.read' }, schema: { response: { 200: Type.Array(View) } } }, async () => retention.listPolicies());

  app.put(
    '/api/v1/retention/policies',
    { config: { access: 'retention.manage' }, schema: { body: PolicyBody, response: { 200: View, ...errorResponses } } },
    async (req) => retention.setPolicy(req.subject, req.body, req.ip),
  );

  app.delete('/api/v1/retention/policies/:id', { config: { access: 'retention.manage' }, schema: { params: Id, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await retention.removePolicy(req.subject, { id: req.params.id }, req.ip);
    return reply.code(204).send(null);
  });

  // Which policy governs each camera and its effective retention (what the filing reports, R14).
  app.get('/api/v1/retention/cameras', { config: { access: 'config.read' }, schema: { response: { 200: Type.Array(View) } } }, async () => retention.governingPolicies());

  app.get('/api/v1/retention/holds', { config: { access: 'hold.manage' }, schema: { response: { 200: Type.Array(View) } } }, async () => retention.listHolds());

  app.post('/api/v1/retention/holds', { config: { access: 'hold.manage' }, schema: { body: HoldBody, response: { 201: View, ...errorResponses } } }, async (req, reply) =>
    reply.code(201).send(await retention.addHold(req.subject, req.body, req.ip)),
  );

  // Four eyes: one holder of hold.manage requests, a different one approves (the same account is refused).
  app.post(
    '/api/v1/retention/holds/:id/request-lift',
    { config: { access: 'hold.manage' }, schema: { params: Id, body: Type.Object({ reason: Type.String({ maxLength: 1000 }) }, strict), response: { 200: View, ...errorResponses } } },
    async (req) => retention.requestLift(req.subject, req.params.id, req.body.reason, req.ip),
  );

  app.post(
    '/api/v1/retention/holds/:id/approve-lift',
    { config: { access: 'hold.manage' }, schema: { params: Id, response: { 200: View, ...errorResponses } } },
    async (req) => retention.approveLift(req.subject, req.params.id, req.ip),
  );

  app.get(
    '/api/v1/retention/runs',
    {
      config: { access: 'config.read' },
      schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }), offset: Type.Integer({ minimum: 0, default: 0 }) }, strict), response: { 200: Type.Array(View) } },
    },
    async (req) => retention.runs(req.query),
  );

  app.post(
    '/api/v1/retention/runs',
    { config: { access: 'retention.manage' }, schema: { body: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }, strict), response: { 200: View, ...errorResponses } } },
    async (req) => retention.run({ trigger: 'api', dryRun: req.body.dryRun === true }),
  );

  app.get(
    '/api/v1/retention/runs/:id/certificate',
    {
      config: { access: 'config.read' },
      schema: { params: Id, querystring: Type.Object({ format: Type.Union([Type.Literal('json'), Type.Literal('html'), Type.Literal('text')], { default: 'json' }) }, strict) },
    },
    async (req, reply) => {
      const cert = await retention.certificate(req.params.id);
      if (req.query.format === 'html') return reply.type('text/html; charset=utf-8').send(certificateHtml(cert));
      if (req.query.format === 'text') return reply.type('text/plain; charset=utf-8').send(certificateText(cert));
      return cert;
    },
  );

  app.get('/api/v1/retention/capacity', { config: { access: 'config.read' }, schema: { response: { 200: View } } }, async () => retention.capacity());
};
