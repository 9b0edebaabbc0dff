// IngestSupervisor: one ffmpeg child per camera stream, restarted with backoff (architecture §3 "Ingest"), or, with
// `rtspClient: 'builtin'`, the in-process RTSP ingest of media/rtsp in its place (the same output, no process).
// Owns the child process, its stdio, the stall watchdog and the retry timer of one stream. Must not touch files,
// the database or the log directly: everything leaves through the listener, already redacted.
//
// Data path: ffmpeg stdout → Fmp4StreamParser → listener.onInit / onFragment, synchronously, in stream order. The
// supervisor keeps no queue: a slow consumer is the consumer's problem to solve (the live hub drops slow clients
// to the next keyframe, the segment writer applies its own backpressure), so memory here stays bounded by one
// stdout chunk plus the parser's partial box. stdout is read by Node's pipe stream (≤ 64 KiB reads), or, given a
// `nativeStdout` (recording.bytePath native), by a native thread that hands over one chunk per fragment
// (native/vigil_native.c): the same bytes in the same order, far fewer events, buffers and parser passes. That reader
// may also record fragments itself, once the stream's recorder has armed it (docs/storage.md, "Inline recording"):
// those arrive already written, with their values and (only while someone watches live) their bytes.
//
// Credentials: with `urlVia: 'fd'` (default) the URL reaches ffmpeg through fd 3 and is not in
// /proc/<pid>/cmdline (see args.ts). It remains in the memory of this process and of the child, readable by root
// and the same user; with `urlVia: 'argv'` any local user can read it from the process list. Every stderr line,
// error message and lastError passes the redactor (redact.ts) before it leaves.

import { spawn as nodeSpawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Writable, type Readable } from 'node:stream';
import { detachedFragment, Fmp4ParseError, Fmp4StreamParser, fragmentSize, type Fmp4Item, type Fragment, type InitSegment } from '../fmp4/index.js';
import { buildIngestArgs, buildInputScript, INPUT_SCRIPT_FD, MASK_INPUT_FD, type IngestArgsOptions } from './args.js';
import { BuiltinRtspIngest } from '../rtsp/index.js';
import { createRedactor, redactUrl, secretsFromUrl } from './redact.js';
import {
  DEFAULT_BACKOFF, INITIAL_SNAPSHOT, retryDelayMs, transition,
  type BackoffPolicy, type IngestEvent, type IngestReason, type IngestSnapshot, type IngestState,
} from './state.js';
import { IngestStatsWindow, type IngestStats } from './stats.js';
import { classifyStderrLine, DEFAULT_DIAGNOSTIC_LIMIT, DiagnosticLimiter, LineSplitter, type DiagnosticLimit } from './stderr.js';

export interface IngestListener {
  onInit(init: InitSegment): void;
  /** `origin` is given for fragments the native reader read (with `written`/`fault` when it recorded them itself). */
  onFragment(fragment: Fragment, origin?: NativeFragmentOrigin): void;
  /** `reason` is set in `reconnecting` and `failed`. */
  onState(state: IngestState, reason?: IngestReason): void;
  /** A redacted, rate-limited ffmpeg stderr line or supervisor note, for the log. */
  onDiagnostic(line: string): void;
}

/** The part of a ChildProcess the supervisor uses (node's ChildProcess satisfies it; tests pass a fake). */
export interface IngestChild {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: readonly unknown[];
  kill(signal: NodeJS.Signals): boolean;
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** `stdio` entries: 'ignore', 'pipe', or a file descriptor the child gets as is (the native reader's pipe). */
export type SpawnIngest = (command: string, args: string[], options: { stdio: ('ignore' | 'pipe' | number)[] }) => IngestChild;

/** A native pipe reader (native/vigil_native.c), opaque to JavaScript. */
export type NativeReaderHandle = { readonly __nativeReader: unique symbol };

/** A fragment's values as the native reader read them (media/fmp4 parseFragment's, without the bytes). */
export type NativeFragmentValues = Omit<Fragment, 'data'>;

/** What the native reader says of each chunk it hands over (`seq` counts chunks from 1). */
export type NativeChunkInfo =
  | { seq: number; status: 'chunk' }
  | ({ seq: number; status: 'written'; size: number; fileBytes: number; direct: boolean } & NativeFragmentValues)
  | ({ seq: number; status: 'fault'; size: number; code: string; syscall: string; message: string } & NativeFragmentValues);

/**
 * The segment a recorder hands to the native reader so that it appends the stream's next fragments itself
 * (native/vigil_native.c readerArm), and the recorder's rules for them (stream-recorder.ts writeFragment).
 */
export interface NativeArmParams {
  /** The seq of the last chunk the recorder has dealt with: arming fails unless it is the last one handed over. */
  afterSeq: number;
  fd: number;
  /** File offset of the next byte. */
  at: number;
  key: Buffer | null;
  aadBase: Buffer | null;
  firstIndex: number;
  /** The file's SHA-256 (a native hash handle): the reader adds what it appends. */
  hash: unknown;
  sync: boolean;
  /** Write with O_DIRECT where the file system allows (the file keeps up to a block of zero padding while armed). */
  direct?: boolean;
  trackId: number;
  trex: [number, number, number] | null;
  timescale: number;
  mediaStart: number;
  nextTicks: number;
  discontinuityTicks: number;
  targetMs: number;
  maxMs: number;
}

/** The GOP the native reader kept (recorded fragments whose bytes stayed native), for a first live viewer. */
export interface NativeLiveSnapshot {
  /** The last chunk covered: fragments up to it are in `fragments` or older. */
  seq: number;
  fragments: (NativeFragmentValues & { data: Buffer; seq: number })[];
  truncated: boolean;
}

/** The native stdout reader (native/vigil_native.c `pipe`, `readerStart`, …): see the data path above. */
export interface NativeStdout {
  /** A new pipe: [read end, write end]; the write end becomes the child's stdout. */
  pipe(): [number, number];
  /**
   * Reads `fd` on a native thread until EOF: `onData(chunk, null, info)` per chunk (chunk null when a recorded
   * fragment's bytes stayed native), then once `onData(null, errnoCode | null, null)`; closes `fd`.
   */
  readerStart(fd: number, onData: (chunk: Buffer | null, endCode: string | null, info: NativeChunkInfo | null) => void): NativeReaderHandle;
  readerArm(reader: NativeReaderHandle, params: NativeArmParams): boolean;
  /** Returns the seq of the last chunk the reader recorded (0: none); no append is in progress when it returns. */
  readerDisarm(reader: NativeReaderHandle): number;
  readerLive(reader: NativeReaderHandle, on: boolean): NativeLiveSnapshot | null;
}

/** Where a fragment read by the native reader came from, and whether the reader recorded it already. */
export interface NativeFragmentOrigin {
  stdout: NativeStdout;
  reader: NativeReaderHandle;
  seq: number;
  /** Recorded by the reader into the segment its recorder armed it with (file bytes added, overhead included). */
  written: { fileBytes: number; direct: boolean } | null;
  /** The reader's append of it failed (errno's code): lost, and the segment may have a torn tail. */
  fault: NodeJS.ErrnoException | null;
}

/** Time source and timers, injected so tests can drive the watchdog and backoff deterministically. */
export interface IngestClock {
  nowMs(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: IngestClock = {
  nowMs: () => Date.now(),
  setTimer: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
};

export interface StreamParser {
  push(chunk: Buffer): Fmp4Item[];
  end(): void;
}

export interface IngestSupervisorOptions extends Omit<IngestArgsOptions, 'fragmentMs' | 'maskBurnIn'> {
  /** Privacy masks to burn into the recording (R13, D11), as a PAM image (media/mask maskImagePam); re-encodes. */
  maskImage?: Buffer;
  /** Default 1000 (architecture §4 invariant 3: the RPO). */
  fragmentMs?: number;
  /** Default 'ffmpeg' (found on PATH). */
  ffmpegPath?: string;
  /** No fragment for this long while recording → kill and reconnect. Default 10 000. */
  stallMs?: number;
  /** No first fragment this long after a spawn → kill and reconnect. Default max(20 000, stallMs). */
  connectTimeoutMs?: number;
  /** Recording this long resets the backoff. Default 30 000. */
  stableMs?: number;
  /** Default 1 s → 30 s. */
  backoff?: BackoffPolicy;
  /**
   * After a recording stream is lost, retry every ~fastRetryMs (default 2000: uniform 1–2 s) for
   * fastRetryWindowMs (default 120 000) before falling back to the backoff, so a returning camera records again
   * within seconds. 0 turns it off.
   */
  fastRetryMs?: number;
  fastRetryWindowMs?: number;
  /** SIGTERM, then SIGKILL after this long. Default 3000. */
  killTimeoutMs?: number;
  /** Sliding window of the bitrate/fps stats. Default 10 000. */
  statsWindowMs?: number;
  /** Default 5 lines per 10 s. */
  diagnosticLimit?: DiagnosticLimit;
  spawn?: SpawnIngest;
  clock?: IngestClock;
  random?: () => number;
  createParser?: () => StreamParser;
  /** Read stdout natively (see the data path above); default: Node's pipe stream. */
  nativeStdout?: NativeStdout;
  /**
   * Who speaks RTSP: 'ffmpeg' (default here), or 'builtin', the in-process client and fMP4 muxer of media/rtsp
   * (rtsp:// URLs without burnt-in masks; a stream it does not implement falls back to ffmpeg by itself).
   */
  rtspClient?: 'builtin' | 'ffmpeg';
}

/** One ffmpeg attempt. */
interface Run {
  child: IngestChild | null;
  readonly parser: StreamParser;
  readonly lines: LineSplitter;
  /** First failure reason stderr named. */
  classified?: IngestReason;
  lastLine?: string;
  /** Set when the supervisor has decided this attempt failed (it is being killed, or could not start). */
  failure?: { reason: IngestReason; message: string };
  spawnError?: string;
  sawFragment: boolean;
  timescale: number;
  terminating: boolean;
  closed: boolean;
  readonly done: Promise<void>;
  resolveDone(): void;
  cancelWatchdog(): void;
  /** The stall watchdog: fails the run at `deadline` (moved on by every fragment without a new timer each time). */
  watchdog: { deadline: number; ms: number; dueAt: number } | null;
  cancelKill(): void;
}

const noop = (): void => {};

export class IngestSupervisor {
  private snapshot: IngestSnapshot = INITIAL_SNAPSHOT;
  private run: Run | null = null;
  private cancelRetry: (() => void) | null = null;
  private stopping: Promise<void> | null = null;
  private readonly args: string[];
  private readonly redact: (text: string) => string;
  private readonly window: IngestStatsWindow;
  private readonly limiter: DiagnosticLimiter;
  private readonly clock: IngestClock;
  private readonly spawnChild: SpawnIngest;
  private readonly argsOptions: IngestArgsOptions;
  private reconnects = 0;
  private lastFragmentAtMs: number | null = null;
  private lastError: IngestStats['lastError'] = null;
  /** Why the built-in RTSP ingest stepped aside for this stream (then ffmpeg records it); null while it has not. */
  private builtinFallback: string | null = null;

  /** Throws IngestArgsError at once for a URL or option ffmpeg would never accept (a failed start throws). */
  constructor(private readonly options: IngestSupervisorOptions, private readonly listener: IngestListener) {
    const { maskImage: _mask, ...argsOptions } = options;
    this.argsOptions = { ...argsOptions, fragmentMs: options.fragmentMs ?? 1000, maskBurnIn: options.maskImage !== undefined };
    this.args = buildIngestArgs(this.argsOptions);
    this.redact = createRedactor(secretsFromUrl(options.url));
    this.window = new IngestStatsWindow(options.statsWindowMs ?? 10_000);
    this.limiter = new DiagnosticLimiter(options.diagnosticLimit ?? DEFAULT_DIAGNOSTIC_LIMIT);
    this.clock = options.clock ?? systemClock;
    this.spawnChild = options.spawn ?? ((command, args, spawnOptions) => nodeSpawn(command, args, spawnOptions));
  }

  /** The URL as it may be logged. */
  get displayUrl(): string {
    return redactUrl(this.options.url);
  }

  get state(): IngestState {
    return this.snapshot.state;
  }

  get reason(): IngestReason | undefined {
    return this.snapshot.reason;
  }

  start(): void {
    if (this.snapshot.state === 'stopped') throw new Error('ingest supervisor was stopped; create a new one');
    if (this.snapshot.state !== 'idle') return;
    this.apply({ type: 'start' });
    this.spawnRun();
  }

  /**
   * Stops for good: no retry after this; resolves once the child has exited (SIGTERM, then SIGKILL) and been
   * reaped. The state is `stopped` at once; a last fragment ffmpeg flushes on SIGTERM is still delivered before
   * the promise resolves (a graceful stop keeps that last second), nothing after.
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.apply({ type: 'stop' });
    const run = this.run;
    this.stopping = (run ? this.terminate(run) : Promise.resolve()).then(() => {
      for (const line of this.limiter.flush()) this.diagnostic(line);
    });
    return this.stopping;
  }

  stats(): IngestStats {
    const now = this.clock.nowMs();
    return {
      state: this.snapshot.state, reason: this.snapshot.reason ?? null, ...this.window.totals(now),
      reconnects: this.reconnects, lastFragmentAtMs: this.lastFragmentAtMs, lastError: this.lastError,
      client: this.usesBuiltin() ? 'builtin' : 'ffmpeg', builtinFallback: this.builtinFallback,
    };
  }

  private spawnRun(): void {
    let resolveDone = noop;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const run: Run = {
      child: null, parser: (this.options.createParser ?? (() => new Fmp4StreamParser()))(), lines: new LineSplitter(),
      sawFragment: false, timescale: 0, terminating: false, closed: false, done, resolveDone, cancelWatchdog: noop, cancelKill: noop,
      watchdog: null,
    };
    this.run = run;
    const via = this.options.urlVia ?? 'fd';
    let child: IngestChild;
    let nativeFds: [number, number] | null = null;
    try {
      const stdio: ('ignore' | 'pipe' | number)[] = via === 'fd' ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'];
      if (this.options.maskImage) stdio[MASK_INPUT_FD] = 'pipe';
      if (stdio[INPUT_SCRIPT_FD] === undefined && this.options.maskImage) stdio[INPUT_SCRIPT_FD] = 'ignore';
      if (this.options.nativeStdout) {
        nativeFds = this.options.nativeStdout.pipe();
        stdio[1] = nativeFds[1];
      }
      const builtin = this.usesBuiltin();
      try {
        child = builtin ? this.startBuiltin(nativeFds?.[1]) : this.spawnChild(this.options.ffmpegPath ?? 'ffmpeg', this.args, { stdio });
      } finally {
        // The child has its own copy of the write end: ours must go, or the reader never sees EOF. The built-in
        // ingest owns the one it was given.
        if (nativeFds && !builtin) closeSync(nativeFds[1]);
      }
    } catch (err) {
      if (nativeFds) closeSync(nativeFds[0]);
      run.spawnError = this.redact(errorMessage(err));
      this.onClose(run, null, null);
      return;
    }
    run.child = child;
    let stdoutEnded: Promise<void> = Promise.resolve();
    if (nativeFds) {
      let endStdout = noop;
      stdoutEnded = new Promise<void>((resolve) => (endStdout = resolve));
      const stdout = this.options.nativeStdout!;
      let reader: NativeReaderHandle | null = null;
      const early: [Buffer | null, NativeChunkInfo][] = []; // a callback before readerStart returned (never seen: it is queued)
      const onData = (chunk: Buffer | null, endCode: string | null, info: NativeChunkInfo | null): void => {
        if (!info) {
          if (endCode) this.diagnostic(`ffmpeg stdout read failed: ${endCode}`);
          endStdout();
        } else if (!reader) {
          early.push([chunk, info]);
        } else {
          this.onNativeChunk(run, chunk, { stdout, reader, seq: info.seq, written: null, fault: null }, info);
        }
      };
      reader = stdout.readerStart(nativeFds[0], onData);
      for (const [chunk, info] of early.splice(0)) onData(chunk, null, info);
    }
    child.on('error', (err) => {
      // With no pid the process never started (ENOENT, EACCES); 'close' follows and ends the run.
      if (child.pid === undefined) run.spawnError = this.redact(errorMessage(err));
      else this.diagnostic(this.redact(`ffmpeg process error: ${errorMessage(err)}`));
    });
    // With the native reader, 'close' can come before its last chunks (they cross threads): the run ends after both,
    // so a fragment ffmpeg flushed on SIGTERM is still recorded (or after 2 s, should the pipe never reach EOF).
    child.on('close', (code, signal) => {
      if (!nativeFds) {
        this.onClose(run, code, signal);
        return;
      }
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        cancel();
        this.onClose(run, code, signal);
      };
      const cancel = this.clock.setTimer(settle, 2000);
      void stdoutEnded.then(settle);
    });
    child.stdout?.on('data', (chunk: Buffer) => this.onStdout(run, chunk));
    child.stdout?.on('error', noop);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => this.onStderr(run, run.lines.push(text)));
    child.stderr?.on('error', noop);
    if (via === 'fd') {
      const script = child.stdio[INPUT_SCRIPT_FD];
      if (script instanceof Writable) {
        script.on('error', noop); // EPIPE when ffmpeg is gone before reading it: the close handler reports why
        script.end(buildInputScript(this.argsOptions));
      }
    }
    const maskPipe = child.stdio[MASK_INPUT_FD];
    if (this.options.maskImage && maskPipe instanceof Writable) {
      maskPipe.on('error', noop); // EPIPE when ffmpeg is gone before reading it
      maskPipe.end(this.options.maskImage);
    }
    const stallMs = this.options.stallMs ?? 10_000;
    this.armWatchdog(run, this.options.connectTimeoutMs ?? Math.max(20_000, stallMs));
  }

  /** The built-in RTSP ingest records this stream (see `rtspClient`). */
  private usesBuiltin(): boolean {
    return this.options.rtspClient === 'builtin' && this.builtinFallback === null && !this.options.maskImage && /^rtsp:\/\//i.test(this.options.url);
  }

  private startBuiltin(stdoutFd: number | undefined): IngestChild {
    try {
      return new BuiltinRtspIngest({
        url: this.options.url, fragmentMs: this.argsOptions.fragmentMs,
        ...(stdoutFd !== undefined ? { stdoutFd } : {}),
        ...(this.options.socketTimeoutMs !== undefined ? { socketTimeoutMs: this.options.socketTimeoutMs } : {}),
      });
    } catch (err) {
      if (stdoutFd !== undefined) closeSync(stdoutFd);
      throw err;
    }
  }

  /**
   * A chunk from the native reader. One it recorded itself (`written`, or `fault` when its append failed) is a fact
   * on disk: it reaches the listener even from a run being killed, so the recorder's index matches its file; its values
   * come from the reader (held equal to the parser's by native-recorder.test.ts) and the parser does not see it (it is
   * one whole fragment, so the parser's state is unchanged). Anything else goes through the parser as before.
   */
  private onNativeChunk(run: Run, chunk: Buffer | null, origin: NativeFragmentOrigin, info: NativeChunkInfo): void {
    if (info.status === 'chunk') {
      if (chunk) this.onStdout(run, chunk, origin);
      return;
    }
    const fields: NativeFragmentValues = {
      sequence: info.sequence, baseMediaDecodeTime: info.baseMediaDecodeTime, durationTicks: info.durationTicks,
      sampleCount: info.sampleCount, keyframe: info.keyframe,
    };
    const fragment = chunk ? { ...fields, data: chunk } : detachedFragment(fields, info.size);
    if (info.status === 'written') origin.written = { fileBytes: info.fileBytes, direct: info.direct };
    else origin.fault = Object.assign(new Error(info.message), { code: info.code, syscall: info.syscall });
    if (!run.failure && run === this.run) this.onFragmentItem(run, fragment, origin);
    else this.call(() => this.listener.onFragment(fragment, origin));
  }

  private onStdout(run: Run, chunk: Buffer, origin?: NativeFragmentOrigin): void {
    if (run.failure || run !== this.run) return; // output of a child being killed is not recorded
    let items: Fmp4Item[];
    try {
      items = run.parser.push(chunk);
    } catch (err) {
      const unsupported = err instanceof Fmp4ParseError && err.code === 'unsupported';
      this.failRun(run, unsupported ? 'unsupported_codec' : 'parse_error', `fMP4 from ffmpeg: ${errorMessage(err)}`);
      return;
    }
    for (const item of items) {
      if (run.failure || this.run !== run) return;
      const now = this.clock.nowMs();
      if (item.kind === 'init') {
        const { init } = item;
        if (init.codecFamily === 'other') {
          this.failRun(run, 'unsupported_codec', `codec ${init.codec} is not H.264 or H.265`, { type: 'init', codecFamily: 'other', atMs: now });
          return;
        }
        run.timescale = init.timescale;
        this.apply({ type: 'init', codecFamily: init.codecFamily, atMs: now });
        this.call(() => this.listener.onInit(init));
      } else {
        this.onFragmentItem(run, item.fragment, origin);
      }
    }
  }

  private onFragmentItem(run: Run, fragment: Fragment, origin: NativeFragmentOrigin | undefined): void {
    const now = this.clock.nowMs();
    run.sawFragment = true;
    this.lastFragmentAtMs = now;
    this.window.addFragment(now, fragmentSize(fragment), fragment.sampleCount, run.timescale > 0 ? fragment.durationTicks / run.timescale : 0);
    this.armWatchdog(run, this.options.stallMs ?? 10_000);
    this.apply({ type: 'fragment', atMs: now });
    this.call(() => (origin ? this.listener.onFragment(fragment, origin) : this.listener.onFragment(fragment)));
  }

  private onStderr(run: Run, lines: string[]): void {
    for (const line of lines) {
      const reason = classifyStderrLine(line);
      if (reason && !run.classified) run.classified = reason;
      const redacted = this.redact(line);
      run.lastLine = redacted;
      for (const out of this.limiter.offer(redacted, this.clock.nowMs())) this.diagnostic(out);
    }
  }

  /** The supervisor decided this attempt failed while ffmpeg may still run: record why, then kill it. */
  private failRun(run: Run, reason: IngestReason, message: string, event?: IngestEvent): void {
    if (run.failure || this.stopping) return;
    run.failure = { reason, message: this.redact(message) };
    this.recordFailure(reason, run.failure.message, event);
    void this.terminate(run);
  }

  private onClose(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    if (run.closed) return;
    run.closed = true;
    run.cancelWatchdog();
    run.cancelKill();
    this.onStderr(run, run.lines.end());
    try {
      run.parser.end();
    } catch {
      // A fragment cut by the exit is lost (bounded by fragmentMs); it is not a parse failure of the stream.
    }
    run.resolveDone();
    if (this.run !== run) return;
    this.run = null;
    if (this.stopping) return;
    for (const line of this.limiter.flush()) this.diagnostic(line);
    if (run.child instanceof BuiltinRtspIngest && run.child.fallback !== null) {
      // A stream the built-in ingest does not implement: ffmpeg records it from now on, at once if nothing was lost.
      this.builtinFallback = run.child.fallback;
      if (!run.sawFragment && !run.failure) {
        this.spawnRun();
        return;
      }
    }
    if (!run.failure) {
      const reason: IngestReason = run.spawnError !== undefined ? 'spawn_failed' : run.classified ?? (run.sawFragment ? 'stream_ended' : 'input_error');
      const exit = signal ? `signal ${signal}` : `code ${code}`;
      const message = run.spawnError !== undefined ? `cannot start ${this.options.ffmpegPath ?? 'ffmpeg'}: ${run.spawnError}` : run.lastLine ?? `ffmpeg exited with ${exit}`;
      run.failure = { reason, message };
      this.recordFailure(reason, message);
    }
    this.scheduleRetry();
  }

  private recordFailure(reason: IngestReason, message: string, event?: IngestEvent): void {
    const atMs = this.clock.nowMs();
    this.lastError = { reason, message, atMs };
    this.diagnostic(`ingest ${this.displayUrl}: ${reason}: ${message}`);
    this.apply(event ?? { type: 'failure', reason, atMs });
  }

  private scheduleRetry(): void {
    if (this.stopping) return; // a listener may have called stop() from onState
    const delayMs = retryDelayMs(this.snapshot, this.options.random ?? Math.random, this.options.backoff ?? DEFAULT_BACKOFF, {
      nowMs: this.clock.nowMs(),
      windowMs: this.fastRetryWindowMs(),
      retryMs: this.options.fastRetryMs ?? 2000,
    });
    this.cancelRetry = this.clock.setTimer(() => {
      this.cancelRetry = null;
      if (this.stopping) return;
      this.reconnects += 1;
      this.spawnRun();
    }, delayMs);
  }

  private fastRetryWindowMs(): number {
    return this.options.fastRetryWindowMs ?? 120_000;
  }

  /**
   * No fragment for `ms` from now fails the run. Called per fragment: it moves the deadline on and keeps the timer
   * already set when that one is due no later (it then sets itself again for the rest), so a fragment costs no timer.
   */
  private armWatchdog(run: Run, ms: number): void {
    const deadline = this.clock.nowMs() + ms;
    const w = run.watchdog;
    if (w && w.dueAt <= deadline) {
      w.deadline = deadline;
      w.ms = ms;
      return;
    }
    run.cancelWatchdog();
    this.setWatchdog(run, { deadline, ms, dueAt: deadline });
  }

  private setWatchdog(run: Run, w: NonNullable<Run['watchdog']>): void {
    run.watchdog = w;
    const cancel = this.clock.setTimer(() => {
      if (run.watchdog !== w) return;
      const left = w.deadline - this.clock.nowMs();
      if (left > 0) {
        this.setWatchdog(run, { ...w, dueAt: w.deadline });
        return;
      }
      run.watchdog = null;
      this.failRun(run, 'stalled', `no fragment for ${w.ms / 1000} s`);
    }, Math.max(0, w.dueAt - this.clock.nowMs()));
    run.cancelWatchdog = () => {
      cancel();
      if (run.watchdog === w) run.watchdog = null;
    };
  }

  /** SIGTERM (ffmpeg flushes and exits), then SIGKILL after killTimeoutMs; resolves when the child is reaped. */
  private terminate(run: Run): Promise<void> {
    const child = run.child;
    if (run.closed || !child || run.terminating) return run.done;
    run.terminating = true;
    run.cancelWatchdog();
    child.kill('SIGTERM');
    run.cancelKill = this.clock.setTimer(() => {
      if (!run.closed) child.kill('SIGKILL');
    }, this.options.killTimeoutMs ?? 3000);
    return run.done;
  }

  private apply(event: IngestEvent): void {
    const before = this.snapshot;
    this.snapshot = transition(before, event, { stableMs: this.options.stableMs ?? 30_000, fastRetryWindowMs: this.fastRetryWindowMs() });
    const after = this.snapshot;
    if (after.state !== before.state || after.reason !== before.reason) this.call(() => this.listener.onState(after.state, after.reason));
  }

  private diagnostic(line: string): void {
    try {
      this.listener.onDiagnostic(line);
    } catch {
      // A throwing log sink must not stop ingest.
    }
  }

  /** Listener calls are isolated: a consumer bug is reported, and recording of this stream goes on. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.diagnostic(this.redact(`ingest listener threw: ${errorMessage(err)}`));
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
