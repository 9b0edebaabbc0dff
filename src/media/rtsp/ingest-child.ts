// The built-in RTSP ingest, shaped like the ffmpeg child it replaces (media/ingest IngestChild): the supervisor starts
// it, reads fMP4 from its "stdout" (or the native reader reads it from the pipe whose write end it is given), reads
// ffmpeg-like diagnostic lines from its "stderr" (classified by the same rules: "401 Unauthorized", "Connection
// refused"…), kills it with SIGTERM (the gathered samples go out as a last fragment, as ffmpeg flushes its last one) or
// SIGKILL, and sees 'close' when it is done. Everything runs in this process: no fork, no second copy of the stream
// through a pipe per RTP packet, no per-packet syscalls (docs/storage.md, "Built-in RTSP ingest").
//
// It records what ffmpeg would, or steps aside: a stream it does not implement (a codec other than H.264/H.265,
// B-frames, interleaved packetization, a server that refuses RTP over TCP) ends it with `fallback` set, and the
// supervisor records that stream with ffmpeg from then on.

import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createRedactor, secretsFromUrl } from '../ingest/redact.js';
import { RtspClient, RtspError, type RtspPlayInfo } from './client.js';
import { RtpFragmenter, UnsupportedStreamError, type ParamSets, type RtpVideoCodec } from './fragmenter.js';
import { ParamSetError } from './param-sets.js';
import { sdpParamSets } from './sdp-param-sets.js';

export interface BuiltinIngestOptions {
  /** rtsp:// URL, credentials included (used for the session, never in a line). */
  url: string;
  fragmentMs: number;
  /** The write end of the native reader's pipe: fMP4 goes there, and this child owns (closes) it. Else: `stdout`. */
  stdoutFd?: number;
  /** No RTP for this long ends the session, as ffmpeg's RTSP socket timeout does. Default 5000. */
  socketTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export class BuiltinRtspIngest extends EventEmitter {
  readonly pid = undefined;
  readonly stdout: Readable | null;
  readonly stderr = new Readable({ read() {} });
  readonly stdio: readonly unknown[];
  /** Why this stream should be recorded with ffmpeg instead (set before 'close'); null when it should not. */
  fallback: string | null = null;
  private readonly client: RtspClient;
  private readonly pipe: Socket | null;
  private fragmenter: RtpFragmenter | null = null;
  private readonly redact: (text: string) => string;
  private ended = false;
  private closed = false;
  private bytesSinceCheck = 0;
  private readonly timer: NodeJS.Timeout;
  /** The last diagnostic line has been written (a later one, e.g. from the pipe, would be a push after EOF). */
  private stderrDone = false;
  /** Reading the camera is paused until the pipe drains. */
  private paused = false;

  constructor(private readonly options: BuiltinIngestOptions) {
    super();
    this.redact = createRedactor(secretsFromUrl(options.url));
    this.pipe = options.stdoutFd === undefined ? null : new Socket({ fd: options.stdoutFd, readable: false, writable: true });
    this.pipe?.on('error', (err) => this.line(`output pipe: ${err.message}`));
    this.stdout = this.pipe ? null : new Readable({ read() {} });
    this.stdio = [null, this.stdout, this.stderr];
    this.client = new RtspClient({
      url: options.url,
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      onRtp: (packet) => this.onRtp(packet),
      onEnd: (err) => this.finish(err ? this.describe(err) : null, true),
    });
    const timeoutMs = options.socketTimeoutMs ?? 5000;
    // One timer per stream, not per packet: silence over a whole period ends the session.
    let silentMs = 0;
    this.timer = setInterval(() => {
      if (!this.fragmenter) return;
      silentMs = this.bytesSinceCheck > 0 ? 0 : silentMs + 1000;
      this.bytesSinceCheck = 0;
      if (silentMs >= timeoutMs) this.finish('RTSP: no media for ' + timeoutMs / 1000 + ' s: Connection timed out', true);
    }, 1000);
    this.timer.unref();
    this.client.start().then(
      (info) => this.onPlaying(info),
      (err: unknown) => this.onStartFailed(err),
    );
  }

  /** SIGTERM: flush and end (as ffmpeg on SIGTERM); SIGKILL: end now. */
  kill(signal: NodeJS.Signals): boolean {
    if (this.ended && signal !== 'SIGKILL') return true;
    this.finish(null, signal !== 'SIGKILL', signal);
    return true;
  }

  /**
   * A camera whose RTSP this client cannot follow (a malformed answer, a transport it refuses) may still work with
   * ffmpeg's more lenient demuxer: step aside. Refused credentials, a wrong path or an unreachable host fail as they would
   * with ffmpeg.
   */
  private onStartFailed(err: unknown): void {
    if (err instanceof RtspError && (err.code === 'protocol' || err.code === 'unsupported')) this.stepAside(this.describe(err));
    else this.finish(this.describe(err), false);
  }

  private onPlaying(info: RtspPlayInfo): void {
    if (this.ended) return;
    const codec: RtpVideoCodec | null = info.codec === 'H264' ? 'h264' : info.codec === 'H265' ? 'h265' : null;
    if (!codec) return this.stepAside(`video codec ${info.codec} is not H.264 or H.265`);
    if (codec === 'h265' && Number(info.fmtp['sprop-max-don-diff'] ?? 0) > 0) return this.stepAside('H.265 with DONL (sprop-max-don-diff)');
    if (codec === 'h264' && Number(info.fmtp['packetization-mode'] ?? 0) === 2) return this.stepAside('H.264 interleaved packetization');
    let paramSets: ParamSets;
    try {
      paramSets = sdpParamSets(codec, info.fmtp);
    } catch {
      paramSets = { vps: [], sps: [], pps: [] }; // unreadable sprop: the stream's own parameter sets will do
    }
    this.fragmenter = new RtpFragmenter({
      codec,
      clockRate: info.clockRate,
      fragmentMs: this.options.fragmentMs,
      paramSets,
      onInit: (data) => this.write(data),
      onFragment: (data) => this.write(data),
    });
  }

  private onRtp(packet: Buffer): void {
    const fragmenter = this.fragmenter;
    if (!fragmenter || this.ended) return;
    this.bytesSinceCheck += packet.length;
    try {
      fragmenter.push(packet);
    } catch (err) {
      // Parameter sets this parser cannot read may still be fine for ffmpeg's: step aside rather than retry forever.
      if (err instanceof UnsupportedStreamError) this.stepAside(err.message);
      else if (err instanceof ParamSetError) this.stepAside(`parameter sets: ${errorText(err)}`);
      else this.finish(`RTP: stream: ${errorText(err)}`, true);
    }
  }

  private write(data: Buffer): void {
    if (this.pipe) {
      // A full pipe (the native reader is behind: a slow disk) stops reading the camera, as ffmpeg blocking on its
      // stdout would: TCP pushes back, and memory here stays bounded by what one socket read brings.
      if (!this.pipe.write(data) && !this.paused) {
        this.paused = true;
        this.client.pause();
        this.pipe.once('drain', () => {
          this.paused = false;
          this.client.resume();
        });
      }
    } else {
      this.stdout!.push(data);
    }
  }

  private stepAside(why: string): void {
    if (this.ended) return;
    this.fallback = why;
    this.finish(`built-in RTSP ingest: ${why}; recording this stream with ffmpeg`, false);
  }

  /** Ends the session once: the last line, the last fragment (`flush`), the output, then 'close'. */
  private finish(message: string | null, flush: boolean, signal: NodeJS.Signals | null = null): void {
    if (this.ended) {
      if (signal === 'SIGKILL') this.destroyOutput();
      return;
    }
    this.ended = true;
    clearInterval(this.timer);
    if (message) this.line(message);
    if (flush && this.fragmenter) {
      try {
        this.fragmenter.flush();
      } catch (err) {
        this.line(`RTP: last fragment: ${errorText(err)}`);
      }
    }
    this.client.close();
    this.stderrDone = true;
    this.stderr.push(null);
    const code = message ? 1 : 0;
    const done = (): void => {
      if (this.closed) return;
      this.closed = true;
      this.emit('close', signal ? null : code, signal);
    };
    if (signal === 'SIGKILL') {
      this.destroyOutput();
      setImmediate(done);
    } else if (this.pipe) {
      this.pipe.end(() => setImmediate(done));
      this.pipe.once('close', () => setImmediate(done));
    } else {
      this.stdout!.push(null);
      setImmediate(done);
    }
  }

  private destroyOutput(): void {
    if (this.pipe) this.pipe.destroy();
    else if (!this.stdout!.destroyed) this.stdout!.push(null);
  }

  private describe(err: unknown): string {
    if (err instanceof RtspError) return `RTSP: ${err.message}`;
    return `RTSP: ${errorText(err)}`;
  }

  private line(text: string): void {
    if (!this.stderr.readableEnded && !this.stderrDone) this.stderr.push(this.redact(text) + '\n');
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
