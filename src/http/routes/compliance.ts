// The management unit's profile, filing (R14: the record in json|csv|html|pdf, submissions, police receipts) and
// the compliance checker's findings. Thin: schema, one service call. Reads need compliance.read (system admin,
// inspector, R24); changes compliance.manage.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ComplianceService } from '../../compliance/index.js';
import { ErrorBody, errorResponses } from '../schemas.js';
import { actorOf } from './actor.js';

export interface ComplianceRoutesOptions {
  compliance: ComplianceService;
}

const responses = { 200: Type.Unknown(), 201: Type.Unknown(), ...errorResponses, 403: ErrorBody, 409: ErrorBody };
const UnitInput = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 300, description: '单位名称' })),
  unitType: Type.Optional(Type.String({ maxLength: 300, description: '单位性质, e.g. 企业, 事业单位, 机关' })),
  unifiedSocialCreditCode: Type.Optional(Type.String({ maxLength: 30, description: '统一社会信用代码 (GB 32100-2015, check character verified)' })),
  contactPerson: Type.Optional(Type.String({ maxLength: 300 })),
  contactPhone: Type.Optional(Type.String({ maxLength: 300 })),
  address: Type.Optional(Type.String({ maxLength: 300 })),
}, { additionalProperties: false, minProperties: 1 });
const FilingQuery = Type.Object({
  format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('html'), Type.Literal('pdf')], { default: 'json' }),
  system: Type.Optional(Type.String({ maxLength: 64, description: 'one system; default every system not retired' })),
});
const Submit = Type.Object({ systemId: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const Receipt = Type.Object({
  number: Type.String({ maxLength: 300, description: '备案编号 / receipt number' }),
  organ: Type.String({ maxLength: 300, description: '受理机关 / receiving public security organ' }),
  date: Type.String({ maxLength: 10, description: 'YYYY-MM-DD' }),
}, { additionalProperties: false });

export const complianceRoutes: FastifyPluginAsyncTypebox<ComplianceRoutesOptions> = async (app, { compliance }) => {
  app.get('/api/v1/unit', { config: { access: 'compliance.read' }, schema: { response: responses } }, async () => ({ unit: await compliance.unit() }));

  app.put('/api/v1/unit', { config: { access: 'compliance.manage' }, schema: { body: UnitInput, response: responses } }, async (req) =>
    ({ unit: await compliance.setUnit(actorOf(req.subject), req.body) }));

  app.get('/api/v1/filing', { config: { access: 'compliance.read' }, schema: { querystring: FilingQuery } }, async (req, reply) => {
    const file = await compliance.exportFiling(req.query.format, req.query.system);
    if (req.query.format !== 'html') reply.header('content-disposition', `attachment; filename="${file.fileName}"`);
    return reply.header('content-type', file.contentType).send(file.body);
  });

  app.get('/api/v1/filing/submissions', { config: { access: 'compliance.read' }, schema: { querystring: Type.Object({ system: Type.Optional(Type.String({ maxLength: 64 })) }), response: responses } }, async (req) =>
    compliance.submissions(req.query.system));

  app.post('/api/v1/filing/submissions', { config: { access: 'compliance.manage' }, schema: { body: Submit, response: responses } }, async (req, reply) =>
    reply.code(201).send(await compliance.submit(actorOf(req.subject), req.body.systemId)));

  app.post('/api/v1/filing/submissions/:id/receipt', { config: { access: 'compliance.manage' }, schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }), body: Receipt, response: responses } }, async (req) =>
    compliance.receipt(actorOf(req.subject), req.params.id, req.body));

  app.get('/api/v1/compliance/findings', { config: { access: 'compliance.read' }, schema: { response: responses } }, async () => compliance.findings());
};
