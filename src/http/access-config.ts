// What every route declares and what the auth plugin puts on each request. Declaration merging keeps it typed:
// `app.get(path, { config: { access: 'video.playback' } }, …)` and `req.subject` in handlers.
import type { RouteAccess, Subject } from '../access/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (R16.2); a route without it is refused at registration. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The authenticated caller, or null on a public route called anonymously. */
    subject: Subject | null;
  }
}

export {};
