// /api/v1/integrity (R15): each camera's integrity status from the latest verify runs, a verify run on request, and
// the signed checkpoints as NDJSON for keeping off the machine (integrity/export.ts). Readers of the registers
// (auditors, inspectors: `audit.read`) see it; a verify run reads and hashes, it changes nothing but its summary.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Subject, SystemEventRecorder } from '../../access/index.js';
import { actorOf } from './actor.js';
import type { CameraService } from '../../devices/index.js';
import { formatExportLine, type IntegrityService, type VerifyRun } from '../../integrity/index.js';
import { errorResponses } from '../schemas.js';

export interface IntegrityRoutesOptions {
  integrity: IntegrityService;
  cameras: CameraService;
  events: SystemEventRecorder;
}

const Counts = Type.Record(Type.String(), Type.Integer());
const Running = Type.Union([
  Type.Object({ startedMs: Type.Integer(), trigger: Type.String(), cameraId: Type.Union([Type.String(), Type.Null()]) }),
  Type.Null(),
]);
const Run = Type.Object({
  id: Type.Integer(), startedMs: Type.Integer(), finishedMs: Type.Integer(), trigger: Type.String(),
  cameraId: Type.Union([Type.String(), Type.Null()]), ok: Type.Boolean(), counts: Counts,
  checkpointsChecked: Type.Integer(), checkpointProblems: Type.Integer(), examples: Type.Array(Type.String()),
  bytesHashed: Type.Integer(), elapsedMs: Type.Number(),
});
const Status = Type.Object({
  running: Running,
  lastCheckpointMs: Type.Union([Type.Integer(), Type.Null()]),
  cameras: Type.Array(Type.Object({
    cameraId: Type.String(), name: Type.String(),
    status: Type.Union([Type.Literal('ok'), Type.Literal('problems'), Type.Literal('unverified')]),
    verifiedMs: Type.Union([Type.Integer(), Type.Null()]), runId: Type.Union([Type.Integer(), Type.Null()]), segments: Counts,
  })),
  recentRuns: Type.Array(Run),
});

const runView = (r: VerifyRun) => ({
  id: r.id, startedMs: r.startedMs, finishedMs: r.finishedMs, trigger: r.trigger, cameraId: r.cameraId, ok: r.ok,
  counts: { ...r.summary.counts } as Record<string, number>, checkpointsChecked: r.summary.checkpointsChecked, checkpointProblems: r.summary.checkpointProblems,
  examples: r.summary.examples, bytesHashed: r.summary.bytesHashed, elapsedMs: r.summary.elapsedMs,
});

const MAX_CAMERAS = 10_000;

export const integrityRoutes: FastifyPluginAsyncTypebox<IntegrityRoutesOptions> = async (app, { integrity, cameras, events }) => {
  app.get('/api/v1/integrity/status', {
    config: { access: 'audit.read' },
    schema: { response: { 200: Status, ...errorResponses } },
  }, async () => {
    const list = await cameras.list({ limit: MAX_CAMERAS });
    const names = new Map(list.map((c) => [c.id, c.name]));
    const status = await integrity.status(list.map((c) => c.id));
    return {
      running: status.running,
      lastCheckpointMs: status.lastCheckpointMs,
      cameras: status.cameras.map((c) => ({ ...c, segments: c.segments as Record<string, number>, name: names.get(c.cameraId) ?? c.cameraId })),
      recentRuns: status.recentRuns.map(runView),
    };
  });

  app.post('/api/v1/integrity/verify', {
    config: { access: 'audit.read' },
    schema: {
      body: Type.Optional(Type.Object({ cameraId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false })),
      response: { 202: Type.Object({ running: Running }), ...errorResponses },
    },
  }, async (req, reply) => {
    const cameraId = req.body?.cameraId ?? null;
    if (cameraId !== null) await cameras.get(cameraId); // 404 camera_not_found for an unknown id
    const s = req.subject as Subject | null;
    // The run goes on after the answer; its outcome is the status route's. A failure is logged, not lost.
    integrity.startVerify('manual', cameraId).catch((err: unknown) => req.log.error({ err }, 'integrity verify run failed'));
    await events.recordEvent({
      actor: actorOf(s),
      event: 'integrity.verify_started', target: cameraId, details: {}, clientAddr: req.ip,
    });
    const { running } = await integrity.status([]);
    return reply.code(202).send({ running });
  });

  app.get('/api/v1/integrity/checkpoints', { config: { access: 'audit.read' } }, async (_req, reply) => {
    const rows = await integrity.checkpoints();
    reply.type('application/x-ndjson; charset=utf-8');
    reply.header('content-disposition', 'attachment; filename="vigil-checkpoints.ndjson"');
    reply.header('cache-control', 'no-store');
    return reply.send(rows.map(formatExportLine).join(''));
  });
};
