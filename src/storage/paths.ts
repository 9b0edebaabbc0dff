// Segment file paths (storage invariant 6): built from ids and numbers only — never from user strings — and checked
// to resolve inside the store root. Pure: no I/O.
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** What names a segment file: the camera, the run and the segment's position in it, and its start (for the day dir). */
export interface SegmentFileRef {
  cameraId: string;
  runId: number;
  seq: number;
  startMs: number;
}

export class StoragePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoragePathError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILE_NAME = /^(\d{1,15})-(\d{1,9})\.mp4(\.partial)?$/;
const DAY = /^\d{8}$/;

function checkRef(ref: SegmentFileRef): void {
  if (!UUID.test(ref.cameraId)) throw new StoragePathError(`camera id ${JSON.stringify(ref.cameraId)} is not a UUID`);
  if (!Number.isSafeInteger(ref.runId) || ref.runId < 1) throw new StoragePathError(`run id ${ref.runId} is not a positive integer`);
  if (!Number.isSafeInteger(ref.seq) || ref.seq < 0) throw new StoragePathError(`segment seq ${ref.seq} is not a non-negative integer`);
  if (!Number.isSafeInteger(ref.startMs) || ref.startMs < 0) throw new StoragePathError(`start ${ref.startMs} is not a time in ms`);
}

/** UTC day directory name, e.g. 20261125. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

/** `<cameraId>/<yyyymmdd>/<runId>-<seq>.mp4`, relative to the store root. */
export function segmentRelPath(ref: SegmentFileRef): string {
  checkRef(ref);
  return `${ref.cameraId}/${dayOf(ref.startMs)}/${ref.runId}-${ref.seq}.mp4`;
}

/** Parses a relative path found in the store back to its parts, or null if it is not one of ours. */
export function parseSegmentRelPath(rel: string): { cameraId: string; day: string; runId: number; seq: number; partial: boolean } | null {
  const parts = rel.split('/');
  if (parts.length !== 3) return null;
  const [cameraId, day, name] = parts as [string, string, string];
  const m = FILE_NAME.exec(name);
  if (!UUID.test(cameraId) || !DAY.test(day) || !m) return null;
  return { cameraId, day, runId: Number(m[1]), seq: Number(m[2]), partial: m[3] !== undefined };
}

/** Resolves a relative path under root; throws if it would escape (`..`, absolute paths, separators games). */
export function resolveInside(root: string, rel: string): string {
  if (isAbsolute(rel) || rel.includes('\0')) throw new StoragePathError(`path ${JSON.stringify(rel)} is not relative`);
  const base = resolve(root);
  const full = resolve(base, rel);
  const back = relative(base, full);
  if (back === '' || back.startsWith('..') || isAbsolute(back) || back.split(sep).includes('..')) {
    throw new StoragePathError(`path ${JSON.stringify(rel)} escapes the store`);
  }
  return full;
}
