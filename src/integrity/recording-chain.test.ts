// The chain on the real write path (R15): StreamRecorder segments from real ffmpeg output, a crash, and startup
// reconciliation (a completed partial and an adopted orphan) — every row linked, verify ok, on both dialects.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { createIntegrity } from '../app/index.js';
import { AuditRegisters } from '../audit/index.js';
import { Fmp4StreamParser, type Fragment, type InitSegment } from '../media/index.js';
import { reconcileStore, RecordingRepo, StreamRecorder } from '../recording/index.js';
import { LocalSegmentStore } from '../storage/index.js';
import { generateKeyPairSync } from 'node:crypto';
import { GENESIS_HASH, segmentLink } from './index.js';

const cameraId = '0192f3a0-0000-7000-8000-0000000000ca';
const streamId = '0192f3a0-0000-7000-8000-0000000000cb';
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
let clip: { init: InitSegment; fragments: Fragment[] };
let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'vigil-chain-'));
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

describe.each(dialects)('segment chain on the recording path, %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  afterEach(async () => t?.dispose());

  it('links recorded, recovered and adopted segments; verify is ok', async () => {
    t = await createTestDatabase(dialect);
    const store = new LocalSegmentStore(mkdtempSync(join(workDir, 'store-')));
    await store.init();
    const repo = new RecordingRepo(t.db);
    let nowMs = Date.UTC(2026, 10, 25, 8, 0, 0);
    const r = new StreamRecorder(
      { store, repo, now: () => nowMs, log: silent, options: { segmentTargetMs: 4000, syncEveryFragment: true, minFreeBytes: 0, storeRetryMs: 50 } },
      { streamId, cameraId },
    );
    r.onInit(clip.init);
    for (const f of clip.fragments.slice(0, 11)) {
      nowMs += (f.durationTicks * 1000) / clip.init.timescale;
      r.onFragment(f);
    }
    await r.flush(); // segments 0 and 1 committed, 2 a partial; the process "dies" here
    const [run] = await repo.openRuns();
    const rows = await repo.segmentsOfRun(run!.id);
    expect(rows).toHaveLength(2);
    // Crash between rename and insert for segment 1: its row is gone, its file stays (an orphan to adopt).
    await t.db.deleteFrom('segments').where('id', '=', rows[1]!.id).execute();
    const dayDir = join(store.root, cameraId, readdirSync(join(store.root, cameraId))[0]!);
    appendFileSync(join(dayDir, readdirSync(dayDir).find((n) => n.endsWith('.partial'))!), clip.fragments[11]!.data.subarray(0, 50));
    const report = await reconcileStore({ store, repo, now: () => nowMs, log: silent });
    expect(report).toMatchObject({ orphansAdopted: 1, partialsCompleted: 1 });

    const all = await t.db.selectFrom('segments').selectAll().orderBy('id').execute();
    expect(all.map((x) => [x.seq, x.status])).toEqual([[0, 'ok'], [1, 'recovered'], [2, 'recovered']]);
    let prev = GENESIS_HASH;
    for (const x of all) {
      expect(x.chain_prev).toEqual(prev);
      expect(x.chain_hash).toEqual(segmentLink(prev, x));
      prev = x.chain_hash!;
    }
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const audit = new AuditRegisters({ db: t.db, now: Date.now, signingKey, checkpointEveryEntries: 1000, checkpointEveryMs: 600_000 });
    const integrity = createIntegrity({ db: t.db, recordings: repo, store, systemLog: audit, signingKey, checkpointEveryMs: 60_000 });
    await integrity.checkpoint();
    const verified = await integrity.verify();
    expect(verified.ok, JSON.stringify(verified.segments)).toBe(true);
    expect(verified.counts.ok).toBe(3);
  });
});
