// LiveHub behaviour with recording sinks. The sink interface is the hub's boundary (the route adapts a socket to it),
// so a sink that records what it is sent is the real contract, not a mock of a real part.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fmp4Item, Fragment, InitSegment } from '../fmp4/types.js';
import { detachedFragment } from '../fmp4/chunked.js';
import { LiveHub, type LiveByteSource } from './live-hub.js';
import type { LiveSink } from './protocol.js';

/** What a recorded binary was, from its content: 'a' for the init 'init:a', 'f3' for fragment 3. */
function label(data: Buffer): string {
  const text = data.toString('latin1');
  return text.startsWith('init:') ? text.slice(5) : text.slice(0, text.indexOf(';'));
}

function makeInit(label: string, codec = 'avc1.640028', width = 1920, height = 1080): Fmp4Item {
  const data = Buffer.from(`init:${label}`);
  const init: InitSegment = { data, trackId: 1, timescale: 90_000, codec, codecFamily: 'h264', width, height };
  return { kind: 'init', init };
}

function makeFragment(sequence: number, keyframe: boolean, sizeBytes = 100): Fmp4Item {
  const data = Buffer.alloc(sizeBytes, ' ');
  data.write(`f${sequence};`);
  const fragment: Fragment = {
    data,
    sequence,
    baseMediaDecodeTime: sequence * 45_000,
    durationTicks: 45_000,
    sampleCount: 12,
    keyframe,
  };
  return { kind: 'fragment', fragment };
}

function fragmentOf(item: Fmp4Item): Fragment {
  if (item.kind !== 'fragment') throw new Error('not a fragment');
  return item.fragment;
}

/** Records what the hub sends, as readable labels: 'init{…json}', 'ended:reason', 'bin:f3'. */
class RecordingSink implements LiveSink {
  readonly log: string[] = [];
  buffered = 0;
  closed: { code: number; reason: string } | null = null;
  throwOn: 'text' | 'binary' | null = null;

  sendText(json: string): void {
    if (this.throwOn === 'text') throw new Error('text send failed');
    const message = JSON.parse(json) as { type: string; reason?: string; codec?: string; width?: number };
    if (message.type === 'init') this.log.push(`init:${message.codec}:${message.width}`);
    else if (message.type === 'ended') this.log.push(`ended:${message.reason}`);
    else this.log.push(message.type);
  }
  sendBinary(data: Buffer): void {
    if (this.throwOn === 'binary') throw new Error('binary send failed');
    this.log.push(`bin:${label(data)}`);
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  take(): string[] {
    return this.log.splice(0);
  }
}

const stream = 'cam1/main';

describe('LiveHub: a new viewer', () => {
  it('is told to wait before the first init, then gets init and starts at a keyframe', () => {
    const hub = new LiveHub();
    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    expect(sink.take()).toEqual(['waiting']);
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, false)); // stream joined mid-GOP: undecodable, not sent
    hub.publish(stream, makeFragment(2, true));
    hub.publish(stream, makeFragment(3, false));
    expect(sink.take()).toEqual(['init:avc1.640028:1920', 'bin:a', 'bin:f2', 'bin:f3']);
  });

  it('gets the init and the cached GOP from the last keyframe, then live fragments', () => {
    const hub = new LiveHub();
    hub.publish(stream, makeInit('a'));
    for (const [seq, key] of [[1, true], [2, false], [3, true], [4, false], [5, false]] as const) {
      hub.publish(stream, makeFragment(seq, key));
    }
    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    expect(sink.take()).toEqual(['init:avc1.640028:1920', 'bin:a', 'bin:f3', 'bin:f4', 'bin:f5']);
    hub.publish(stream, makeFragment(6, false));
    expect(sink.take()).toEqual(['bin:f6']);
    const [stats] = hub.stats().streams;
    expect(stats).toMatchObject({ streamId: stream, subscribers: 1, cachedFragments: 4, cachedBytes: 400 });
  });

  it('waits for a keyframe when the stream has an init but no keyframe yet', () => {
    const hub = new LiveHub();
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, false));
    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    hub.publish(stream, makeFragment(2, false));
    hub.publish(stream, makeFragment(3, true));
    expect(sink.take()).toEqual(['init:avc1.640028:1920', 'bin:a', 'bin:f3']);
  });

  it('stops receiving after unsubscribe (idempotent)', () => {
    const hub = new LiveHub();
    hub.publish(stream, makeInit('a'));
    const sink = new RecordingSink();
    const unsubscribe = hub.subscribe(stream, sink);
    unsubscribe();
    unsubscribe();
    hub.publish(stream, makeFragment(1, true));
    expect(sink.take()).toEqual(['init:avc1.640028:1920', 'bin:a']);
    expect(hub.stats().subscribers).toBe(0);
  });
});

describe('LiveHub: slow viewers', () => {
  it('skips a slow viewer to the next keyframe below the low-water mark, without holding back others', () => {
    const hub = new LiveHub({ highWaterBytes: 1000, lowWaterBytes: 200 });
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, true));
    const slow = new RecordingSink();
    const fast = new RecordingSink();
    hub.subscribe(stream, slow);
    hub.subscribe(stream, fast);
    slow.take();
    fast.take();

    slow.buffered = 5000; // network stalls
    hub.publish(stream, makeFragment(2, false));
    hub.publish(stream, makeFragment(3, false));
    slow.buffered = 500; // draining, below high water but above low water
    hub.publish(stream, makeFragment(4, true)); // keyframe, but still above low water: keep skipping
    hub.publish(stream, makeFragment(5, false));
    slow.buffered = 100; // drained
    hub.publish(stream, makeFragment(6, false)); // not a keyframe: cannot resume mid-GOP
    hub.publish(stream, makeFragment(7, true));
    hub.publish(stream, makeFragment(8, false));

    expect(slow.take()).toEqual(['bin:f7', 'bin:f8']);
    expect(fast.take()).toEqual(['bin:f2', 'bin:f3', 'bin:f4', 'bin:f5', 'bin:f6', 'bin:f7', 'bin:f8']);
    const stats = hub.stats();
    const viewers = stats.streams[0]?.viewers ?? [];
    expect(viewers.map((v) => [v.state, v.sentFragments, v.skippedFragments])).toEqual([
      ['live', 3, 5],
      ['live', 8, 0],
    ]);
    expect(stats.fragmentsSkipped).toBe(5);
    expect(stats.streams[0]?.fragmentsSkipped).toBe(5);
  });

  it('applies the high-water mark to the cached GOP sent on subscribe', () => {
    const hub = new LiveHub({ highWaterBytes: 150, lowWaterBytes: 0 });
    hub.publish(stream, makeInit('a'));
    for (let seq = 1; seq <= 4; seq++) hub.publish(stream, makeFragment(seq, seq === 1));
    const sink = new RecordingSink();
    // Reports what it was sent, as a socket that does not drain would.
    sink.bufferedBytes = () => sink.log.filter((l) => l.startsWith('bin:f')).length * 100;
    hub.subscribe(stream, sink);
    expect(sink.take()).toEqual(['init:avc1.640028:1920', 'bin:a', 'bin:f1', 'bin:f2']);
    expect(hub.stats().streams[0]?.viewers[0]).toMatchObject({ state: 'skipping', skippedFragments: 2 });
  });
});

describe('LiveHub: GOP cache cap', () => {
  it('keeps the keyframe chain up to the cap, counts the overflow, and a newcomer waits for the next keyframe', () => {
    const hub = new LiveHub({ gopCacheCapBytes: 250 });
    hub.publish(stream, makeInit('a'));
    for (let seq = 1; seq <= 5; seq++) hub.publish(stream, makeFragment(seq, seq === 1));
    let [stats] = hub.stats().streams;
    expect(stats).toMatchObject({ cachedFragments: 2, cachedBytes: 200, gopTruncated: true });
    expect(stats).toMatchObject({ gopOverflowFragments: 3, gopOverflowBytes: 300 });

    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    hub.publish(stream, makeFragment(6, false)); // after a gap in the cache: would not decode
    hub.publish(stream, makeFragment(7, true));
    expect(sink.take()).toEqual(['init:avc1.640028:1920', 'bin:a', 'bin:f1', 'bin:f2', 'bin:f7']);
    [stats] = hub.stats().streams;
    expect(stats).toMatchObject({ cachedFragments: 1, cachedBytes: 100, gopTruncated: false });
  });

  it('caches nothing when one keyframe fragment alone exceeds the cap', () => {
    const hub = new LiveHub({ gopCacheCapBytes: 50 });
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, true));
    hub.publish(stream, makeFragment(2, false));
    expect(hub.stats().streams[0]).toMatchObject({ cachedBytes: 0, gopOverflowFragments: 2 });
    expect(hub.stats().gopOverflowFragments).toBe(2);
  });

  it('never holds more than the cap, always starting at a keyframe (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 8, max: 700 })), { maxLength: 60 }),
        (cap, fragments) => {
          const hub = new LiveHub({ gopCacheCapBytes: cap });
          hub.publish(stream, makeInit('a'));
          const sink = new RecordingSink();
          fragments.forEach(([key, size], i) => {
            hub.publish(stream, makeFragment(i + 1, key, size));
            const s = hub.stats().streams[0];
            expect(s?.cachedBytes ?? 0).toBeLessThanOrEqual(cap);
          });
          hub.subscribe(stream, sink);
          const first = sink.log.find((l) => l.startsWith('bin:f'));
          if (first) expect(fragments[Number(first.slice(5)) - 1]?.[0]).toBe(true);
        },
      ),
    );
  });

  it('sends a viewer a keyframe first after every init and every skip, whatever its queue does (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 })), { maxLength: 80 }),
        (steps) => {
          const hub = new LiveHub({ highWaterBytes: 1000, lowWaterBytes: 300, gopCacheCapBytes: 500 });
          hub.publish(stream, makeInit('a'));
          const sink = new RecordingSink();
          hub.subscribe(stream, sink);
          const keyframes = new Set<string>();
          steps.forEach(([key, buffered], i) => {
            sink.buffered = buffered;
            const item = makeFragment(i + 1, key);
            if (key) keyframes.add(`bin:f${i + 1}`);
            hub.publish(stream, item);
          });
          // Sent fragments form runs of consecutive sequence numbers; each run must begin with a keyframe.
          const sent = sink.log.filter((l) => l.startsWith('bin:f')).map((l) => Number(l.slice(5)));
          sent.forEach((seq, i) => {
            if (i === 0 || sent[i - 1] !== seq - 1) expect(keyframes.has(`bin:f${seq}`)).toBe(true);
          });
        },
      ),
    );
  });

  it('copies fragments that are views of a larger chunk, so the cap measures memory actually held', () => {
    const hub = new LiveHub();
    hub.publish(stream, makeInit('a'));
    const chunk = Buffer.alloc(64 * 1024, ' ');
    chunk.write('f1;', 1000);
    const view = chunk.subarray(1000, 1100);
    hub.publish(stream, { kind: 'fragment', fragment: { ...fragmentOf(makeFragment(1, true)), data: view } });
    const sent: Buffer[] = [];
    const sink = new RecordingSink();
    sink.sendBinary = (data) => void sent.push(data);
    hub.subscribe(stream, sink);
    const cached = sent[1];
    expect(cached?.equals(view)).toBe(true);
    expect(cached?.buffer.byteLength).toBe(100);
    expect(hub.stats().cachedBytes).toBe(100);
  });
});

describe('LiveHub: format change and end of stream', () => {
  it('sends a new init to viewers on a format change and restarts the cache', () => {
    const hub = new LiveHub();
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, true));
    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    hub.publish(stream, makeInit('b', 'avc1.4d401f', 1280, 720));
    hub.publish(stream, makeFragment(2, false)); // not decodable against the new init
    hub.publish(stream, makeFragment(3, true));
    expect(sink.take()).toEqual([
      'init:avc1.640028:1920', 'bin:a', 'bin:f1',
      'init:avc1.4d401f:1280', 'bin:b', 'bin:f3',
    ]);
    const late = new RecordingSink();
    hub.subscribe(stream, late);
    expect(late.take()).toEqual(['init:avc1.4d401f:1280', 'bin:b', 'bin:f3']);
    expect(hub.stats().streams[0]?.codec).toBe('avc1.4d401f');
  });

  it('tells viewers the stream ended, clears the cache, and resumes them when the camera returns', () => {
    const hub = new LiveHub();
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, true));
    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    hub.endStream(stream, 'camera unreachable');
    expect(sink.take()).toEqual(['init:avc1.640028:1920', 'bin:a', 'bin:f1', 'ended:camera unreachable']);
    expect(hub.stats().streams[0]).toMatchObject({ codec: null, cachedBytes: 0, subscribers: 1 });

    hub.publish(stream, makeFragment(2, true)); // a straggler without an init: dropped
    const late = new RecordingSink();
    hub.subscribe(stream, late);
    expect(late.take()).toEqual(['waiting']);

    hub.publish(stream, makeInit('b'));
    hub.publish(stream, makeFragment(3, true));
    expect(sink.take()).toEqual(['init:avc1.640028:1920', 'bin:b', 'bin:f3']);
    expect(late.take()).toEqual(['init:avc1.640028:1920', 'bin:b', 'bin:f3']);
  });

  it('forgets an ended stream once nobody watches it', () => {
    const hub = new LiveHub();
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, true));
    const unsubscribe = hub.subscribe(stream, new RecordingSink());
    hub.endStream(stream, 'stopped');
    expect(hub.stats().streams).toHaveLength(1);
    unsubscribe();
    expect(hub.stats().streams).toHaveLength(0);
    hub.endStream('never-seen', 'x'); // harmless
  });
});

describe('LiveHub: failing sinks', () => {
  it('drops a throwing sink, closes it, reports it, and keeps serving the others', () => {
    const dropped: string[] = [];
    const hub = new LiveHub({ onViewerDropped: (id, error) => dropped.push(`${id}:${(error as Error).message}`) });
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, true));
    const before = new RecordingSink();
    const broken = new RecordingSink();
    const after = new RecordingSink();
    hub.subscribe(stream, before);
    hub.subscribe(stream, broken);
    hub.subscribe(stream, after);
    broken.throwOn = 'binary';
    hub.publish(stream, makeFragment(2, false));
    hub.publish(stream, makeFragment(3, false));

    expect(before.take().slice(-2)).toEqual(['bin:f2', 'bin:f3']);
    expect(after.take().slice(-2)).toEqual(['bin:f2', 'bin:f3']);
    expect(broken.closed).toEqual({ code: 1011, reason: 'live sink failed' });
    expect(dropped).toEqual([`${stream}:binary send failed`]);
    expect(hub.stats()).toMatchObject({ subscribers: 2, viewersDropped: 1 });
  });

  it('drops a sink that throws on its very first message, and one whose close throws too', () => {
    const hub = new LiveHub();
    const broken = new RecordingSink();
    broken.throwOn = 'text';
    broken.close = () => {
      throw new Error('close failed as well');
    };
    const unsubscribe = hub.subscribe(stream, broken);
    unsubscribe(); // no-op, already gone
    expect(hub.stats()).toMatchObject({ subscribers: 0, viewersDropped: 1 });
  });

  it('closes every viewer on shutdown', () => {
    const hub = new LiveHub();
    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    hub.close();
    expect(sink.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(hub.stats().streams).toEqual([]);
  });

  it('refuses inconsistent water marks', () => {
    expect(() => new LiveHub({ highWaterBytes: 10, lowWaterBytes: 20 })).toThrow(RangeError);
  });
});

describe('LiveHub with a byte source (fragments recorded natively arrive detached)', () => {
  const stream = 'cam-native';

  /** A byte source like the native reader's: it keeps the GOP, and hands bytes over only while wanted. */
  class KeptGop implements LiveByteSource {
    calls: boolean[] = [];
    constructor(private readonly snapshot: { seq: number; fragments: Fragment[]; truncated: boolean } | null) {}
    wantBytes(on: boolean) {
      this.calls.push(on);
      return on ? this.snapshot : null;
    }
  }

  const detached = (sequence: number, keyframe: boolean): Fmp4Item => {
    const { data, ...fields } = fragmentOf(makeFragment(sequence, keyframe));
    return { kind: 'fragment', fragment: detachedFragment(fields, data.length) };
  };

  it('counts detached fragments without caching them, and starts a first viewer from the kept GOP', () => {
    const hub = new LiveHub();
    const source = new KeptGop({ seq: 12, fragments: [fragmentOf(makeFragment(11, true)), fragmentOf(makeFragment(12, false))], truncated: false });
    hub.setByteSource(stream, source);
    hub.publish(stream, makeInit('a'), 1);
    hub.publish(stream, makeFragment(10, true), 10); // handed over with bytes (a segment's first fragment)
    hub.publish(stream, detached(11, true), 11);
    hub.publish(stream, detached(12, false), 12);
    expect(hub.stats().streams[0]).toMatchObject({ fragmentsPublished: 3, cachedFragments: 0 });

    const sink = new RecordingSink();
    const unsubscribe = hub.subscribe(stream, sink);
    expect(source.calls).toEqual([true]);
    expect(sink.log).toEqual(['init:avc1.640028:1920', 'bin:a', 'bin:f11', 'bin:f12']);
    // Copies of what the snapshot covered are skipped; what follows it is sent.
    hub.publish(stream, makeFragment(12, false), 12);
    hub.publish(stream, makeFragment(13, false), 13);
    expect(sink.log.slice(4)).toEqual(['bin:f13']);

    const second = new RecordingSink();
    const unsubscribeSecond = hub.subscribe(stream, second);
    expect(source.calls).toEqual([true]); // only the first viewer turns bytes on
    unsubscribe();
    unsubscribeSecond();
    expect(source.calls).toEqual([true, false]); // the last one out turns them off
  });

  it('a new init (a new reader, counting from 1 again) ends what the snapshot covered', () => {
    const hub = new LiveHub();
    hub.setByteSource(stream, new KeptGop({ seq: 50, fragments: [], truncated: false }));
    hub.publish(stream, makeInit('a'));
    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    hub.publish(stream, makeFragment(3, true), 3);
    expect(sink.log).toEqual(['init:avc1.640028:1920', 'bin:a']);
    hub.publish(stream, makeInit('b'));
    hub.publish(stream, makeFragment(1, true), 1);
    expect(sink.log.slice(2)).toEqual(['init:avc1.640028:1920', 'bin:b', 'bin:f1']);
  });

  it('without a byte source a detached fragment still only counts, and a viewer waits for a keyframe', () => {
    const hub = new LiveHub();
    hub.publish(stream, makeInit('a'));
    hub.publish(stream, makeFragment(1, true));
    hub.publish(stream, detached(2, false));
    const sink = new RecordingSink();
    hub.subscribe(stream, sink);
    hub.publish(stream, makeFragment(3, false));
    hub.publish(stream, makeFragment(4, true));
    expect(sink.log).toEqual(['init:avc1.640028:1920', 'bin:a', 'bin:f4']);
  });
});
