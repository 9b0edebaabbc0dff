// The camera registry: add, change, remove and list cameras and their streams; hand the recorder the streams to ingest
// with their real URLs; tell in-process listeners when cameras change. Owns the public `Camera` shape, which never
// carries credentials (R18) — only redacted URLs, safe for permitted roles (D6).
//
// Must not touch: other modules' tables (it calls repo.ts, which queries only cameras/camera_streams), the file
// system, ffmpeg. The credential key and the clock are passed in (conventions §9).
// Transactions: each mutation is one repo call, atomic there; listeners run only after the commit, so a listener
// that reads back (the recorder reconciling) sees the change.
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../db/index.js';
import { credentialKey, openUrl, redactUrl, sealUrl, type CredentialKey } from './credentials.js';
import { DeviceError } from './errors.js';
import { screenPlace, type CameraPlace, type PlaceInput } from './place.js';
import * as repo from './repo.js';
import {
  validateCameraId,
  validateCameraPatch,
  validateNewCamera,
  type CameraPatch,
  type NewCameraInput,
  type StreamKind,
} from './validate.js';

/** A stream as the API shows it. `url` is redacted (`rtsp://***@host:554/path`). */
export interface CameraStream {
  id: string;
  kind: StreamKind;
  url: string;
  record: boolean;
}

export interface Camera {
  id: string;
  name: string;
  enabled: boolean;
  createdMs: number;
  updatedMs: number;
  /** Main first, then sub if the camera has one. */
  streams: CameraStream[];
  /** Where it is installed (issue 4), or null while not recorded. Confidential (D6): the API shows it to camera.locate. */
  place: CameraPlace | null;
}

export type CameraChangeEvent =
  | { type: 'added' | 'updated'; cameraId: string; camera: Camera }
  | { type: 'removed'; cameraId: string };
export type CameraChangeListener = (event: CameraChangeEvent) => void | Promise<void>;

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A stream of an enabled camera, with its opened URL, for the recorder only. Serialising or inspecting it (a log
 * line with `{ stream }`, an error report) shows the redacted URL: the real one must reach only the ffmpeg child (§3).
 */
export class IngestStream {
  constructor(
    readonly cameraId: string,
    readonly cameraName: string,
    readonly streamId: string,
    readonly kind: StreamKind,
    /** The full URL with credentials. Pass to ffmpeg; never log. */
    readonly url: string,
    readonly urlRedacted: string,
    readonly record: boolean,
  ) {}

  toJSON(): IngestStreamView {
    const { url: _url, ...safe } = this;
    return safe;
  }

  [INSPECT](): IngestStreamView {
    return this.toJSON();
  }
}

/** What an IngestStream shows when serialised or inspected: everything but the opened URL. */
export type IngestStreamView = Omit<IngestStream, 'url' | 'toJSON' | typeof INSPECT>;

/** A stream whose sealed URL cannot be opened (key replaced, value altered): the recorder reports it as failed. */
export interface UnreadableStream {
  cameraId: string;
  streamId: string;
  kind: StreamKind;
  urlRedacted: string;
  error: DeviceError;
}

export interface IngestPlan {
  streams: IngestStream[];
  unreadable: UnreadableStream[];
}

export interface CameraServiceDeps {
  db: Db;
  /** 32 bytes; see credentials.ts. */
  credentialKey: CredentialKey;
  /** Milliseconds since the Unix epoch, UTC. */
  clock: () => number;
  /** Where a failing change listener's error goes (default: console.error). The mutation itself has committed. */
  onListenerError?: (error: unknown, event: CameraChangeEvent) => void;
}

export class CameraService {
  readonly #db: Db;
  // Private (#) so that inspecting or serialising the service never prints the key.
  readonly #key: CredentialKey;
  readonly #clock: () => number;
  readonly #onListenerError: (error: unknown, event: CameraChangeEvent) => void;
  readonly #listeners = new Set<CameraChangeListener>();

  constructor(deps: CameraServiceDeps) {
    this.#db = deps.db;
    this.#key = credentialKey(deps.credentialKey); // a wrong key fails the start, not the first camera added
    this.#clock = deps.clock;
    this.#onListenerError =
      deps.onListenerError ??
      ((error, event) => console.error(`camera change listener failed on ${event.type} of camera ${event.cameraId}:`, error));
  }

  async add(input: NewCameraInput): Promise<Camera> {
    const valid = validateNewCamera(input);
    const now = this.#now();
    const id = uuidv7();
    const stream = (kind: StreamKind, url: string, record: boolean) => {
      const streamId = uuidv7();
      return {
        id: streamId,
        camera_id: id,
        kind,
        url_redacted: redactUrl(url),
        url_sealed: sealUrl(url, this.#key, streamId), // R18: never stored in clear
        record: record ? 1 : 0,
        created_ms: now,
        updated_ms: now,
      };
    };
    const camera = { id, name: valid.name, enabled: valid.enabled ? 1 : 0, created_ms: now, updated_ms: now };
    const streams = [stream('main', valid.url, true)];
    if (valid.subUrl !== null) streams.push(stream('sub', valid.subUrl, valid.recordSub));
    const place: repo.CameraRecord['place'] = Object.keys(valid.place).length > 0
      ? { ...EMPTY_PLACE, ...placeColumns(valid.place, null, valid.name), camera_id: id, updated_ms: now }
      : undefined;
    await repo.insertCamera(this.#db, camera, streams, place);
    const added = toCamera({ camera, streams, ...(place ? { place } : {}) });
    this.#emit({ type: 'added', cameraId: id, camera: added });
    return added;
  }

  /** Cameras in creation order; a page of them when `limit` is given (every list is paginated server-side). */
  async list(page: { limit?: number; offset?: number } = {}): Promise<Camera[]> {
    return (await repo.listCameras(this.#db, page)).map(toCamera);
  }

  async count(): Promise<number> {
    return repo.countCameras(this.#db);
  }

  async get(id: string): Promise<Camera> {
    const cameraId = validateCameraId(id);
    const record = await repo.getCamera(this.#db, cameraId);
    if (!record) throw notFound(cameraId);
    return toCamera(record);
  }

  /** Changes the given fields; `subUrl: null` removes the sub stream. An empty patch changes nothing. */
  async update(id: string, patch: CameraPatch): Promise<Camera> {
    const cameraId = validateCameraId(id);
    const valid = validateCameraPatch(patch);
    if (Object.keys(valid).length === 0) return this.get(cameraId);
    const now = this.#now();
    const record = await repo.updateCamera(this.#db, cameraId, (current) => {
      const hasSub = current.streams.some((s) => s.kind === 'sub');
      if (valid.recordSub === true && valid.subUrl === undefined && !hasSub) {
        throw new DeviceError('invalid_camera', 'recordSub needs a sub stream: this camera has none, give subUrl', 'recordSub');
      }
      const streams: NonNullable<repo.CameraChanges['streams']> = {};
      if (valid.url !== undefined) streams.main = { url: this.#sealer(valid.url), newId: uuidv7() };
      if (valid.subUrl === null) streams.sub = null;
      else if (valid.subUrl !== undefined || (valid.recordSub !== undefined && hasSub)) {
        streams.sub = {
          ...(valid.subUrl === undefined ? {} : { url: this.#sealer(valid.subUrl) }),
          ...(valid.recordSub === undefined ? {} : { record: valid.recordSub }),
          newId: uuidv7(),
        };
      }
      const placeInput = pickPlace(valid);
      const place = Object.keys(placeInput).length > 0 || (valid.name !== undefined && current.place)
        ? placeColumns(placeInput, current.place ?? null, valid.name ?? current.camera.name)
        : undefined;
      return { updatedMs: now, name: valid.name, enabled: valid.enabled, streams, ...(place ? { place } : {}) };
    });
    if (!record) throw notFound(cameraId);
    const updated = toCamera(record);
    this.#emit({ type: 'updated', cameraId, camera: updated });
    return updated;
  }

  /** Removes a camera and its streams. Its recordings stay, under their own retention (R17). */
  async remove(id: string): Promise<void> {
    const cameraId = validateCameraId(id);
    if (!(await repo.deleteCamera(this.#db, cameraId))) throw notFound(cameraId);
    this.#emit({ type: 'removed', cameraId });
  }

  /**
   * Every stream of every enabled camera with its opened URL, for the recorder only. A stream whose URL cannot be
   * opened is listed in `unreadable` rather than failing the whole plan, so one damaged row does not stop recording
   * of all the other cameras.
   */
  async streamsToIngest(): Promise<IngestPlan> {
    const plan: IngestPlan = { streams: [], unreadable: [] };
    for (const { camera, streams } of await repo.listCameras(this.#db, { enabledOnly: true })) {
      for (const s of streams) {
        try {
          const url = openUrl(s.url_sealed, this.#key, s.id);
          plan.streams.push(new IngestStream(camera.id, camera.name, s.id, s.kind, url, s.url_redacted, s.record !== 0));
        } catch (error) {
          if (!(error instanceof DeviceError)) throw error;
          plan.unreadable.push({ cameraId: camera.id, streamId: s.id, kind: s.kind, urlRedacted: s.url_redacted, error });
        }
      }
    }
    return plan;
  }

  /** Calls `listener` after every committed add, update and remove in this process. Returns the unsubscribe. */
  onChange(listener: CameraChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #sealer(url: string): { redacted: string; seal(streamId: string): string } {
    return { redacted: redactUrl(url), seal: (streamId) => sealUrl(url, this.#key, streamId) };
  }

  #now(): number {
    const now = Math.floor(this.#clock());
    if (!Number.isSafeInteger(now) || now < 0) throw new Error(`clock returned ${now}, not milliseconds since the epoch`);
    return now;
  }

  #emit(event: CameraChangeEvent): void {
    // A listener's failure must not turn a committed change into an error for the caller who made it.
    for (const listener of [...this.#listeners]) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.#onListenerError(error, event));
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}

const EMPTY_PLACE = { area_type: null, place_category: null, site: null, position: null, necessity: null, installing_party: null, review: null };

/** The place fields of a validated add or patch. */
function pickPlace(input: PlaceInput): PlaceInput {
  const out: PlaceInput = {};
  for (const k of ['areaType', 'placeCategory', 'site', 'position', 'necessity', 'installingParty'] as const) {
    if (input[k] !== undefined) out[k] = input[k];
  }
  return out;
}

/** Place columns for a change, with the R8.1 screening of the texts that say where the camera is, re-run on the result. */
function placeColumns(input: PlaceInput, current: repo.CameraRecord['place'] | null, name: string): repo.PlaceChange {
  const change: repo.PlaceChange = {};
  if (input.areaType !== undefined) change.area_type = input.areaType;
  if (input.placeCategory !== undefined) change.place_category = input.placeCategory;
  if (input.site !== undefined) change.site = input.site;
  if (input.position !== undefined) change.position = input.position;
  if (input.necessity !== undefined) change.necessity = input.necessity;
  if (input.installingParty !== undefined) change.installing_party = input.installingParty;
  const site = change.site !== undefined ? change.site : (current?.site ?? null);
  const position = change.position !== undefined ? change.position : (current?.position ?? null);
  const review = screenPlace({ name, site, position });
  change.review = review.length > 0 ? JSON.stringify(review) : null;
  return change;
}

function toPlace(place: repo.CameraRecord['place']): CameraPlace | null {
  if (!place) return null;
  return {
    areaType: place.area_type,
    placeCategory: place.place_category,
    site: place.site,
    position: place.position,
    necessity: place.necessity,
    installingParty: place.installing_party,
    review: place.review ? (JSON.parse(place.review) as CameraPlace['review']) : [],
  };
}

function toCamera({ camera, streams, place }: repo.CameraRecord): Camera {
  return {
    place: toPlace(place),
    id: camera.id,
    name: camera.name,
    enabled: camera.enabled !== 0,
    createdMs: camera.created_ms,
    updatedMs: camera.updated_ms,
    streams: [...streams]
      .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'main' ? -1 : 1))
      .map((s) => ({ id: s.id, kind: s.kind, url: s.url_redacted, record: s.record !== 0 })),
  };
}

function notFound(id: string): DeviceError {
  return new DeviceError('camera_not_found', `camera ${id} not found`, 'id');
}
