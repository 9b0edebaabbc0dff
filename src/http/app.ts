// The Fastify application: security headers, authentication and route access (auth.ts), error mapping (one
// registry), and one plugin per capability. No logic here.
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AccessService } from '../access/index.js';
import type { AuditRegisters } from '../audit/index.js';
import type { IntegrityService } from '../integrity/index.js';
import type { ComplaintService } from '../requests/index.js';
import type { ComplianceService, DutiesService } from '../compliance/index.js';
import type { CameraService, SystemService } from '../devices/index.js';
import { installAuth, markRoutesPublic } from './auth.js';
import { toApiError } from './errors.js';
import { authRoutes } from './routes/auth.js';
import { auditRoutes } from './routes/audit.js';
import { cameraRoutes, type StreamStatus } from './routes/cameras.js';
import { complaintRoutes } from './routes/complaints.js';
import { dutyRoutes } from './routes/duties.js';
import { inspectionRoutes } from './routes/inspections.js';
import { complianceRoutes } from './routes/compliance.js';
import { systemRoutes } from './routes/systems.js';
import { grantRoutes } from './routes/grants.js';
import { integrityRoutes } from './routes/integrity.js';
import { installationRoutes } from './routes/installation.js';
import { placeRoutes } from './routes/places.js';
import { retentionRoutes } from './routes/retention.js';
import type { RetentionService } from '../retention/index.js';
import { userRoutes } from './routes/users.js';
import { opsRoutes, type OpsRoutesOptions } from './routes/ops.js';
import { videoRoutes, type VideoRoutesOptions } from './routes/video.js';
import { webRoutes } from './routes/web.js';

export interface HttpDeps {
  log: Logger;
  access: AccessService;
  reasonCategories: readonly string[];
  cameras: CameraService;
  statusOf: (streamId: string) => StreamStatus | undefined;
  ops: OpsRoutesOptions;
  video: Omit<VideoRoutesOptions, 'cameraScope'>;
  webDir: string;
  hlsJsFile: string;
  /** The access register and the system log (R16.3). */
  audit: AuditRegisters;
  /** The segment integrity chain (R15): status per camera, verify runs, checkpoint export. */
  integrity: IntegrityService;
  /** Duty log, tasks, inspections, self-assessments (D17, R8.2, R24). */
  duties: DutiesService;
  /** Public reports (R24); `reportsPerHour` / `lookupsPerHour` tune the public routes' per-address limits. */
  complaints: { service: ComplaintService; reportsPerHour?: number; lookupsPerHour?: number };
  /** Systems (R11, D12–D14). */
  systems: SystemService;
  /** Unit profile, filing (R14), the checker. */
  compliance: ComplianceService;
  /** Retention policies, legal holds, runs, certificates and capacity (R17). */
  retention: RetentionService;
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

  await app.register(cookie);
  await app.register(helmet, {
    // The console is same-origin ES modules; MSE and hls.js play from blob: URLs; WebSockets go to this host.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // Served over plain HTTP on a LAN by default: HSTS is for a TLS front end to add.
    hsts: false,
  });
  // Only routes that ask for it are limited (login; later the public complaint intake).
  await app.register(rateLimit, { global: false });
  const routeTable = installAuth(app, deps.access);
  // Every route and who may call it (R16.2): for inspectors checking the system's access rules, and the
  // permission-matrix test, which compares it with its own declared table.
  app.get('/api/v1/system/routes', { config: { access: 'config.read' } }, async () => routeTable());
  const cameraScope = deps.access.cameraScope.bind(deps.access);

  // OpenAPI generated from the routes' TypeBox schemas; browsable at /docs, JSON at /docs/json.
  await app.register(swagger, {
    openapi: {
      info: { title: 'Vigil API', version: '1', description: '公共安全视频图像信息系统 — cameras, recordings, playback, export, live' },
    },
  });
  await app.register(async (docs) => {
    markRoutesPublic(docs);
    await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(opsRoutes, deps.ops);
  await app.register(authRoutes, { access: deps.access, reasonCategories: deps.reasonCategories });
  await app.register(userRoutes, { access: deps.access });
  await app.register(grantRoutes, { access: deps.access });
  await app.register(cameraRoutes, { cameras: deps.cameras, statusOf: deps.statusOf, cameraScope, events: deps.audit });
  await app.register(installationRoutes, { cameras: deps.cameras, cameraScope, events: deps.audit });
  await app.register(placeRoutes);
  await app.register(videoRoutes, { ...deps.video, cameraScope, events: deps.audit });
  await app.register(async (web) => {
    markRoutesPublic(web);
    await web.register(webRoutes, { webDir: deps.webDir, hlsJsFile: deps.hlsJsFile });
  });
  await app.register(auditRoutes, { audit: deps.audit });
  await app.register(integrityRoutes, { integrity: deps.integrity, cameras: deps.cameras, events: deps.audit });
  await app.register(dutyRoutes, { duties: deps.duties });
  await app.register(inspectionRoutes, { duties: deps.duties });
  await app.register(complaintRoutes, {
    complaints: deps.complaints.service,
    ...(deps.complaints.reportsPerHour === undefined ? {} : { reportsPerHour: deps.complaints.reportsPerHour }),
    ...(deps.complaints.lookupsPerHour === undefined ? {} : { lookupsPerHour: deps.complaints.lookupsPerHour }),
  });
  await app.register(systemRoutes, { systems: deps.systems, compliance: deps.compliance });
  await app.register(complianceRoutes, { compliance: deps.compliance });
  await app.register(retentionRoutes, { retention: deps.retention });
  return app;
}
