// `vigil check --storage`: verifies the storage invariants (docs/storage.md) read-only and reports every mismatch
// between the index and the store. Cost: one pass over the segment rows, one stat per row, one directory walk.
// Hashes are not re-computed here (that is `vigil verify`, which reads every byte).
import { parseSegmentRelPath, SegmentCryptoError, segmentRelPath, type LocalSegmentStore } from '../storage/index.js';
import { decodeFragmentIndex, FragmentIndexError } from './fragment-index.js';
import type { RecordingRepo } from './repo.js';

export type StorageMismatchKind =
  | 'database_integrity' // SQLite's integrity_check found damage
  | 'missing_file' // a row points to a file that does not exist (violates invariant 1)
  | 'size_mismatch' // the file's size differs from the row's
  | 'index_mismatch' // the fragment index does not describe the file's length
  | 'undecryptable' // an encrypted file whose header, key or trailer does not check out (architecture §7)
  | 'orphan_file' // a segment file with no row, outside any open run (invariant 2 should have adopted it)
  | 'partial_file' // a .partial outside any open run (a crash not yet reconciled)
  | 'unknown_run' // a file naming a run that is not in the index
  | 'unknown_file'; // a file in the store that is not a segment of ours

export interface StorageMismatch {
  kind: StorageMismatchKind;
  path?: string;
  segmentId?: number;
  detail: string;
}

export interface StorageCheckReport {
  segmentsChecked: number;
  filesChecked: number;
  /** Files being written by a running recorder (partials and not-yet-indexed files of open runs): not problems. */
  inProgress: number;
  /** Rows marked `deleting`/`deleted` by the retention executor (R17): their files are not expected. */
  deleting: number;
  mismatches: StorageMismatch[];
}

export async function checkStorage(deps: {
  repo: RecordingRepo;
  store: LocalSegmentStore;
  dialect: 'sqlite' | 'postgres';
}): Promise<StorageCheckReport> {
  const { repo, store } = deps;
  const mismatches: StorageMismatch[] = [];
  for (const problem of await repo.databaseIntegrity(deps.dialect)) {
    mismatches.push({ kind: 'database_integrity', detail: problem });
  }

  const indexed = new Set<string>();
  let segmentsChecked = 0;
  let deleting = 0;
  for await (const row of repo.allSegments()) {
    segmentsChecked++;
    const rel = segmentRelPath({ cameraId: row.camera_id, runId: row.run_id, seq: row.seq, startMs: row.start_ms });
    indexed.add(rel);
    // A row being lawfully deleted (R17, architecture §4.4) may already have lost its file: the retention executor
    // completes it (tombstone, row removed); a stream's head is kept as `deleted` so the chain goes on.
    if (row.status === 'deleting' || row.status === 'deleted') {
      deleting++;
      continue;
    }
    // Sizes are the plaintext's: an encrypted file's comes from its authenticated trailer (one small read).
    let size: number | null;
    try {
      size = await store.plainSizeRel(rel);
    } catch (err) {
      if (!(err instanceof SegmentCryptoError)) throw err;
      mismatches.push({ kind: 'undecryptable', path: rel, segmentId: row.id, detail: `${err.code}: ${err.message}` });
      continue;
    }
    if (size === null) {
      mismatches.push({ kind: 'missing_file', path: rel, segmentId: row.id, detail: `segment ${row.id} has no file` });
      continue;
    }
    const s = { size };
    if (s.size !== row.size_bytes) {
      mismatches.push({ kind: 'size_mismatch', path: rel, segmentId: row.id, detail: `file has ${s.size} bytes, index says ${row.size_bytes}` });
    }
    try {
      const fragments = decodeFragmentIndex(row.fragment_index, row.init_size_bytes);
      const last = fragments[fragments.length - 1];
      const end = last ? last.offset + last.sizeBytes : row.init_size_bytes;
      if (end > s.size || fragments.length === 0) {
        mismatches.push({ kind: 'index_mismatch', path: rel, segmentId: row.id, detail: `fragment index ends at byte ${end}, file has ${s.size}` });
      }
    } catch (err) {
      if (!(err instanceof FragmentIndexError)) throw err;
      mismatches.push({ kind: 'index_mismatch', path: rel, segmentId: row.id, detail: err.message });
    }
  }

  const openRuns = new Set((await repo.openRuns()).map((r) => r.id));
  const runs = await repo.runIds();
  let filesChecked = 0;
  let inProgress = 0;
  for await (const entry of store.walk()) {
    filesChecked++;
    const parsed = parseSegmentRelPath(entry.rel);
    if (!parsed) {
      mismatches.push({ kind: 'unknown_file', path: entry.rel, detail: 'not a segment file name' });
      continue;
    }
    if (!runs.has(parsed.runId)) {
      mismatches.push({ kind: 'unknown_run', path: entry.rel, detail: `run ${parsed.runId} is not in the index` });
      continue;
    }
    const finalRel = parsed.partial ? entry.rel.slice(0, -'.partial'.length) : entry.rel;
    if (!parsed.partial && indexed.has(finalRel)) continue;
    if (openRuns.has(parsed.runId)) {
      inProgress++;
      continue;
    }
    mismatches.push(
      parsed.partial
        ? { kind: 'partial_file', path: entry.rel, detail: 'partial file of a closed run (not reconciled)' }
        : { kind: 'orphan_file', path: entry.rel, detail: 'segment file without an index row' },
    );
  }
  return { segmentsChecked, filesChecked, inProgress, deleting, mismatches };
}
