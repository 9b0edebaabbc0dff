export { buildHttpApp, type HttpDeps } from './app.js';
export { ApiError, errorRegistry, toApiError, type ApiErrorBody } from './errors.js';
export type { StreamStatus } from './routes/cameras.js';
export type { HealthReport, HealthStatus } from './routes/ops.js';
