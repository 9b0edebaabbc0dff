// One ffmpeg transcode process: fMP4 written to its stdin, its stdout parsed into init segments and fragments. Owns the
// child, its three pipes and its kill timer; knows nothing of viewers, hubs or restarts (transcoder.ts decides those).
// Must not touch files or the log: stderr lines leave through `onDiagnostic`, already rate-limited.
//
// Stop: stdin is closed (ffmpeg flushes and exits on EOF), SIGTERM at once, SIGKILL after `killTimeoutMs`; `stop()`
// resolves on the child's 'close', i.e. once it has exited and been reaped (no zombie).

import { spawn as nodeSpawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { Fmp4StreamParser, type Fmp4Item } from '../fmp4/index.js';
import type { IngestClock } from '../ingest/index.js';
import { DiagnosticLimiter, LineSplitter } from '../ingest/stderr.js';

/** The part of a ChildProcess a run uses (node's ChildProcess satisfies it; tests pass a fake). */
export interface TranscodeChild {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(signal: NodeJS.Signals): boolean;
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export type SpawnTranscode = (command: string, args: string[], options: { stdio: ['pipe', 'pipe', 'pipe'] }) => TranscodeChild;

export const spawnTranscode: SpawnTranscode = (command, args, options) => nodeSpawn(command, args, options);

export interface TranscodeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether `stop()` was called first (an expected exit). */
  stopped: boolean;
  /** Why the run failed, in words (spawn error, unreadable output, ffmpeg's last stderr line), or null. */
  reason: string | null;
}

export interface TranscodeRunEvents {
  onItem(item: Fmp4Item): void;
  onExit(exit: TranscodeExit): void;
  onDiagnostic(line: string): void;
}

export interface TranscodeRunOptions {
  ffmpegPath: string;
  args: string[];
  spawn: SpawnTranscode;
  clock: IngestClock;
  killTimeoutMs: number;
}

export class TranscodeRun {
  readonly done: Promise<void>;
  #resolveDone: () => void = () => undefined;
  #child: TranscodeChild | null = null;
  readonly #parser = new Fmp4StreamParser();
  readonly #lines = new LineSplitter();
  readonly #limiter = new DiagnosticLimiter({ maxLines: 5, windowMs: 10_000 });
  #pendingMs = 0;
  #stopped = false;
  #exited = false;
  #failure: string | null = null;
  #lastLine: string | null = null;
  #cancelKill: () => void = () => undefined;

  constructor(private readonly options: TranscodeRunOptions, private readonly events: TranscodeRunEvents) {
    this.done = new Promise<void>((resolve) => (this.#resolveDone = resolve));
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Media time written to stdin but not yet taken by the pipe: how far ffmpeg is behind its input. */
  get pendingMs(): number {
    return this.#pendingMs;
  }

  start(): void {
    let child: TranscodeChild;
    try {
      child = this.options.spawn(this.options.ffmpegPath, this.options.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      this.#failure = `cannot start ffmpeg: ${errorMessage(err)}`;
      this.#onClose(null, null);
      return;
    }
    this.#child = child;
    child.on('error', (err) => {
      this.#failure ??= `ffmpeg process error: ${errorMessage(err)}`;
    });
    child.on('close', (code, signal) => this.#onClose(code, signal));
    child.stdin?.on('error', () => undefined); // EPIPE once ffmpeg is gone: 'close' reports why
    child.stdout?.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    child.stdout?.on('error', () => undefined);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of this.#lines.push(text)) this.#diagnostic(line);
    });
    child.stderr?.on('error', () => undefined);
  }

  /** Writes source bytes (init or fragment) of `durationMs` media time. Ignored once stopping or failed. */
  write(data: Buffer, durationMs: number): void {
    const stdin = this.#child?.stdin;
    if (!stdin || this.#stopped || this.#failure || this.#exited || stdin.writableEnded) return;
    this.#pendingMs += durationMs;
    stdin.write(data, () => {
      this.#pendingMs -= durationMs;
    });
  }

  /** Ends the process (EOF, SIGTERM, then SIGKILL); resolves once it has exited and been reaped. */
  stop(): Promise<void> {
    if (this.#stopped || this.#exited) return this.done;
    this.#stopped = true;
    const child = this.#child;
    if (child) {
      child.stdin?.end();
      child.kill('SIGTERM');
      this.#cancelKill = this.options.clock.setTimer(() => child.kill('SIGKILL'), this.options.killTimeoutMs);
    }
    return this.done;
  }

  #onStdout(chunk: Buffer): void {
    if (this.#stopped || this.#failure) return;
    let items: Fmp4Item[];
    try {
      items = this.#parser.push(chunk);
    } catch (err) {
      this.#fail(`unreadable fMP4 from ffmpeg: ${errorMessage(err)}`);
      return;
    }
    for (const item of items) {
      if (this.#stopped || this.#failure) return;
      this.events.onItem(item);
    }
  }

  #fail(reason: string): void {
    this.#failure = reason;
    const child = this.#child;
    if (!child) return;
    child.kill('SIGTERM');
    this.#cancelKill = this.options.clock.setTimer(() => child.kill('SIGKILL'), this.options.killTimeoutMs);
  }

  #diagnostic(line: string): void {
    this.#lastLine = line;
    for (const out of this.#limiter.offer(line, this.options.clock.nowMs())) this.events.onDiagnostic(out);
  }

  #onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#cancelKill();
    for (const line of this.#lines.end()) this.#diagnostic(line);
    for (const line of this.#limiter.flush()) this.events.onDiagnostic(line);
    const failed = this.#failure !== null || (!this.#stopped && (code !== 0 || signal !== null));
    const reason = this.#failure ?? (failed ? (this.#lastLine ?? `ffmpeg exited with ${signal ?? `code ${code}`}`) : null);
    this.events.onExit({ code, signal, stopped: this.#stopped, reason });
    this.#resolveDone();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
