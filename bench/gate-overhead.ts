// Access gate (R16): (1) what the gate adds to the time to first byte of every video request — `gate.open` for a
// playback request through the real AccessService and the real AuditRegisters on SQLite (account re-read, role,
// grant and personnel checks, the register row committed before the grant exists), one viewer at a time and 16 at
// once; the rest of a request's path is the same with or without the gate, so this is the overhead itself. (2) The
// cost of the export watermark (D18): time to the first watermarked byte and encode speed for a 1080p clip.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AccessService, type GateRequest, type Subject } from '../src/access/index.js';
import { AuditRegisters } from '../src/audit/index.js';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { findCjkFont, runWatermark } from '../src/media/index.js';
import { distribution, machineInfo, numberSetting, round, type BenchOptions, type BenchResult } from './lib/common.js';
import { loadAverage } from './lib/proc.js';

const GATE_P95_GOAL_MS = 5;
const DAY = 86_400_000;

async function gateTimes(requests: number, concurrency: number, dir: string): Promise<{ open: number[]; rows: number }> {
  const database = openDatabase({ dialect: 'sqlite', path: join(dir, `gate-${concurrency}.sqlite`) });
  await migrateToLatest(database.db);
  const registers = new AuditRegisters({
    db: database.db, now: Date.now, signingKey: generateKeyPairSync('ed25519').privateKey,
    checkpointEveryEntries: 1000, checkpointEveryMs: 600_000,
  });
  const access = new AccessService({
    db: database.db, now: Date.now, access: registers, events: registers, totpKey: randomBytes(32),
    reasonCategories: ['incident_investigation'], sessionIdleMs: 1_800_000, sessionAbsoluteMs: 43_200_000, lockoutAfterFailures: 5, lockoutMs: 900_000,
  });
  try {
    const now = Date.now();
    const { user, initialPassword } = await access.createUser(null, { username: 'bench_op', displayName: '值班员', unit: '保卫处', roles: ['operator'] });
    await access.setPersonnel(null, user.id, { vettedMs: now - DAY, confidentialitySignedMs: now - DAY });
    await access.addTraining(null, user.id, { course: '培训', completedMs: now - DAY, validUntilMs: now + 365 * DAY });
    await access.addGrant(null, { userId: user.id, scope: { kind: 'all' }, actions: ['live', 'playback', 'export'] });
    const { subject } = await access.login({ username: 'bench_op', password: initialPassword, clientAddr: '127.0.0.1' });
    const request = (i: number): GateRequest => ({
      subject: subject as Subject, action: 'playback', target: { cameraIds: [`cam-${i % 8}`], fromMs: now - 3_600_000, toMs: now },
      reason: { category: 'incident_investigation', text: '案件调阅 bench' }, clientAddr: '127.0.0.1',
    });
    const open: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        const i = next++;
        const t0 = performance.now();
        const grant = await access.gate.open(request(i));
        open.push(performance.now() - t0);
        grant.addBytes(1000);
        await grant.close();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const report = await registers.verify();
    if (!report.ok) throw new Error('the register chain is broken after the gate benchmark');
    return { open, rows: report.logs.access.entries };
  } finally {
    await registers.close();
    await database.close();
  }
}

async function watermarkCost(dir: string, seconds: number): Promise<{ ttfbMs: number; encodeSpeed: number; fontFile: string } | null> {
  const fontFile = findCjkFont();
  if (!fontFile) return null;
  const clip = join(dir, 'clip-1080p.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50',
    '-pix_fmt', 'yuv420p', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000', clip]);
  const data = readFileSync(clip);
  const t0 = performance.now();
  let first = 0;
  await runWatermark({ ffmpegPath: 'ffmpeg', fontFile, lines: ['Vigil 导出 export #1 · 值班员 (bench_op) · 保卫处', '2026-12-02 10:00:00 +08 – 10:01:00 +08'] },
    async (write) => {
      for (let i = 0; i < data.length; i += 256 * 1024) await write(data.subarray(i, i + 256 * 1024));
    },
    () => {
      if (!first) first = performance.now() - t0;
    });
  const totalS = (performance.now() - t0) / 1000;
  return { ttfbMs: round(first, 1), encodeSpeed: round(seconds / totalS, 2), fontFile };
}

export async function gateOverhead(options: BenchOptions): Promise<BenchResult> {
  const started = Date.now();
  const before = loadAverage();
  const requests = numberSetting(options, 'gate-requests', options.quick ? 300 : 3000);
  const clipSeconds = numberSetting(options, 'clip-seconds', options.quick ? 4 : 20);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-gate-'));
  try {
    options.log(`gate-overhead: ${requests} gate.open calls, 1 then 16 at once`);
    const single = await gateTimes(requests, 1, dir);
    const many = await gateTimes(requests, 16, dir);
    const d1 = distribution(single.open);
    const d16 = distribution(many.open);
    options.log(`gate-overhead: watermark encode of a ${clipSeconds} s 1080p clip`);
    const wm = await watermarkCost(dir, clipSeconds);
    const notes = [
      'gate.open is the whole of what the gate adds before the first byte: the request path is otherwise unchanged.',
      'Exports are re-encoded with the watermark: their first byte waits for ffmpeg to start and encode the first fragment (see watermark numbers); HLS and live are not re-encoded.',
    ];
    if (!wm) notes.push('no CJK font installed: watermark not measured');
    return {
      name: 'gate-overhead',
      description: 'Time of gate.open (checks + access-register append) per video request on SQLite, and the export watermark encode cost.',
      quick: options.quick,
      machine: await machineInfo(),
      load: { before, after: loadAverage() },
      durationSeconds: round((Date.now() - started) / 1000, 1),
      parameters: { requests, clipSeconds },
      results: { gateOpenMs: { single: d1, concurrent16: d16 }, registerRows: { single: single.rows, concurrent16: many.rows }, watermark: wm },
      summary: [
        { metric: 'gate.open p95, one viewer', value: `${d1.p95} ms (p50 ${d1.p50})`, goal: `≤ ${GATE_P95_GOAL_MS} ms`, ok: d1.p95 <= GATE_P95_GOAL_MS },
        { metric: 'gate.open p95, 16 at once', value: `${d16.p95} ms (p50 ${d16.p50})`, goal: `≤ ${GATE_P95_GOAL_MS} ms`, ok: d16.p95 <= GATE_P95_GOAL_MS },
        ...(wm ? [
          { metric: 'watermarked export: first byte', value: `${wm.ttfbMs} ms` },
          { metric: 'watermarked export: encode speed (1080p)', value: `${wm.encodeSpeed}× real time` },
        ] : []),
      ],
      notes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
