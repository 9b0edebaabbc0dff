// The minimal page at / (web/) and the hls.js bundle it plays recordings with. Static files only.
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { dirname } from 'node:path';

export interface WebRoutesOptions {
  webDir: string;
  hlsJsFile: string;
}

export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, { webDir, hlsJsFile }) => {
  await app.register(fastifyStatic, { root: webDir, prefix: '/', index: ['index.html'], wildcard: false });
  await app.register(fastifyStatic, { root: dirname(hlsJsFile), prefix: '/vendor/', decorateReply: false, allowedPath: (p) => p === '/hls.min.js' });
};
