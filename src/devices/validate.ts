// Validation of camera input: pure functions from untrusted values (HTTP bodies, CLI flags) to normalised, typed
// values, or a `DeviceError('invalid_camera', message, field)`. No I/O, no clock, no database.
//
// Messages never echo a URL or any part of it except its scheme: a rejected URL is still a camera address with
// credentials in it (R18, D6), and error messages end up in logs and HTTP responses.
import { validate as isUuid } from 'uuid';
import { DeviceError } from './errors.js';
import { REDACTED } from './credentials.js';
import { INSTALLATION_FIELDS, validateInstallation, type InstallationInput } from './installation.js';
import { PLACE_FIELDS, validatePlace, type PlaceInput } from './place.js';

export type StreamKind = 'main' | 'sub';
/**
 * Who speaks RTSP to a camera: 'default' follows the server's `ingest.rtspClient`; 'builtin' or 'ffmpeg' overrides it
 * for this camera (e.g. a field camera whose RTSP dialect the built-in client does not follow).
 */
export type RtspClientChoice = 'default' | 'builtin' | 'ffmpeg';
export const RTSP_CLIENT_CHOICES: readonly RtspClientChoice[] = ['default', 'builtin', 'ffmpeg'];
export const STREAM_KINDS: readonly StreamKind[] = ['main', 'sub'];
export const NAME_MAX_CHARS = 100;
export const URL_MAX_CHARS = 2048;
const URL_SCHEMES = ['rtsp', 'rtsps'];

interface NewCameraBase {
  name: string;
  /** The main stream's URL, with credentials if the camera needs them. Recorded. */
  url: string;
  /** The sub stream's URL (lower resolution, for live grids and H.264 viewing of H.265 cameras). */
  subUrl?: string | null;
  /** Default true. */
  enabled?: boolean;
  /** Record the sub stream as well as the main one. Default false; needs `subUrl`. */
  recordSub?: boolean;
  /** One of RTSP_CLIENT_CHOICES; default 'default' (the server's `ingest.rtspClient`). Checked, hence a string here. */
  rtspClient?: string;
  /** Where it is installed (issue 4): area type and place category codes of domain/, and free text. */
  areaType?: string | null;
  placeCategory?: string | null;
  site?: string | null;
  position?: string | null;
  necessity?: string | null;
  installingParty?: string | null;
}

/** Input of `CameraService.add`: the camera, its place (issue 4) and the R10 / D11 / S fields of its installation. */
export type NewCameraInput = NewCameraBase & InstallationInput;

/** Input of `CameraService.update`. Absent fields are kept; `subUrl: null` removes the sub stream. */
export type CameraPatch = CameraPatchBase & InstallationInput;

interface CameraPatchBase {
  name?: string;
  url?: string;
  subUrl?: string | null;
  enabled?: boolean;
  recordSub?: boolean;
  /** One of RTSP_CLIENT_CHOICES. */
  rtspClient?: string;
  areaType?: string | null;
  placeCategory?: string | null;
  site?: string | null;
  position?: string | null;
  necessity?: string | null;
  installingParty?: string | null;
}

export interface ValidNewCamera {
  name: string;
  url: string;
  subUrl: string | null;
  enabled: boolean;
  recordSub: boolean;
  rtspClient: RtspClientChoice;
  place: PlaceInput;
  installation: InstallationInput;
}

const NEW_CAMERA_FIELDS = ['name', 'url', 'subUrl', 'enabled', 'recordSub', 'rtspClient', ...PLACE_FIELDS, ...INSTALLATION_FIELDS];
const PATCH_FIELDS = NEW_CAMERA_FIELDS;

function invalid(field: string, message: string): DeviceError {
  return new DeviceError('invalid_camera', message, field);
}

/** A camera name: trimmed, NFC, 1–100 characters (code points), no control or line-separator characters. */
export function validateName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  const name = value.trim().normalize('NFC');
  if (name === '') throw invalid(field, `${field} must not be empty`);
  // Control characters would break log lines, CSV exports and the filing (备案) documents built from names.
  if (/[\p{Cc}\u2028\u2029]/u.test(name)) {
    throw invalid(field, `${field} must not contain control characters such as line breaks or tabs`);
  }
  const chars = [...name].length;
  if (chars > NAME_MAX_CHARS) throw invalid(field, `${field} must be at most ${NAME_MAX_CHARS} characters, got ${chars}`);
  return name;
}

/**
 * A stream URL: `rtsp://` or `rtsps://`, a host, a port in 1–65535 if given, no fragment. Returns the trimmed input
 * unchanged (not the WHATWG re-serialisation), since that exact string is what the camera expects.
 */
export function validateStreamUrl(value: unknown, field = 'url'): string {
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  const url = value.trim();
  if (url === '') throw invalid(field, `${field} must not be empty`);
  if (url.length > URL_MAX_CHARS) throw invalid(field, `${field} must be at most ${URL_MAX_CHARS} characters`);
  if (/[\s\p{Cc}]/u.test(url)) {
    throw invalid(field, `${field} must not contain spaces or control characters (percent-encode them, e.g. %20)`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) throw invalid(field, `${field} must start with rtsp:// or rtsps://`);
  if (!URL_SCHEMES.includes(scheme)) {
    const shown = scheme.length <= 16 ? `"${scheme}"` : 'another scheme';
    throw invalid(field, `${field} must use the rtsp or rtsps scheme, not ${shown}`);
  }
  if (!url.slice(scheme.length + 1).startsWith('//')) {
    throw invalid(field, `${field} must have the form ${scheme}://host[:port]/path`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const port = portOf(url.slice(scheme.length + 3));
    if (port !== undefined && (port < 1 || port > 65535)) throw invalid(field, `${field} port must be between 1 and 65535`);
    throw invalid(
      field,
      `${field} is not a valid URL (in a user name or password, percent-encode the characters @ : / ? # as %40 %3A %2F %3F %23)`,
    );
  }
  if (parsed.hostname === '') throw invalid(field, `${field} must name a host, as in ${scheme}://192.168.1.64:554/path`);
  if (parsed.port !== '' && Number(parsed.port) < 1) throw invalid(field, `${field} port must be between 1 and 65535`);
  if (parsed.hash !== '' || url.includes('#')) {
    throw invalid(field, `${field} must not contain a fragment ("#"); in a password, percent-encode "#" as %23`);
  }
  // The redacted form shown by the API, pasted back: saving it would replace the real credentials with "***".
  if (decoded(parsed.username) === REDACTED || decoded(parsed.password) === REDACTED) {
    throw invalid(field, `${field} contains the redaction marker ${REDACTED} instead of credentials: enter the user name and password, or leave them out`);
  }
  return url;
}

function decoded(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component; // a stray "%" is passed on as written; the camera decides
  }
}

/** The port written after the host of an authority that WHATWG URL rejected, to say "port out of range" precisely. */
function portOf(afterSlashes: string): number | undefined {
  const authority = afterSlashes.split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const digits = /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(hostPort)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

export function validateKind(value: unknown, field = 'kind'): StreamKind {
  if (value === 'main' || value === 'sub') return value;
  throw invalid(field, `${field} must be "main" or "sub"`);
}

export function validateFlag(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(field, `${field} must be true or false`);
  return value;
}

export function validateRtspClient(value: unknown, field = 'rtspClient'): RtspClientChoice {
  if (typeof value === 'string' && (RTSP_CLIENT_CHOICES as readonly string[]).includes(value)) return value as RtspClientChoice;
  throw invalid(field, `${field} must be one of ${RTSP_CLIENT_CHOICES.map((c) => `"${c}"`).join(', ')}`);
}

/** A camera id: any UUID (we issue v7), lower-cased so lookups match what we stored. */
export function validateCameraId(value: unknown, field = 'id'): string {
  if (typeof value !== 'string' || !isUuid(value)) {
    throw invalid(field, `camera ${field} must be a UUID such as 01932c07-8b2a-7c4e-9f10-3a5b6c7d8e9f`);
  }
  return value.toLowerCase();
}

function checkObject(input: unknown, what: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new DeviceError('invalid_camera', `${what} must be an object`);
  }
  const record = input as Record<string, unknown>;
  // A misspelt field (`recordsub`) silently ignored would leave the operator believing it was applied.
  const unknown = Object.keys(record).filter((k) => !allowed.includes(k) && record[k] !== undefined);
  const first = unknown[0];
  if (first !== undefined) {
    const shown = first.slice(0, 40).replace(/[^\w.-]/g, '?'); // a key is input too: keep log lines clean
    throw invalid(shown, `unknown field "${shown}"; allowed: ${allowed.join(', ')}`);
  }
  return record;
}

export function validateNewCamera(input: unknown): ValidNewCamera {
  const r = checkObject(input, 'camera', NEW_CAMERA_FIELDS);
  if (r.name === undefined) throw invalid('name', 'name is required');
  if (r.url === undefined) throw invalid('url', 'url is required');
  const camera: ValidNewCamera = {
    name: validateName(r.name),
    url: validateStreamUrl(r.url),
    subUrl: r.subUrl === undefined || r.subUrl === null ? null : validateStreamUrl(r.subUrl, 'subUrl'),
    enabled: r.enabled === undefined ? true : validateFlag(r.enabled, 'enabled'),
    recordSub: r.recordSub === undefined ? false : validateFlag(r.recordSub, 'recordSub'),
    rtspClient: r.rtspClient === undefined ? 'default' : validateRtspClient(r.rtspClient),
    place: validatePlace(r),
    installation: validateInstallation(r),
  };
  if (camera.recordSub && camera.subUrl === null) throw invalid('recordSub', 'recordSub needs a sub stream: give subUrl');
  return camera;
}

/** A checked patch: as given, with the RTSP client narrowed to a choice. */
export type ValidCameraPatch = Omit<CameraPatch, 'rtspClient'> & { rtspClient?: RtspClientChoice };

/** Checks a patch on its own; rules that need the stored camera (recordSub without a sub stream) are the service's. */
export function validateCameraPatch(input: unknown): ValidCameraPatch {
  const r = checkObject(input, 'camera update', PATCH_FIELDS);
  const patch: ValidCameraPatch = {};
  if (r.name !== undefined) patch.name = validateName(r.name);
  if (r.url !== undefined) patch.url = validateStreamUrl(r.url);
  if (r.subUrl === null) patch.subUrl = null;
  else if (r.subUrl !== undefined) patch.subUrl = validateStreamUrl(r.subUrl, 'subUrl');
  if (r.enabled !== undefined) patch.enabled = validateFlag(r.enabled, 'enabled');
  if (r.recordSub !== undefined) patch.recordSub = validateFlag(r.recordSub, 'recordSub');
  if (r.rtspClient !== undefined) patch.rtspClient = validateRtspClient(r.rtspClient);
  Object.assign(patch, validatePlace(r), validateInstallation(r));
  if (patch.subUrl === null && patch.recordSub === true) {
    throw invalid('recordSub', 'recordSub cannot be true while removing the sub stream (subUrl: null)');
  }
  return patch;
}
