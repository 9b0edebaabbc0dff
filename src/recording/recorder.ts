// The recorder: keeps one ingest supervisor (ffmpeg child) and, for recorded streams, one StreamRecorder per enabled
// camera stream, and feeds every fragment to both the segment writer and the live hub. It follows the camera
// registry: in-process change events, plus a periodic re-read so changes made by another process (the CLI, another
// API node) are picked up too. Owns no table; it writes through StreamRecorder and reads cameras through the source.
import {
  IngestSupervisor,
  type Fmp4Item,
  type IngestReason,
  type IngestState,
  type IngestStats,
  type LiveByteSource,
  type NativeFragmentOrigin,
  type NativeReaderHandle,
  type NativeStdout,
  maskImagePam,
} from '../media/index.js';
import type { PrivacyMask } from '../domain/index.js';
import type { LocalSegmentStore } from '../storage/index.js';
import type { RecordingRepo } from './repo.js';
import { StreamRecorder, type RecorderLogger, type StreamRecorderOptions, type StreamRecorderStats } from './stream-recorder.js';

/** A stream to ingest, as the camera registry hands it (the URL is opened: it goes to ffmpeg only). */
export interface IngestTarget {
  cameraId: string;
  cameraName: string;
  streamId: string;
  kind: 'main' | 'sub';
  url: string;
  urlRedacted: string;
  record: boolean;
  /** Privacy masks to burn into what is recorded (R13, D11); the ingest then re-encodes. Absent or empty: copy. */
  burnInMasks?: readonly PrivacyMask[];
  /** The camera's own RTSP client, overriding `ingest.rtspClient`; absent: the configured one. */
  rtspClient?: 'builtin' | 'ffmpeg';
}

export interface IngestSource {
  streamsToIngest(): Promise<{
    streams: IngestTarget[];
    unreadable: { cameraId: string; streamId: string; kind: 'main' | 'sub'; urlRedacted: string; error: Error }[];
    /** Enabled cameras left out because they fail the activation rule (R10, D11): logged, never recorded. */
    refused?: { cameraId: string; error: Error & { code?: string; article?: string } }[];
  }>;
  onChange(listener: () => void): () => void;
}

/** Where fragments go for live view (the live hub). */
export interface LiveSinkHub {
  /** `seq`: the native reader's chunk number of a fragment (see LiveByteSource). */
  publish(streamId: string, item: Fmp4Item, seq?: number): void;
  endStream(streamId: string, reason: string): void;
  /** Where the stream's bytes are when the native reader keeps them (recorded fragments come detached). */
  setByteSource?(streamId: string, source: LiveByteSource | null): void;
}

/**
 * A stream's LiveByteSource: the native reader of its current ffmpeg run (they change with every restart). Bytes are
 * wanted while the hub has viewers; a new reader is told so as soon as its first fragment shows it.
 */
class NativeLiveBytes implements LiveByteSource {
  private current: { stdout: NativeStdout; reader: NativeReaderHandle } | null = null;
  private wanted = false;

  follow(origin: NativeFragmentOrigin): void {
    if (this.current?.reader === origin.reader) return;
    this.current = { stdout: origin.stdout, reader: origin.reader };
    if (this.wanted) origin.stdout.readerLive(origin.reader, true);
  }

  wantBytes(on: boolean): ReturnType<LiveByteSource['wantBytes']> {
    this.wanted = on;
    const c = this.current;
    return c ? c.stdout.readerLive(c.reader, on) : null;
  }
}

export interface IngestSettings {
  ffmpegPath: string;
  fragmentMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  stallMs: number;
  fastRetryMs: number;
  fastRetryWindowMs: number;
  /** Who speaks RTSP (config ingest.rtspClient); default 'ffmpeg'. */
  rtspClient?: 'builtin' | 'ffmpeg';
  /** Read ffmpeg's stdout natively (recording.bytePath); default: Node's pipe stream. */
  nativeStdout?: NativeStdout;
}

export interface RecorderDeps {
  source: IngestSource;
  store: LocalSegmentStore;
  repo: RecordingRepo;
  hub: LiveSinkHub;
  log: RecorderLogger;
  now: () => number;
  recording: StreamRecorderOptions;
  ingest: IngestSettings;
  /** How often the camera list is re-read (changes from other processes). Default 5000. */
  pollMs?: number;
}

export interface StreamStatusSnapshot {
  streamId: string;
  cameraId: string;
  cameraName: string;
  kind: 'main' | 'sub';
  record: boolean;
  state: IngestState;
  reason: string | null;
  ingest: IngestStats | null;
  recorder: StreamRecorderStats | null;
}

interface Entry {
  target: IngestTarget;
  key: string;
  supervisor: IngestSupervisor | null;
  writer: StreamRecorder | null;
  state: IngestState;
  reason: string | null;
  stopping: boolean;
}

export class Recorder {
  private readonly entries = new Map<string, Entry>();
  private syncing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(private readonly deps: RecorderDeps) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.source.onChange(() => void this.sync());
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.deps.pollMs ?? 5000);
    this.timer.unref();
  }

  /** Brings the running ingests in line with the registry. Serialised: one sync at a time. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncOnce()).catch((err: unknown) => {
      this.deps.log.error({ err }, 'recorder could not read the camera registry');
    });
    return this.syncing;
  }

  /** Stops every ingest, then closes every run with cause `shutdown` after its queued fragments are written. */
  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.syncing;
    await Promise.all([...this.entries.values()].map((e) => this.stopEntry(e, 'shutdown')));
    this.entries.clear();
  }

  status(streamId: string): StreamStatusSnapshot | undefined {
    const e = this.entries.get(streamId);
    return e ? this.snapshotOf(e) : undefined;
  }

  snapshot(): StreamStatusSnapshot[] {
    return [...this.entries.values()].map((e) => this.snapshotOf(e));
  }

  private snapshotOf(e: Entry): StreamStatusSnapshot {
    const t = e.target;
    return {
      streamId: t.streamId, cameraId: t.cameraId, cameraName: t.cameraName, kind: t.kind, record: t.record,
      state: e.state, reason: e.reason, ingest: e.supervisor?.stats() ?? null, recorder: e.writer?.stats() ?? null,
    };
  }

  private async syncOnce(): Promise<void> {
    if (this.closed) return;
    const plan = await this.deps.source.streamsToIngest();
    const wanted = new Map(plan.streams.map((s) => [s.streamId, s]));
    for (const [id, entry] of this.entries) {
      const next = wanted.get(id);
      if (!next) await this.stopEntry(entry, 'camera_disabled');
      else if (keyOf(next) !== entry.key) await this.stopEntry(entry, 'camera_changed');
      else continue;
      this.entries.delete(id);
    }
    for (const target of plan.streams) {
      if (!this.entries.has(target.streamId)) this.startEntry(target);
    }
    for (const bad of plan.unreadable) {
      if (this.entries.has(bad.streamId)) continue;
      this.entries.set(bad.streamId, {
        target: { ...bad, cameraName: '', url: '', record: false }, key: 'unreadable', supervisor: null, writer: null,
        state: 'failed', reason: 'credential_unreadable', stopping: false,
      });
      this.deps.log.error({ streamId: bad.streamId, cameraId: bad.cameraId }, 'stream URL cannot be opened: re-enter it or restore the key');
    }
    for (const r of plan.refused ?? []) {
      this.deps.log.error({ cameraId: r.cameraId, error: r.error.code, article: r.error.article }, `camera not recorded: ${r.error.message}`);
    }
  }

  private startEntry(target: IngestTarget): void {
    const { deps } = this;
    const writer = target.record
      ? new StreamRecorder({ store: deps.store, repo: deps.repo, now: deps.now, log: deps.log, options: deps.recording }, target)
      : null;
    const entry: Entry = { target, key: keyOf(target), supervisor: null, writer, state: 'idle', reason: null, stopping: false };
    const log = deps.log;
    const ids = { streamId: target.streamId, cameraId: target.cameraId, kind: target.kind };
    const liveBytes = deps.ingest.nativeStdout ? new NativeLiveBytes() : null;
    if (liveBytes) deps.hub.setByteSource?.(target.streamId, liveBytes);
    const rtspClient = target.rtspClient ?? deps.ingest.rtspClient; // the camera's own choice wins over the server's
    entry.supervisor = new IngestSupervisor(
      {
        url: target.url,
        ...(target.burnInMasks?.length ? { maskImage: maskImagePam(target.burnInMasks) } : {}),
        fragmentMs: deps.ingest.fragmentMs,
        ffmpegPath: deps.ingest.ffmpegPath,
        stallMs: deps.ingest.stallMs,
        fastRetryMs: deps.ingest.fastRetryMs,
        fastRetryWindowMs: deps.ingest.fastRetryWindowMs,
        ...(rtspClient ? { rtspClient } : {}),
        backoff: { minMs: deps.ingest.backoffMinMs, maxMs: deps.ingest.backoffMaxMs },
        ...(deps.ingest.nativeStdout ? { nativeStdout: deps.ingest.nativeStdout } : {}),
      },
      {
        onInit: (init) => {
          writer?.onInit(init);
          deps.hub.publish(target.streamId, { kind: 'init', init });
        },
        onFragment: (fragment, origin) => {
          if (origin) liveBytes?.follow(origin);
          writer?.onFragment(fragment, origin);
          deps.hub.publish(target.streamId, { kind: 'fragment', fragment }, origin?.seq);
        },
        onState: (state: IngestState, reason?: IngestReason) => {
          const was = entry.state;
          entry.state = state;
          entry.reason = reason ?? null;
          if (state !== was) log.info({ ...ids, state, reason, url: undefined, camera: target.urlRedacted }, 'stream state');
          if (entry.stopping) return;
          if (was === 'recording' && state !== 'recording') {
            // The gap starts here; its cause is why the stream stopped.
            void writer?.endRun(`camera_lost:${reason ?? state}`);
            deps.hub.endStream(target.streamId, reason ?? state);
          }
        },
        // ffmpeg says these two on every RTSP connect with -c copy; they are harmless, so keep them out of warn.
        onDiagnostic: (line) =>
          (BENIGN_FFMPEG.test(line) ? log.debug : log.warn).call(log, { ...ids, ffmpeg: line }, 'ffmpeg diagnostic'),
      },
    );
    this.entries.set(target.streamId, entry);
    entry.supervisor.start();
  }

  private async stopEntry(entry: Entry, cause: string): Promise<void> {
    entry.stopping = true;
    await entry.supervisor?.stop();
    await entry.writer?.stop(cause);
    this.deps.hub.endStream(entry.target.streamId, cause);
    this.deps.hub.setByteSource?.(entry.target.streamId, null);
  }
}

const BENIGN_FFMPEG = /Timestamps are unset in a packet|Non-monotonous DTS in output stream/;

/** What, if changed, requires restarting a stream's ingest. */
function keyOf(t: IngestTarget): string {
  // A change of the recording masks or of the camera's RTSP client restarts the stream's ingest, like a new URL.
  return JSON.stringify([t.url, t.record, t.burnInMasks ?? [], t.rtspClient ?? null]);
}
