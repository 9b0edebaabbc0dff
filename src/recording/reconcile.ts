// Startup reconciliation (storage invariant 2): after a crash, the runs still open in the index are finished from
// what is on disk. A `.partial` file is completed up to its last whole fragment; a finished file without a row (the
// process died between rename and insert) is adopted; both get rows marked `recovered`. Nothing is silently
// deleted: only a partial holding no whole fragment (no footage) is removed. Only the day directories of unclean
// runs are listed, so start-up cost does not grow with the size of the store.
import { createHash } from 'node:crypto';
import { Fmp4ParseError, splitFile, type SplitFile } from '../media/index.js';
import { dayOf, parseSegmentRelPath, SegmentCryptoError, type LocalSegmentStore } from '../storage/index.js';
import { encodeFragmentIndex } from './fragment-index.js';
import type { RecordingRepo, SegmentMeta } from './repo.js';
import type { RecorderLogger } from './stream-recorder.js';

export interface ReconcileReport {
  runsClosed: number;
  partialsCompleted: number;
  orphansAdopted: number;
  emptyPartialsRemoved: number;
  /** Files that could not be parsed at all (damaged init): kept, reported, and flagged by `check --storage`. */
  unreadable: string[];
}

const DAY_MS = 86_400_000;

function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = Math.floor(fromMs / DAY_MS) * DAY_MS; t <= toMs; t += DAY_MS) days.push(dayOf(t));
  return days;
}

export async function reconcileStore(deps: {
  store: LocalSegmentStore;
  repo: RecordingRepo;
  now: () => number;
  log: RecorderLogger;
}): Promise<ReconcileReport> {
  const { store, repo, log } = deps;
  const report: ReconcileReport = { runsClosed: 0, partialsCompleted: 0, orphansAdopted: 0, emptyPartialsRemoved: 0, unreadable: [] };

  for (const run of await repo.openRuns()) {
    const rows = await repo.segmentsOfRun(run.id);
    const bySeq = new Map<number, SegmentMeta>(rows.map((r) => [r.seq, r]));
    const files: { rel: string; seq: number; partial: boolean }[] = [];
    for (const day of daysBetween(run.start_ms, Math.max(deps.now(), run.start_ms))) {
      for (const entry of await store.listDay(run.camera_id, day)) {
        const parsed = parseSegmentRelPath(entry.rel);
        if (parsed && parsed.runId === run.id) files.push({ rel: entry.rel, seq: parsed.seq, partial: parsed.partial });
      }
    }
    files.sort((a, b) => a.seq - b.seq);

    for (const file of files) {
      if (bySeq.has(file.seq)) continue;
      let data: Buffer;
      let split: SplitFile;
      try {
        // Plaintext: an encrypted partial yields its whole records (a torn last record is left out).
        data = await store.readWholeRel(file.rel);
        if (data.length === 0 && file.partial) {
          // Died before the init was written (with encryption: between the key's row and the file header): nothing recorded.
          await store.removeEmptyPartial(file.rel);
          report.emptyPartialsRemoved++;
          continue;
        }
        split = splitFile(data);
      } catch (err) {
        if (!(err instanceof Fmp4ParseError) && !(err instanceof SegmentCryptoError)) throw err;
        report.unreadable.push(file.rel);
        log.error({ file: file.rel, code: err.code }, 'segment file unreadable during recovery: kept for inspection');
        continue;
      }
      if (split.fragments.length === 0) {
        if (file.partial) {
          await store.removeEmptyPartial(file.rel);
          report.emptyPartialsRemoved++;
        }
        continue;
      }
      let kept = data;
      if (file.partial) {
        await store.completePartial(file.rel, split.wholeLength);
        kept = data.subarray(0, split.wholeLength);
        report.partialsCompleted++;
      } else {
        report.orphansAdopted++;
      }
      const meta = await insertRecovered(repo, run, file.seq, split, kept, bySeq, deps.now());
      bySeq.set(file.seq, meta);
    }

    const last = [...bySeq.values()].sort((a, b) => b.seq - a.seq)[0];
    await repo.closeRun(run.id, last ? last.end_ms : run.start_ms, 'recorder_crash');
    report.runsClosed++;
    log.warn({ runId: run.id, streamId: run.stream_id, segments: bySeq.size }, 'unclean recording run closed by reconciliation');
  }
  return report;
}

/** Builds the row for a recovered file; its wall time follows from the nearest earlier segment of the run. */
async function insertRecovered(
  repo: RecordingRepo,
  run: { id: number; stream_id: string; camera_id: string; start_ms: number },
  seq: number,
  split: SplitFile,
  kept: Buffer,
  bySeq: Map<number, SegmentMeta>,
  nowMs: number,
): Promise<SegmentMeta> {
  const first = split.fragments[0]!;
  const lastFragment = split.fragments[split.fragments.length - 1]!;
  const timescale = split.init.timescale;
  const earlier = [...bySeq.values()].filter((r) => r.seq < seq).sort((a, b) => b.seq - a.seq)[0];
  const startMs = earlier
    ? Math.round(earlier.start_ms + ((first.baseMediaDecodeTime - earlier.media_start) * 1000) / earlier.timescale)
    : run.start_ms;
  const endTicks = lastFragment.baseMediaDecodeTime + lastFragment.durationTicks;
  const endMs = Math.round(startMs + ((endTicks - first.baseMediaDecodeTime) * 1000) / timescale);
  const row = {
    run_id: run.id,
    stream_id: run.stream_id,
    camera_id: run.camera_id,
    seq,
    start_ms: startMs,
    end_ms: endMs,
    media_start: first.baseMediaDecodeTime,
    timescale,
    size_bytes: kept.length,
    init_size_bytes: split.init.data.length,
    frames: split.fragments.reduce((n, f) => n + f.sampleCount, 0),
    keyframes: split.fragments.filter((f) => f.keyframe).length,
    codec: split.init.codec,
    width: split.init.width,
    height: split.init.height,
    status: 'recovered',
    created_ms: nowMs,
  };
  const id = await repo.insertSegment({
    ...row,
    sha256: createHash('sha256').update(kept).digest(),
    fragment_index: encodeFragmentIndex(
      split.fragments.map((f) => ({ sizeBytes: f.data.length, durationTicks: f.durationTicks, sampleCount: f.sampleCount, keyframe: f.keyframe })),
    ),
  });
  return { ...row, id };
}
