// The camera registry: add, change, remove and list cameras and their streams; hand the recorder the streams to ingest
// with their real URLs; tell in-process listeners when cameras change. Owns the public `Camera` shape, which never
// carries credentials (R18) — only redacted URLs, safe for permitted roles (D6).
//
// Must not touch: other modules' tables (it calls repo.ts, which queries only cameras/camera_streams), the file
// system, ffmpeg. The credential key and the clock are passed in (conventions §9).
// Transactions: each mutation is one repo call, atomic there; listeners run only after the commit, so a listener
// that reads back (the recorder reconciling) sees the change.
import { v7 as uuidv7 } from 'uuid';
import type { CameraRow, Db } from '../db/index.js';
import { credentialKey, openUrl, redactUrl, sealUrl, type CredentialKey } from './credentials.js';
import { DeviceError } from './errors.js';
import type { InstallationRecord, PrivacyMask, SignageRecord } from '../domain/index.js';
import { activationRefusal, validateMaskInput } from './installation.js';
import type { CameraPlace, PlaceReviewClearance } from './place.js';
import {
  activationRecord, EMPTY_PLACE, installationRecordOf, masksOf, pickPlace, placeColumns, placeReviewColumn, signageRecordOf, toPlace,
  toSignage,
} from './records.js';
import * as repo from './repo.js';
import { checkPhoto, validateSignage, type Signage, type SignagePhotoType } from './signage.js';
import {
  validateCameraId,
  validateCameraPatch,
  validateNewCamera,
  type CameraPatch,
  type NewCameraInput,
  type RtspClientChoice,
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
  /** Who speaks RTSP to it: 'default' follows the server's `ingest.rtspClient` (the stream status says who does). */
  rtspClient: RtspClientChoice;
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
    /** Masks to burn into the recording (R13, D11): the ingest then re-encodes instead of copying. Empty: copy. */
    readonly burnInMasks: readonly PrivacyMask[] = [],
    /** This camera's RTSP client, overriding the server's default; undefined: the default. */
    readonly rtspClient?: NonNullable<CameraRow['rtsp_client']>,
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
  /** Enabled cameras that fail the activation rule (R10, D11): not ingested, with the refusal. */
  refused: { cameraId: string; error: DeviceError }[];
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
  // The recorder asks for its plan every few seconds (and on every change): each stream's URL is opened (GCM) once
  // per sealed value, not per ask. Keyed by stream id; a re-sealed URL (new nonce) misses and replaces its entry.
  // The opened URLs are the ones the recorder holds for its ffmpeg children anyway.
  readonly #opened = new Map<string, { sealed: string; url: string }>();

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
    const camera = {
      id, name: valid.name, enabled: valid.enabled ? 1 : 0, created_ms: now, updated_ms: now, rtsp_client: rtspClientColumn(valid.rtspClient),
    };
    const streams = [stream('main', valid.url, true)];
    if (valid.subUrl !== null) streams.push(stream('sub', valid.subUrl, valid.recordSub));
    const placeInput = { ...valid.place, ...valid.installation };
    const place: repo.CameraRecord['place'] = Object.keys(placeInput).length > 0
      ? { ...EMPTY_PLACE, ...placeColumns(placeInput, null, valid.name), camera_id: id, updated_ms: now }
      : undefined;
    // R10 / D11: an enabled camera must pass the activation rule; a new camera has no masks yet.
    if (valid.enabled) {
      const refusal = activationRefusal(activationRecord(id, place, 0));
      if (refusal) throw refusal;
    }
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
      // R10 / D11: the camera as it will be, if it will be enabled, must pass the activation rule.
      if (valid.enabled ?? current.camera.enabled !== 0) {
        const refusal = activationRefusal(activationRecord(cameraId, { ...(current.place ?? {}), ...(place ?? {}) }, masksOf(current).length));
        if (refusal) throw refusal;
      }
      return {
        updatedMs: now, name: valid.name, enabled: valid.enabled, streams, ...(place ? { place } : {}),
        ...(valid.rtspClient === undefined ? {} : { rtspClient: rtspClientColumn(valid.rtspClient) }),
      };
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
    const plan: IngestPlan = { streams: [], unreadable: [], refused: [] };
    for (const record of await repo.listCameras(this.#db, { enabledOnly: true })) {
      const { camera, streams } = record;
      const masks = masksOf(record);
      // Enabled rows that fail R10 / D11 (set before the rule existed, or written around the service) are not ingested.
      const refusal = activationRefusal(activationRecord(camera.id, record.place, masks.length));
      if (refusal) {
        plan.refused.push({ cameraId: camera.id, error: refusal });
        continue;
      }
      const burn = masks.filter((m) => m.burnRecording);
      for (const s of streams) {
        try {
          const url = this.#openUrl(s.id, s.url_sealed);
          plan.streams.push(new IngestStream(camera.id, camera.name, s.id, s.kind, url, s.url_redacted, s.record !== 0, burn, camera.rtsp_client ?? undefined));
        } catch (error) {
          if (!(error instanceof DeviceError)) throw error;
          plan.unreadable.push({ cameraId: camera.id, streamId: s.id, kind: s.kind, urlRedacted: s.url_redacted, error });
        }
      }
    }
    // Streams no longer planned (removed, disabled, refused) keep no opened URL here.
    const planned = new Set(plan.streams.map((s) => s.streamId));
    for (const id of this.#opened.keys()) if (!planned.has(id)) this.#opened.delete(id);
    return plan;
  }

  #openUrl(streamId: string, sealed: string): string {
    const hit = this.#opened.get(streamId);
    if (hit?.sealed === sealed) return hit.url;
    this.#opened.delete(streamId); // a value that no longer opens leaves no old URL behind
    const url = openUrl(sealed, this.#key, streamId);
    this.#opened.set(streamId, { sealed, url });
    return url;
  }

  /** The privacy masks of a camera (R13, D11), drawn at display always, burned in where each says. */
  async masks(id: string): Promise<PrivacyMask[]> {
    return masksOf(await this.#record(id));
  }

  /**
   * Replaces a camera's masks. Refused with D11 when it would leave an enabled residence-facing camera unmasked.
   * A change of recording burn-in restarts that camera's ingest (listeners see an 'updated' event).
   */
  async setMasks(id: string, input: unknown): Promise<PrivacyMask[]> {
    const cameraId = validateCameraId(id);
    const masks = validateMaskInput(input);
    const now = this.#now();
    const record = await repo.replaceMasks(this.#db, cameraId, (current) => {
      if (current.camera.enabled !== 0) {
        const refusal = activationRefusal(activationRecord(cameraId, current.place, masks.length));
        if (refusal) throw refusal;
      }
      return { polygons: JSON.stringify(masks), updatedMs: now };
    });
    if (!record) throw notFound(cameraId);
    this.#emit({ type: 'updated', cameraId, camera: toCamera(record) });
    return masksOf(record);
  }

  /**
   * A person's review of the camera's screening hits (R8.1): they confirm the mention is not a forbidden place. Kept
   * with the texts they read; the checker's `place_text_flagged` is cleared until any of those texts changes.
   */
  async clearPlaceReview(id: string, input: unknown, by: PlaceReviewClearance['by']): Promise<CameraPlace> {
    const cameraId = validateCameraId(id);
    const note = typeof input === 'object' && input !== null ? (input as { note?: unknown }).note : undefined;
    if (typeof note !== 'string' || note.trim().length === 0 || note.trim().length > 500) {
      throw new DeviceError('invalid_camera', 'note must say, in 1 to 500 characters, why the flagged text is not a forbidden place (R8.1)', 'note');
    }
    const now = this.#now();
    const record = await repo.updateCamera(this.#db, cameraId, (current) => ({
      updatedMs: now, place: { review_cleared: placeReviewColumn(current, note.trim().normalize('NFC'), by, now) },
    }));
    if (!record) throw notFound(cameraId);
    return toPlace(record.place)!;
  }

  /** Records a sign (R13) for a camera; `recordedBy` is who recorded it (a username, or null from the CLI). */
  async addSignage(id: string, input: unknown, recordedBy: string | null): Promise<Signage> {
    const cameraId = validateCameraId(id);
    const valid = validateSignage(input);
    const now = this.#now();
    const row = {
      id: uuidv7(), camera_id: cameraId, text: valid.text, installed_ms: valid.installedMs, photo: null, photo_type: null,
      photo_sha256: null, photo_bytes: null, recorded_by: recordedBy, created_ms: now, updated_ms: now,
    };
    if (!(await repo.insertSignage(this.#db, row))) throw notFound(cameraId);
    return toSignage(row);
  }

  async listSignage(id: string): Promise<Signage[]> {
    const cameraId = validateCameraId(id);
    await this.#record(cameraId);
    return (await repo.listSignage(this.#db, cameraId)).map(toSignage);
  }

  /** Attaches (or replaces) the photo of a sign: JPEG or PNG by magic bytes, ≤ 5 MiB, kept with its SHA-256. */
  async setSignagePhoto(id: string, signageId: string, bytes: Uint8Array): Promise<Signage> {
    const cameraId = validateCameraId(id);
    const sid = validateCameraId(signageId, 'signageId');
    const { type, sha256 } = checkPhoto(bytes);
    const row = await repo.setSignagePhoto(this.#db, cameraId, sid, { bytes: Buffer.from(bytes), type, sha256 }, this.#now());
    if (!row) throw signageNotFound(sid);
    return toSignage(row);
  }

  async signagePhoto(id: string, signageId: string): Promise<{ bytes: Buffer; type: SignagePhotoType; sha256: string }> {
    const cameraId = validateCameraId(id);
    const sid = validateCameraId(signageId, 'signageId');
    const row = await repo.getSignagePhoto(this.#db, cameraId, sid);
    if (!row) throw signageNotFound(sid);
    if (!row.photo || !row.photo_type || !row.photo_sha256) throw new DeviceError('photo_not_found', `signage ${sid} has no photo`, 'signageId');
    return { bytes: Buffer.from(row.photo), type: row.photo_type as SignagePhotoType, sha256: row.photo_sha256 };
  }

  async removeSignage(id: string, signageId: string): Promise<void> {
    const cameraId = validateCameraId(id);
    const sid = validateCameraId(signageId, 'signageId');
    if (!(await repo.deleteSignage(this.#db, cameraId, sid))) throw signageNotFound(sid);
  }

  /** Facts for the compliance checker: the installation record of every camera that has its place recorded. */
  async installationRecords(): Promise<InstallationRecord[]> {
    return (await repo.listCameras(this.#db)).flatMap((r) => installationRecordOf(r) ?? []);
  }

  /** Facts for the compliance checker (R13): every signage record. */
  async signageRecords(): Promise<SignageRecord[]> {
    return (await repo.listSignage(this.#db)).map(signageRecordOf);
  }

  async #record(id: string): Promise<repo.CameraRecord> {
    const cameraId = validateCameraId(id);
    const record = await repo.getCamera(this.#db, cameraId);
    if (!record) throw notFound(cameraId);
    return record;
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

function toCamera({ camera, streams, place }: repo.CameraRecord): Camera {
  return {
    place: toPlace(place),
    id: camera.id,
    name: camera.name,
    enabled: camera.enabled !== 0,
    rtspClient: camera.rtsp_client ?? 'default',
    createdMs: camera.created_ms,
    updatedMs: camera.updated_ms,
    streams: [...streams]
      .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'main' ? -1 : 1))
      .map((s) => ({ id: s.id, kind: s.kind, url: s.url_redacted, record: s.record !== 0 })),
  };
}

/** 'default' is stored as null, so a later change of the server's default applies to the camera. */
function rtspClientColumn(choice: RtspClientChoice): CameraRow['rtsp_client'] {
  return choice === 'default' ? null : choice;
}

function signageNotFound(id: string): DeviceError {
  return new DeviceError('signage_not_found', `signage ${id} not found for this camera`, 'signageId');
}

function notFound(id: string): DeviceError {
  return new DeviceError('camera_not_found', `camera ${id} not found`, 'id');
}
