// Public reports (举报, R24) over HTTP. Two public routes, strictly rate-limited per client address and size-limited:
// file a report (answers a tracking code) and read its status with the public replies. Handlers
// (complaint.handle) list, read (contact included: personal information, handlers only), assign, respond and close.
// Bodies are never logged (Fastify logs method, URL and status only), so a reporter's contact stays out of the logs;
// the two public routes log at warn only, so neither a reporter's address nor a tracking code (in the URL) is kept.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { REPORT_LIMITS, type ComplaintService } from '../../requests/index.js';
import { errorResponses } from '../schemas.js';
import { signedInActor } from './actor.js';

export interface ComplaintRoutesOptions {
  complaints: ComplaintService;
  /** Reports one client address may file per hour (default 5). */
  reportsPerHour?: number;
  /** Status look-ups one client address may make per hour (default 60): tracking codes cannot be guessed at speed. */
  lookupsPerHour?: number;
}

const View = Type.Object({}, { additionalProperties: true });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const strict = { additionalProperties: false } as const;
const NewReport = Type.Object({
  what: Type.String({ minLength: 1, maxLength: REPORT_LIMITS.what, description: '举报内容：what was seen' }),
  where: Type.String({ minLength: 1, maxLength: REPORT_LIMITS.where, description: '地点：where' }),
  when: Type.String({ minLength: 1, maxLength: REPORT_LIMITS.when, description: '时间：when' }),
  contact: Type.Optional(Type.String({ maxLength: REPORT_LIMITS.contact, description: '联系方式（可选）: optional contact' })),
}, strict);
const Receipt = Type.Object({ code: Type.String(), receivedMs: Type.Integer(), replyDays: Type.Integer() });
const PublicStatus = Type.Object({
  status: Type.String(), receivedMs: Type.Integer(),
  replies: Type.Array(Type.Object({ atMs: Type.Integer(), text: Type.String() })),
});
const Code = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });
const ListQuery = Type.Object({
  status: Type.Optional(Type.Union(['received', 'assigned', 'answered', 'closed'].map((s) => Type.Literal(s)))),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), offset: Type.Integer({ minimum: 0, default: 0 }),
}, strict);
const HOUR_MS = 3_600_000;
const rateLimited = { 429: Type.Object({}, { additionalProperties: true }) };

export const complaintRoutes: FastifyPluginAsyncTypebox<ComplaintRoutesOptions> = async (app, { complaints, reportsPerHour = 5, lookupsPerHour = 60 }) => {
  app.post('/api/v1/public/reports', {
    config: { access: 'public', rateLimit: { max: reportsPerHour, timeWindow: HOUR_MS } },
    logLevel: 'warn',
    bodyLimit: 16 * 1024,
    schema: { body: NewReport, response: { 201: Receipt, ...errorResponses, ...rateLimited } },
  }, async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await complaints.submit(req.body)));

  app.get('/api/v1/public/reports/:code', {
    config: { access: 'public', rateLimit: { max: lookupsPerHour, timeWindow: HOUR_MS } },
    logLevel: 'warn',
    schema: { params: Code, response: { 200: PublicStatus, ...errorResponses, ...rateLimited } },
  }, async (req, reply) => reply.header('cache-control', 'no-store').send(await complaints.publicStatus(req.params.code)));

  app.get('/api/v1/complaints', { config: { access: 'complaint.handle' }, schema: { querystring: ListQuery, response: { 200: Type.Array(View), ...errorResponses } } }, async (req, reply) => {
    const { items, total } = await complaints.list(req.query.status ? { status: req.query.status as 'received' } : {}, req.query);
    return reply.header('x-total-count', String(total)).header('cache-control', 'no-store').send(items);
  });
  app.get('/api/v1/complaints/:id', { config: { access: 'complaint.handle' }, schema: { params: Id, response: { 200: View, ...errorResponses } } }, async (req, reply) =>
    reply.header('cache-control', 'no-store').send(await complaints.get(req.params.id)));
  app.post('/api/v1/complaints/:id/assign', {
    config: { access: 'complaint.handle' },
    schema: { params: Id, body: Type.Object({ assignee: Type.Optional(Type.String({ minLength: 1, maxLength: REPORT_LIMITS.assignee })) }, strict), response: { 200: View, ...errorResponses } },
  }, async (req) => complaints.assign(signedInActor(req.subject), req.params.id, req.body));
  app.post('/api/v1/complaints/:id/responses', {
    config: { access: 'complaint.handle' },
    schema: { params: Id, body: Type.Object({ text: Type.String({ minLength: 1, maxLength: REPORT_LIMITS.response }), public: Type.Boolean() }, strict), response: { 200: View, ...errorResponses } },
  }, async (req) => complaints.respond(signedInActor(req.subject), req.params.id, req.body));
  app.post('/api/v1/complaints/:id/close', {
    config: { access: 'complaint.handle' },
    schema: { params: Id, body: Type.Object({ text: Type.String({ minLength: 1, maxLength: REPORT_LIMITS.response }) }, strict), response: { 200: View, ...errorResponses } },
  }, async (req) => complaints.close(signedInActor(req.subject), req.params.id, req.body));
};
