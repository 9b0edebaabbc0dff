// The integrity service (R15): writes signed checkpoints of all chain heads every `checkpointEveryMs` and at close,
// and runs `verify`. The chain links themselves are written by recording/ with each segment row (link.ts).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyIdOf } from '../audit/index.js';
import type { Db } from '../db/index.js';
import { encodeHeads, signHeads, type ChainHead } from './checkpoint.js';
import { IntegrityRepo } from './repo.js';
import { cameraStatuses, summarizeReport, type CameraIntegrityStatus, type VerifyRun } from './runs.js';
import type { IntegrityDeps, IntegrityVerifyOptions, IntegrityVerifyReport } from './types.js';

/** A verify run of `vigil serve` in progress. */
export interface RunningVerify {
  startedMs: number;
  trigger: VerifyRun['trigger'];
  cameraId: string | null;
}

/** What the console shows (R15): each camera's status from the latest runs, and what runs now. */
export interface IntegrityStatus {
  running: RunningVerify | null;
  lastCheckpointMs: number | null;
  cameras: CameraIntegrityStatus[];
  recentRuns: VerifyRun[];
}

const STATUS_RUNS = 50;
import { verifyIntegrity } from './verify.js';

export class IntegrityService {
  readonly repo: IntegrityRepo;
  readonly signingKeyId: string;
  private timer: NodeJS.Timeout | null = null;
  private verifyTimer: NodeJS.Timeout | null = null;
  private current: (RunningVerify & { done: Promise<VerifyRun> }) | null = null;
  private onError: (err: unknown) => void = () => undefined;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Only a started service (vigil serve) writes the shutdown checkpoint. */
  private started = false;

  constructor(
    db: Db,
    private readonly deps: IntegrityDeps,
  ) {
    this.repo = new IntegrityRepo(db);
    this.signingKeyId = keyIdOf(deps.signingKey);
  }

  /** Starts the periodic checkpoints (only `vigil serve` does; one-shot commands never write them). */
  start(onError: (err: unknown) => void): void {
    if (this.timer || this.closed) return;
    this.started = true;
    this.onError = onError;
    this.timer = setInterval(() => void this.checkpoint().catch(onError), this.deps.checkpointEveryMs);
    this.timer.unref();
    const every = this.deps.verifyEveryMs ?? 0;
    if (every > 0) {
      this.verifyTimer = setInterval(() => void this.startVerify('schedule').catch(onError), every);
      this.verifyTimer.unref();
    }
  }

  /**
   * Signs the current heads of every stream into a checkpoint row. Skipped (returns null) when nothing was recorded
   * since the last checkpoint: the earlier signature already covers the same heads.
   */
  async checkpoint(): Promise<number | null> {
    const run = this.running.then(() => this.writeCheckpoint());
    this.running = run.catch(() => undefined);
    return run;
  }

  private async writeCheckpoint(): Promise<number | null> {
    const heads: ChainHead[] = (await this.deps.sources.chainHeads()).map((h) => ({
      streamId: h.stream_id, cameraId: h.camera_id, segmentId: h.id, link: h.chain_hash,
    }));
    if (heads.length === 0) return null;
    const encoded = encodeHeads(heads);
    const last = await this.repo.lastCheckpoint();
    if (last && last.heads.equals(encoded)) return null;
    const atMs = this.deps.now();
    const row = { at_ms: atMs, streams: heads.length, heads: encoded, key_id: this.signingKeyId, signature: signHeads(atMs, encoded, this.deps.signingKey) };
    const id = await this.repo.insertCheckpoint(row);
    if (this.deps.onCheckpoint) {
      try {
        await this.deps.onCheckpoint({ id, ...row });
      } catch (err) {
        this.onError(err);
      }
    }
    return id;
  }

  /** Every checkpoint in the index, oldest first (for `vigil verify --export-checkpoints`). */
  async checkpoints() {
    return this.repo.checkpoints();
  }

  /**
   * Starts a verify run in the background (one at a time: a second call while one runs returns the running one) and
   * records its summary when it ends; the console reads it through status().
   */
  startVerify(trigger: VerifyRun['trigger'], cameraId: string | null = null): Promise<VerifyRun> {
    if (this.current) return this.current.done;
    const startedMs = this.deps.now();
    const done = (async () => {
      try {
        const report = await this.verify(cameraId !== null ? { cameraId } : {});
        const run = { startedMs, finishedMs: this.deps.now(), trigger, cameraId, ok: report.ok, summary: summarizeReport(report) };
        return { id: await this.repo.insertVerifyRun(run), ...run };
      } finally {
        this.current = null;
      }
    })();
    this.current = { startedMs, trigger, cameraId, done };
    return done;
  }

  async status(cameraIds: readonly string[]): Promise<IntegrityStatus> {
    const runs = await this.repo.recentVerifyRuns(STATUS_RUNS);
    const last = await this.repo.lastCheckpoint();
    const running = this.current ? { startedMs: this.current.startedMs, trigger: this.current.trigger, cameraId: this.current.cameraId } : null;
    return { running, lastCheckpointMs: last ? Number(last.at_ms) : null, cameras: cameraStatuses(cameraIds, runs), recentRuns: runs.slice(0, 10) };
  }

  /** Stops the timer and writes the shutdown checkpoint (call after the recorders stopped, before the db closes). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.verifyTimer) clearInterval(this.verifyTimer);
    this.timer = null;
    this.verifyTimer = null;
    await this.current?.done.catch(() => undefined);
    if (this.started) await this.checkpoint();
    await this.running;
  }

  async verify(options: IntegrityVerifyOptions = {}, key: KeyObject = this.deps.signingKey): Promise<IntegrityVerifyReport> {
    return verifyIntegrity(this.deps.sources, this.repo, key, options);
  }

  /** The checkpoint key's public half (PEM), to verify checkpoints elsewhere. */
  publicKeyPem(): string {
    return createPublicKey(this.deps.signingKey).export({ type: 'spki', format: 'pem' }).toString();
  }
}
