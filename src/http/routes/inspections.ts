// Police inspections over HTTP (R24): inspectors record inspections and confirm closure (inspection.record); the
// unit records rectification (compliance.manage); compliance readers (inspectors among them) list and read.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { periodOf, type DutiesService } from '../../compliance/index.js';
import { errorResponses } from '../schemas.js';
import { signedInActor } from './actor.js';

export interface InspectionRoutesOptions {
  duties: DutiesService;
}

const View = Type.Object({}, { additionalProperties: true });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const strict = { additionalProperties: false } as const;
const Bound = Type.String({ minLength: 1, maxLength: 40 });
const ListQuery = Type.Object({
  from: Type.Optional(Bound), to: Type.Optional(Bound),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), offset: Type.Integer({ minimum: 0, default: 0 }),
}, strict);
const NewInspection = Type.Object({
  inspectedMs: Type.Integer({ minimum: 0 }),
  inspectors: Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { minItems: 1, maxItems: 20 }),
  inspectorUnit: Type.String({ minLength: 1, maxLength: 200 }),
  scope: Type.String({ minLength: 1, maxLength: 4000 }),
  summary: Type.Optional(Type.String({ maxLength: 4000 })),
  findings: Type.Array(Type.Object({
    article: Type.String({ minLength: 1, maxLength: 16, description: 'e.g. R8.1(3), R13, D17' }),
    description: Type.String({ minLength: 1, maxLength: 4000 }),
    deadlineDay: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'CST day by which to rectify' }),
  }, strict), { maxItems: 100 }),
}, strict);

export const inspectionRoutes: FastifyPluginAsyncTypebox<InspectionRoutesOptions> = async (app, { duties }) => {
  app.get('/api/v1/compliance/inspections', { config: { access: 'compliance.read' }, schema: { querystring: ListQuery, response: { 200: Type.Array(View), ...errorResponses } } }, async (req, reply) => {
    const far = { from: req.query.from ?? '0', to: req.query.to ?? String(8.64e15) };
    const { fromMs, toMs } = periodOf(far.from, far.to);
    const { items, total } = await duties.inspections.list({ fromMs, toMs }, req.query);
    return reply.header('x-total-count', String(total)).send(items);
  });
  app.post('/api/v1/compliance/inspections', { config: { access: 'inspection.record' }, schema: { body: NewInspection, response: { 201: View, ...errorResponses } } }, async (req, reply) =>
    reply.code(201).send(await duties.inspections.record(signedInActor(req.subject), req.body)));
  app.get('/api/v1/compliance/inspections/:id', { config: { access: 'compliance.read' }, schema: { params: Id, response: { 200: View, ...errorResponses } } }, async (req) =>
    duties.inspections.get(req.params.id));
  app.post('/api/v1/compliance/inspection-findings/:id/rectification', {
    config: { access: 'compliance.manage' },
    schema: { params: Id, body: Type.Object({ rectification: Type.String({ minLength: 1, maxLength: 4000 }) }, strict), response: { 200: View, ...errorResponses } },
  }, async (req) => duties.inspections.rectify(signedInActor(req.subject), req.params.id, req.body));
  app.post('/api/v1/compliance/inspection-findings/:id/closure', { config: { access: 'inspection.record' }, schema: { params: Id, response: { 200: View, ...errorResponses } } }, async (req) =>
    duties.inspections.close(signedInActor(req.subject), req.params.id));
};
