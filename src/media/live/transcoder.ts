// LiveTranscoder: on-demand H.264 copies of live streams for browsers that cannot decode the camera's codec (Debian's
// Chromium has no H.265; architecture §3 "Browsers and H.265"). Owns one shared ffmpeg per source stream while anyone
// watches it, and the bookkeeping around it; the hub owns the bytes. Must not touch storage, the database or the
// access gate (VideoService, in front of it, decides who may watch).
//
// Data path: hub (source stream) → feed sink → ffmpeg stdin; ffmpeg stdout → Fmp4StreamParser → hub under the derived
// id `<source>~h264` → every viewer of the transcode. The feed is an ordinary hub subscriber, so it starts at the
// cached GOP's keyframe and the hub's invariants hold for it; viewers of the derived stream get the hub's too.
//
// Rules (each has a test in transcoder.test.ts):
//   1. One ffmpeg per source stream, however many viewers; it starts with the first viewer.
//   2. At most `maxTranscodes` source streams are transcoded at once (each costs a real share of a core). A viewer
//      that would start one more gets LiveTranscodeError `transcode_limit`, unless a transcode without viewers (in its
//      grace period) can be stopped to make room.
//   3. After the last viewer leaves, the transcode runs on for `idleMs` (a viewer switching back finds it warm), then
//      stops: stdin closed, SIGTERM, SIGKILL after `killTimeoutMs`, reaped.
//   4. A new source init (camera reconnected, format changed) restarts ffmpeg at the next keyframe; the source ending
//      stops it and ends the derived stream with the same reason; the source coming back starts it again.
//   5. ffmpeg dying on its own ends the derived stream with the reason and restarts it after a backoff (1 s → 30 s).
//   6. ffmpeg falling behind its input by more than `maxInputLagMs` of media is fed nothing until a keyframe arrives
//      with the backlog under a third of that: live stays live, memory stays bounded.

import { parseFragment, parseInit, type Fmp4Item, type InitSegment } from '../fmp4/index.js';
import { systemClock, type IngestClock } from '../ingest/index.js';
import type { LiveMessage, LiveSink } from './protocol.js';
import { buildTranscodeArgs, gopFramesFor, outputSize, transcodeBitrateBps } from './transcode-args.js';
import { spawnTranscode, TranscodeRun, type SpawnTranscode, type TranscodeExit } from './transcode-run.js';

/** The hub, as the transcoder uses it (LiveHub satisfies it). */
export interface TranscodeHub {
  subscribe(streamId: string, sink: LiveSink): () => void;
  publish(streamId: string, item: Fmp4Item): void;
  endStream(streamId: string, reason: string): void;
}

export type LiveTranscodeErrorCode = 'transcode_limit' | 'transcode_disabled';

/** A viewer refused: the codes are in the HTTP error registry (503). */
export class LiveTranscodeError extends Error {
  constructor(readonly code: LiveTranscodeErrorCode, message: string) {
    super(message);
    this.name = 'LiveTranscodeError';
  }
}

export type TranscodeEvent =
  | { type: 'started'; sourceId: string; pid: number | undefined; width: number; height: number; fps: number | null; bitrateBps: number }
  /** The first transcoded fragment of a run, `latencyMs` after the source keyframe was written to ffmpeg. */
  | { type: 'first_fragment'; sourceId: string; latencyMs: number }
  | { type: 'failed'; sourceId: string; reason: string; retryInMs: number }
  | { type: 'stopped'; sourceId: string; reason: 'idle' | 'evicted' | 'shutdown' | 'source_ended' | 'source_changed' }
  | { type: 'diagnostic'; sourceId: string; line: string };

export interface LiveTranscoderOptions {
  hub: TranscodeHub;
  /** Default 2; 0 turns live transcoding off. */
  maxTranscodes?: number;
  /** Grace period after the last viewer leaves, in ms. Default 10 000. */
  idleMs?: number;
  /** Default 'ffmpeg'. */
  ffmpegPath?: string;
  /** Default 3000. */
  killTimeoutMs?: number;
  /** Default 1 s → 30 s. */
  backoff?: { minMs: number; maxMs: number };
  /** Default 3000. */
  maxInputLagMs?: number;
  /** Default 1280. */
  maxWidth?: number;
  /** Default 500. */
  fragmentMs?: number;
  spawn?: SpawnTranscode;
  clock?: IngestClock;
  onEvent?: (event: TranscodeEvent) => void;
}

export interface TranscodeJobStats {
  sourceId: string;
  outputId: string;
  viewers: number;
  /** `waiting`: no source init or keyframe yet; `backoff`: ffmpeg failed, waiting to retry; `idle`: no viewers. */
  state: 'waiting' | 'running' | 'backoff' | 'idle';
  pid: number | null;
  runs: number;
  failures: number;
  fragmentsIn: number;
  fragmentsSkipped: number;
  fragmentsOut: number;
}

export interface LiveTranscoderStats {
  maxTranscodes: number;
  active: number;
  jobs: TranscodeJobStats[];
}

/** The hub id of a source stream's H.264 transcode. */
export function transcodedStreamId(sourceId: string): string {
  return `${sourceId}~h264`;
}

interface Job {
  readonly sourceId: string;
  readonly outputId: string;
  viewers: number;
  unsubscribeSource: () => void;
  cancelIdle: (() => void) | null;
  cancelRetry: (() => void) | null;
  /** The source's init segment, once its bytes have come. */
  init: InitSegment | null;
  /** A text init arrived; the next binary message is its init segment. */
  awaitingInitBytes: boolean;
  run: TranscodeRun | null;
  runStartedAtMs: number;
  /** When the current run's first (keyframe) input was written; null once its first fragment came out. */
  firstInputAtMs: number | null;
  skipping: boolean;
  runs: number;
  failures: number;
  fragmentsIn: number;
  fragmentsSkipped: number;
  fragmentsOut: number;
}

/** A run lasting this long resets the backoff. */
const STABLE_MS = 30_000;

export class LiveTranscoder {
  readonly #hub: TranscodeHub;
  readonly #max: number;
  readonly #idleMs: number;
  readonly #ffmpegPath: string;
  readonly #killTimeoutMs: number;
  readonly #backoff: { minMs: number; maxMs: number };
  readonly #maxInputLagMs: number;
  readonly #maxWidth: number;
  readonly #fragmentMs: number;
  readonly #spawn: SpawnTranscode;
  readonly #clock: IngestClock;
  readonly #onEvent: (event: TranscodeEvent) => void;
  readonly #jobs = new Map<string, Job>();
  /** Runs told to stop and not yet reaped (close() waits for them). */
  readonly #stopping = new Set<Promise<void>>();
  #closed = false;

  constructor(options: LiveTranscoderOptions) {
    this.#hub = options.hub;
    this.#max = options.maxTranscodes ?? 2;
    this.#idleMs = options.idleMs ?? 10_000;
    this.#ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
    this.#killTimeoutMs = options.killTimeoutMs ?? 3000;
    this.#backoff = options.backoff ?? { minMs: 1000, maxMs: 30_000 };
    this.#maxInputLagMs = options.maxInputLagMs ?? 3000;
    this.#maxWidth = options.maxWidth ?? 1280;
    this.#fragmentMs = options.fragmentMs ?? 500;
    this.#spawn = options.spawn ?? spawnTranscode;
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent ?? (() => undefined);
    if (!(Number.isInteger(this.#max) && this.#max >= 0)) throw new RangeError('LiveTranscoder: maxTranscodes must be an integer >= 0');
    if (!(this.#idleMs >= 0)) throw new RangeError('LiveTranscoder: idleMs must be >= 0');
  }

  /**
   * Subscribes a viewer to the H.264 transcode of a source stream, starting it if needed (rule 1). Throws
   * LiveTranscodeError when transcoding is off or at its limit (rule 2). Returns the (idempotent) unsubscribe.
   */
  subscribe(sourceId: string, sink: LiveSink): () => void {
    if (this.#closed) throw new LiveTranscodeError('transcode_disabled', 'live transcoding is stopping with the server');
    if (this.#max === 0) {
      throw new LiveTranscodeError('transcode_disabled', 'live transcoding to H.264 is turned off on this server (live.maxTranscodes is 0)');
    }
    let job = this.#jobs.get(sourceId);
    if (!job) {
      if (this.#jobs.size >= this.#max) {
        const idle = [...this.#jobs.values()].find((j) => j.viewers === 0);
        if (!idle) {
          throw new LiveTranscodeError(
            'transcode_limit',
            `all ${this.#max} live transcodes are in use by other viewers (live.maxTranscodes = ${this.#max}); ` +
              'try again when one of them stops watching',
          );
        }
        this.#stopJob(idle, 'evicted');
      }
      job = this.#startJob(sourceId);
    }
    const current = job;
    current.viewers++;
    current.cancelIdle?.();
    current.cancelIdle = null;
    const unsubscribe = this.#hub.subscribe(current.outputId, sink);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      unsubscribe();
      this.#release(current);
    };
  }

  stats(): LiveTranscoderStats {
    const jobs = [...this.#jobs.values()].map((j): TranscodeJobStats => ({
      sourceId: j.sourceId,
      outputId: j.outputId,
      viewers: j.viewers,
      state: j.viewers === 0 ? 'idle' : j.cancelRetry ? 'backoff' : j.run ? 'running' : 'waiting',
      pid: j.run?.pid ?? null,
      runs: j.runs,
      failures: j.failures,
      fragmentsIn: j.fragmentsIn,
      fragmentsSkipped: j.fragmentsSkipped,
      fragmentsOut: j.fragmentsOut,
    }));
    return { maxTranscodes: this.#max, active: jobs.length, jobs };
  }

  /** Stops every transcode (viewers are told the stream ended); resolves once every ffmpeg has been reaped. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of [...this.#jobs.values()]) this.#stopJob(job, 'shutdown');
    await Promise.all([...this.#stopping]);
  }

  #startJob(sourceId: string): Job {
    const job: Job = {
      sourceId, outputId: transcodedStreamId(sourceId), viewers: 0, unsubscribeSource: () => undefined,
      cancelIdle: null, cancelRetry: null, init: null, awaitingInitBytes: false, run: null, runStartedAtMs: 0,
      firstInputAtMs: null, skipping: false, runs: 0, failures: 0, fragmentsIn: 0, fragmentsSkipped: 0, fragmentsOut: 0,
    };
    this.#jobs.set(sourceId, job);
    // The hub sends the source's init and cached GOP during this call: the job must be in the map first.
    job.unsubscribeSource = this.#hub.subscribe(sourceId, this.#feedSink(job));
    return job;
  }

  #release(job: Job): void {
    job.viewers--;
    if (job.viewers > 0 || this.#jobs.get(job.sourceId) !== job) return;
    if (this.#idleMs === 0) {
      this.#stopJob(job, 'idle');
      return;
    }
    job.cancelIdle = this.#clock.setTimer(() => {
      job.cancelIdle = null;
      if (job.viewers === 0) this.#stopJob(job, 'idle');
    }, this.#idleMs);
  }

  #stopJob(job: Job, reason: 'idle' | 'evicted' | 'shutdown'): void {
    if (this.#jobs.get(job.sourceId) !== job) return;
    this.#jobs.delete(job.sourceId);
    job.cancelIdle?.();
    job.cancelRetry?.();
    job.cancelIdle = job.cancelRetry = null;
    job.unsubscribeSource();
    this.#stopRun(job);
    // Viewers still subscribed (shutdown) are told; with none, the hub forgets the derived stream.
    this.#hub.endStream(job.outputId, reason === 'shutdown' ? 'server shutting down' : 'transcode stopped');
    this.#onEvent({ type: 'stopped', sourceId: job.sourceId, reason });
  }

  #stopRun(job: Job): void {
    const run = job.run;
    if (!run) return;
    job.run = null;
    job.skipping = false;
    const done = run.stop();
    this.#stopping.add(done);
    void done.then(() => this.#stopping.delete(done));
  }

  /** The hub subscriber that feeds ffmpeg. It never throws: the hub would drop it and the job would starve. */
  #feedSink(job: Job): LiveSink {
    const live = () => this.#jobs.get(job.sourceId) === job;
    return {
      sendText: (json) => {
        if (!live()) return;
        let message: LiveMessage;
        try {
          message = JSON.parse(json) as LiveMessage;
        } catch {
          return;
        }
        if (message.type === 'init') {
          job.awaitingInitBytes = true;
        } else if (message.type === 'ended') {
          job.init = null;
          this.#restart(job, 'source_ended');
          this.#hub.endStream(job.outputId, message.reason);
        }
      },
      sendBinary: (data) => {
        if (!live()) return;
        if (job.awaitingInitBytes) {
          job.awaitingInitBytes = false;
          this.#onSourceInit(job, data);
        } else {
          this.#onSourceFragment(job, data);
        }
      },
      bufferedBytes: () => 0, // the feed applies its own bound, in media time (rule 6)
      close: () => {
        // The hub closed us (server shutdown): nothing more will come.
        if (live()) this.#stopJob(job, 'shutdown');
      },
    };
  }

  #restart(job: Job, reason: 'source_ended' | 'source_changed'): void {
    if (!job.run) return;
    this.#stopRun(job);
    this.#onEvent({ type: 'stopped', sourceId: job.sourceId, reason });
  }

  #onSourceInit(job: Job, data: Buffer): void {
    this.#restart(job, 'source_changed'); // rule 4: a new timeline (or format) needs a new ffmpeg
    try {
      job.init = parseInit(data);
    } catch (err) {
      job.init = null;
      this.#onEvent({ type: 'diagnostic', sourceId: job.sourceId, line: `unreadable source init segment: ${(err as Error).message}` });
    }
  }

  #onSourceFragment(job: Job, data: Buffer): void {
    const init = job.init;
    if (!init || job.cancelRetry) return;
    let fragment;
    try {
      fragment = parseFragment(data, { trackId: init.trackId, ...(init.trex ? { trex: init.trex } : {}) });
    } catch {
      return; // the ingest parsed it already; a fragment we cannot read is one ffmpeg could not either
    }
    job.fragmentsIn++;
    const durationMs = (fragment.durationTicks * 1000) / init.timescale;
    let run = job.run;
    if (!run) {
      if (!fragment.keyframe) return;
      const fps = fragment.durationTicks > 0 ? (fragment.sampleCount * init.timescale) / fragment.durationTicks : null;
      run = this.#startRun(job, init, fps);
      run.write(init.data, 0);
      job.firstInputAtMs = this.#clock.nowMs();
    } else if (job.skipping || run.pendingMs > this.#maxInputLagMs) {
      // Rule 6: ffmpeg is behind; resume only at a keyframe, once it has mostly caught up.
      job.skipping = !(fragment.keyframe && run.pendingMs <= this.#maxInputLagMs / 3);
      if (job.skipping) {
        job.fragmentsSkipped++;
        return;
      }
    }
    run.write(data, durationMs);
  }

  #startRun(job: Job, init: InitSegment, fps: number | null): TranscodeRun {
    const bitrateBps = transcodeBitrateBps(init.width, init.height, fps, this.#maxWidth);
    const args = buildTranscodeArgs({ gopFrames: gopFramesFor(fps), bitrateBps, fragmentMs: this.#fragmentMs, maxWidth: this.#maxWidth });
    const run: TranscodeRun = new TranscodeRun(
      { ffmpegPath: this.#ffmpegPath, args, spawn: this.#spawn, clock: this.#clock, killTimeoutMs: this.#killTimeoutMs },
      {
        onItem: (item) => {
          if (job.run !== run) return;
          if (item.kind === 'fragment') {
            job.fragmentsOut++;
            if (job.firstInputAtMs !== null) {
              this.#onEvent({ type: 'first_fragment', sourceId: job.sourceId, latencyMs: this.#clock.nowMs() - job.firstInputAtMs });
              job.firstInputAtMs = null;
            }
          }
          this.#hub.publish(job.outputId, item);
        },
        onExit: (exit) => this.#onRunExit(job, run, exit),
        onDiagnostic: (line) => this.#onEvent({ type: 'diagnostic', sourceId: job.sourceId, line }),
      },
    );
    job.run = run;
    job.runs++;
    job.skipping = false;
    job.runStartedAtMs = this.#clock.nowMs();
    run.start();
    const size = outputSize(init.width, init.height, this.#maxWidth);
    if (job.run === run) {
      this.#onEvent({ type: 'started', sourceId: job.sourceId, pid: run.pid, ...size, fps, bitrateBps });
    }
    return run;
  }

  /** Rule 5: an exit nobody asked for ends the derived stream and retries after a backoff. */
  #onRunExit(job: Job, run: TranscodeRun, exit: TranscodeExit): void {
    if (exit.stopped || job.run !== run || this.#jobs.get(job.sourceId) !== job) return;
    job.run = null;
    if (this.#clock.nowMs() - job.runStartedAtMs >= STABLE_MS) job.failures = 0;
    job.failures++;
    const retryInMs = Math.min(this.#backoff.maxMs, this.#backoff.minMs * 2 ** (job.failures - 1));
    const reason = exit.reason ?? `ffmpeg exited with ${exit.signal ?? `code ${exit.code}`}`;
    this.#hub.endStream(job.outputId, `transcode failed: ${reason}`);
    this.#onEvent({ type: 'failed', sourceId: job.sourceId, reason, retryInMs });
    job.cancelRetry = this.#clock.setTimer(() => {
      job.cancelRetry = null; // the next source keyframe starts a new run
    }, retryInMs);
  }
}
