// The integrity service (R15): writes signed checkpoints of all chain heads every `checkpointEveryMs` and at close,
// and runs `verify`. The chain links themselves are written by recording/ with each segment row (link.ts).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyIdOf } from '../audit/index.js';
import type { Db } from '../db/index.js';
import { encodeHeads, signHeads, type ChainHead } from './checkpoint.js';
import { IntegrityRepo } from './repo.js';
import type { IntegrityDeps, IntegrityVerifyOptions, IntegrityVerifyReport } from './types.js';
import { verifyIntegrity } from './verify.js';

export class IntegrityService {
  readonly repo: IntegrityRepo;
  readonly signingKeyId: string;
  private timer: NodeJS.Timeout | null = null;
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
    this.timer = setInterval(() => void this.checkpoint().catch(onError), this.deps.checkpointEveryMs);
    this.timer.unref();
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
    return this.repo.insertCheckpoint({
      at_ms: atMs, streams: heads.length, heads: encoded, key_id: this.signingKeyId, signature: signHeads(atMs, encoded, this.deps.signingKey),
    });
  }

  /** Stops the timer and writes the shutdown checkpoint (call after the recorders stopped, before the db closes). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
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
