// /api/v1/cameras: the camera registry over HTTP. Thin: schema, one service call. URLs come back without credentials
// (R18), and only to roles that may know where cameras are (D6: locations and addresses are confidential); a viewer
// whose video rights are per camera (operator, contractor) sees only the cameras granted to them (R16.2).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { hasPermission, VIDEO_ROLES, type CameraAction, type Subject, type SystemEventRecorder } from '../../access/index.js';
import { requestEventLog } from './actor.js';
import type { Camera as CameraView, CameraService } from '../../devices/index.js';
import { ApiError } from '../errors.js';
import { CameraIdParams, errorResponses } from '../schemas.js';

export interface StreamStatus {
  streamId: string;
  state: string;
  reason: string | null;
  recording: string;
  /** Who speaks RTSP for the stream (ingest.rtspClient, or ffmpeg after a fallback), and why it fell back. */
  rtspClient?: 'builtin' | 'ffmpeg';
  rtspFallback?: string | null;
}

const Stream = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('main'), Type.Literal('sub')]),
  url: Type.Optional(Type.String({ description: 'without credentials; only for roles with camera.locate (D6)' })),
  record: Type.Boolean(),
  status: Type.Optional(
    Type.Object({
      state: Type.String(),
      reason: Type.Union([Type.String(), Type.Null()]),
      recording: Type.String(),
      rtspClient: Type.Optional(Type.Union([Type.Literal('builtin'), Type.Literal('ffmpeg')], { description: 'who speaks RTSP to the camera: the built-in client or an ffmpeg child' })),
      rtspFallback: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'why the built-in client handed the stream to ffmpeg (null: it did not)' })),
    }),
  ),
});
const NStr = Type.Union([Type.String(), Type.Null()]);
/** S: the optional pre-installation assessment. */
const Assessment = Type.Object(
  {
    purpose: Type.String({ maxLength: 2000 }),
    necessity: Type.String({ maxLength: 2000 }),
    alternativesConsidered: Type.String({ maxLength: 2000 }),
    publicConsultation: Type.Optional(Type.String({ maxLength: 2000 })),
    assessedMs: Type.Integer({ minimum: 0, description: 'date of the assessment, ms since the epoch (UTC)' }),
  },
  { additionalProperties: false },
);
export const Place = Type.Object({
  areaType: NStr,
  placeCategory: NStr,
  site: NStr,
  position: NStr,
  necessity: NStr,
  installingParty: NStr,
  facesResidence: Type.Boolean(),
  nearMilitaryOrClassified: Type.Boolean(),
  consentDocumentRef: NStr,
  angle: NStr,
  assessment: Type.Union([Assessment, Type.Null()]),
  review: Type.Array(Type.Object({ term: Type.String(), article: Type.String(), field: Type.String() })),
  /** A person's review of those hits (POST …/place/review), while the texts are as they read them. */
  reviewCleared: Type.Union([
    Type.Object({
      terms: Type.Array(Type.String()),
      note: Type.String(),
      by: Type.Object({ username: Type.String(), name: NStr, unit: NStr }),
      atMs: Type.Integer(),
    }),
    Type.Null(),
  ]),
});
/** The installation fields (issue 4): area type and place category codes (docs/compliance.md), free text. */
const PlaceFields = {
  areaType: Type.Optional(Type.Union([Type.String({ maxLength: 40, description: 'area type code; a forbidden one (R8.1) is refused with 422 and the article' }), Type.Null()])),
  placeCategory: Type.Optional(Type.Union([Type.String({ maxLength: 40, description: 'place category code (R7.1, R7.2(1)–(4), R9, R33)' }), Type.Null()])),
  site: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  position: Type.Optional(Type.Union([Type.String({ maxLength: 500, description: 'position and angle' }), Type.Null()])),
  necessity: Type.Optional(Type.Union([Type.String({ maxLength: 500, description: 'necessity statement (R7.3)' }), Type.Null()])),
  installingParty: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  // R10 / D11 / S: an enabled camera near a classified unit without consent, or facing residences without a privacy
  // mask, is refused with 422 and the article (classified_consent_missing R10, privacy_masks_missing D11).
  facesResidence: Type.Optional(Type.Boolean({ description: 'D11: the view includes residences; needs privacy masks before activation' })),
  nearMilitaryOrClassified: Type.Optional(Type.Boolean({ description: 'R10: near a military zone or classified unit; needs consentDocumentRef' })),
  consentDocumentRef: Type.Optional(Type.Union([Type.String({ maxLength: 500, description: 'R10: reference of the written consent' }), Type.Null()])),
  angle: Type.Optional(Type.Union([Type.String({ maxLength: 500, description: 'viewing angle and coverage (R13)' }), Type.Null()])),
  assessment: Type.Optional(Type.Union([Assessment, Type.Null()])),
};
/** The camera's own RTSP client ('default': the server's `ingest.rtspClient`); each stream's status says who records it. */
const RtspClientChoice = Type.Union([Type.Literal('default'), Type.Literal('builtin'), Type.Literal('ffmpeg')], {
  description: "who speaks RTSP to this camera: 'default' follows the server's ingest.rtspClient; 'builtin' or 'ffmpeg' overrides it",
});
// Input is any string: the registry checks it and answers 422 naming the allowed values (an enum here would say only
// "must match a schema in anyOf").
const RtspClientInput = Type.String({ maxLength: 20, description: RtspClientChoice.description });
const Camera = Type.Object({
  place: Type.Optional(Type.Union([Place, Type.Null()])),
  id: Type.String(),
  name: Type.String(),
  enabled: Type.Boolean(),
  rtspClient: RtspClientChoice,
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
    rtspClient: Type.Optional(RtspClientInput),
    ...PlaceFields,
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
    rtspClient: Type.Optional(RtspClientInput),
    ...PlaceFields,
  },
  { additionalProperties: false, minProperties: 1 },
);

export interface CameraRoutesOptions {
  cameras: CameraService;
  statusOf: (streamId: string) => StreamStatus | undefined;
  /** The cameras a subject may act on (access/ AccessService.cameraScope). */
  cameraScope: (subject: Subject, action: CameraAction) => Promise<'all' | Set<string>>;
  /** The system log: every camera change is recorded with who made it (configuration changes, R16.3 / D17). */
  events: SystemEventRecorder;
}

/** Which fields a change touched — names only: a URL's credentials never reach the log. */
function changedFields(body: Record<string, unknown>): string[] {
  return Object.keys(body).sort();
}

const VIEW_ACTIONS: CameraAction[] = ['live', 'playback', 'export', 'snapshot'];

export const cameraRoutes: FastifyPluginAsyncTypebox<CameraRoutesOptions> = async (app, { cameras, statusOf, cameraScope, events }) => {
  const log = requestEventLog(events);

  const present = (subject: Subject | null) => {
    const locate = !!subject && hasPermission(subject.roles, 'camera.locate');
    return ({ place, ...c }: CameraView) => ({
      ...c,
      // Where a camera is installed is as confidential as its address (D6).
      ...(locate ? { place } : {}),
      streams: c.streams.map(({ url, ...s }) => {
        const st = statusOf(s.id);
        const client = st?.rtspClient ? { rtspClient: st.rtspClient, rtspFallback: st.rtspFallback ?? null } : {};
        return { ...s, ...(locate ? { url } : {}), ...(st ? { status: { state: st.state, reason: st.reason, recording: st.recording, ...client } } : {}) };
      }),
    });
  };

  /** null = every camera; otherwise the ids granted for any viewing action (per-camera roles only). */
  const visible = async (subject: Subject | null): Promise<Set<string> | null> => {
    if (!subject || !subject.roles.some((r) => VIDEO_ROLES.includes(r))) return null;
    const scopes = await Promise.all(VIEW_ACTIONS.map((a) => cameraScope(subject, a)));
    if (scopes.includes('all')) return null;
    return new Set(scopes.flatMap((s) => [...(s as Set<string>)]));
  };

  // Paginated server-side; the total is in `x-total-count` so the body stays the plain array clients already read.
  const Page = Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  });
  app.get('/api/v1/cameras', { config: { access: 'camera.list' }, schema: { querystring: Page, response: { 200: Type.Array(Camera), ...errorResponses } } }, async (req, reply) => {
    const only = await visible(req.subject);
    if (only) {
      // Per-camera viewers see few cameras: filter the registry, then page (the total counts what they may see).
      const mine = (await cameras.list({ limit: 1_000_000, offset: 0 })).filter((c) => only.has(c.id));
      return reply.header('x-total-count', String(mine.length)).send(mine.slice(req.query.offset, req.query.offset + req.query.limit).map(present(req.subject)));
    }
    const [page, total] = await Promise.all([cameras.list(req.query), cameras.count()]);
    return reply.header('x-total-count', String(total)).send(page.map(present(req.subject)));
  });

  app.post('/api/v1/cameras', { config: { access: 'camera.configure' }, schema: { body: NewCamera, response: { 201: Camera, ...errorResponses } } }, async (req, reply) => {
    const camera = await cameras.add(req.body);
    await log(req, 'camera.created', camera.id, { name: camera.name, streams: camera.streams.map((st) => st.kind) });
    return reply.code(201).send(present(req.subject)(camera));
  });

  app.get('/api/v1/cameras/:id', { config: { access: 'camera.list' }, schema: { params: CameraIdParams, response: { 200: Camera, ...errorResponses } } }, async (req) => {
    const only = await visible(req.subject);
    // Not granted reads as not found: a per-camera viewer learns nothing of other cameras (D6).
    if (only && !only.has(req.params.id)) throw new ApiError('camera_not_found', `no camera ${req.params.id}`);
    return present(req.subject)(await cameras.get(req.params.id));
  });

  app.patch('/api/v1/cameras/:id', { config: { access: 'camera.configure' }, schema: { params: CameraIdParams, body: CameraPatch, response: { 200: Camera, ...errorResponses } } }, async (req) => {
    const camera = await cameras.update(req.params.id, req.body);
    await log(req, 'camera.changed', camera.id, { fields: changedFields(req.body) });
    return present(req.subject)(camera);
  });

  app.delete('/api/v1/cameras/:id', { config: { access: 'camera.configure' }, schema: { params: CameraIdParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await cameras.remove(req.params.id);
    await log(req, 'camera.removed', req.params.id, {});
    return reply.code(204).send(null);
  });
};
