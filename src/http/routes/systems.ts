// /api/v1/systems: systems (R11, D12–D14) over HTTP — lifecycle, archive documents (files up to 10 MiB, base64 in
// JSON), cameras with their device types, the R14 filing status, and the catalog of those codes. Thin: schema, one service call. Reads need
// compliance.read (system admin, inspector, R24); changes compliance.manage. The service writes the system log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from './actor.js';
import type { ComplianceService } from '../../compliance/index.js';
import type { SystemService } from '../../devices/index.js';
import { DEVICE_TYPES, lifecycleSteps, SYSTEM_DOCUMENT_KINDS } from '../../domain/index.js';
import { ApiError } from '../errors.js';
import { ErrorBody, errorResponses } from '../schemas.js';

export interface SystemRoutesOptions {
  systems: SystemService;
  compliance: ComplianceService;
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const DocParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), documentId: Type.String({ minLength: 1, maxLength: 64 }) });
const responses = { 200: Type.Unknown(), 201: Type.Unknown(), ...errorResponses, 403: ErrorBody, 409: ErrorBody, 413: ErrorBody };
const NewSystem = Type.Object({ name: Type.String({ maxLength: 200 }), location: Type.String({ maxLength: 500, description: 'address of the system (filed, R14)' }) }, { additionalProperties: false });
const SystemPatch = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), location: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false, minProperties: 1 });
const NewDocument = Type.Object({
  kind: Type.String({ maxLength: 40, description: 'design, feasibility_review, construction_contract, construction_record, parties, inspection_report, acceptance_report, change_design, maintenance_record, retirement_record, other' }),
  title: Type.String({ maxLength: 500 }),
  date: Type.String({ maxLength: 10, description: 'YYYY-MM-DD' }),
  parties: Type.Optional(Type.Array(Type.Object({ name: Type.String({ maxLength: 200 }), role: Type.String({ maxLength: 200 }) }, { additionalProperties: false }), { maxItems: 100 })),
  file: Type.Optional(Type.Object({
    name: Type.String({ maxLength: 255 }),
    type: Type.Optional(Type.String({ maxLength: 100 })),
    base64: Type.String({ description: 'the file, base64; at most 10 MiB decoded' }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
const Transition = Type.Object({
  to: Type.String({ maxLength: 20 }),
  note: Type.Optional(Type.String({ maxLength: 500 })),
  // R14: the CST day a system brought into Vigil already went into use (first move to in_use only, with a note).
  inUseSince: Type.Optional(Type.String({ maxLength: 20 })),
}, { additionalProperties: false });
const Members = Type.Object({
  cameras: Type.Array(Type.Object({ cameraId: Type.String({ maxLength: 64 }), deviceType: Type.String({ maxLength: 40 }) }, { additionalProperties: false }), { maxItems: 10_000 }),
}, { additionalProperties: false });

/** The closed vocabularies of systems, from domain/ (the console builds its menus from this, never a copy). */
const CATALOG = {
  documentKinds: Object.entries(SYSTEM_DOCUMENT_KINDS).map(([kind, label]) => ({ kind, zh: label.zh, en: label.en })),
  deviceTypes: Object.entries(DEVICE_TYPES).map(([type, label]) => ({ type, zh: label.zh, en: label.en })),
  lifecycle: lifecycleSteps(),
};

export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (app, { systems, compliance }) => {
  // Read-only: document kinds, device types, and every lifecycle move with the documents it needs (R11, D12).
  app.get('/api/v1/systems/catalog', { config: { access: 'compliance.read' }, schema: { response: responses } }, async () => CATALOG);

  app.get('/api/v1/systems', { config: { access: 'compliance.read' }, schema: { response: responses } }, async () => systems.list());

  app.post('/api/v1/systems', { config: { access: 'compliance.manage' }, schema: { body: NewSystem, response: responses } }, async (req, reply) =>
    reply.code(201).send(await systems.create(actorOf(req.subject), req.body)));

  app.get('/api/v1/systems/:id', { config: { access: 'compliance.read' }, schema: { params: Id, response: responses } }, async (req) => systems.get(req.params.id));

  app.patch('/api/v1/systems/:id', { config: { access: 'compliance.manage' }, schema: { params: Id, body: SystemPatch, response: responses } }, async (req) =>
    systems.update(actorOf(req.subject), req.params.id, req.body));

  // 10 MiB of file is ~13.4 MiB of base64.
  app.post('/api/v1/systems/:id/documents', { config: { access: 'compliance.manage' }, bodyLimit: 15 * 1024 * 1024, schema: { params: Id, body: NewDocument, response: responses } }, async (req, reply) => {
    const { file, ...rest } = req.body;
    if (file && !/^[A-Za-z0-9+/]*={0,2}$/.test(file.base64)) throw new ApiError('invalid_request', 'file.base64 is not base64', 'file');
    const document = await systems.addDocument(actorOf(req.subject), req.params.id, {
      ...rest,
      ...(file ? { file: { name: file.name, ...(file.type ? { type: file.type } : {}), bytes: Buffer.from(file.base64, 'base64') } } : {}),
    });
    return reply.code(201).send(document);
  });

  app.get('/api/v1/systems/:id/documents/:documentId/file', { config: { access: 'compliance.read' }, schema: { params: DocParams } }, async (req, reply) => {
    const file = await systems.documentFile(req.params.id, req.params.documentId);
    return reply
      .header('content-type', file.type)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
      .header('x-content-sha256', file.sha256)
      .send(file.bytes);
  });

  app.post('/api/v1/systems/:id/transitions', { config: { access: 'compliance.manage' }, schema: { params: Id, body: Transition, response: responses } }, async (req) =>
    systems.transition(actorOf(req.subject), req.params.id, req.body.to, {
      ...(req.body.note === undefined ? {} : { note: req.body.note }),
      ...(req.body.inUseSince === undefined ? {} : { inUseSince: req.body.inUseSince }),
    }));

  app.put('/api/v1/systems/:id/cameras', { config: { access: 'compliance.manage' }, schema: { params: Id, body: Members, response: responses } }, async (req) =>
    systems.setCameras(actorOf(req.subject), req.params.id, req.body.cameras));

  app.get('/api/v1/systems/:id/filing-status', { config: { access: 'compliance.read' }, schema: { params: Id, response: responses } }, async (req) =>
    compliance.filingStatus(req.params.id));
};
