// Systems (R11, D12–D14): a system groups cameras of the management unit at one location and moves through its
// lifecycle designed → built → inspected → accepted → in_use → changed → retired (rules in domain/), with its
// archive documents (design, contracts, firms and technicians, inspection and acceptance reports …) kept with their
// bytes and SHA-256 in the index database — no file-system storage. Each camera belongs to at most one system, with
// the capture-device type the filing counts (R14). Every change goes to the system log with who made it.
//
// Must not touch: other modules' tables (systems-repo.ts queries only devices/ tables), the file system. The clock
// and the system log are passed in (conventions §9). Listeners run after the commit (the recorder re-plans, D12).
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { SystemActor, SystemEventRecorder } from '../access/index.js';
import type { Db } from '../db/index.js';
import {
  checkTransition,
  declaredInUseSince,
  inUseSinceAfter,
  isDeviceType,
  isSystemDocumentKind,
  lifecycleAllowsRecording,
  SYSTEM_LIFECYCLE,
  type DeviceType,
  type SystemDocumentKind,
  type SystemLifecycle,
} from '../domain/index.js';
import { SystemError } from './systems-errors.js';
import * as repo from './systems-repo.js';

/** A document file is kept in the database: at most 10 MiB. */
export const DOCUMENT_MAX_BYTES = 10 * 1024 * 1024;
const TEXT_MAX = 500;

export interface SystemDocument {
  id: string;
  kind: SystemDocumentKind;
  title: string;
  parties: { name: string; role: string }[];
  /** The document's own date, YYYY-MM-DD. */
  date: string;
  file: { name: string; type: string; sha256: string; sizeBytes: number } | null;
  addedMs: number;
  addedBy: string;
}

export interface SystemMember {
  cameraId: string;
  deviceType: DeviceType;
}

export interface SystemTransition {
  from: SystemLifecycle;
  to: SystemLifecycle;
  atMs: number;
  actor: string;
  note: string;
}

export interface VideoSystem {
  id: string;
  name: string;
  location: string;
  lifecycle: SystemLifecycle;
  stateSinceMs: number;
  /** R14: when it went into use; null until then. */
  inUseSinceMs: number | null;
  /** D12: its cameras record and may be viewed. */
  recordingAllowed: boolean;
  createdMs: number;
  updatedMs: number;
  cameras: SystemMember[];
  documents: SystemDocument[];
  transitions: SystemTransition[];
}

export interface NewDocumentInput {
  kind: string;
  title: string;
  parties?: { name: string; role: string }[];
  date: string;
  file?: { name: string; type?: string; bytes: Buffer };
}

export type SystemChangeListener = (event: { type: 'created' | 'changed' | 'transitioned' | 'cameras'; systemId: string }) => void;

export interface SystemServiceDeps {
  db: Db;
  clock: () => number;
  /** The system log (audit/), for every change. */
  events: SystemEventRecorder;
  onListenerError?: (error: unknown) => void;
}

/** Who acts: a signed-in account, or null for the local CLI (recorded as such). */
export type Actor = SystemActor | null;

export class SystemService {
  readonly #listeners = new Set<SystemChangeListener>();

  constructor(private readonly deps: SystemServiceDeps) {}

  async create(actor: Actor, input: { name: string; location: string }, via?: string): Promise<VideoSystem> {
    const name = text(input.name, 'name', 200);
    const location = text(input.location, 'location', TEXT_MAX);
    const now = this.#now();
    const id = uuidv7();
    await repo.insertSystem(this.deps.db, {
      id, name, location, lifecycle: 'designed', state_since_ms: now, in_use_since_ms: null, created_ms: now, updated_ms: now,
    });
    await this.#log(actor, 'system.created', id, { name, location, lifecycle: 'designed' }, via);
    this.#emit({ type: 'created', systemId: id });
    return this.get(id);
  }

  async list(): Promise<VideoSystem[]> {
    const rows = await repo.listSystems(this.deps.db);
    return Promise.all(rows.map((row) => this.#view(row)));
  }

  async get(id: string): Promise<VideoSystem> {
    const row = await repo.getSystem(this.deps.db, checkId(id));
    if (!row) throw notFound(id);
    return this.#view(row);
  }

  /** Name or location. A new location is a filed fact: the filing becomes stale (R14). */
  async update(actor: Actor, id: string, patch: { name?: string; location?: string }, via?: string): Promise<VideoSystem> {
    const current = await this.get(id);
    if (current.lifecycle === 'retired') throw retired(current.id);
    const change: { name?: string; location?: string; updated_ms: number } = { updated_ms: this.#now() };
    if (patch.name !== undefined) change.name = text(patch.name, 'name', 200);
    if (patch.location !== undefined) change.location = text(patch.location, 'location', TEXT_MAX);
    const outcome = await repo.updateSystem(this.deps.db, current.id, change);
    if (outcome === 'retired') throw retired(current.id); // retired since it was read
    if (outcome === 'not_found') throw notFound(current.id);
    await this.#log(actor, 'system.changed', current.id, { fields: Object.keys(patch).sort(), ...patch }, via);
    this.#emit({ type: 'changed', systemId: current.id });
    return this.get(current.id);
  }

  async addDocument(actor: Actor, systemId: string, input: NewDocumentInput, via?: string): Promise<SystemDocument> {
    const system = await this.get(systemId);
    if (system.lifecycle === 'retired') throw retired(system.id);
    if (!isSystemDocumentKind(input.kind)) {
      throw new SystemError('invalid_system', `unknown document kind "${String(input.kind).slice(0, 40)}" (see docs/compliance.md)`, 'kind');
    }
    const title = text(input.title, 'title', TEXT_MAX);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date) || Number.isNaN(Date.parse(`${input.date}T00:00:00Z`))) {
      throw new SystemError('invalid_system', 'date must be a calendar day YYYY-MM-DD', 'date');
    }
    const parties = (input.parties ?? []).map((p, i) => ({ name: text(p.name, `parties[${i}].name`, 200), role: text(p.role, `parties[${i}].role`, 200) }));
    if (parties.length > 100) throw new SystemError('invalid_system', 'at most 100 parties per document', 'parties');
    let file: { name: string; type: string; bytes: Buffer; sha256: string } | null = null;
    if (input.file) {
      if (input.file.bytes.length > DOCUMENT_MAX_BYTES) {
        throw new SystemError('document_too_large', `the file is ${input.file.bytes.length} bytes; at most ${DOCUMENT_MAX_BYTES} (10 MiB) are kept`, 'file');
      }
      if (input.file.bytes.length === 0) throw new SystemError('invalid_system', 'the file is empty', 'file');
      file = {
        name: text(input.file.name, 'file.name', 255),
        type: input.file.type?.trim() || 'application/octet-stream',
        bytes: input.file.bytes,
        sha256: createHash('sha256').update(input.file.bytes).digest('hex'),
      };
    }
    const id = uuidv7();
    const now = this.#now();
    const outcome = await repo.insertDocument(this.deps.db, {
      id, system_id: system.id, kind: input.kind, title, parties: JSON.stringify(parties), document_date: input.date,
      file_name: file?.name ?? null, file_type: file?.type ?? null, file_bytes: file?.bytes ?? null, file_sha256: file?.sha256 ?? null,
      file_size_bytes: file?.bytes.length ?? null, added_ms: now, added_by: actorName(actor),
    });
    if (outcome === 'retired') throw retired(system.id); // retired since it was read
    if (outcome === 'not_found') throw notFound(system.id);
    await this.#log(actor, 'system.document_added', system.id, {
      documentId: id, kind: input.kind, title, date: input.date, parties: parties.length, sha256: file?.sha256 ?? null, sizeBytes: file?.bytes.length ?? null,
    }, via);
    return (await this.get(system.id)).documents.find((d) => d.id === id)!;
  }

  /** A document's file, to download: bytes and the hash they were stored with (checked on the way out). */
  async documentFile(systemId: string, documentId: string): Promise<{ name: string; type: string; sha256: string; bytes: Buffer }> {
    const row = await repo.getDocumentFile(this.deps.db, checkId(systemId), checkId(documentId, 'documentId'));
    if (!row || !row.file_bytes) throw new SystemError('system_document_not_found', `system ${systemId} has no document file ${documentId}`, 'documentId');
    const bytes = Buffer.from(row.file_bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== row.file_sha256) throw new Error(`document ${documentId}: stored bytes do not match their SHA-256`);
    return { name: row.file_name ?? 'document', type: row.file_type ?? 'application/octet-stream', sha256, bytes };
  }

  /** A lifecycle move; refused with the article when the lifecycle forbids it or a required document is missing. */
  /**
   * `inUseSince` (a CST day) declares when a system brought into Vigil already went into use (R14's basis; see
   * declaredInUseSince); otherwise the first move to in_use is the day it went into use.
   */
  async transition(actor: Actor, id: string, to: string, input: { note?: string; inUseSince?: string } = {}, via?: string): Promise<VideoSystem> {
    if (!(SYSTEM_LIFECYCLE as readonly string[]).includes(to)) {
      throw new SystemError('invalid_system', `unknown lifecycle state "${String(to).slice(0, 40)}"; one of ${SYSTEM_LIFECYCLE.join(', ')}`, 'to');
    }
    const target = to as SystemLifecycle;
    const note = input.note === undefined ? '' : text(input.note, 'note', TEXT_MAX, true);
    const now = this.#now();
    let from: SystemLifecycle = 'designed';
    const row = await repo.transitionSystem(this.deps.db, checkId(id), (system, documents) => {
      from = system.lifecycle as SystemLifecycle;
      const check = checkTransition({
        from, to: target, enteredMs: system.state_since_ms,
        documents: documents.filter((d) => isSystemDocumentKind(d.kind)).map((d) => ({ kind: d.kind as SystemDocumentKind, addedMs: d.added_ms })),
      });
      if (!check.ok) throw new SystemError(check.error, check.message, check.error === 'system_document_missing' ? 'documents' : 'to', check.article);
      let inUseSinceMs = inUseSinceAfter({ to: target, atMs: now, previousInUseSinceMs: system.in_use_since_ms });
      if (input.inUseSince !== undefined) {
        const declared = declaredInUseSince({ to: target, day: input.inUseSince, note, previousInUseSinceMs: system.in_use_since_ms, nowMs: now });
        if (!declared.ok) throw new SystemError(declared.error, declared.message, declared.field, declared.article);
        inUseSinceMs = declared.inUseSinceMs;
      }
      return {
        system: { lifecycle: target, state_since_ms: now, updated_ms: now, in_use_since_ms: inUseSinceMs },
        transition: { id: uuidv7(), system_id: system.id, from_state: from, to_state: target, at_ms: now, actor: actorName(actor), note },
      };
    });
    if (!row) throw notFound(id);
    const declared = input.inUseSince === undefined ? {} : { inUseSince: input.inUseSince };
    await this.#log(actor, 'system.transitioned', row.id, { from, to: target, note, ...declared }, via);
    this.#emit({ type: 'transitioned', systemId: row.id });
    return this.#view(row);
  }

  /** Replaces the system's cameras and their device types. A camera in another system is refused (at most one). */
  async setCameras(actor: Actor, id: string, members: { cameraId: string; deviceType: string }[], via?: string): Promise<VideoSystem> {
    const now = this.#now();
    const seen = new Set<string>();
    const rows = members.map((m, i) => {
      const cameraId = checkId(m.cameraId, `cameras[${i}].cameraId`);
      if (seen.has(cameraId)) throw new SystemError('invalid_system', `camera ${cameraId} is listed twice`, `cameras[${i}].cameraId`);
      seen.add(cameraId);
      if (!isDeviceType(m.deviceType)) {
        throw new SystemError('invalid_system', `unknown device type "${String(m.deviceType).slice(0, 40)}" (bullet, dome, ptz, fisheye, panoramic, checkpoint, other)`, `cameras[${i}].deviceType`);
      }
      return { camera_id: cameraId, system_id: id, device_type: m.deviceType, updated_ms: now };
    });
    const result = await repo.setSystemCameras(this.deps.db, checkId(id), rows, (system) => {
      if (system.lifecycle === 'retired') throw retired(system.id);
    });
    if (result === 'not_found') throw notFound(id);
    if ('missing' in result) {
      if (result.missing.length) throw new SystemError('invalid_system', `no camera ${result.missing.join(', ')}`, 'cameras');
      const [first] = result.elsewhere;
      throw new SystemError('camera_in_other_system', `camera ${first!.cameraId} already belongs to system ${first!.systemId}; remove it there first`, 'cameras');
    }
    const cameras = result.rows.map((r) => ({ cameraId: r.camera_id, deviceType: r.device_type }));
    const fromRetired = result.fromRetired.length > 0 ? { fromRetiredSystems: result.fromRetired } : {};
    await this.#log(actor, 'system.cameras_set', id, { cameras, ...fromRetired }, via);
    this.#emit({ type: 'cameras', systemId: id });
    return this.get(id);
  }

  /** Each camera in a system, with that system's lifecycle (cameras in no system are absent). */
  async membership(cameraIds?: string[]): Promise<Map<string, { systemId: string; lifecycle: SystemLifecycle; deviceType: DeviceType }>> {
    const rows = await repo.membership(this.deps.db, cameraIds);
    return new Map(rows.map((r) => [r.camera_id, { systemId: r.system_id, lifecycle: r.lifecycle as SystemLifecycle, deviceType: r.device_type as DeviceType }]));
  }

  /**
   * D12: throws `system_not_accepted` if the camera belongs to a system that has not passed acceptance (or is
   * retired). A camera in no system passes (legacy; the checker reports it, R11).
   */
  async assertViewable(cameraId: string): Promise<void> {
    const member = (await this.membership([cameraId])).get(cameraId);
    if (member && !lifecycleAllowsRecording(member.lifecycle)) {
      throw new SystemError(
        'system_not_accepted',
        `D12: camera ${cameraId} belongs to system ${member.systemId}, which is ${member.lifecycle}: video of a system that has not passed acceptance is neither recorded nor shown`,
        'id',
        'D12',
      );
    }
  }

  onChange(listener: SystemChangeListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  async #view(row: Awaited<ReturnType<typeof repo.getSystem>> & object): Promise<VideoSystem> {
    const [documents, members, transitions] = await Promise.all([
      repo.listDocuments(this.deps.db, row.id),
      repo.listMembers(this.deps.db, row.id),
      repo.listTransitions(this.deps.db, row.id),
    ]);
    const lifecycle = row.lifecycle as SystemLifecycle;
    return {
      id: row.id,
      name: row.name,
      location: row.location,
      lifecycle,
      stateSinceMs: row.state_since_ms,
      inUseSinceMs: row.in_use_since_ms,
      recordingAllowed: lifecycleAllowsRecording(lifecycle),
      createdMs: row.created_ms,
      updatedMs: row.updated_ms,
      cameras: members.map((m) => ({ cameraId: m.camera_id, deviceType: m.device_type as DeviceType })),
      documents: documents.map((d) => ({
        id: d.id,
        kind: d.kind as SystemDocumentKind,
        title: d.title,
        parties: JSON.parse(d.parties) as { name: string; role: string }[],
        date: d.document_date,
        file: d.file_sha256 === null ? null : { name: d.file_name ?? '', type: d.file_type ?? '', sha256: d.file_sha256, sizeBytes: d.file_size_bytes ?? 0 },
        addedMs: d.added_ms,
        addedBy: d.added_by,
      })),
      transitions: transitions.map((t) => ({ from: t.from_state as SystemLifecycle, to: t.to_state as SystemLifecycle, atMs: t.at_ms, actor: t.actor, note: t.note })),
    };
  }

  #log(actor: Actor, event: string, target: string, details: Record<string, unknown>, via?: string): Promise<unknown> {
    return this.deps.events.recordEvent({ actor, event, target, details: via ? { ...details, via } : details, clientAddr: null });
  }

  #emit(event: Parameters<SystemChangeListener>[0]): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        (this.deps.onListenerError ?? console.error)(error);
      }
    }
  }

  #now(): number {
    return Math.floor(this.deps.clock());
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkId(id: string, field = 'id'): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw new SystemError('invalid_system', `${field} must be a UUID`, field);
  return id.toLowerCase();
}

function text(value: unknown, field: string, max: number, allowEmpty = false): string {
  if (typeof value !== 'string') throw new SystemError('invalid_system', `${field} must be text`, field);
  const trimmed = value.trim();
  if (!allowEmpty && trimmed === '') throw new SystemError('invalid_system', `${field} is required`, field);
  if (trimmed.length > max) throw new SystemError('invalid_system', `${field} is longer than ${max} characters`, field);
  return trimmed;
}

function actorName(actor: Actor): string {
  return actor ? `${actor.displayName} (${actor.username})` : 'cli';
}

function notFound(id: string): SystemError {
  return new SystemError('system_not_found', `system ${String(id).slice(0, 40)} not found`, 'id');
}

function retired(id: string): SystemError {
  return new SystemError('system_retired', `system ${id} is retired: a retired system is final (R11 archive kept as it was)`, 'id');
}
