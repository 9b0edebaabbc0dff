// Inline recording (native/vigil_native.c "Inline recording", recording.bytePath native): the native pipe reader
// appends the fragments of an armed segment itself, and the recorder only accounts them. Against real parts —
// ffmpeg pulling RTSP from the simulated cameras, the real recorder, store and database — the result must be what
// the JavaScript path writes: segments cut at keyframes, every fragment indexed, the SHA-256 of exactly the file's
// plaintext, nothing lost; and a first live viewer must get the GOP the reader kept, at once.
import { createHash } from 'node:crypto';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects } from '../../test/support/databases.js';
import { nativeBytePathForTests } from '../../test/support/append-paths.js';
import { testStore } from '../../test/support/segment-keys.js';
import { startSimCameras, type SimCameras } from '../../tools/sim-camera/index.js';
import { LiveHub, splitFile, type LiveSink, type NativeStdout } from '../media/index.js';
import { checkStorage, decodeFragmentIndex, Recorder, RecordingRepo, type IngestTarget } from './index.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
let sim: SimCameras;
let workDir: string;
let nativeStdout: NativeStdout;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'vigil-inline-'));
  nativeStdout = (await nativeBytePathForTests()).pipeReader!;
  sim = await startSimCameras({
    streams: [
      // A keyframe every 2 s with 1 s fragments: every other fragment cannot start a segment.
      { name: 'gop2', width: 320, height: 240, fps: 25, gopFrames: 50, bitrateKbps: 400, clipSeconds: 4 },
      { name: 'gop1', width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 400, clipSeconds: 4 },
    ],
  });
}, 120_000);

afterAll(async () => {
  await sim?.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A live viewer that keeps what it is sent. */
function viewer(): LiveSink & { texts: string[]; binaries: Buffer[]; firstBinaryAt: number[] } {
  const v = {
    texts: [] as string[],
    binaries: [] as Buffer[],
    firstBinaryAt: [] as number[],
    sendText: (t: string) => void v.texts.push(t),
    sendBinary: (b: Buffer) => {
      v.binaries.push(Buffer.from(b));
      v.firstBinaryAt.push(Date.now());
    },
    bufferedBytes: () => 0,
    close: () => undefined,
  };
  return v;
}

// Both dialects and both kinds of file, in two runs (each is 12 s of real recording).
describe.each(dialects.map((dialect, i) => ({ dialect, encrypted: i % 2 === 1 })))(
  'inline recording on $dialect, encrypted: $encrypted',
  ({ dialect, encrypted }) => {
    it('records segments the reader appended as the recorder would, and serves a first live viewer from its GOP', async () => {
      const t = await createTestDatabase(dialect);
      try {
        const store = testStore(mkdtempSync(join(workDir, 'store-')), t.db, encrypted);
        await store.init();
        const repo = new RecordingRepo(t.db);
        const hub = new LiveHub();
        const targets: IngestTarget[] = ['gop2', 'gop1'].map((name, i) => ({
          cameraId: `0192f3a0-0000-7000-8000-00000000000${i}`, cameraName: name, streamId: `0192f3a0-0000-7000-8000-00000000001${i}`,
          kind: 'main', url: sim.urlOf(name), urlRedacted: sim.urlOf(name), record: true,
        }));
        const recorder = new Recorder({
          source: { streamsToIngest: async () => ({ streams: targets, unreadable: [] }), onChange: () => () => undefined },
          store, repo, hub, log: silent, now: Date.now,
          recording: { segmentTargetMs: 3000, syncEveryFragment: true, minFreeBytes: 0, storeRetryMs: 1000 },
          ingest: {
            ffmpegPath: 'ffmpeg', fragmentMs: 1000, backoffMinMs: 1000, backoffMaxMs: 2000, stallMs: 10_000, fastRetryMs: 2000,
            fastRetryWindowMs: 120_000, nativeStdout,
          },
        });
        await recorder.start();
        const stats = () => recorder.snapshot().map((s) => s.recorder!);
        let final: ReturnType<typeof stats> = [];
        try {
          await waitFor('8 fragments per stream', () => stats().every((s) => s.fragmentsWritten >= 8), 30_000);
          // Nobody watched so far: the recorded fragments' bytes stayed native. A first viewer gets the init and the
          // GOP the reader kept at once, not at the next keyframe.
          const v = viewer();
          const subscribedAt = Date.now();
          const unsubscribe = hub.subscribe(targets[0]!.streamId, v);
          expect(v.binaries.length).toBeGreaterThanOrEqual(2); // init + at least the keyframe fragment
          await waitFor('2 more live fragments', () => v.binaries.length >= 4, 5000);
          unsubscribe();
          const firstFragment = splitFile(Buffer.concat(v.binaries));
          expect(firstFragment.fragments[0]?.keyframe).toBe(true);
          expect(v.firstBinaryAt[1]! - subscribedAt).toBeLessThan(100);
          // Fragments after the snapshot follow it without a hole.
          const ticks = firstFragment.fragments.map((f) => [f.baseMediaDecodeTime, f.baseMediaDecodeTime + f.durationTicks]);
          for (let i = 1; i < ticks.length; i++) expect(ticks[i]![0]).toBe(ticks[i - 1]![1]);
          await waitFor('12 fragments per stream', () => stats().every((s) => s.fragmentsWritten >= 12), 30_000);
          final = stats(); // a stopped recorder reports no streams
        } finally {
          await recorder.stop();
        }
        expect(final).toHaveLength(targets.length);
        const direct = directIoWorks(workDir);
        for (const s of final) {
          expect(s.fragmentsLost).toBe(0);
          // All but the fragments that open a segment (and the first of each run) were appended by the reader.
          expect(s.fragmentsWrittenInline).toBeGreaterThan(s.fragmentsWritten / 2);
          // With O_DIRECT (recording.directWrites, default on) where the file system has it; buffered where not.
          expect(s.fragmentsWrittenDirect).toBe(direct ? s.fragmentsWrittenInline : 0);
        }
        expect((await checkStorage({ repo, store, dialect })).mismatches).toEqual([]);
        for (const target of targets) {
          const rows = await repo.segmentsInRange(target.cameraId, 0, Date.now() + 60_000);
          expect(rows.length).toBeGreaterThanOrEqual(3);
          for (const row of rows) {
            const { segmentRelPath } = await import('../storage/index.js');
            const plain = await store.readWholeRel(segmentRelPath({ cameraId: row.camera_id, runId: row.run_id, seq: row.seq, startMs: row.start_ms }));
            expect(plain.length).toBe(row.size_bytes);
            expect(createHash('sha256').update(plain).digest('hex')).toBe(Buffer.from(row.sha256).toString('hex'));
            const file = splitFile(plain);
            expect(file.trailingBytes).toBe(0);
            const index = decodeFragmentIndex(row.fragment_index, row.init_size_bytes);
            expect(index.map((f) => [f.offset, f.sizeBytes, f.durationTicks, f.sampleCount, f.keyframe])).toEqual(
              file.fragments.map((f) => [f.offset, f.data.length, f.durationTicks, f.sampleCount, f.keyframe]),
            );
            expect(file.fragments[0]?.keyframe).toBe(true); // cut at keyframes only
            for (let i = 1; i < file.fragments.length; i++) {
              const [a, b] = [file.fragments[i - 1]!, file.fragments[i]!];
              expect(b.baseMediaDecodeTime).toBe(a.baseMediaDecodeTime + a.durationTicks);
            }
          }
        }
      } finally {
        await t.dispose();
      }
    }, 90_000);
  },
);

/** Whether files in `dir` open with O_DIRECT (ext4, xfs: yes; some tmpfs and overlay mounts: EINVAL). */
function directIoWorks(dir: string): boolean {
  try {
    closeSync(openSync(join(dir, 'o-direct-probe'), constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT, 0o600));
    return true;
  } catch {
    return false;
  }
}
