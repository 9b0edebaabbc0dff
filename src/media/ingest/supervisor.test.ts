// Unit tests of IngestSupervisor with a fake ffmpeg, a fake parser and a manual clock: every timer (watchdog,
// backoff, SIGKILL escalation) is driven by the test, so the sequences are exact. Real ffmpeg: supervisor.real.test.ts.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Fmp4ParseError, type Fmp4Item, type Fragment, type InitSegment } from '../fmp4/index.js';
import type { IngestReason, IngestState } from './state.js';
import { IngestSupervisor, type IngestChild, type IngestClock, type IngestListener, type IngestSupervisorOptions, type StreamParser } from './supervisor.js';

class ManualClock implements IngestClock {
  now = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  nowMs(): number {
    return this.now;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const t = { at: this.now + ms, fn, live: true };
    this.timers.push(t);
    return () => (t.live = false);
  }
  /** Advances time, firing due timers in order (each at its own time). */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.now = due.at;
      due.fn();
      await settle();
    }
    this.now = end;
    await settle();
  }
}

class FakeChild extends EventEmitter implements IngestChild {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly script = new PassThrough();
  readonly stdio: unknown[] = [null, this.stdout, this.stderr, this.script];
  readonly signals: NodeJS.Signals[] = [];
  scriptText = '';
  closed = false;
  constructor(readonly pid: number | undefined, private readonly obeysSigterm = true) {
    super();
    this.script.on('data', (d: Buffer) => (this.scriptText += d.toString()));
  }
  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    if (signal === 'SIGKILL' || this.obeysSigterm) setImmediate(() => this.exit(null, signal));
    return !this.closed;
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.closed) return;
    this.closed = true;
    this.stdout.end();
    this.stderr.end();
    setImmediate(() => this.emit('close', code, signal));
  }
}

/** Parses the fake protocol: each chunk is one word: `init:h264`, `init:other`, `frag`, `bad`, `unsupported`. */
class FakeParser implements StreamParser {
  push(chunk: Buffer): Fmp4Item[] {
    const word = chunk.toString();
    if (word === 'bad') throw new Fmp4ParseError('bad_box_size', 'box size 3 is smaller than its header', 0);
    if (word === 'unsupported') throw new Fmp4ParseError('unsupported', 'init segment has no video track', 0);
    if (word.startsWith('init:')) return [{ kind: 'init', init: init(word.slice(5) as InitSegment['codecFamily']) }];
    return [{ kind: 'fragment', fragment: fragment() }];
  }
  end(): void {}
}

function init(codecFamily: InitSegment['codecFamily']): InitSegment {
  return { data: Buffer.alloc(10), trackId: 1, timescale: 90_000, codec: codecFamily === 'other' ? 'mp4v' : 'avc1.640028', codecFamily, width: 640, height: 360 };
}

function fragment(): Fragment {
  return { data: Buffer.alloc(125_000), sequence: 1, baseMediaDecodeTime: 0, durationTicks: 90_000, sampleCount: 25, keyframe: true };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const URL_WITH_PASSWORD = 'rtsp://admin:Sup3r%40secret@10.0.0.5:554/ch1';

function harness(options: Partial<IngestSupervisorOptions> = {}, childFactory?: (n: number) => FakeChild) {
  const clock = new ManualClock();
  const children: FakeChild[] = [];
  const spawned: { command: string; args: string[]; at: number }[] = [];
  const states: [IngestState, IngestReason | undefined][] = [];
  const diagnostics: string[] = [];
  const inits: InitSegment[] = [];
  const fragments: Fragment[] = [];
  const listener: IngestListener = {
    onInit: (i) => inits.push(i),
    onFragment: (f) => fragments.push(f),
    onState: (s, r) => states.push([s, r]),
    onDiagnostic: (l) => diagnostics.push(l),
  };
  const supervisor = new IngestSupervisor(
    {
      url: URL_WITH_PASSWORD, ffmpegPath: '/usr/bin/ffmpeg', clock, random: () => 0, createParser: () => new FakeParser(),
      spawn: (command, args) => {
        spawned.push({ command, args, at: clock.now });
        const child = childFactory?.(children.length) ?? new FakeChild(1000 + children.length);
        children.push(child);
        return child;
      },
      ...options,
    },
    listener,
  );
  const last = (): FakeChild => {
    const c = children.at(-1);
    if (!c) throw new Error('no child');
    return c;
  };
  const out = async (word: string): Promise<void> => {
    last().stdout.write(word);
    await settle();
  };
  const err = async (line: string): Promise<void> => {
    last().stderr.write(`${line}\n`);
    await settle();
  };
  return { clock, children, spawned, states, diagnostics, inits, fragments, supervisor, last, out, err };
}

describe('IngestSupervisor (fake ffmpeg)', () => {
  it('spawns ffmpeg with the URL on fd 3 only, and records: connecting → recording', async () => {
    const h = harness();
    h.supervisor.start();
    await settle();
    expect(h.spawned).toHaveLength(1);
    expect(h.spawned[0]?.command).toBe('/usr/bin/ffmpeg');
    expect(h.spawned[0]?.args.join(' ')).not.toContain('Sup3r');
    expect(h.last().scriptText).toContain(`file '${URL_WITH_PASSWORD}'`);
    await h.out('init:h264');
    expect(h.states).toEqual([['connecting', undefined]]);
    await h.out('frag');
    await h.out('frag');
    expect(h.states).toEqual([['connecting', undefined], ['recording', undefined]]);
    expect(h.inits.map((i) => i.codecFamily)).toEqual(['h264']);
    expect(h.fragments).toHaveLength(2);
    expect(h.supervisor.stats()).toMatchObject({ bytes: 250_000, fragments: 2, frames: 50, bitrateBps: 1_000_000, fps: 25, reconnects: 0, lastError: null });
  });

  it('refused connection: reconnecting(unreachable), retries spaced by the backoff', async () => {
    const h = harness();
    h.supervisor.start();
    for (let attempt = 0; attempt < 4; attempt++) {
      await h.err('[tcp @ 0x1] Connection to tcp://10.0.0.5:554?timeout=5000000 failed: Connection refused');
      h.last().exit(1);
      await settle();
      await h.clock.advance(20_000);
    }
    // random() = 0: delays 1 s, 2 s, 4 s, 8 s after each exit at t = 0, 20 s, 40 s, 60 s.
    expect(h.spawned.map((s) => s.at)).toEqual([0, 1000, 22_000, 44_000, 68_000]);
    expect(h.states).toEqual([['connecting', undefined], ['reconnecting', 'unreachable']]);
    expect(h.supervisor.stats()).toMatchObject({ reconnects: 4, lastError: { reason: 'unreachable' } });
  });

  it('401: failed(auth_failed), still retried at the maximum backoff; recovers when the camera is fixed', async () => {
    const h = harness({ random: () => 1 });
    h.supervisor.start();
    await h.err('[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized');
    h.last().exit(1);
    await settle();
    expect(h.states.at(-1)).toEqual(['failed', 'auth_failed']);
    await h.clock.advance(29_999);
    expect(h.spawned).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.spawned).toHaveLength(2);
    await h.out('init:h264');
    await h.out('frag');
    expect(h.states.at(-1)).toEqual(['recording', undefined]);
  });

  it('no fragment for stallMs: SIGTERM, then SIGKILL if ignored; reconnecting(stalled)', async () => {
    const h = harness({ stallMs: 5000, killTimeoutMs: 2000 }, (n) => new FakeChild(2000 + n, false));
    h.supervisor.start();
    await h.out('init:h264');
    await h.out('frag');
    await h.clock.advance(4999);
    expect(h.last().signals).toEqual([]);
    await h.clock.advance(1);
    expect(h.last().signals).toEqual(['SIGTERM']);
    expect(h.states.at(-1)).toEqual(['reconnecting', 'stalled']);
    await h.clock.advance(2000);
    expect(h.children[0]?.signals).toEqual(['SIGTERM', 'SIGKILL']);
    await h.clock.advance(1000); // backoff 1 s after the kill
    expect(h.spawned).toHaveLength(2);
  });

  it('the stall deadline moves on with every fragment: stalled stallMs after the last one', async () => {
    const h = harness({ stallMs: 5000 });
    h.supervisor.start();
    await h.out('init:h264');
    for (let i = 0; i < 6; i++) {
      await h.out('frag');
      await h.clock.advance(3000); // each gap shorter than stallMs
    }
    expect(h.last().signals).toEqual([]); // 18 s in, 3 s after the last fragment
    await h.clock.advance(1999);
    expect(h.last().signals).toEqual([]);
    await h.clock.advance(1);
    expect(h.last().signals).toEqual(['SIGTERM']);
    expect(h.states.at(-1)).toEqual(['reconnecting', 'stalled']);
  });

  it('no first fragment within connectTimeoutMs: stalled', async () => {
    const h = harness({ connectTimeoutMs: 15_000 });
    h.supervisor.start();
    await h.clock.advance(15_000);
    expect(h.states.at(-1)).toEqual(['reconnecting', 'stalled']);
  });

  it.each([
    ['bad', 'reconnecting', 'parse_error'],
    ['unsupported', 'failed', 'unsupported_codec'],
    ['init:other', 'failed', 'unsupported_codec'],
  ] as const)('parser output %s: kill, %s(%s)', async (word, state, reason) => {
    const h = harness();
    h.supervisor.start();
    await h.out(word);
    expect(h.last().signals).toEqual(['SIGTERM']);
    expect(h.states.at(-1)).toEqual([state, reason]);
    await h.out('frag'); // output of a child being killed is not delivered
    expect(h.fragments).toEqual([]);
    expect(h.inits).toEqual([]);
  });

  it('an ffmpeg that ends after recording: stream_ended; one that ends before: input_error', async () => {
    const h = harness();
    h.supervisor.start();
    await h.out('init:h264');
    await h.out('frag');
    h.last().exit(0);
    await settle();
    expect(h.states.at(-1)).toEqual(['reconnecting', 'stream_ended']);
    await h.clock.advance(1000);
    h.last().exit(1);
    await settle();
    expect(h.states.at(-1)).toEqual(['reconnecting', 'input_error']);
  });

  it('ffmpeg missing: failed(spawn_failed)', async () => {
    const h = harness({}, () => {
      const c = new FakeChild(undefined);
      setImmediate(() => {
        c.emit('error', Object.assign(new Error('spawn /usr/bin/ffmpeg ENOENT'), { code: 'ENOENT' }));
        c.exit(-2);
      });
      return c;
    });
    h.supervisor.start();
    await settle();
    await settle();
    expect(h.states.at(-1)).toEqual(['failed', 'spawn_failed']);
    expect(h.supervisor.stats().lastError?.message).toContain('ENOENT');
  });

  it('a spawn that throws: failed(spawn_failed), retried', async () => {
    let calls = 0;
    const h = harness({
      spawn: () => {
        calls += 1;
        throw new Error('EINVAL');
      },
    });
    h.supervisor.start();
    expect(h.states.at(-1)).toEqual(['failed', 'spawn_failed']);
    await h.clock.advance(15_000);
    expect(calls).toBe(2);
  });

  it('the backoff restarts after stable recording', async () => {
    const h = harness({ stableMs: 30_000, stallMs: 60_000 });
    h.supervisor.start();
    for (let i = 0; i < 3; i++) {
      h.last().exit(1);
      await settle();
      await h.clock.advance(10_000);
    }
    expect(h.spawned.map((s) => s.at)).toEqual([0, 1000, 12_000, 24_000]); // 1, 2, 4 s after each exit
    await h.out('init:h264');
    await h.out('frag');
    await h.clock.advance(30_000);
    await h.out('frag');
    h.last().exit(0);
    await settle();
    await h.clock.advance(1000);
    expect(h.spawned.at(-1)?.at).toBe(h.clock.now); // 1 s again, not 8 s
  });

  it('stop(): SIGTERM, resolves after the child is gone, no retry afterwards', async () => {
    const h = harness();
    h.supervisor.start();
    await h.out('init:h264');
    await h.out('frag');
    await h.supervisor.stop();
    expect(h.last().signals).toEqual(['SIGTERM']);
    expect(h.last().closed).toBe(true);
    expect(h.states.at(-1)).toEqual(['stopped', undefined]);
    await h.clock.advance(120_000);
    expect(h.spawned).toHaveLength(1);
    expect(() => h.supervisor.start()).toThrow(/stopped/);
  });

  it('stop() during the backoff cancels the retry', async () => {
    const h = harness();
    h.supervisor.start();
    h.last().exit(1);
    await settle();
    await h.supervisor.stop();
    await h.clock.advance(60_000);
    expect(h.spawned).toHaveLength(1);
  });

  it('stop() of an ffmpeg ignoring SIGTERM escalates to SIGKILL', async () => {
    const h = harness({ killTimeoutMs: 3000 }, (n) => new FakeChild(3000 + n, false));
    h.supervisor.start();
    const stopped = h.supervisor.stop();
    await h.clock.advance(3000);
    await stopped;
    expect(h.last().signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('rate-limits stderr into diagnostics and never lets the password out', async () => {
    const h = harness({ diagnosticLimit: { maxLines: 5, windowMs: 10_000 } });
    h.supervisor.start();
    for (let i = 0; i < 40; i++) await h.err(`[concat @ 0x1] Impossible to open '${URL_WITH_PASSWORD}' (${i}) pass Sup3r@secret`);
    await h.err('pipe:3: Server returned 401 Unauthorized (authorization failed)');
    h.last().exit(1);
    await settle();
    const ffmpegLines = h.diagnostics.filter((l) => l.startsWith('[concat'));
    expect(ffmpegLines).toHaveLength(5);
    expect(h.diagnostics).toContain('suppressed 36 ffmpeg lines (limit 5 per 10 s)');
    const everything = [...h.diagnostics, JSON.stringify(h.supervisor.stats()), JSON.stringify(h.states), h.supervisor.displayUrl];
    for (const text of everything) {
      expect(text).not.toMatch(/Sup3r|secret|admin/);
    }
    expect(h.states.at(-1)).toEqual(['failed', 'auth_failed']);
  });

  it('a listener may call stop() from onState: no retry follows', async () => {
    const clock = new ManualClock();
    const children: FakeChild[] = [];
    const states: string[] = [];
    const sup: IngestSupervisor = new IngestSupervisor(
      { url: 'rtsp://cam/x', clock, createParser: () => new FakeParser(), spawn: () => {
        const c = new FakeChild(1);
        children.push(c);
        return c;
      } },
      {
        onInit: () => {},
        onFragment: () => {},
        onState: (state) => {
          states.push(state);
          if (state === 'reconnecting') void sup.stop();
        },
        onDiagnostic: () => {},
      },
    );
    sup.start();
    children[0]?.exit(1);
    await settle();
    await clock.advance(60_000);
    expect(children).toHaveLength(1);
    expect(states).toEqual(['connecting', 'reconnecting', 'stopped']);
  });

  it('a listener that throws is reported and does not stop recording', async () => {
    const h = harness();
    const diagnostics: string[] = [];
    let delivered = 0;
    const sup = new IngestSupervisor(
      { url: 'rtsp://cam/x', clock: h.clock, createParser: () => new FakeParser(), spawn: () => {
        const c = new FakeChild(1);
        h.children.push(c);
        return c;
      } },
      {
        onInit: () => { throw new Error('boom'); },
        onFragment: () => { delivered += 1; },
        onState: () => {},
        onDiagnostic: (l) => diagnostics.push(l),
      },
    );
    sup.start();
    await h.out('init:h264');
    await h.out('frag');
    expect(diagnostics).toEqual(['ingest listener threw: boom']);
    expect(delivered).toBe(1);
    expect(sup.state).toBe('recording');
  });
});
