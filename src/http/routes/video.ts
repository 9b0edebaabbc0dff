// Video routes: recordings listing, HLS playlist, segment bytes, MP4 export and the live WebSocket. Each calls one
// VideoService method, which passes the access gate (R16) before any byte: the route only supplies who is asking
// (req.subject) and why (`reason` category + `reasonText`, R16.3). Bytes are streamed with back-pressure; nothing
// here touches files or the database.
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { WebSocket } from 'ws';
import { wsLiveSink } from '../../media/index.js';
import type { CameraAction, Subject, SystemEventRecorder } from '../../access/index.js';
import { actorOf } from './actor.js';
import type { VideoService, Viewer } from '../../playback/index.js';
import { ApiError, toApiError } from '../errors.js';
import { CameraIdParams, ReasonQuery, TimeRangeQuery } from '../schemas.js';

export interface VideoRoutesOptions {
  video: VideoService;
  /** The cameras a subject may act on (access/ AccessService.cameraScope). */
  cameraScope: (subject: Subject, action: CameraAction) => Promise<'all' | Set<string>>;
  /** The system log, where finished exports are recorded. */
  events?: SystemEventRecorder;
  /** How often a live socket is pinged; one that has not answered the previous ping is terminated. Default 15 000. */
  livePingIntervalMs?: number;
}

/**
 * Drops dead live viewers: a viewer whose machine vanished (power cut, network gone) never closes its socket, and
 * TCP may not notice for many minutes, while the hub keeps sending to it. A ping every interval, and a socket that
 * has not answered the previous one is terminated (its 'close' then unsubscribes it).
 */
function keepAlive(socket: WebSocket, intervalMs: number): void {
  let answered = true;
  socket.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (!answered) {
      socket.terminate();
      return;
    }
    answered = false;
    try {
      socket.ping();
    } catch {
      socket.terminate();
    }
  }, intervalMs);
  timer.unref();
  socket.on('close', () => clearInterval(timer));
}

/** A byte sink over a response stream that waits for 'drain' and stops when the client goes away. */
function streamSink(out: PassThrough): (chunk: Buffer) => Promise<void> {
  return async (chunk) => {
    if (out.destroyed) throw new Error('client disconnected');
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
  };
}

const LiveQuery = Type.Object({
  stream: Type.Optional(Type.Union([Type.Literal('main'), Type.Literal('sub')])),
  /** Watch the stream's shared H.264 transcode (for browsers without the camera's codec, e.g. H.265). */
  transcode: Type.Optional(Type.Literal('h264')),
  ...ReasonQuery.properties,
});
const RangeWithReason = Type.Object({ ...TimeRangeQuery.properties, ...ReasonQuery.properties });
const SegmentParams = Type.Object({ id: Type.String({ maxLength: 64 }), segmentId: Type.String({ maxLength: 40 }) });
const SegmentQuery = Type.Object({ grant: Type.Optional(Type.String({ maxLength: 80, description: 'the playback grant token from the playlist' })) });

/** Who is asking and why, from an authenticated request (the auth layer guarantees the subject). */
function viewerOf(req: { subject: Subject | null; ip: string; query: unknown }): Viewer {
  const subject = req.subject;
  if (!subject) throw new ApiError('unauthenticated', 'sign in first');
  const q = req.query as { reason?: string; reasonText?: string };
  const reason = q.reason !== undefined || q.reasonText !== undefined ? { category: q.reason ?? '', text: q.reasonText ?? '' } : undefined;
  return { subject, reason, clientAddr: req.ip };
}

export const videoRoutes: FastifyPluginAsyncTypebox<VideoRoutesOptions> = async (app, { video, cameraScope, events, livePingIntervalMs = 15_000 }) => {
  // The timeline is metadata (no register row), but only of cameras the viewer may play back (R16.2).
  app.get('/api/v1/cameras/:id/recordings', { config: { access: 'video.playback' }, schema: { params: CameraIdParams, querystring: TimeRangeQuery } }, async (req) => {
    const scope = await cameraScope(req.subject!, 'playback');
    if (scope !== 'all' && !scope.has(req.params.id)) {
      throw new ApiError('camera_not_granted', `you have no playback grant on camera ${req.params.id}`, undefined, 'R16.2');
    }
    return video.recordings(req.params.id, req.query);
  });

  app.get('/api/v1/cameras/:id/playback.m3u8', { config: { access: 'video.playback' }, schema: { params: CameraIdParams, querystring: RangeWithReason } }, async (req, reply) => {
    const cameraId = req.params.id;
    const { reason: _r, reasonText: _t, ...range } = req.query;
    const playlist = await video.playlist(viewerOf(req), cameraId, range, (segmentId, token) => `/api/v1/cameras/${cameraId}/segments/${segmentId}?grant=${encodeURIComponent(token)}`);
    return reply.type('application/vnd.apple.mpegurl').header('cache-control', 'no-store').send(playlist);
  });

  app.get('/api/v1/cameras/:id/segments/:segmentId', { config: { access: 'video.playback' }, schema: { params: SegmentParams, querystring: SegmentQuery } }, async (req, reply) => {
    const { read, write } = await video.segmentRead(viewerOf(req), req.params.id, req.params.segmentId, req.query.grant, req.headers.range);
    const body = new PassThrough();
    reply
      .code(read.partial ? 206 : 200)
      .type('video/mp4')
      .header('accept-ranges', 'bytes')
      .header('content-length', String(read.length))
      .header('cache-control', 'private, no-store');
    if (read.contentRange) reply.header('content-range', read.contentRange);
    const abort = new AbortController();
    body.on('close', () => abort.abort());
    write(streamSink(body), abort.signal).then(
      () => body.end(),
      (err: unknown) => {
        if (!abort.signal.aborted) req.log.error({ err }, 'segment read failed mid-stream');
        body.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
    return reply.send(body);
  });

  app.get('/api/v1/cameras/:id/export.mp4', { config: { access: 'video.export' }, schema: { params: CameraIdParams, querystring: RangeWithReason } }, async (req, reply) => {
    const { reason: _r, reasonText: _t, ...range } = req.query;
    const { plan, grant } = await video.planExport(viewerOf(req), req.params.id, range);
    const name = `vigil-${req.params.id}-${new Date(plan.startMs).toISOString().replace(/[:.]/g, '')}.mp4`;
    const body = new PassThrough();
    reply
      .type('video/mp4')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-vigil-start-ms', String(plan.startMs))
      .header('x-vigil-end-ms', String(plan.endMs))
      .header('x-vigil-access-id', String(grant.accessId))
      .header('cache-control', 'no-store');
    if (plan.truncatedAtMs !== null) {
      // The stream's format changed inside the range: this file stops there; export the rest separately.
      reply.header('x-vigil-truncated-at-ms', String(plan.truncatedAtMs)).header('x-vigil-truncated-reason', plan.truncatedReason ?? '');
    }
    video.writeExport(grant, plan, streamSink(body)).then(
      async (bytes) => {
        body.end();
        // An export leaves the system as a file: the system log records it beside its access-register entry.
        const s = grant.subject;
        await events
          ?.recordEvent({
            actor: actorOf(s),
            event: 'video.exported',
            target: req.params.id,
            details: { accessId: grant.accessId, fromMs: plan.startMs, toMs: plan.endMs, bytes },
            clientAddr: req.ip,
          })
          .catch((err: unknown) => req.log.error({ err }, 'could not record the export in the system log'));
      },
      (err: unknown) => {
        if (!body.destroyed) req.log.error({ err }, 'export failed mid-stream');
        body.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
    return reply.send(body);
  });

  // A still is small: it is encoded whole, then sent, so a failure is still a clean JSON error.
  const SnapshotQuery = Type.Object({
    at: Type.Optional(Type.String({ maxLength: 40, description: 'ms since the epoch (UTC) or ISO-8601; absent = the live picture' })),
    stream: Type.Optional(Type.Union([Type.Literal('main'), Type.Literal('sub')])),
    ...ReasonQuery.properties,
  });
  app.get('/api/v1/cameras/:id/snapshot.jpg', { config: { access: 'video.snapshot' }, schema: { params: CameraIdParams, querystring: SnapshotQuery } }, async (req, reply) => {
    const chunks: Buffer[] = [];
    const { at, stream } = req.query;
    await video.snapshot(viewerOf(req), req.params.id, { ...(at !== undefined ? { at } : {}), ...(stream ? { stream } : {}) }, (chunk) => void chunks.push(chunk));
    return reply.type('image/jpeg').header('cache-control', 'no-store').send(Buffer.concat(chunks));
  });

  app.get('/api/v1/cameras/:id/live', { websocket: true, config: { access: 'video.live' }, schema: { params: CameraIdParams, querystring: LiveQuery } }, (socket, req) => {
    const { id } = req.params as { id: string };
    const { stream, transcode } = req.query as { stream?: 'main' | 'sub'; transcode?: 'h264' };
    let unsubscribe: (() => void) | null = null;
    let closed = false;
    socket.on('close', () => {
      closed = true;
      unsubscribe?.();
    });
    keepAlive(socket, livePingIntervalMs);
    Promise.resolve()
      .then(() => video.live(viewerOf(req), id, stream, wsLiveSink(socket), transcode ? { transcode } : {}))
      .then(
      (unsub: () => void) => {
        if (closed) unsub();
        else unsubscribe = unsub;
      },
      (err: unknown) => {
        // The socket is already upgraded: say why in a text message, then close (4000 + HTTP status).
        const { status, body } = toApiError(err);
        socket.send(JSON.stringify({ type: 'error', ...body }));
        socket.close(4000 + status, body.error);
      },
    );
  });
};
