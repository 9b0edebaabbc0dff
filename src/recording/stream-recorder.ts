// Records one camera stream into segments (architecture §3–§4). Owns, for its stream: the open run, the open
// segment file, its SHA-256 (computed while writing, never by re-reading) and its fragment index. Writes go
// through the store (storage/) and rows through the repo; the order is storage invariant 1: file durable first,
// then the row. Work is serialised on one promise chain per stream so fragments are written in order.
//
// Faults: a write error (ENOSPC, EIO) truncates the torn tail, commits the whole fragments, ends the run with cause
// `store_full` and stops writing with a critical alert; a probe resumes recording when space returns (invariant 5).
// Nothing recorded is ever deleted here to make room (R17, D22(3)).
import { fragmentParts, fragmentSize, type Fragment, type InitSegment, type NativeFragmentOrigin, type NativeReaderHandle, type NativeStdout } from '../media/index.js';
import { dayOf, type LocalSegmentStore, type SegmentFileWriter } from '../storage/index.js';
import { encodeFragmentIndex, type FragmentIndexEntry } from './fragment-index.js';
import { MediaClock } from './media-clock.js';
import { MAX_SEGMENT_DURATION_MS, type RecordingRepo } from './repo.js';

export interface RecorderLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface StreamRecorderOptions {
  segmentTargetMs: number;
  syncEveryFragment: boolean;
  /** The native reader writes with O_DIRECT where it can (docs/storage.md, "Direct writes"). Default true. */
  directWrites?: boolean;
  minFreeBytes: number;
  storeRetryMs: number;
  /** Bytes queued for writing beyond which fragments are dropped (counted lost) instead of buffered. */
  maxQueuedBytes?: number;
}

export interface StreamRecorderDeps {
  store: LocalSegmentStore;
  repo: RecordingRepo;
  now: () => number;
  log: RecorderLogger;
  options: StreamRecorderOptions;
}

export type StreamRecorderState = 'idle' | 'recording' | 'store_full';

export interface StreamRecorderStats {
  state: StreamRecorderState;
  runId: number | null;
  fragmentsReceived: number;
  fragmentsWritten: number;
  /** Received but not written: store full, write error or write backlog. */
  fragmentsLost: number;
  /** Dropped while waiting for a keyframe to start a segment (nothing to lose: undecodable alone). */
  fragmentsSkipped: number;
  bytesWritten: number;
  segmentsWritten: number;
  queuedBytes: number;
  /** Of fragmentsWritten, those the native pipe reader recorded itself (recording.bytePath native). */
  fragmentsWrittenInline: number;
  /** Of fragmentsWrittenInline, those written with O_DIRECT (recording.directWrites). */
  fragmentsWrittenDirect: number;
  lastError: string | null;
}

interface OpenSegment {
  writer: SegmentFileWriter;
  seq: number;
  init: InitSegment;
  startMs: number;
  mediaStart: number;
  nextTicks: number;
  entries: FragmentIndexEntry[];
  frames: number;
  keyframes: number;
  /** Size of the file up to the last whole fragment written. */
  goodLength: number;
}

interface OpenRun {
  id: number;
  startMs: number;
  clock: MediaClock;
  nextSeq: number;
  lastEndMs: number;
  /** A segment of this run failed to commit: leave the run open in the index so startup reconciliation adopts it. */
  dirty: boolean;
  /** Fragments still used to settle the clock's anchor (earliest arrival wins), during the first segment only. */
  settlingFragments: number;
}

/**
 * The native pipe reader recording this stream's fragments itself (native/vigil_native.c, "Inline recording"): armed
 * with the open segment after a fragment this recorder wrote, when nothing else was queued. Every fragment it records
 * comes back as `written` and is accounted here at once (index entry, sizes, counters), outside the queue: while it is
 * armed nothing queued touches the segment, and whatever needs the segment (a fragment it did not take, a close, a new
 * init) first disarms it and waits until everything it recorded is accounted (`quiesceInline`).
 */
interface InlineSession {
  stdout: NativeStdout;
  reader: NativeReaderHandle;
  segment: OpenSegment;
  /** The seq of the last chunk accounted for (written, or handed to the queue). */
  accountedSeq: number;
  waiter: { seq: number; resolve: () => void } | null;
}

/** How long a disarm waits for the reader's last records to arrive (they are already queued to this thread). */
const INLINE_SETTLE_MS = 5000;

const DISCONTINUITY_TICKS_S = 5;
/** How many fragments at the start of a run refine its wall-clock anchor (see MediaClock.observeArrival). */
const SETTLING_FRAGMENTS = 10;
const WRITE_FAULT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG']);

export class StreamRecorder {
  private tail: Promise<void> = Promise.resolve();
  private init: InitSegment | null = null;
  private initChanged = false;
  private run: OpenRun | null = null;
  private segment: OpenSegment | null = null;
  private state: StreamRecorderState = 'idle';
  private nextStartCause = 'start';
  private pendingBacklogBreak = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly counters = { received: 0, written: 0, lost: 0, skipped: 0, bytes: 0, segments: 0, queuedBytes: 0, inline: 0, direct: 0 };
  private lastError: string | null = null;
  /** Operations queued and not finished (the one running included). */
  private pendingOps = 0;
  private inline: InlineSession | null = null;
  /** The native reader's append failed: the open segment may have a torn tail past its last accounted fragment. */
  private inlineFault: NodeJS.ErrnoException | null = null;
  /** The native reader recorded fragments that never came back to be accounted: the open segment must not be committed. */
  private inlineLost = false;

  constructor(
    private readonly deps: StreamRecorderDeps,
    readonly stream: { streamId: string; cameraId: string },
  ) {}

  onInit(init: InitSegment): void {
    this.enqueue(async () => {
      await this.quiesceInline();
      if (this.init && !this.init.data.equals(init.data)) this.initChanged = true;
      this.init = init;
    });
  }

  /**
   * A fragment of the stream, in stream order. `origin` (the native pipe reader's) lets this recorder arm the reader
   * after writing it; with `written` or `fault` the reader recorded it (or failed to) and it is only accounted here.
   */
  onFragment(fragment: Fragment, origin?: NativeFragmentOrigin): void {
    if (origin && (origin.written || origin.fault)) {
      this.onInlineFragment(fragment, origin);
      return;
    }
    if (this.stopped) return; // after stop(): the stream is no longer ours to record
    this.counters.received++;
    const max = this.deps.options.maxQueuedBytes ?? 64 * 1024 * 1024;
    const size = fragmentSize(fragment);
    if (this.counters.queuedBytes + size > max) {
      // The disk cannot keep up: drop rather than grow without bound, and break the run so the hole is explicit.
      this.counters.lost++;
      this.pendingBacklogBreak = true;
      return;
    }
    this.counters.queuedBytes += size;
    // Wall time is taken on arrival, not when the write queue gets to it, so a slow disk is not mistaken for drift.
    const arrivedMs = this.deps.now();
    this.enqueue(async () => {
      this.counters.queuedBytes -= size;
      await this.writeFragment(fragment, arrivedMs);
      if (origin) this.tryArm(origin);
    });
  }

  /** The stream stopped (camera lost, ffmpeg exited): close the segment and the run with the gap's cause. */
  endRun(cause: string): Promise<void> {
    return this.enqueue(async () => {
      await this.closeRun(cause);
      this.nextStartCause = 'reconnect';
      this.init = null;
    });
  }

  /** Graceful stop: everything queued is written, the run is closed with `cause`. */
  async stop(cause = 'shutdown'): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.enqueue(() => this.closeRun(cause));
  }

  /** Resolves when everything queued so far has been processed. */
  flush(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  stats(): StreamRecorderStats {
    const c = this.counters;
    return {
      state: this.state,
      runId: this.run?.id ?? null,
      fragmentsReceived: c.received,
      fragmentsWritten: c.written,
      fragmentsLost: c.lost,
      fragmentsSkipped: c.skipped,
      bytesWritten: c.bytes,
      segmentsWritten: c.segments,
      queuedBytes: c.queuedBytes,
      fragmentsWrittenInline: c.inline,
      fragmentsWrittenDirect: c.direct,
      lastError: this.lastError,
    };
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    this.pendingOps++;
    const next = this.tail
      .then(op)
      .catch((err: unknown) => {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.deps.log.error({ err, streamId: this.stream.streamId }, 'recording operation failed');
      })
      .finally(() => this.pendingOps--);
    this.tail = next;
    return next;
  }

  /**
   * Hands the open segment to the native reader, which then records the fragments after `origin.seq` itself, while they
   * continue the segment (native/vigil_native.c continues_segment: this class's rules in writeFragment). Only when this
   * recorder is caught up and in a plain recording state; the reader refuses if a later chunk is already on its way.
   */
  private tryArm(origin: NativeFragmentOrigin): void {
    const seg = this.segment;
    const init = this.init;
    if (this.stopped || this.pendingOps !== 1 || this.state !== 'recording' || this.inline || this.pendingBacklogBreak) return;
    if (this.initChanged || this.inlineFault || this.inlineLost || !seg || !init || seg.init !== init) return;
    const target = seg.writer.inlineTarget();
    if (!target) return;
    try {
      const armed = origin.stdout.readerArm(origin.reader, {
        afterSeq: origin.seq,
        ...target,
        sync: this.deps.options.syncEveryFragment,
        direct: this.deps.options.directWrites ?? true,
        trackId: init.trackId,
        trex: init.trex ? [init.trex.sampleDurationTicks, init.trex.sampleSizeBytes, init.trex.sampleFlags] : null,
        timescale: init.timescale,
        mediaStart: seg.mediaStart,
        nextTicks: seg.nextTicks,
        discontinuityTicks: DISCONTINUITY_TICKS_S * init.timescale,
        targetMs: this.deps.options.segmentTargetMs,
        maxMs: MAX_SEGMENT_DURATION_MS,
      });
      if (armed) this.inline = { stdout: origin.stdout, reader: origin.reader, segment: seg, accountedSeq: origin.seq, waiter: null };
    } catch (err) {
      this.deps.log.error({ err, streamId: this.stream.streamId }, 'native reader could not be armed: fragments are written here');
    }
  }

  /** A fragment the native reader recorded (or failed to): the index, sizes and counters follow, as appendFragment's. */
  private onInlineFragment(f: Fragment, origin: NativeFragmentOrigin): void {
    const session = this.inline;
    if (!session || session.reader !== origin.reader || origin.seq <= session.accountedSeq) {
      // Not expected: a reader records only while armed by this recorder, whose session lasts until all is accounted.
      this.counters.lost++;
      this.inlineLost = true;
      this.deps.log.error({ streamId: this.stream.streamId, seq: origin.seq }, 'a fragment recorded natively arrived outside its session');
      return;
    }
    this.counters.received++;
    if (origin.fault) {
      // The reader disarmed itself; the queue takes over from here (truncate the torn tail, store_full: invariant 5).
      this.counters.lost++;
      this.inlineFault = origin.fault;
      this.settleInline(session, origin.seq);
      void this.enqueue(async () => {
        const err = this.inlineFault;
        if (!err) return;
        await this.quiesceInline();
        await this.onWriteFault(err);
      });
      return;
    }
    const size = fragmentSize(f);
    session.segment.writer.adoptInlineAppend(size, origin.written!.fileBytes);
    this.recordAppended(session.segment, f, size, this.deps.now());
    this.counters.inline++;
    if (origin.written!.direct) this.counters.direct++;
    this.settleInline(session, origin.seq);
  }

  private settleInline(session: InlineSession, seq: number): void {
    session.accountedSeq = seq;
    if (session.waiter && seq >= session.waiter.seq) session.waiter.resolve();
  }

  /**
   * Takes the segment back from the native reader: disarms it (no append is in progress once that returns) and waits
   * until every fragment it recorded has been accounted. Run first by every queued step that touches the segment.
   */
  private async quiesceInline(): Promise<void> {
    const session = this.inline;
    if (!session) return;
    const last = session.stdout.readerDisarm(session.reader);
    if (session.accountedSeq < last) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        session.waiter = { seq: last, resolve };
        timer = setTimeout(resolve, INLINE_SETTLE_MS);
      });
      clearTimeout(timer);
      session.waiter = null;
      if (session.accountedSeq < last) {
        this.inlineLost = true;
        this.deps.log.error({ streamId: this.stream.streamId, last, accounted: session.accountedSeq }, 'fragments recorded natively did not come back: segment left for reconciliation');
      }
    }
    this.inline = null;
  }

  private async writeFragment(f: Fragment, arrivedMs: number): Promise<void> {
    await this.quiesceInline(); // the reader handed this fragment over: it disarmed itself, and all it recorded is in
    if (this.state === 'store_full') {
      this.counters.lost++;
      return;
    }
    if (this.pendingBacklogBreak) {
      this.pendingBacklogBreak = false;
      await this.closeRun('write_backlog');
      this.nextStartCause = 'backlog_cleared';
    }
    const init = this.init;
    if (!init) {
      this.counters.skipped++;
      return;
    }
    const now = arrivedMs;
    const fragmentMs = (f.durationTicks * 1000) / init.timescale;

    // A timestamp jump inside one ffmpeg process (camera clock reset) breaks continuity: start a new run.
    if (this.segment && Math.abs(f.baseMediaDecodeTime - this.segment.nextTicks) > DISCONTINUITY_TICKS_S * init.timescale) {
      await this.closeRun('timestamp_jump');
      this.nextStartCause = 'timestamp_jump';
    }

    if (this.segment) {
      const seg = this.segment;
      const durationMs = ((f.baseMediaDecodeTime - seg.mediaStart) * 1000) / init.timescale;
      const due = (durationMs >= this.deps.options.segmentTargetMs && f.keyframe) || durationMs >= MAX_SEGMENT_DURATION_MS;
      if (due || this.initChanged) {
        await this.closeSegment();
        if (!(await this.ensureSpace())) {
          this.counters.lost++;
          return;
        }
      }
    }

    if (!this.segment) {
      if (!f.keyframe && !this.run) {
        // A run starts at a keyframe: frames before it cannot be decoded.
        this.counters.skipped++;
        return;
      }
      if (!this.run) {
        if (!(await this.ensureSpace())) {
          this.counters.lost++;
          return;
        }
        await this.openRun(f, init, now - fragmentMs);
      } else {
        const correction = this.run.clock.correctAt(f.baseMediaDecodeTime, now - fragmentMs);
        if (correction) this.deps.log.warn({ streamId: this.stream.streamId, ...correction }, 'camera clock drift corrected');
      }
      await this.openSegment(f, init);
    }
    await this.appendFragment(f, arrivedMs);
  }

  private async openRun(f: Fragment, init: InitSegment, startMs: number): Promise<void> {
    const id = await this.deps.repo.openRun({ ...this.stream, startMs: Math.round(startMs), startCause: this.nextStartCause });
    this.run = {
      id,
      startMs: Math.round(startMs),
      clock: new MediaClock(init.timescale, f.baseMediaDecodeTime, startMs),
      nextSeq: 0,
      lastEndMs: Math.round(startMs),
      dirty: false,
      settlingFragments: SETTLING_FRAGMENTS,
    };
    this.state = 'recording';
    this.deps.log.info({ streamId: this.stream.streamId, runId: id, cause: this.nextStartCause }, 'recording run started');
  }

  private async openSegment(f: Fragment, init: InitSegment): Promise<void> {
    const run = this.run!;
    const seq = run.nextSeq++;
    const startMs = run.clock.wallMsOf(f.baseMediaDecodeTime);
    const writer = await this.deps.store.createWriter({ cameraId: this.stream.cameraId, runId: run.id, seq, startMs });
    const seg: OpenSegment = {
      writer, seq, init, startMs, mediaStart: f.baseMediaDecodeTime, nextTicks: f.baseMediaDecodeTime,
      entries: [], frames: 0, keyframes: 0, goodLength: 0,
    };
    this.segment = seg;
    this.initChanged = false;
    try {
      await writer.write(init.data); // into the file's SHA-256 too: the writer hashes what it appends
    } catch (err) {
      await this.onWriteFault(err);
      return;
    }
    seg.goodLength = init.data.length;
  }

  private async appendFragment(f: Fragment, arrivedMs: number): Promise<void> {
    const seg = this.segment;
    if (!seg) {
      this.counters.lost++;
      return;
    }
    // The fragment's chunks as they came from the pipe: one append (write, fdatasync, SHA-256), no joined copy.
    const parts = fragmentParts(f);
    const size = fragmentSize(f);
    try {
      await seg.writer.writev(parts, { sync: this.deps.options.syncEveryFragment });
    } catch (err) {
      this.counters.lost++;
      await this.onWriteFault(err);
      return;
    }
    this.recordAppended(seg, f, size, arrivedMs);
  }

  /** A whole fragment is in the segment file: its index entry, the segment's extent, the counters. */
  private recordAppended(seg: OpenSegment, f: Fragment, size: number, arrivedMs: number): void {
    seg.goodLength += size;
    seg.entries.push({ sizeBytes: size, durationTicks: f.durationTicks, sampleCount: f.sampleCount, keyframe: f.keyframe });
    seg.frames += f.sampleCount;
    if (f.keyframe) seg.keyframes++;
    seg.nextTicks = f.baseMediaDecodeTime + f.durationTicks;
    const run = this.run;
    if (run && run.settlingFragments > 0 && seg.seq === 0) {
      run.settlingFragments--;
      run.clock.observeArrival(seg.nextTicks, arrivedMs);
    }
    this.counters.written++;
    this.counters.bytes += size;
  }

  private async onWriteFault(err: unknown): Promise<void> {
    this.inlineFault = null;
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    this.lastError = `${code}: ${(err as Error).message}`;
    if (!WRITE_FAULT_CODES.has(code)) throw err;
    const seg = this.segment;
    if (seg) await seg.writer.truncate(seg.goodLength).catch(() => undefined);
    this.deps.log.error({ streamId: this.stream.streamId, code }, 'segment store write failed: recording stopped (critical)');
    await this.closeRun('store_full');
    this.enterStoreFull();
  }

  /** Invariant 5: below the free-space floor, stop writing and alert; never delete footage to make room. */
  private async ensureSpace(): Promise<boolean> {
    if (this.state === 'store_full') return false;
    const free = await this.deps.store.freeBytes();
    if (free >= this.deps.options.minFreeBytes) return true;
    this.lastError = `store has ${free} bytes free, below the floor of ${this.deps.options.minFreeBytes}`;
    this.deps.log.error({ streamId: this.stream.streamId, freeBytes: free }, 'segment store full: recording stopped (critical)');
    await this.closeRun('store_full');
    this.enterStoreFull();
    return false;
  }

  private enterStoreFull(): void {
    this.state = 'store_full';
    this.nextStartCause = 'store_resumed';
    this.scheduleSpaceProbe();
  }

  private scheduleSpaceProbe(): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.enqueue(async () => {
        if (this.stopped) return;
        const free = await this.deps.store.freeBytes().catch(() => 0);
        if (free >= this.deps.options.minFreeBytes) {
          this.state = 'idle';
          this.lastError = null;
          this.deps.log.info({ streamId: this.stream.streamId, freeBytes: free }, 'segment store has space again: recording resumes');
        } else {
          this.scheduleSpaceProbe();
        }
      });
    }, this.deps.options.storeRetryMs);
    this.retryTimer.unref();
  }

  private async closeSegment(): Promise<void> {
    await this.quiesceInline();
    const seg = this.segment;
    const run = this.run;
    this.segment = null;
    if (!seg || !run) return;
    if (this.inlineFault) await seg.writer.truncate(seg.goodLength).catch(() => undefined); // the reader's torn tail
    if (this.inlineLost) {
      // Fragments in the file that the index does not know: leave the file to reconciliation (whole fragments kept).
      this.inlineLost = false;
      run.dirty = true;
      await seg.writer.close().catch(() => undefined);
      return;
    }
    if (seg.entries.length === 0) {
      // Nothing but (maybe) the init was written: no footage to keep.
      if (!(await seg.writer.discardIfEmpty())) {
        await seg.writer.truncate(0).catch(() => undefined);
        await seg.writer.discardIfEmpty().catch(() => undefined);
      }
      return;
    }
    if (seg.seq === 0) {
      // The first segment's start follows the settled anchor; the run row was written before it settled. The file's
      // day directory was chosen from the first estimate, so a settled start on another UTC day is not taken.
      const settledMs = run.clock.wallMsOf(seg.mediaStart);
      if (dayOf(settledMs) === dayOf(seg.startMs)) seg.startMs = settledMs;
      run.settlingFragments = 0;
    }
    const endMs = run.clock.wallMsOf(seg.nextTicks);
    try {
      await seg.writer.commit();
      if (seg.seq === 0 && seg.startMs !== run.startMs) {
        await this.deps.repo.updateRunStart(run.id, seg.startMs);
        run.startMs = seg.startMs;
      }
      await this.deps.repo.insertSegment({
        run_id: run.id,
        stream_id: this.stream.streamId,
        camera_id: this.stream.cameraId,
        seq: seg.seq,
        start_ms: seg.startMs,
        end_ms: endMs,
        media_start: seg.mediaStart,
        timescale: seg.init.timescale,
        size_bytes: seg.goodLength,
        init_size_bytes: seg.init.data.length,
        frames: seg.frames,
        keyframes: seg.keyframes,
        codec: seg.init.codec,
        width: seg.init.width,
        height: seg.init.height,
        sha256: seg.writer.digest(),
        fragment_index: encodeFragmentIndex(seg.entries),
        status: 'ok',
        created_ms: this.deps.now(),
      });
      this.counters.segments++;
      run.lastEndMs = endMs;
    } catch (err) {
      // The file stays (as .partial or orphan); the run stays open in the index so reconciliation adopts it.
      run.dirty = true;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.deps.log.error({ err, streamId: this.stream.streamId, runId: run.id, seq: seg.seq }, 'segment commit failed; left for reconciliation');
      await seg.writer.close().catch(() => undefined);
    }
  }

  private async closeRun(cause: string): Promise<void> {
    await this.closeSegment();
    const run = this.run;
    this.run = null;
    if (this.state === 'recording') this.state = 'idle';
    if (!run) return;
    if (!run.dirty) await this.deps.repo.closeRun(run.id, run.lastEndMs, cause);
    this.deps.log.info({ streamId: this.stream.streamId, runId: run.id, cause }, 'recording run ended');
  }
}
