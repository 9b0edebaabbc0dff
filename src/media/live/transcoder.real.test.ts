// LiveTranscoder against real parts: an H.265 fMP4 camera stream (made by ffmpeg at test time, published into the
// real LiveHub at real-time pace), the real ffmpeg transcoding it, and the real fMP4 parser on its output. Proves: a
// viewer gets an H.264 (avc1) init and keyframe-led fragments that decode; a second viewer shares the same ffmpeg;
// a viewer past the limit is refused; the ffmpeg exits (and is reaped) after the idle period. 320x240 keeps it cheap.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupFixtures, decodeFrames, writeTemp } from '../fmp4/test-fixtures.js';
import { Fmp4StreamParser, parseFragment, parseInit, type Fragment, type InitSegment } from '../fmp4/index.js';
import { LiveHub } from './live-hub.js';
import type { LiveSink } from './protocol.js';
import { LiveTranscoder, type TranscodeEvent } from './transcoder.js';

const run = promisify(execFile);

/** 12 s of H.265 at 320x240, 25 fps, a keyframe every second, cut like the ingest cuts (1 s fragments). */
async function h265Camera(): Promise<{ init: InitSegment; fragments: Fragment[] }> {
  const { stdout } = await run('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '12',
    '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=25:min-keyint=25:scenecut=0:bframes=0:log-level=error',
    '-tag:v', 'hvc1', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer',
    '-frag_duration', '1000000', 'pipe:1',
  ], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const items = new Fmp4StreamParser().push(stdout);
  const first = items[0];
  if (first?.kind !== 'init') throw new Error('no init');
  return { init: first.init, fragments: items.flatMap((i) => (i.kind === 'fragment' ? [i.fragment] : [])) };
}

/** A viewer that keeps what it is sent, in order, with the time of the first fragment. */
class Viewer implements LiveSink {
  readonly texts: { type: string; codec?: string; width?: number; height?: number; reason?: string }[] = [];
  readonly binaries: Buffer[] = [];
  firstFragmentAtMs: number | null = null;
  constructor(readonly joinedAtMs = Date.now()) {}
  sendText(json: string): void {
    this.texts.push(JSON.parse(json) as Viewer['texts'][number]);
  }
  sendBinary(data: Buffer): void {
    this.binaries.push(data);
    if (this.binaries.length === 2) this.firstFragmentAtMs = Date.now();
  }
  bufferedBytes(): number {
    return 0;
  }
  close(): void {}
  init(): InitSegment {
    return parseInit(this.binaries[0]!);
  }
  fragments(): Fragment[] {
    const init = this.init();
    return this.binaries.slice(1).map((b) => parseFragment(b, { trackId: init.trackId, ...(init.trex ? { trex: init.trex } : {}) }));
  }
}

async function until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Alive and not a zombie: a reaped process has no /proc entry, a zombie's state is Z. */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('LiveTranscoder with real ffmpeg', () => {
  const hub = new LiveHub();
  const events: TranscodeEvent[] = [];
  const transcoder = new LiveTranscoder({ hub, maxTranscodes: 1, idleMs: 1000, killTimeoutMs: 2000, onEvent: (e) => events.push(e) });
  let camera: { init: InitSegment; fragments: Fragment[] };
  let timer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    camera = await h265Camera();
    // The camera, live: the init, then one fragment per second of media, as the ingest delivers them.
    hub.publish('cam1/main', { kind: 'init', init: camera.init });
    hub.publish('cam2/main', { kind: 'init', init: camera.init });
    let next = 0;
    const publishNext = () => {
      const fragment = camera.fragments[next++ % camera.fragments.length]!;
      hub.publish('cam1/main', { kind: 'fragment', fragment });
      hub.publish('cam2/main', { kind: 'fragment', fragment });
    };
    publishNext();
    timer = setInterval(publishNext, 1000);
  }, 60_000);

  afterAll(async () => {
    clearInterval(timer);
    await transcoder.close();
    hub.close();
    await cleanupFixtures();
  });

  it('gives viewers H.264 from the H.265 camera through one shared ffmpeg, refuses past the limit, stops when idle', async () => {
    expect(camera.init.codec).toMatch(/^hvc1\./);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // join mid-GOP, as a real viewer does

    const first = new Viewer();
    const leaveFirst = transcoder.subscribe('cam1/main', first);
    await until('the first transcoded fragment', () => first.firstFragmentAtMs !== null, 15_000);
    const latencyMs = first.firstFragmentAtMs! - first.joinedAtMs;
    const init = first.init();
    expect(first.texts.map((t) => t.type)).toEqual(['waiting', 'init']);
    expect(first.texts[1]).toMatchObject({ codec: expect.stringMatching(/^avc1\./), width: 320, height: 240 });
    expect(init).toMatchObject({ codecFamily: 'h264', width: 320, height: 240 });
    expect(first.fragments()[0]?.keyframe).toBe(true);
    const [job] = transcoder.stats().jobs;
    const pid = job?.pid ?? 0;
    expect(running(pid)).toBe(true);

    // A second viewer shares it: same ffmpeg, and it starts from the cached GOP's keyframe at once.
    await until('a few seconds of transcode', () => first.fragments().filter((f) => f.keyframe).length >= 3, 15_000);
    const second = new Viewer();
    const leaveSecond = transcoder.subscribe('cam1/main', second);
    expect(second.texts.map((t) => t.type)).toEqual(['init']);
    expect(second.fragments()[0]?.keyframe).toBe(true);
    expect(transcoder.stats()).toMatchObject({ active: 1, jobs: [{ viewers: 2, pid, runs: 1 }] });

    // One transcode is the limit here: another camera is refused, in words.
    expect(() => transcoder.subscribe('cam2/main', new Viewer())).toThrow(
      expect.objectContaining({ code: 'transcode_limit', message: expect.stringMatching(/all 1 live transcodes are in use/) }),
    );

    // What the first viewer got is a playable H.264 stream: keyframes every 2 s, every frame decodes.
    const fragments = first.fragments();
    const frames = fragments.reduce((n, f) => n + f.sampleCount, 0);
    const file = await writeTemp('transcoded.mp4', Buffer.concat(first.binaries));
    expect(await decodeFrames(file)).toBe(frames);
    expect(frames).toBeGreaterThan(50);
    const keyframes = fragments.filter((f) => f.keyframe).length;
    expect(keyframes).toBeGreaterThanOrEqual(3);
    console.log(`transcode: first H.264 fragment ${latencyMs} ms after the viewer joined; ${frames} frames in ${fragments.length} fragments, ${keyframes} keyframes`);

    leaveFirst();
    leaveSecond();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(running(pid)).toBe(true); // in its grace period
    await until('ffmpeg to exit after the idle period', () => !running(pid), 5000);
    expect(transcoder.stats().active).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['started', 'first_fragment', 'stopped']);
    expect(events.find((e) => e.type === 'stopped')).toMatchObject({ reason: 'idle' });

    // The slot is free again: the other camera may be transcoded now.
    const other = new Viewer();
    const leaveOther = transcoder.subscribe('cam2/main', other);
    await until('the other camera transcoded', () => other.firstFragmentAtMs !== null, 15_000);
    leaveOther();
  }, 60_000);
});
