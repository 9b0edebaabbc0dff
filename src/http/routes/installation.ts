// /api/v1/cameras/:id/signage and /masks: the R13 signage records and the privacy masks (R13, D11) of a camera.
// Thin: schema, one service call, a system-log entry for every change (who, what — never the photo's bytes).
// Reading signage needs camera.locate (a sign's wording and photo say where the camera is, D6); changing either
// needs compliance.manage. Masks are read by whoever may list the camera, since the console draws them over live
// and playback video; a per-camera viewer (R16.2) reads only the masks of cameras granted to them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { VIDEO_ROLES, type CameraAction, type Subject, type SystemEventRecorder } from '../../access/index.js';
import { requestEventLog, signedInActor } from './actor.js';
import { Place } from './cameras.js';
import { SIGNAGE_PHOTO_MAX_BYTES, type CameraService } from '../../devices/index.js';
import { ApiError } from '../errors.js';
import { CameraIdParams, errorResponses } from '../schemas.js';

const SignageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), signageId: Type.String({ minLength: 1, maxLength: 64 }) });
const Signage = Type.Object({
  id: Type.String(),
  cameraId: Type.String(),
  text: Type.String(),
  installedMs: Type.Integer(),
  photo: Type.Union([Type.Object({ type: Type.String(), bytes: Type.Integer(), sha256: Type.String() }), Type.Null()]),
  recordedBy: Type.Union([Type.String(), Type.Null()]),
  createdMs: Type.Integer(),
  updatedMs: Type.Integer(),
});
const NewSignage = Type.Object(
  {
    text: Type.String({ maxLength: 2000, description: 'the wording of the sign (R13)' }),
    installedMs: Type.Integer({ minimum: 0, description: 'when the sign was put up, ms since the epoch (UTC)' }),
  },
  { additionalProperties: false },
);
const Point = Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { minItems: 2, maxItems: 2 });
const Mask = Type.Object(
  {
    points: Type.Array(Point, { minItems: 3, maxItems: 32, description: 'vertices as [x, y] fractions of the picture, origin top left' }),
    burnExport: Type.Optional(Type.Boolean({ description: 'also burn into exported clips' })),
    burnRecording: Type.Optional(Type.Boolean({ description: 'also burn into the recording (the ingest re-encodes)' })),
  },
  { additionalProperties: false },
);
const MaskOut = Type.Object({ points: Type.Array(Point), burnExport: Type.Boolean(), burnRecording: Type.Boolean() });
const MaskBody = Type.Object({ masks: Type.Array(Mask, { maxItems: 64 }) }, { additionalProperties: false });
const MasksOut = Type.Object({ cameraId: Type.String(), masks: Type.Array(MaskOut) });

export interface InstallationRoutesOptions {
  cameras: CameraService;
  cameraScope: (subject: Subject, action: CameraAction) => Promise<'all' | Set<string>>;
  events: SystemEventRecorder;
}

const PHOTO_TYPES = ['image/jpeg', 'image/png'];

function masksOut(cameraId: string, masks: Awaited<ReturnType<CameraService['masks']>>) {
  return { cameraId, masks: masks.map((m) => ({ points: m.points.map(([x, y]) => [x, y]), burnExport: m.burnExport, burnRecording: m.burnRecording })) };
}

export const installationRoutes: FastifyPluginAsyncTypebox<InstallationRoutesOptions> = async (app, { cameras, cameraScope, events }) => {
  const log = requestEventLog(events);

  // The photo arrives as the raw body; its declared type only selects this parser — the stored type is sniffed.
  app.addContentTypeParser(PHOTO_TYPES, { parseAs: 'buffer', bodyLimit: SIGNAGE_PHOTO_MAX_BYTES + 1 }, (_req, body, done) => done(null, body));

  // R8.1: a person confirms that flagged free text does not describe a forbidden place. compliance.manage, like the
  // signage: it is a compliance judgment, logged with the note and the terms.
  app.post('/api/v1/cameras/:id/place/review', {
    config: { access: 'compliance.manage' },
    schema: { params: CameraIdParams, body: Type.Object({ note: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }), response: { 200: Place, ...errorResponses } },
  }, async (req) => {
    const actor = signedInActor(req.subject);
    const place = await cameras.clearPlaceReview(req.params.id, req.body, { username: actor.username, name: actor.displayName, unit: actor.unit });
    await log(req, 'camera.place_review_cleared', req.params.id, { terms: place.reviewCleared?.terms ?? [], note: req.body.note });
    return place;
  });

  app.get('/api/v1/cameras/:id/signage', { config: { access: 'camera.locate' }, schema: { params: CameraIdParams, response: { 200: Type.Array(Signage), ...errorResponses } } }, async (req) =>
    cameras.listSignage(req.params.id));

  app.post('/api/v1/cameras/:id/signage', { config: { access: 'compliance.manage' }, schema: { params: CameraIdParams, body: NewSignage, response: { 201: Signage, ...errorResponses } } }, async (req, reply) => {
    const signage = await cameras.addSignage(req.params.id, req.body, req.subject?.username ?? null);
    await log(req, 'camera.signage_recorded', req.params.id, { signageId: signage.id, installedMs: signage.installedMs });
    return reply.code(201).send(signage);
  });

  app.put('/api/v1/cameras/:id/signage/:signageId/photo', {
    config: { access: 'compliance.manage' },
    bodyLimit: SIGNAGE_PHOTO_MAX_BYTES + 1,
    schema: { params: SignageParams, response: { 200: Signage, ...errorResponses } },
  }, async (req) => {
    if (!Buffer.isBuffer(req.body)) {
      throw new ApiError('photo_type_unsupported', 'send the photo as the raw body with Content-Type image/jpeg or image/png', 'photo');
    }
    const signage = await cameras.setSignagePhoto(req.params.id, req.params.signageId, req.body);
    await log(req, 'camera.signage_photo_set', req.params.id, { signageId: signage.id, sha256: signage.photo?.sha256, bytes: signage.photo?.bytes });
    return signage;
  });

  app.get('/api/v1/cameras/:id/signage/:signageId/photo', { config: { access: 'camera.locate' }, schema: { params: SignageParams } }, async (req, reply) => {
    const photo = await cameras.signagePhoto(req.params.id, req.params.signageId);
    return reply
      .header('content-type', photo.type)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .header('digest', `sha-256=${Buffer.from(photo.sha256, 'hex').toString('base64')}`)
      .send(photo.bytes);
  });

  app.delete('/api/v1/cameras/:id/signage/:signageId', { config: { access: 'compliance.manage' }, schema: { params: SignageParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await cameras.removeSignage(req.params.id, req.params.signageId);
    await log(req, 'camera.signage_removed', req.params.id, { signageId: req.params.signageId });
    return reply.code(204).send(null);
  });

  app.get('/api/v1/cameras/:id/masks', { config: { access: 'camera.list' }, schema: { params: CameraIdParams, response: { 200: MasksOut, ...errorResponses } } }, async (req) => {
    const subject = req.subject;
    if (subject && subject.roles.some((r) => VIDEO_ROLES.includes(r))) {
      const scopes = await Promise.all((['live', 'playback', 'export'] as const).map((a) => cameraScope(subject, a)));
      if (!scopes.some((s) => s === 'all' || s.has(req.params.id.toLowerCase()))) {
        throw new ApiError('camera_not_granted', `camera ${req.params.id} is not granted to you (R16.2)`, 'id');
      }
    }
    return masksOut(req.params.id.toLowerCase(), await cameras.masks(req.params.id));
  });

  app.put('/api/v1/cameras/:id/masks', { config: { access: 'compliance.manage' }, schema: { params: CameraIdParams, body: MaskBody, response: { 200: MasksOut, ...errorResponses } } }, async (req) => {
    const masks = await cameras.setMasks(req.params.id, req.body.masks);
    await log(req, 'camera.masks_set', req.params.id, {
      count: masks.length, burnExport: masks.filter((m) => m.burnExport).length, burnRecording: masks.filter((m) => m.burnRecording).length,
    });
    return masksOut(req.params.id.toLowerCase(), masks);
  });
};
