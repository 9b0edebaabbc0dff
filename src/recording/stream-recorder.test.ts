// The segment writer, reconciliation and the storage check against real ffmpeg output and both database dialects.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { Fmp4StreamParser, type Fragment, type InitSegment } from '../media/index.js';
import { type LocalSegmentStore, segmentRelPath } from '../storage/index.js';
import { appendPathNamed, appendPathNames } from '../../test/support/append-paths.js';
import { plaintextBoxesIn, testStore } from '../../test/support/segment-keys.js';
import { checkStorage, decodeFragmentIndex, reconcileStore, RecordingRepo, StreamRecorder } from './index.js';

const cameraId = '0192f3a0-0000-7000-8000-0000000000aa';
const streamId = '0192f3a0-0000-7000-8000-0000000000bb';
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let clip: { init: InitSegment; fragments: Fragment[] };
let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'vigil-rec-'));
  // 12 s at 25 fps, a keyframe every second, 1 s fragments: like a camera through the ingest pipeline.
  const out = execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '12', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-g', '25', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000', 'pipe:1',
  ], { maxBuffer: 64 * 1024 * 1024 });
  const parser = new Fmp4StreamParser();
  const items = parser.push(out);
  parser.end();
  const init = items.find((i) => i.kind === 'init');
  if (!init || init.kind !== 'init') throw new Error('no init');
  clip = { init: init.init, fragments: items.flatMap((i) => (i.kind === 'fragment' ? [i.fragment] : [])) };
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// Plaintext and encrypted stores (architecture §7), written by either append path (storage/append-path.ts): every
// invariant must hold for all of them.
const cases = dialects.flatMap((dialect) => [false, true].flatMap((encrypted) => appendPathNames.map((path) => ({ dialect, encrypted, path }))));

describe.each(cases)('StreamRecorder on $dialect, encrypted: $encrypted, $path append path', ({ dialect, encrypted, path }) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let store: LocalSegmentStore;
  let repo: RecordingRepo;
  let nowMs: number;
  const t0 = Date.UTC(2026, 10, 25, 8, 0, 0);

  afterEach(async () => t?.dispose());

  async function setup() {
    t = await createTestDatabase(dialect);
    store = testStore(mkdtempSync(join(workDir, 'store-')), t.db, encrypted, await appendPathNamed(path));
    await store.init();
    repo = new RecordingRepo(t.db);
    nowMs = t0;
  }

  function recorder(overrides: Partial<ConstructorParameters<typeof StreamRecorder>[0]['options']> = {}) {
    return new StreamRecorder(
      { store, repo, now: () => nowMs, log: silent, options: { segmentTargetMs: 4000, syncEveryFragment: true, minFreeBytes: 0, storeRetryMs: 50, ...overrides } },
      { streamId, cameraId },
    );
  }

  function feed(r: StreamRecorder, fragments: Fragment[]) {
    r.onInit(clip.init);
    for (const f of fragments) {
      nowMs += (f.durationTicks * 1000) / clip.init.timescale;
      r.onFragment(f);
    }
  }

  it('cuts ~4 s self-contained segments at keyframes, hashes them while writing, and indexes every fragment', async () => {
    await setup();
    const r = recorder();
    feed(r, clip.fragments);
    await r.stop();
    const segments = await repo.segmentsInRange(cameraId, t0 - 1000, t0 + 60_000);
    expect(segments.length).toBe(3);
    expect(segments.map((s) => s.seq)).toEqual([0, 1, 2]);
    let prevEnd = segments[0]!.start_ms;
    for (const s of segments) {
      expect(s.start_ms).toBe(prevEnd); // continuous in wall time within the run
      prevEnd = s.end_ms;
      const rel = segmentRelPath({ cameraId, runId: s.run_id, seq: s.seq, startMs: s.start_ms });
      const raw = readFileSync(join(store.root, rel));
      // Encrypted: no fMP4 box is visible in the stored bytes; the plaintext comes only through the store.
      expect(plaintextBoxesIn(raw).length === 0).toBe(encrypted);
      const file = await store.readWholeRel(rel);
      expect(file.length).toBe(s.size_bytes);
      expect(createHash('sha256').update(file).digest().equals(s.sha256)).toBe(true);
      const index = decodeFragmentIndex(s.fragment_index, s.init_size_bytes);
      expect(index[0]!.keyframe).toBe(true);
      expect(index.at(-1)!.offset + index.at(-1)!.sizeBytes).toBe(file.length);
      // self-contained: ffmpeg decodes each file alone
      const path = join(workDir, `seg-${dialect}-${s.seq}.mp4`);
      writeFileSync(path, file);
      execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
    }
    expect(prevEnd - segments[0]!.start_ms).toBeCloseTo(12_000, -2);
    expect(segments.reduce((n, s) => n + s.frames, 0)).toBe(300);
    const runs = await repo.runsInRange(cameraId, t0 - 1000, t0 + 60_000);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ start_cause: 'start', end_cause: 'shutdown', end_ms: prevEnd });
    expect(r.stats()).toMatchObject({ fragmentsWritten: clip.fragments.length, fragmentsLost: 0, segmentsWritten: 3 });
    const report = await checkStorage({ repo, store, dialect });
    expect(report.mismatches).toEqual([]);
    expect(report.segmentsChecked).toBe(3);
  });

  it('settles the run start on the earliest arrival when the first fragment comes late (start-up probing)', async () => {
    await setup();
    const r = recorder();
    r.onInit(clip.init);
    clip.fragments.slice(0, 6).forEach((f, i) => {
      nowMs = t0 + (i + 1) * 1000 + (i === 0 ? 300 : 0); // fragment i ends at t0 + i + 1 s; the first is 300 ms late
      r.onFragment(f);
    });
    await r.stop();
    const [seg] = await repo.segmentsInRange(cameraId, t0 - 10_000, t0 + 60_000);
    expect(seg!.start_ms).toBe(t0);
    const [run] = await repo.runsInRange(cameraId, t0 - 10_000, t0 + 60_000);
    expect(run!.start_ms).toBe(t0);
    expect((await checkStorage({ repo, store, dialect })).mismatches).toEqual([]);
  });

  it('ends a run with the cause of the gap and starts the next one on reconnect', async () => {
    await setup();
    const r = recorder();
    feed(r, clip.fragments.slice(0, 5));
    await r.endRun('camera_lost:stream_ended');
    nowMs += 7000;
    feed(r, clip.fragments.slice(0, 5)); // a new ffmpeg process starts media time again
    await r.stop();
    const runs = await repo.runsInRange(cameraId, t0 - 1000, t0 + 60_000);
    expect(runs.map((x) => [x.start_cause, x.end_cause])).toEqual([['start', 'camera_lost:stream_ended'], ['reconnect', 'shutdown']]);
    expect(runs[1]!.start_ms - runs[0]!.end_ms!).toBeGreaterThanOrEqual(6900);
  });

  it('after a crash, reconciliation completes the torn partial up to its last whole fragment and closes the run (invariant 2)', async () => {
    await setup();
    const r = recorder();
    feed(r, clip.fragments.slice(0, 7)); // one segment committed (4 s) + an open partial of 3 fragments
    await r.flush();
    // The process dies here: no stop(). Simulate a torn write at the tail of the partial.
    const [run] = await repo.openRuns();
    expect(run).toBeDefined();
    const partialRel = segmentRelPath({ cameraId, runId: run!.id, seq: 1, startMs: t0 });
    const dayDir = join(store.root, partialRel, '..');
    const partialName = readdirSync(dayDir).find((n) => n.endsWith('.partial'))!;
    appendFileSync(join(dayDir, partialName), clip.fragments[7]!.data.subarray(0, 100));
    const before = await checkStorage({ repo, store, dialect });
    expect(before.inProgress).toBe(1); // a partial of an open run is "being written", not an error

    const report = await reconcileStore({ store, repo, now: () => nowMs, log: silent });
    expect(report).toMatchObject({ runsClosed: 1, partialsCompleted: 1, orphansAdopted: 0 });
    const segments = await repo.segmentsOfRun(run!.id);
    expect(segments.map((s) => [s.seq, s.status])).toEqual([[0, 'ok'], [1, 'recovered']]);
    expect(segments[1]!.start_ms).toBe(segments[0]!.end_ms);
    expect(segments[1]!.frames).toBe(75); // the 3 whole fragments; the torn one is cut off
    const closed = await repo.getRun(run!.id);
    expect(closed).toMatchObject({ end_cause: 'recorder_crash', end_ms: segments[1]!.end_ms });
    expect((await checkStorage({ repo, store, dialect })).mismatches).toEqual([]);
    expect(existsSync(join(dayDir, partialName))).toBe(false);
  });

  it('after a crash while the native reader wrote with O_DIRECT, the zero padding to the block is cut off like a torn tail', async () => {
    await setup();
    const r = recorder();
    feed(r, clip.fragments.slice(0, 7));
    await r.flush();
    const [run] = await repo.openRuns();
    const dayDir = join(store.root, segmentRelPath({ cameraId, runId: run!.id, seq: 1, startMs: t0 }), '..');
    const partialName = readdirSync(dayDir).find((n) => n.endsWith('.partial'))!;
    const partial = join(dayDir, partialName);
    const size = statSync(partial).size;
    appendFileSync(partial, Buffer.alloc(4096 - (size % 4096))); // what an O_DIRECT append leaves past the records
    expect(statSync(partial).size % 4096).toBe(0);

    const report = await reconcileStore({ store, repo, now: () => nowMs, log: silent });
    expect(report).toMatchObject({ runsClosed: 1, partialsCompleted: 1, unreadable: [] });
    const segments = await repo.segmentsOfRun(run!.id);
    expect(segments[1]!.frames).toBe(75); // the 3 whole fragments, nothing of the padding
    expect((await checkStorage({ repo, store, dialect })).mismatches).toEqual([]); // the file's size and hash agree with its row
  });

  it('adopts a finished file whose row was never written (crash between rename and insert)', async () => {
    await setup();
    const r = recorder();
    feed(r, clip.fragments.slice(0, 7)); // seq 0 committed, seq 1 still a partial
    await r.flush();
    const [run] = await repo.openRuns();
    const rows = await repo.segmentsOfRun(run!.id);
    expect(rows).toHaveLength(1);
    // Turn the committed segment into an orphan by removing its row (as if the insert never happened).
    await t.db.deleteFrom('segments').where('id', '=', rows[0]!.id).execute();
    const report = await reconcileStore({ store, repo, now: () => nowMs, log: silent });
    expect(report.orphansAdopted).toBe(1);
    expect(report.partialsCompleted).toBe(1);
    const after = await repo.segmentsOfRun(run!.id);
    expect(after.map((s) => [s.seq, s.status, s.start_ms === rows[0]!.start_ms || s.seq === 1])).toEqual([[0, 'recovered', true], [1, 'recovered', true]]);
    expect((await checkStorage({ repo, store, dialect })).mismatches).toEqual([]);
  });

  it('check --storage reports a missing file, a size mismatch, an orphan and a stray file', async () => {
    await setup();
    const r = recorder();
    feed(r, clip.fragments);
    await r.stop();
    const segments = await repo.segmentsInRange(cameraId, t0 - 1000, t0 + 60_000);
    const pathOf = (i: number) => join(store.root, segmentRelPath({ cameraId, runId: segments[i]!.run_id, seq: segments[i]!.seq, startMs: segments[i]!.start_ms }));
    rmSync(pathOf(0));
    appendFileSync(pathOf(1), 'x');
    writeFileSync(join(pathOf(2), '..', `${segments[2]!.run_id}-99.mp4`), 'orphan');
    writeFileSync(join(store.root, 'notes.txt'), 'stray');
    const report = await checkStorage({ repo, store, dialect });
    // An encrypted file with a byte appended has no valid trailer any more: it cannot be read, not just mis-sized.
    expect(report.mismatches.map((m) => m.kind).sort()).toEqual(['missing_file', 'orphan_file', encrypted ? 'undecryptable' : 'size_mismatch', 'unknown_file']);
  });

  it('on a write failure (store full) keeps whole fragments, ends the run, counts losses and resumes when space returns', async () => {
    await setup();
    let free = 10 ** 9;
    // Free space is this test's input (the real-disk fault test fills a tmpfs: test/disk-full.test.ts); writes stay real.
    store.freeBytes = async () => free;
    const r = recorder({ minFreeBytes: 1000 });
    feed(r, clip.fragments.slice(0, 5));
    await r.flush();
    free = 10; // below the floor: the next segment boundary stops recording
    feed(r, clip.fragments.slice(5, 9));
    await r.flush();
    expect(r.stats().state).toBe('store_full');
    expect(r.stats().fragmentsLost).toBeGreaterThan(0);
    free = 10 ** 9;
    await new Promise((res) => setTimeout(res, 150));
    await r.flush();
    feed(r, clip.fragments.slice(9, 12));
    await r.stop();
    const runs = await repo.runsInRange(cameraId, t0 - 1000, t0 + 60_000);
    expect(runs.map((x) => [x.start_cause, x.end_cause])).toEqual([['start', 'store_full'], ['store_resumed', 'shutdown']]);
    expect((await checkStorage({ repo, store, dialect })).mismatches).toEqual([]);
  });
});
