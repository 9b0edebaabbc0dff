// `vigil verify` (R15): re-hashes every segment file in range, re-computes every stream's chain from its first link,
// checks tombstones and every checkpoint, and gives each segment one status (types.ts). Read-only. A problem is
// always attached to a segment, a file or a checkpoint, so an auditor can find what changed.
import type { KeyObject } from 'node:crypto';
import { keyIdOf } from '../audit/index.js';
import type { IntegrityCheckpointRow, SegmentRow, SegmentTombstoneRow } from '../db/index.js';
import { CheckpointFormatError, decodeHeads, headsSignatureValid } from './checkpoint.js';
import { importedRow, sameCheckpoint, type ExportedCheckpoint } from './export.js';
import { GENESIS_HASH, segmentLink } from './link.js';
import type { IntegrityRepo } from './repo.js';
import {
  PROBLEM_STATUSES, type CheckpointProblem, type IntegrityCounts, type IntegritySources, type IntegrityVerifyOptions,
  type IntegrityVerifyReport, type SegmentFileInfo, type SegmentStatus, type SegmentVerdict,
} from './types.js';

/** How many previous links a broken link is compared with, to tell a row forking the chain from rows taken out. */
const WINDOW = 64;

/** How long a file without a row gets to have its row committed before it counts as unexpected (see unexpectedFiles). */
const ROW_GRACE_MS = 1000;

const fileKey = (cameraId: string, runId: number, seq: number) => `${cameraId}/${runId}/${seq}`;

/** Sets a worse status (ok and unchained can be worsened; a problem status stays the first one found). */
function worsen(v: SegmentVerdict, status: SegmentStatus, detail: string): void {
  if (v.status === 'ok' || v.status === 'unchained') v.status = status;
  v.details.push(detail);
}

interface FileJob {
  verdict: SegmentVerdict;
  rel: string;
  sha256: Buffer;
  sizeBytes: number;
}

type Element = { row: SegmentRow; tomb?: SegmentTombstoneRow } | { row?: undefined; tomb: SegmentTombstoneRow };

class Verification {
  readonly verdicts: SegmentVerdict[] = [];
  readonly indexed = new Set<string>();
  /** Per stream: segment id → link, for the ids some checkpoint names. */
  readonly linksAt = new Map<string, Map<number, Buffer>>();
  /** System-log entries read for tombstones, by seq (one entry covers a camera's deletions of one run). */
  private readonly systemEntries = new Map<number, Awaited<ReturnType<IntegritySources['systemEntry']>>>();
  /** Ok verdicts already counted and let go (without listAll), so memory grows with problems, not with the store. */
  okDropped = 0;
  filesHashed = 0;
  bytesHashed = 0;
  segmentsDone = 0;
  private readonly started = Date.now();
  private lastProgress = 0;

  constructor(
    private readonly sources: IntegritySources,
    private readonly repo: IntegrityRepo,
    private readonly options: IntegrityVerifyOptions,
    private readonly wanted: Map<string, Set<number>>,
  ) {}

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  private inRange(startMs: number, endMs: number): boolean {
    const { fromMs, toMs } = this.options;
    return (fromMs === undefined || endMs > fromMs) && (toMs === undefined || startMs < toMs);
  }

  private progress(force = false): void {
    const now = Date.now();
    if (!this.options.onProgress || (!force && now - this.lastProgress < 1000)) return;
    this.lastProgress = now;
    this.options.onProgress({ segmentsDone: this.segmentsDone, filesHashed: this.filesHashed, bytesHashed: this.bytesHashed, elapsedMs: this.elapsedMs });
  }

  async stream(streamId: string): Promise<void> {
    const tombs = new Map((await this.repo.tombstonesOfStream(streamId)).map((t) => [Number(t.segment_id), t]));
    const wanted = this.wanted.get(streamId);
    const links = new Map<number, Buffer>();
    this.linksAt.set(streamId, links);
    let prev = GENESIS_HASH;
    let prevId: number | null = null;
    let chained = false;
    const recent: { id: number; link: Buffer }[] = [];

    const linkCheck = (chainPrev: Buffer, id: number, verdict: SegmentVerdict | null, cam: string) => {
      if (chainPrev.equals(prev)) return;
      const at = recent.findIndex((r) => r.link.equals(chainPrev));
      if (at >= 0) {
        // A fork: this row links to a segment another row already follows. Ids only grow, so the later row is the one
        // put in afterwards (or moved: a reordered row is re-inserted with a new id).
        const v = verdict ?? this.record({ id, streamId, cameraId: cam }, 'unexpected');
        worsen(v, 'unexpected', `links to segment ${recent[at]!.id}, which segment ${recent[at + 1]!.id} already follows: it was put into the chain`);
        return;
      }
      const gap = this.record({ id: null, streamId, cameraId: cam }, 'missing');
      gap.details.push(`the chain breaks between segment ${prevId ?? '(start)'} and segment ${id}: rows were removed or reordered`);
    };

    const visit = async (e: Element, jobs: FileJob[]) => {
      const t = e.tomb;
      const r = e.row;
      const id = Number(r?.id ?? t!.segment_id);
      const startMs = Number(r?.start_ms ?? t!.start_ms);
      const endMs = Number(r?.end_ms ?? t!.end_ms);
      const runId = Number(r?.run_id ?? t!.run_id);
      const seq = Number(r?.seq ?? t!.seq);
      const cam = r?.camera_id ?? t!.camera_id;
      this.indexed.add(fileKey(cam, runId, seq));
      const rel = this.sources.fileOf({ camera_id: cam, run_id: runId, seq, start_ms: startMs });
      const report = this.inRange(startMs, endMs);
      const verdict = report ? this.record({ id, streamId, cameraId: cam, runId, seq, startMs, rel }, 'ok') : null;
      const mark = (status: SegmentStatus, detail: string) => verdict && worsen(verdict, status, detail);
      let link: Buffer | null;
      if (r) {
        link = r.chain_hash;
        if (link === null || r.chain_prev === null) {
          if (chained) mark('unexpected', 'a row without a chain link after linked rows: it was put in afterwards');
          else if (verdict) verdict.status = 'unchained';
        } else {
          if (!segmentLink(r.chain_prev, r).equals(link)) mark('altered', 'the row no longer hashes to its chain link: a field was changed');
          linkCheck(r.chain_prev, id, verdict, cam);
        }
      } else {
        link = t!.chain_hash;
        linkCheck(t!.chain_prev, id, verdict, cam);
      }
      if (t) {
        if (r && (link === null || !t.chain_hash.equals(link) || !t.sha256.equals(r.sha256))) {
          mark('altered', 'the tombstone does not match the row');
        } else {
          const unrecorded = await this.unrecordedDeletion(t);
          if (unrecorded) mark('missing', unrecorded);
          else mark('deleted-lawfully', `deleted ${new Date(Number(t.deleted_ms)).toISOString()}: ${t.reason} (system log entry ${t.audit_seq})`);
        }
      } else if (r && verdict) {
        jobs.push({ verdict, rel, sha256: r.sha256, sizeBytes: Number(r.size_bytes) });
      }
      if (link) {
        if (wanted?.has(id)) links.set(id, link);
        prev = link;
        prevId = id;
        chained = true;
        recent.push({ id, link });
        if (recent.length > WINDOW) recent.shift();
      }
      this.segmentsDone++;
    };

    const pending = [...tombs.values()]; // tombstones whose row is gone are visited in id order too
    const drainTombsBefore = async (id: number, jobs: FileJob[]) => {
      while (pending.length && Number(pending[0]!.segment_id) < id) {
        const t = pending.shift()!;
        await visit({ tomb: t }, jobs);
      }
    };
    for await (const page of this.sources.streamSegments(streamId)) {
      const jobs: FileJob[] = [];
      for (const row of page) {
        const id = Number(row.id);
        await drainTombsBefore(id, jobs);
        const tomb = tombs.get(id);
        if (tomb) pending.splice(pending.indexOf(tomb), 1);
        await visit(tomb ? { row, tomb } : { row }, jobs);
      }
      await this.hashAll(jobs);
      this.dropOk();
    }
    const jobs: FileJob[] = [];
    await drainTombsBefore(Number.MAX_SAFE_INTEGER, jobs);
    await this.hashAll(jobs);
  }

  /**
   * Why a tombstone's deletion is not on record, or null when it is: R17 deletions are logged (the executor writes one
   * `retention.deleted` entry per camera and run, naming every segment, before the first file goes). A tombstone
   * inserted by someone with the database, to pass off a removed segment as deleted by retention, names no such
   * entry — and the system log's own hash chain and checkpoints (`vigil audit verify`) stop a matching entry from
   * being forged after the fact.
   */
  private async unrecordedDeletion(t: SegmentTombstoneRow): Promise<string | null> {
    if (t.audit_seq === null) return 'the tombstone names no system-log entry: the deletion is not on record (R17)';
    const seq = Number(t.audit_seq);
    let entry = this.systemEntries.get(seq);
    if (entry === undefined) {
      entry = await this.sources.systemEntry(seq);
      this.systemEntries.set(seq, entry);
    }
    const ids = entry?.details.segmentIds;
    const named = Array.isArray(ids) && ids.some((x) => Number(x) === Number(t.segment_id));
    if (entry && entry.event === 'retention.deleted' && entry.target === t.camera_id && named) return null;
    return `the tombstone names system-log entry ${seq}, which ${entry ? 'does not record this deletion' : 'does not exist'}: the segment was removed without a lawful record (R17)`;
  }

  private dropOk(): void {
    if (this.options.listAll) return;
    const kept = this.verdicts.filter((x) => x.status !== 'ok');
    this.okDropped += this.verdicts.length - kept.length;
    this.verdicts.splice(0, this.verdicts.length, ...kept);
  }

  record(
    s: { id: number | null; streamId: string | null; cameraId: string; runId?: number; seq?: number; startMs?: number; rel?: string },
    status: SegmentStatus,
  ): SegmentVerdict {
    const v: SegmentVerdict = {
      status, segmentId: s.id, streamId: s.streamId, cameraId: s.cameraId, runId: s.runId ?? null, seq: s.seq ?? null,
      startMs: s.startMs ?? null, file: s.rel ?? null, details: [],
    };
    this.verdicts.push(v);
    return v;
  }

  private async hashAll(jobs: FileJob[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const h = await this.sources.hashFile(job.rel);
        if (!h) {
          worsen(job.verdict, 'missing', 'the segment file is gone');
        } else if (h.problem) {
          worsen(job.verdict, 'altered', h.problem);
        } else {
          this.filesHashed++;
          this.bytesHashed += h.sizeBytes;
          if (h.sizeBytes !== job.sizeBytes) worsen(job.verdict, 'altered', `the file has ${h.sizeBytes} bytes, the row says ${job.sizeBytes}`);
          else if (!h.sha256.equals(job.sha256)) worsen(job.verdict, 'altered', "the file's SHA-256 differs from the row's: its bytes were changed");
        }
        this.progress();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, jobs.length) }, worker));
  }

  async unexpectedFiles(): Promise<void> {
    for await (const f of this.sources.segmentFiles(this.options.cameraId)) {
      if (this.indexed.has(fileKey(f.cameraId, f.runId, f.seq))) continue;
      // Not among the rows read at the start: a segment committed while this run hashed has its row by now (storage
      // invariant 1 puts the file first, the row a few ms after: asked again a second later if it is that close).
      // Its bytes are judged by the next run. A file that never gets a row is unexpected.
      if (await this.hasRowSoon(f)) continue;
      const v = this.record({ id: null, streamId: null, cameraId: f.cameraId, runId: f.runId, seq: f.seq, rel: f.rel }, 'unexpected');
      v.details.push('a segment file without an index row');
    }
    this.progress(true);
  }

  private async hasRowSoon(f: SegmentFileInfo): Promise<boolean> {
    if (await this.sources.hasRowNow(f)) return true;
    await sleep(ROW_GRACE_MS);
    return this.sources.hasRowNow(f);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkCheckpoints(
  checkpoints: Awaited<ReturnType<IntegrityRepo['checkpoints']>>,
  v: Verification,
  key: KeyObject,
  cameraId: string | undefined,
): CheckpointProblem[] {
  const problems: CheckpointProblem[] = [];
  const keyId = keyIdOf(key);
  const gone = new Set<string>();
  for (const c of checkpoints) {
    const id = Number(c.id);
    if (c.key_id !== keyId) {
      problems.push({ checkpointId: id, kind: 'foreign_key', message: `checkpoint ${id} names key ${c.key_id}, not this installation's key ${keyId}` });
      continue;
    }
    if (!headsSignatureValid(Number(c.at_ms), c.heads, c.signature, key)) {
      problems.push({ checkpointId: id, kind: 'bad_signature', message: `checkpoint ${id} has an invalid signature: forged or altered` });
      continue;
    }
    let heads;
    try {
      heads = decodeHeads(c.heads);
    } catch (err) {
      if (!(err instanceof CheckpointFormatError)) throw err;
      problems.push({ checkpointId: id, kind: 'malformed', message: `checkpoint ${id}: ${err.message}` });
      continue;
    }
    for (const h of heads) {
      if (cameraId !== undefined && h.cameraId !== cameraId) continue;
      const link = v.linksAt.get(h.streamId)?.get(h.segmentId);
      if (link?.equals(h.link)) continue;
      problems.push({
        checkpointId: id, kind: 'head_not_on_chain', streamId: h.streamId, segmentId: h.segmentId,
        message: link
          ? `segment ${h.segmentId} no longer has the link checkpoint ${id} signed: the chain was rewritten`
          : `segment ${h.segmentId}, signed as a chain head by checkpoint ${id}, is gone from the chain`,
      });
      if (!link && !gone.has(`${h.streamId}/${h.segmentId}`)) {
        gone.add(`${h.streamId}/${h.segmentId}`);
        const m = v.record({ id: h.segmentId, streamId: h.streamId, cameraId: h.cameraId }, 'missing');
        m.details.push(`signed as a chain head by checkpoint ${id}, but its row is gone`);
      }
    }
  }
  return problems;
}

/**
 * The checkpoints to check: the index's, plus each exported one the index no longer holds as exported (it was
 * deleted or rewritten there: itself a problem, and what it signed is still checked against the chains).
 */
function withExported(
  stored: IntegrityCheckpointRow[],
  exported: readonly ExportedCheckpoint[],
): { checkpoints: IntegrityCheckpointRow[]; problems: CheckpointProblem[] } {
  const byId = new Map(stored.map((c) => [Number(c.id), c]));
  const checkpoints = [...stored];
  const problems: CheckpointProblem[] = [];
  for (const e of exported) {
    const row = byId.get(e.id);
    if (row && sameCheckpoint(row, e)) continue;
    problems.push(row
      ? { checkpointId: e.id, kind: 'exported_checkpoint_differs', message: `checkpoint ${e.id} in the index differs from its exported copy: rewritten` }
      : { checkpointId: e.id, kind: 'exported_checkpoint_missing', message: `checkpoint ${e.id} was exported but is gone from the index: deleted` });
    checkpoints.push(importedRow(e));
  }
  return { checkpoints, problems };
}

export async function verifyIntegrity(
  sources: IntegritySources,
  repo: IntegrityRepo,
  key: KeyObject,
  options: IntegrityVerifyOptions = {},
): Promise<IntegrityVerifyReport> {
  const stored = await repo.checkpoints();
  const { checkpoints, problems: exportProblems } = withExported(stored, options.against ?? []);
  const wanted = new Map<string, Set<number>>();
  const streams = new Map<string, string>();
  for (const c of checkpoints) {
    let heads;
    try {
      heads = decodeHeads(c.heads);
    } catch {
      continue; // reported by checkCheckpoints
    }
    for (const h of heads) {
      if (!wanted.has(h.streamId)) wanted.set(h.streamId, new Set());
      wanted.get(h.streamId)!.add(h.segmentId);
    }
  }
  for (const s of [...(await sources.streams(options.cameraId)), ...(await repo.tombstoneStreams(options.cameraId))]) {
    streams.set(s.stream_id, s.camera_id);
  }
  const v = new Verification(sources, repo, options, wanted);
  for (const streamId of [...streams.keys()].sort()) await v.stream(streamId);
  await v.unexpectedFiles();
  const problems = [...exportProblems, ...checkCheckpoints(checkpoints, v, key, options.cameraId)];

  const counts: IntegrityCounts = { ok: v.okDropped, altered: 0, missing: 0, unexpected: 0, 'deleted-lawfully': 0, unchained: 0 };
  for (const x of v.verdicts) counts[x.status]++;
  const elapsedMs = v.elapsedMs;
  return {
    ok: problems.length === 0 && v.verdicts.every((x) => !PROBLEM_STATUSES.has(x.status)),
    streams: streams.size,
    counts,
    segments: options.listAll ? v.verdicts : v.verdicts.filter((x) => x.status !== 'ok'),
    checkpoints: { checked: checkpoints.length, problems },
    filesHashed: v.filesHashed,
    bytesHashed: v.bytesHashed,
    elapsedMs,
    throughputMiBps: elapsedMs > 0 ? v.bytesHashed / 1048576 / (elapsedMs / 1000) : 0,
  };
}
