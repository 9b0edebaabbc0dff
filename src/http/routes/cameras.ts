// /api/v1/cameras: the camera registry over HTTP. Thin: schema, one service call. URLs come back redacted (R18, D6).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CameraService } from '../../devices/index.js';
import { CameraIdParams, errorResponses } from '../schemas.js';

export interface StreamStatus {
  streamId: string;
  state: string;
  reason: string | null;
  recording: string;
}

const Stream = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('main'), Type.Literal('sub')]),
  url: Type.String({ description: 'without credentials' }),
  record: Type.Boolean(),
  status: Type.Optional(Type.Object({ state: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), recording: Type.String() })),
});
const Camera = Type.Object({
  id: Type.String(),
  name: Type.String(),
  enabled: Type.Boolean(),
  createdMs: Type.Integer(),
  updatedMs: Type.Integer(),
  streams: Type.Array(Stream),
});
const NewCamera = Type.Object(
  {
    name: Type.String(),
    url: Type.String(),
    subUrl: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean()),
    recordSub: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const CameraPatch = Type.Object(
  {
    name: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
    subUrl: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
    recordSub: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export interface CameraRoutesOptions {
  cameras: CameraService;
  statusOf: (streamId: string) => StreamStatus | undefined;
}

export const cameraRoutes: FastifyPluginAsyncTypebox<CameraRoutesOptions> = async (app, { cameras, statusOf }) => {
  const withStatus = <C extends { streams: { id: string }[] }>(c: C) => ({
    ...c,
    streams: c.streams.map((s) => {
      const st = statusOf(s.id);
      return st ? { ...s, status: { state: st.state, reason: st.reason, recording: st.recording } } : s;
    }),
  });

  // Paginated server-side; the total is in `x-total-count` so the body stays the plain array clients already read.
  const Page = Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  });
  app.get('/api/v1/cameras', { schema: { querystring: Page, response: { 200: Type.Array(Camera), ...errorResponses } } }, async (req, reply) => {
    const [page, total] = await Promise.all([cameras.list(req.query), cameras.count()]);
    return reply.header('x-total-count', String(total)).send(page.map(withStatus));
  });

  app.post('/api/v1/cameras', { schema: { body: NewCamera, response: { 201: Camera, ...errorResponses } } }, async (req, reply) => {
    const camera = await cameras.add(req.body);
    return reply.code(201).send(withStatus(camera));
  });

  app.get('/api/v1/cameras/:id', { schema: { params: CameraIdParams, response: { 200: Camera, ...errorResponses } } }, async (req) =>
    withStatus(await cameras.get(req.params.id)),
  );

  app.patch('/api/v1/cameras/:id', { schema: { params: CameraIdParams, body: CameraPatch, response: { 200: Camera, ...errorResponses } } }, async (req) =>
    withStatus(await cameras.update(req.params.id, req.body)),
  );

  app.delete('/api/v1/cameras/:id', { schema: { params: CameraIdParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await cameras.remove(req.params.id);
    return reply.code(204).send(null);
  });
};
