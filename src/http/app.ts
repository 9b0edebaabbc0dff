// The Fastify application: error mapping (one registry), and one plugin per capability. No logic here.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditRegisters } from '../audit/index.js';
import type { CameraService } from '../devices/index.js';
import { toApiError } from './errors.js';
import { auditRoutes } from './routes/audit.js';
import { cameraRoutes, type StreamStatus } from './routes/cameras.js';
import { opsRoutes, type OpsRoutesOptions } from './routes/ops.js';
import { videoRoutes, type VideoRoutesOptions } from './routes/video.js';
import { webRoutes } from './routes/web.js';

export interface HttpDeps {
  log: Logger;
  cameras: CameraService;
  statusOf: (streamId: string) => StreamStatus | undefined;
  ops: OpsRoutesOptions;
  video: VideoRoutesOptions;
  webDir: string;
  hlsJsFile: string;
  /** The access register and the system log (R16.3). */
  audit: AuditRegisters;
}

export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Path parameters are ids; keep them short.
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 1024 * 1024,
    // A misspelt or unknown field is refused (400), not silently dropped: the caller would think it was applied.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toApiError(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );

  // OpenAPI generated from the routes' TypeBox schemas; browsable at /docs, JSON at /docs/json.
  await app.register(swagger, {
    openapi: {
      info: { title: 'Vigil API', version: '1', description: '公共安全视频图像信息系统 — cameras, recordings, playback, export, live' },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(opsRoutes, deps.ops);
  await app.register(cameraRoutes, { cameras: deps.cameras, statusOf: deps.statusOf });
  await app.register(videoRoutes, deps.video);
  await app.register(auditRoutes, { audit: deps.audit });
  await app.register(webRoutes, { webDir: deps.webDir, hlsJsFile: deps.hlsJsFile });
  return app;
}
