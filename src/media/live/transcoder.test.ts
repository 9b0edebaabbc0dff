// LiveTranscoder's rules (see its header) with a fake ffmpeg and a manual clock, against the real LiveHub and real
// fMP4 bytes (made by ffmpeg at test time): what is spawned, what it is fed, what viewers receive, when it stops.
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupFixtures, fixture } from '../fmp4/test-fixtures.js';
import { Fmp4StreamParser, type Fmp4Item, type Fragment, type InitSegment } from '../fmp4/index.js';
import type { IngestClock } from '../ingest/index.js';
import { LiveHub } from './live-hub.js';
import type { LiveSink } from './protocol.js';
import type { SpawnTranscode, TranscodeChild } from './transcode-run.js';
import { LiveTranscodeError, LiveTranscoder, transcodedStreamId, type LiveTranscoderOptions, type TranscodeEvent } from './transcoder.js';

/** Timers run only when the test advances time. */
class ManualClock implements IngestClock {
  now = 0;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  nowMs(): number {
    return this.now;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.now + ms, fn, live: true };
    this.#timers.push(timer);
    return () => void (timer.live = false);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.now = next.at;
      next.live = false;
      next.fn();
    }
    this.now = end;
  }
}

/** A stand-in ffmpeg: records stdin, lets the test write its stdout and stderr and decide when it exits. */
class FakeFfmpeg extends EventEmitter implements TranscodeChild {
  static nextPid = 1000;
  readonly pid = FakeFfmpeg.nextPid++;
  readonly input: Buffer[] = [];
  readonly signals: NodeJS.Signals[] = [];
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: Writable;
  stdinEnded = false;
  /** While true, stdin writes are not acknowledged (ffmpeg not reading). */
  stalled = false;
  readonly #held: (() => void)[] = [];
  exited = false;
  /** Exit on SIGTERM at once (like ffmpeg on a pipe) unless false. */
  exitOnTerm = true;

  constructor(readonly args: string[]) {
    super();
    this.stdin = new Writable({
      highWaterMark: 1 << 30,
      write: (chunk: Buffer, _enc, callback) => {
        this.input.push(chunk);
        if (this.stalled) this.#held.push(() => callback());
        else callback();
      },
      final: (callback) => {
        this.stdinEnded = true;
        callback();
      },
    });
  }
  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    if (signal === 'SIGKILL' || (signal === 'SIGTERM' && this.exitOnTerm)) this.exit(null, signal);
    return true;
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.exited) return;
    this.exited = true;
    queueMicrotask(() => this.emit('close', code, signal));
  }
  drain(): void {
    this.stalled = false;
    for (const ack of this.#held.splice(0)) ack();
  }
}

class RecordingSink implements LiveSink {
  readonly texts: { type: string; codec?: string; reason?: string }[] = [];
  readonly binaries: Buffer[] = [];
  closed: { code: number; reason: string } | null = null;
  sendText(json: string): void {
    this.texts.push(JSON.parse(json) as { type: string });
  }
  sendBinary(data: Buffer): void {
    this.binaries.push(data);
  }
  bufferedBytes(): number {
    return 0;
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  types(): string[] {
    return this.texts.map((t) => (t.type === 'ended' ? `ended:${t.reason}` : t.type));
  }
}

interface Source {
  init: InitSegment;
  fragments: Fragment[];
  bytes: Buffer;
}

async function source(name: 'h264' | 'h264Gop50'): Promise<Source> {
  const { data } = await fixture(name);
  const items = new Fmp4StreamParser().push(data);
  const init = items.find((i): i is Extract<Fmp4Item, { kind: 'init' }> => i.kind === 'init')?.init;
  if (!init) throw new Error('fixture without init');
  const fragments = items.flatMap((i) => (i.kind === 'fragment' ? [i.fragment] : []));
  return { init, fragments, bytes: data };
}

let h264: Source; // 320x240 25 fps, 1 s fragments, every one a keyframe
let gop50: Source; // keyframe every 2 s: fragments K, -, K, -

beforeAll(async () => {
  [h264, gop50] = await Promise.all([source('h264'), source('h264Gop50')]);
}, 30_000);

afterAll(cleanupFixtures);

function setup(options: Partial<LiveTranscoderOptions> = {}) {
  const hub = new LiveHub();
  const clock = new ManualClock();
  const children: FakeFfmpeg[] = [];
  const events: TranscodeEvent[] = [];
  const spawn: SpawnTranscode = (_command, args) => {
    const child = new FakeFfmpeg(args);
    children.push(child);
    return child;
  };
  const transcoder = new LiveTranscoder({ hub, clock, spawn, idleMs: 10_000, killTimeoutMs: 3000, onEvent: (e) => events.push(e), ...options });
  return { hub, clock, children, events, transcoder };
}

const publishInit = (hub: LiveHub, id: string, s: Source) => hub.publish(id, { kind: 'init', init: s.init });
const publishFragment = (hub: LiveHub, id: string, f: Fragment) => hub.publish(id, { kind: 'fragment', fragment: f });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('LiveTranscoder', () => {
  it('runs one ffmpeg for all viewers of a stream, fed from the cached keyframe, and fans its output out', async () => {
    const { hub, children, transcoder } = setup();
    publishInit(hub, 'cam/main', gop50);
    for (const f of gop50.fragments.slice(0, 4)) publishFragment(hub, 'cam/main', f); // K - K -: the GOP is the last two
    const a = new RecordingSink();
    const b = new RecordingSink();
    transcoder.subscribe('cam/main', a);
    transcoder.subscribe('cam/main', b);
    expect(children).toHaveLength(1);
    const [ffmpeg] = children;
    // 25 fps measured from the keyframe fragment: a 2 s GOP is 50 frames; 320x240 → 192 kbit/s.
    expect(ffmpeg!.args.join(' ')).toContain('-g 50 ');
    expect(ffmpeg!.args.join(' ')).toContain('-b:v 192000 ');
    await tick();
    expect(Buffer.concat(ffmpeg!.input)).toEqual(Buffer.concat([gop50.init.data, gop50.fragments[2]!.data, gop50.fragments[3]!.data]));
    expect(a.types()).toEqual(['waiting']);

    // What ffmpeg writes comes out under the derived id, to both viewers, whatever the chunking.
    for (let i = 0; i < h264.bytes.length; i += 7000) ffmpeg!.stdout.write(h264.bytes.subarray(i, i + 7000));
    await tick();
    for (const sink of [a, b]) {
      expect(sink.types()).toEqual(['waiting', 'init']);
      expect(sink.texts[1]?.codec).toMatch(/^avc1\./);
      expect(sink.binaries).toHaveLength(1 + h264.fragments.length);
    }
    expect(hub.stats().streams.find((s) => s.streamId === transcodedStreamId('cam/main'))?.subscribers).toBe(2);
    expect(transcoder.stats()).toMatchObject({ active: 1, jobs: [{ viewers: 2, state: 'running', runs: 1, fragmentsOut: 4 }] });

    // Live source fragments go on into ffmpeg.
    publishFragment(hub, 'cam/main', gop50.fragments[0]!);
    await tick();
    expect(ffmpeg!.input.at(-1)).toEqual(gop50.fragments[0]!.data);
    await transcoder.close();
  });

  it('stops the ffmpeg a grace period after the last viewer leaves (SIGTERM, then SIGKILL), not before', async () => {
    const { hub, clock, children, events, transcoder } = setup();
    publishInit(hub, 'cam/main', h264);
    publishFragment(hub, 'cam/main', h264.fragments[0]!);
    const leave1 = transcoder.subscribe('cam/main', new RecordingSink());
    const leave2 = transcoder.subscribe('cam/main', new RecordingSink());
    const ffmpeg = children[0]!;
    ffmpeg.exitOnTerm = false; // a stubborn ffmpeg: only SIGKILL ends it
    leave1();
    leave2();
    leave2(); // idempotent
    clock.advance(9_999);
    expect(ffmpeg.signals).toEqual([]);
    // A viewer coming back in the grace period finds it running.
    const leave3 = transcoder.subscribe('cam/main', new RecordingSink());
    clock.advance(20_000);
    expect(ffmpeg.signals).toEqual([]);
    expect(children).toHaveLength(1);
    leave3();
    expect(transcoder.stats().jobs[0]?.state).toBe('idle');
    clock.advance(10_000);
    expect(ffmpeg.signals).toEqual(['SIGTERM']);
    await tick();
    expect(ffmpeg.stdinEnded).toBe(true);
    expect(transcoder.stats().active).toBe(0);
    expect(hub.stats().streams.map((s) => s.streamId)).toEqual(['cam/main']); // the derived stream is forgotten
    const closed = transcoder.close();
    clock.advance(3000);
    expect(ffmpeg.signals).toEqual(['SIGTERM', 'SIGKILL']);
    await closed; // resolves only once the child has exited
    expect(events.map((e) => e.type)).toEqual(['started', 'stopped']);
    expect(events[1]).toMatchObject({ type: 'stopped', reason: 'idle' });
  });

  it('refuses a viewer past the limit with transcode_limit, and makes room by stopping an idle transcode', () => {
    const { hub, children, transcoder } = setup({ maxTranscodes: 2 });
    for (const id of ['a/main', 'b/main', 'c/main']) {
      publishInit(hub, id, h264);
      publishFragment(hub, id, h264.fragments[0]!);
    }
    transcoder.subscribe('a/main', new RecordingSink());
    const leaveB = transcoder.subscribe('b/main', new RecordingSink());
    transcoder.subscribe('a/main', new RecordingSink()); // another viewer of a running transcode costs nothing
    let refused: unknown;
    try {
      transcoder.subscribe('c/main', new RecordingSink());
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(LiveTranscodeError);
    expect(refused).toMatchObject({ code: 'transcode_limit', message: expect.stringMatching(/all 2 live transcodes are in use/) });
    expect(children).toHaveLength(2);
    leaveB(); // b is now in its grace period: c may take its place
    transcoder.subscribe('c/main', new RecordingSink());
    expect(children).toHaveLength(3);
    expect(children[1]!.signals).toEqual(['SIGTERM']);
    expect(transcoder.stats().jobs.map((j) => j.sourceId).sort()).toEqual(['a/main', 'c/main']);
    void transcoder.close();
  });

  it('is off with maxTranscodes 0 (transcode_disabled)', () => {
    const { transcoder } = setup({ maxTranscodes: 0 });
    expect(() => transcoder.subscribe('a/main', new RecordingSink())).toThrow(expect.objectContaining({ code: 'transcode_disabled' }));
  });

  it('restarts ffmpeg when the source restarts, ends the derived stream with the source, and starts again when it returns', async () => {
    const { hub, children, transcoder } = setup();
    publishInit(hub, 'cam/main', h264);
    publishFragment(hub, 'cam/main', h264.fragments[0]!);
    const viewer = new RecordingSink();
    transcoder.subscribe('cam/main', viewer);
    expect(children).toHaveLength(1);
    publishInit(hub, 'cam/main', gop50); // the camera reconnected: a new init (and timeline)
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    publishFragment(hub, 'cam/main', gop50.fragments[1]!); // not a keyframe: nothing to start from
    expect(children).toHaveLength(1);
    publishFragment(hub, 'cam/main', gop50.fragments[2]!);
    expect(children).toHaveLength(2);
    await tick();
    expect(Buffer.concat(children[1]!.input)).toEqual(Buffer.concat([gop50.init.data, gop50.fragments[2]!.data]));

    hub.endStream('cam/main', 'unreachable');
    expect(children[1]!.signals).toEqual(['SIGTERM']);
    expect(viewer.types()).toEqual(['waiting', 'ended:unreachable']);
    publishInit(hub, 'cam/main', h264);
    publishFragment(hub, 'cam/main', h264.fragments[0]!);
    expect(children).toHaveLength(3);
    await transcoder.close();
    expect(viewer.types().at(-1)).toBe('ended:server shutting down');
  });

  it('ends the derived stream when ffmpeg dies, and retries after a backoff from the next keyframe', async () => {
    const { hub, clock, children, events, transcoder } = setup({ backoff: { minMs: 1000, maxMs: 30_000 } });
    publishInit(hub, 'cam/main', h264);
    publishFragment(hub, 'cam/main', h264.fragments[0]!);
    const viewer = new RecordingSink();
    transcoder.subscribe('cam/main', viewer);
    children[0]!.stderr.write('[libx264 @ 0x1] something broke\n');
    await tick();
    children[0]!.exit(1);
    await tick();
    expect(viewer.types()).toEqual(['waiting', 'ended:transcode failed: [libx264 @ 0x1] something broke']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'failed', retryInMs: 1000 }));
    expect(transcoder.stats().jobs[0]?.state).toBe('backoff');
    publishFragment(hub, 'cam/main', h264.fragments[1]!); // in the backoff: dropped
    expect(children).toHaveLength(1);
    clock.advance(1000);
    publishFragment(hub, 'cam/main', h264.fragments[2]!);
    expect(children).toHaveLength(2);
    await tick();
    expect(Buffer.concat(children[1]!.input)).toEqual(Buffer.concat([h264.init.data, h264.fragments[2]!.data]));
    // A second failure doubles the wait.
    children[1]!.exit(1);
    await tick();
    expect(events.filter((e) => e.type === 'failed').map((e) => (e as { retryInMs: number }).retryInMs)).toEqual([1000, 2000]);
    await transcoder.close();
  });

  it('feeds a lagging ffmpeg nothing until a keyframe comes with the backlog mostly gone', async () => {
    const { hub, children, transcoder } = setup({ maxInputLagMs: 1500 });
    publishInit(hub, 'cam/main', gop50);
    publishFragment(hub, 'cam/main', gop50.fragments[0]!);
    transcoder.subscribe('cam/main', new RecordingSink());
    const ffmpeg = children[0]!;
    await tick();
    ffmpeg.stalled = true;
    const [k0, d1, k2, d3] = gop50.fragments as [Fragment, Fragment, Fragment, Fragment];
    for (const f of [d1, k2]) publishFragment(hub, 'cam/main', f); // 2 s written, not taken: over the 1.5 s bound
    publishFragment(hub, 'cam/main', d3); // skipped: ffmpeg is behind
    publishFragment(hub, 'cam/main', k0); // a keyframe, but the backlog is still there: skipped
    ffmpeg.drain();
    await tick();
    expect(ffmpeg.input).toEqual([gop50.init.data, k0.data, d1.data, k2.data]);
    publishFragment(hub, 'cam/main', d1); // caught up, but not a keyframe: still skipped
    publishFragment(hub, 'cam/main', k2); // resumes here
    await tick();
    expect(ffmpeg.input).toHaveLength(5);
    expect(ffmpeg.input.at(-1)).toEqual(k2.data);
    expect(transcoder.stats().jobs[0]?.fragmentsSkipped).toBe(3);
    await transcoder.close();
  });
});
