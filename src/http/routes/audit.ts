// /api/v1/audit: the access register (audit.read) and the system log (systemlog.read) over HTTP, R16.3. Thin:
// schema, one registers call. Lists are paginated server-side with the total in `x-total-count`; exports stream.
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { parseInstant, type AccessFilter, type AuditRegisters, type ExportFormat, type SystemFilter } from '../../audit/index.js';
import { errorResponses } from '../schemas.js';

export interface AuditRoutesOptions {
  audit: AuditRegisters;
}

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const NStr = Nullable(Type.String());

const AccessEntry = Type.Object({
  id: Type.Integer(), atMs: Type.Integer(), outcome: Type.Union([Type.Literal('granted'), Type.Literal('refused')]),
  accountId: NStr, username: Type.String(), displayName: Type.String(), unit: Type.String(), roles: Type.Array(Type.String()),
  action: Type.String(), cameraIds: Type.Array(Type.String()), fromMs: NInt, toMs: NInt, reasonCategory: NStr, reasonText: NStr,
  requestId: NStr, clientAddr: NStr, refusalCode: NStr, refusalArticle: NStr, refusalMessage: NStr,
  closedBy: NInt, bytes: NInt, endedMs: NInt, durationMs: NInt, hash: Type.String(),
});
const SystemEntry = Type.Object({
  id: Type.Integer(), atMs: Type.Integer(), actorId: NStr, actorUsername: NStr, actorName: NStr, actorUnit: NStr,
  event: Type.String(), target: NStr, details: Type.Record(Type.String(), Type.Unknown()), clientAddr: NStr, hash: Type.String(),
});
const Problem = Type.Object({ kind: Type.String(), seq: Type.Optional(Type.Integer()), message: Type.String() });
const LogReport = Type.Object({ entries: Type.Integer(), checkpoints: Type.Integer(), problems: Type.Array(Problem) });
const VerifyReport = Type.Object({ ok: Type.Boolean(), logs: Type.Object({ access: LogReport, system: LogReport }) });

const time = { maxLength: 40, description: 'ms since the epoch (UTC) or ISO-8601 with a zone' };
const pageFields = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
};
const accessFields = {
  accountId: Type.Optional(Type.String({ maxLength: 64 })),
  username: Type.Optional(Type.String({ maxLength: 128 })),
  unit: Type.Optional(Type.String({ maxLength: 200 })),
  cameraId: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(Type.String({ maxLength: 32 })),
  reasonCategory: Type.Optional(Type.String({ maxLength: 64 })),
  outcome: Type.Optional(Type.Union([Type.Literal('granted'), Type.Literal('refused')])),
  from: Type.Optional(Type.String(time)),
  to: Type.Optional(Type.String(time)),
};
const systemFields = {
  actorId: Type.Optional(Type.String({ maxLength: 64 })),
  event: Type.Optional(Type.String({ maxLength: 64 })),
  target: Type.Optional(Type.String({ maxLength: 200 })),
  from: Type.Optional(Type.String(time)),
  to: Type.Optional(Type.String(time)),
};
const format = { format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }) };
const strict = { additionalProperties: false } as const;
const AccessQuery = Type.Object({ ...accessFields, ...pageFields }, strict);
const AccessExportQuery = Type.Object({ ...accessFields, ...format }, strict);
const SystemQuery = Type.Object({ ...systemFields, ...pageFields }, strict);
const SystemExportQuery = Type.Object({ ...systemFields, ...format }, strict);

/** Optional filters absent from the query stay absent (exactOptionalPropertyTypes-safe). */
const stripUndefined = <T extends object>(f: { [K in keyof T]: T[K] | undefined }): T =>
  Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as T;

function accessFilter(q: Static<typeof AccessExportQuery> | Static<typeof AccessQuery>): AccessFilter {
  return stripUndefined({
    accountId: q.accountId, username: q.username, unit: q.unit, cameraId: q.cameraId, action: q.action,
    reasonCategory: q.reasonCategory, outcome: q.outcome, fromMs: parseInstant(q.from, 'from'), toMs: parseInstant(q.to, 'to'),
  });
}

function systemFilter(q: Static<typeof SystemExportQuery> | Static<typeof SystemQuery>): SystemFilter {
  return stripUndefined({
    actorId: q.actorId, event: q.event, target: q.target, fromMs: parseInstant(q.from, 'from'), toMs: parseInstant(q.to, 'to'),
  });
}

export const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesOptions> = async (app, { audit }) => {
  /** Streams an export: the body starts at once, each page is written as the client reads. */
  const streamExport = (
    reply: FastifyReply,
    log: FastifyBaseLogger,
    name: string,
    fmt: ExportFormat,
    run: (write: (chunk: string) => Promise<void>) => Promise<number>,
  ) => {
    const body = new PassThrough();
    reply.type(fmt === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="${name}-${new Date().toISOString().replace(/[:.]/g, '')}.${fmt}"`);
    reply.header('cache-control', 'no-store');
    const write = async (chunk: string) => {
      if (body.destroyed) throw new Error('client disconnected');
      if (!body.write(chunk)) await Promise.race([once(body, 'drain'), once(body, 'close')]);
    };
    run(write).then(
      () => body.end(),
      (err: unknown) => {
        if (!body.destroyed) log.error({ err }, 'audit export failed mid-stream');
        body.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
    return body;
  };

  app.get('/api/v1/audit/access', {
    config: { access: 'audit.read' },
    schema: { querystring: AccessQuery, response: { 200: Type.Array(AccessEntry), ...errorResponses } },
  }, async (req, reply) => {
    const { items, total } = await audit.queryAccess(accessFilter(req.query), { limit: req.query.limit, offset: req.query.offset });
    return reply.header('x-total-count', String(total)).send(items);
  });

  app.get('/api/v1/audit/access/export', { config: { access: 'audit.read' }, schema: { querystring: AccessExportQuery } }, async (req, reply) => {
    const filter = accessFilter(req.query);
    return reply.send(streamExport(reply, req.log, 'vigil-access-register', req.query.format, (w) => audit.exportAccess(filter, req.query.format, w)));
  });

  app.get('/api/v1/audit/system', {
    config: { access: 'systemlog.read' },
    schema: { querystring: SystemQuery, response: { 200: Type.Array(SystemEntry), ...errorResponses } },
  }, async (req, reply) => {
    const { items, total } = await audit.querySystem(systemFilter(req.query), { limit: req.query.limit, offset: req.query.offset });
    return reply.header('x-total-count', String(total)).send(items);
  });

  app.get('/api/v1/audit/system/export', { config: { access: 'systemlog.read' }, schema: { querystring: SystemExportQuery } }, async (req, reply) => {
    const filter = systemFilter(req.query);
    return reply.send(streamExport(reply, req.log, 'vigil-system-log', req.query.format, (w) => audit.exportSystem(filter, req.query.format, w)));
  });

  app.get('/api/v1/audit/verify', { config: { access: 'audit.read' }, schema: { response: { 200: VerifyReport, ...errorResponses } } }, async () => audit.verify());

  app.get('/api/v1/audit/public-key', {
    config: { access: 'audit.read' },
    schema: { response: { 200: Type.Object({ keyId: Type.String(), publicKey: Type.String({ description: 'SPKI PEM' }) }), ...errorResponses } },
  }, async () => ({ keyId: audit.signingKeyId, publicKey: audit.publicKeyPem() }));
};
