// Operations duties over HTTP (D17, R8.2): the duty log (staff on duty: duty.record; readers of compliance data:
// compliance.read), duty tasks (defined by compliance.manage, completed by duty.record, read by compliance.read),
// reminders, self-assessment reports, and the duty facts for the checker. Thin: schema, one DutiesService call.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { signedInActor } from './actor.js';
import { DUE_WITHIN_MAX_DAYS, DUTY_LOG_KINDS, periodOf, renderSelfAssessmentHtml, type DutiesService } from '../../compliance/index.js';
import { TASK_KINDS } from '../../domain/index.js';
import { errorResponses } from '../schemas.js';

export interface DutyRoutesOptions {
  duties: DutiesService;
}

const View = Type.Object({}, { additionalProperties: true });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const strict = { additionalProperties: false } as const;
const Page = { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), offset: Type.Integer({ minimum: 0, default: 0 }) };
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a CST calendar day' });
const Bound = Type.String({ minLength: 1, maxLength: 40, description: 'CST day YYYY-MM-DD, ms since the epoch or ISO-8601 with a zone' });
const Ms = Type.Integer({ minimum: 0, description: 'ms since the epoch (UTC)' });
const LogQuery = Type.Object({ day: Day, ...Page }, strict);
const NewLogEntry = Type.Object({
  kind: Type.Union(DUTY_LOG_KINDS.map((k) => Type.Literal(k))),
  text: Type.String({ minLength: 1, maxLength: 4000 }),
  atMs: Type.Optional(Ms),
  correctsId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, strict);
const Scope = Type.Union([
  Type.Object({ kind: Type.Literal('unit') }, strict),
  Type.Object({ kind: Type.Union([Type.Literal('cameras'), Type.Literal('systems')]), ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 }) }, strict),
]);
const NewTask = Type.Object({
  kind: Type.Union(TASK_KINDS.map((k) => Type.Literal(k))),
  title: Type.String({ minLength: 1, maxLength: 200 }),
  scope: Type.Optional(Scope),
  recurrenceDays: Type.Integer({ minimum: 1 }),
  firstDueDay: Type.Optional(Day),
}, strict);
const TaskPatch = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  recurrenceDays: Type.Optional(Type.Integer({ minimum: 1 })),
  nextDueDay: Type.Optional(Day),
  active: Type.Optional(Type.Boolean()),
}, { ...strict, minProperties: 1 });
const Completion = Type.Object({
  doneMs: Type.Optional(Ms),
  result: Type.Union([Type.Literal('ok'), Type.Literal('issues_found')]),
  findings: Type.String({ maxLength: 4000, default: '' }),
  forbiddenCameraFound: Type.Optional(Type.Boolean()),
  policeReportRef: Type.Optional(Type.String({ maxLength: 200 })),
}, strict);
const TaskQuery = Type.Object({ within: Type.Integer({ minimum: 0, maximum: DUE_WITHIN_MAX_DAYS, default: 7 }), all: Type.Boolean({ default: false }) }, strict);
const DueQuery = Type.Object({ within: Type.Integer({ minimum: 0, maximum: DUE_WITHIN_MAX_DAYS, default: 7 }) }, strict);
const PeriodQuery = Type.Object({ from: Bound, to: Bound, format: Type.Union([Type.Literal('json'), Type.Literal('html')], { default: 'json' }) }, strict);
const Period = Type.Object({ from: Bound, to: Bound }, strict);
const FormatQuery = Type.Object({ format: Type.Union([Type.Literal('json'), Type.Literal('html')], { default: 'json' }) }, strict);

export const dutyRoutes: FastifyPluginAsyncTypebox<DutyRoutesOptions> = async (app, { duties }) => {
  // ---- duty log (D17) ----
  app.get('/api/v1/duty/log', { config: { access: 'duty.record' }, schema: { querystring: LogQuery, response: { 200: Type.Array(View), ...errorResponses } } }, async (req, reply) => {
    const { items, total } = await duties.log.listDay(req.query.day, req.query);
    return reply.header('x-total-count', String(total)).send(items);
  });
  app.post('/api/v1/duty/log', { config: { access: 'duty.record' }, schema: { body: NewLogEntry, response: { 201: View, ...errorResponses } } }, async (req, reply) =>
    reply.code(201).send(await duties.log.append(signedInActor(req.subject), req.body)));
  app.get('/api/v1/compliance/duty-log', { config: { access: 'compliance.read' }, schema: { querystring: LogQuery, response: { 200: Type.Array(View), ...errorResponses } } }, async (req, reply) => {
    const { items, total } = await duties.log.listDay(req.query.day, req.query);
    return reply.header('x-total-count', String(total)).send(items);
  });

  // ---- tasks (D17, R8.2) ----
  app.get('/api/v1/duty/tasks', { config: { access: 'duty.record' }, schema: { querystring: DueQuery, response: { 200: Type.Array(View), ...errorResponses } } }, async (req) =>
    duties.tasks.list({ withinDays: req.query.within }));
  app.post('/api/v1/duty/tasks/:id/completions', { config: { access: 'duty.record' }, schema: { params: Id, body: Completion, response: { 201: View, ...errorResponses } } }, async (req, reply) =>
    reply.code(201).send(await duties.tasks.complete(signedInActor(req.subject), req.params.id, req.body)));
  app.get('/api/v1/compliance/tasks', { config: { access: 'compliance.read' }, schema: { querystring: TaskQuery, response: { 200: Type.Array(View), ...errorResponses } } }, async (req) =>
    duties.tasks.list({ all: req.query.all, withinDays: req.query.within }));
  app.get('/api/v1/compliance/tasks/due', { config: { access: 'compliance.read' }, schema: { querystring: DueQuery, response: { 200: Type.Array(View), ...errorResponses } } }, async (req) =>
    duties.tasks.due(req.query.within));
  app.post('/api/v1/compliance/tasks', { config: { access: 'compliance.manage' }, schema: { body: NewTask, response: { 201: View, ...errorResponses } } }, async (req, reply) =>
    reply.code(201).send(await duties.tasks.create(signedInActor(req.subject), req.body)));
  app.patch('/api/v1/compliance/tasks/:id', { config: { access: 'compliance.manage' }, schema: { params: Id, body: TaskPatch, response: { 200: View, ...errorResponses } } }, async (req) =>
    duties.tasks.update(signedInActor(req.subject), req.params.id, req.body));
  app.get('/api/v1/compliance/tasks/:id/completions', { config: { access: 'compliance.read' }, schema: { params: Id, querystring: Type.Object(Page, strict), response: { 200: Type.Array(View), ...errorResponses } } }, async (req, reply) => {
    const { items, total } = await duties.tasks.completions(req.params.id, req.query);
    return reply.header('x-total-count', String(total)).send(items);
  });

  // ---- self-assessment (D17) and the duty facts for the checker ----
  app.get('/api/v1/compliance/self-assessment', { config: { access: 'compliance.read' }, schema: { querystring: PeriodQuery } }, async (req, reply) => {
    const { fromMs, toMs } = periodOf(req.query.from, req.query.to);
    const report = await duties.selfAssessments.generate(fromMs, toMs);
    return req.query.format === 'html' ? reply.type('text/html; charset=utf-8').send(renderSelfAssessmentHtml(report)) : reply.send(report);
  });
  app.post('/api/v1/compliance/self-assessments', { config: { access: 'compliance.manage' }, schema: { body: Period, response: { 201: View, ...errorResponses } } }, async (req, reply) => {
    const { fromMs, toMs } = periodOf(req.body.from, req.body.to);
    return reply.code(201).send(await duties.selfAssessments.issue(signedInActor(req.subject), fromMs, toMs));
  });
  app.get('/api/v1/compliance/self-assessments', { config: { access: 'compliance.read' }, schema: { querystring: Type.Object(Page, strict), response: { 200: Type.Array(View), ...errorResponses } } }, async (req, reply) => {
    const { items, total } = await duties.selfAssessments.list(req.query);
    return reply.header('x-total-count', String(total)).send(items);
  });
  app.get('/api/v1/compliance/self-assessments/:id', { config: { access: 'compliance.read' }, schema: { params: Id, querystring: FormatQuery } }, async (req, reply) => {
    const issued = await duties.selfAssessments.get(req.params.id);
    return req.query.format === 'html' ? reply.type('text/html; charset=utf-8').send(renderSelfAssessmentHtml(issued.report, issued)) : reply.send(issued);
  });
  app.get('/api/v1/compliance/duty-facts', { config: { access: 'compliance.read' }, schema: { response: { 200: View, ...errorResponses } } }, async () => duties.complianceFacts());
};
