// Operations endpoints: /healthz (liveness + critical alerts such as a full store) and /metrics (Prometheus).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export type HealthStatus = 'ok' | 'degraded' | 'critical';
export interface HealthReport {
  status: HealthStatus;
  checks: Record<string, unknown>;
}

export interface OpsRoutesOptions {
  health: () => Promise<HealthReport>;
  metrics: () => Promise<{ contentType: string; body: string }>;
}

export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesOptions> = async (app, { health, metrics }) => {
  // Critical (e.g. recording stopped because the store is full) answers 503 so a load balancer or probe sees it.
  app.get('/healthz', { config: { access: 'public' } }, async (_req, reply) => {
    const report = await health();
    return reply.code(report.status === 'critical' ? 503 : 200).send(report);
  });

  // Metrics name cameras and stream states: for operations staff (a scraper uses an API token with scope ops.read).
  app.get('/metrics', { config: { access: 'ops.read' } }, async (_req, reply) => {
    const { contentType, body } = await metrics();
    return reply.type(contentType).send(body);
  });
};
