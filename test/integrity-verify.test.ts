// End to end (R15): a real RTSP camera recorded by the real `vigil serve`; after a graceful stop (which signs a
// final checkpoint of the chain heads), `vigil verify` proves the footage original and complete (exit 0); one byte
// flipped in one segment file makes it exit 3 naming that segment.
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { createTestDatabase } from './support/databases.js';
import { runVigil, startServe, waitFor, writeTestConfig } from './support/vigil-process.js';

interface Verdict { status: string; segmentId: number | null; file: string | null; details: string[] }
interface Report {
  ok: boolean;
  streams: number;
  counts: { ok: number; altered: number; missing: number; unexpected: number };
  segments: Verdict[];
  checkpoints: { checked: number; problems: unknown[] };
  filesHashed: number;
  bytesHashed: number;
  throughputMiBps: number;
}

let sim: SimCameras;
beforeAll(async () => {
  sim = await startSimCameras({ port: 0, streams: [{ name: 'integrity-main', width: 640, height: 360, bitrateKbps: 800, gopFrames: 25 }] });
});
afterAll(async () => sim?.close());

describe.each(['sqlite', 'postgres'] as const)('vigil verify on %s', (dialect) => {
  let dataDir: string;
  let cameraId: string;
  let disposeDb: (() => Promise<void>) | undefined;
  let offsite: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `vigil-integrity-${dialect}-`));
    // The checkpoints kept off the machine (R15): another directory, as another medium would be.
    offsite = mkdtempSync(join(tmpdir(), `vigil-offsite-${dialect}-`));
    const integrity = { checkpointEveryMs: 2000, exportFile: join(offsite, 'checkpoints.ndjson') };
    if (dialect === 'postgres') {
      const db = await createTestDatabase('postgres');
      await db.close();
      disposeDb = db.dispose;
      writeTestConfig(dataDir, { database: { dialect: 'postgres', url: db.url! }, integrity });
    } else {
      writeTestConfig(dataDir, { integrity });
    }
    const added = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', 'Integrity Gate', '--url', sim.urlOf('integrity-main')]);
    expect(added.code, added.stderr).toBe(0);
    cameraId = (added.json as { id: string }).id;
  });

  afterAll(async () => {
    await disposeDb?.().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(offsite, { recursive: true, force: true });
  });

  it('records, stops, verifies ok (exit 0), then names a tampered segment (exit 3)', async () => {
    const auditorPassword = (await provisionAccounts(dataDir, [{ username: 'auditor1', roles: ['auditor'] }])).get('auditor1')!;
    const vigil = await startServe(dataDir);
    try {
      const t0 = Date.now() - 60_000;
      await waitFor(async () => {
        const tl = (await (await vigil.api(`/api/v1/cameras/${cameraId}/recordings?from=${t0}&to=${Date.now()}`)).json()) as { segments: unknown[] };
        return tl.segments.length >= 3;
      }, { timeoutMs: 60_000, what: '3 segments' });

      // An auditor asks for a verify run in the console and sees the camera's status (R15).
      const auditor = await ApiSession.login(vigil.url, 'auditor1', auditorPassword);
      expect((await auditor.fetch('/api/v1/integrity/verify', { method: 'POST', json: {} })).status).toBe(202);
      const status = await waitFor(async () => {
        const s = (await (await auditor.fetch('/api/v1/integrity/status')).json()) as { running: unknown; cameras: { cameraId: string; status: string }[]; recentRuns: { ok: boolean }[] };
        return s.running === null && s.recentRuns.length > 0 && s;
      }, { timeoutMs: 30_000, what: 'a finished verify run' });
      expect(status.cameras).toEqual([expect.objectContaining({ cameraId, status: 'ok' })]);
      expect(status.recentRuns[0]!.ok).toBe(true);
      const pulled = await auditor.fetch('/api/v1/integrity/checkpoints');
      expect(pulled.headers.get('content-type')).toContain('ndjson');
      expect((await pulled.text()).trim().split('\n').length).toBeGreaterThanOrEqual(1);
      // An operator may not (audit.read).
      expect((await vigil.api('/api/v1/integrity/status')).status).toBe(403);
    } finally {
      expect(await vigil.stop()).toBe(0);
    }

    const clean = await runVigil(['verify', '--json', '--data-dir', dataDir]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    const report = clean.json as Report;
    expect(report.ok).toBe(true);
    expect(report.counts.ok).toBeGreaterThanOrEqual(3);
    expect(report.counts.altered + report.counts.missing + report.counts.unexpected).toBe(0);
    expect(report.checkpoints.checked).toBeGreaterThanOrEqual(1); // at least the shutdown checkpoint
    expect(report.checkpoints.problems).toEqual([]);
    expect(report.filesHashed).toBe(report.counts.ok);
    expect(report.bytesHashed).toBeGreaterThan(100_000);
    expect(clean.stderr).toMatch(/verify: \d+ segments/); // progress on stderr, never in the JSON

    // Every checkpoint serve signed was appended off the machine as well, and the index still holds each of them.
    const offsiteFile = join(offsite, 'checkpoints.ndjson');
    expect(readFileSync(offsiteFile, 'utf8').trim().split('\n').length).toBe(report.checkpoints.checked);
    const against = await runVigil(['verify', '--json', '--data-dir', dataDir, '--against', offsiteFile]);
    expect(against.code, against.stdout + against.stderr).toBe(0);
    const exported = join(offsite, 'full.ndjson');
    expect((await runVigil(['verify', '--json', '--data-dir', dataDir, '--export-checkpoints', exported])).code).toBe(0);
    expect(readFileSync(exported, 'utf8')).toBe(readFileSync(offsiteFile, 'utf8'));
    writeFileSync(join(offsite, 'cut.ndjson'), '{"id":1,"atMs"');
    const cut = await runVigil(['verify', '--data-dir', dataDir, '--against', join(offsite, 'cut.ndjson')]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toContain('line 1');

    const keyOut = await runVigil(['verify', '--public-key', '--json', '--data-dir', dataDir]);
    const pem = (keyOut.json as { publicKey: string }).publicKey;
    expect(pem).toContain('BEGIN PUBLIC KEY');
    // An auditor checks the checkpoints against the exported key; another key finds them foreign.
    writeFileSync(join(dataDir, 'exported.pem'), pem);
    expect((await runVigil(['verify', '--json', '--data-dir', dataDir, '--key', join(dataDir, 'exported.pem')])).code).toBe(0);
    writeFileSync(join(dataDir, 'other.pem'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const foreign = await runVigil(['verify', '--json', '--data-dir', dataDir, '--key', join(dataDir, 'other.pem')]);
    expect(foreign.code).toBe(3);
    expect((foreign.json as { checkpoints: { problems: { kind: string }[] } }).checkpoints.problems[0]?.kind).toBe('foreign_key');

    // Flip one byte in the middle of the second segment file.
    const cameraDir = join(dataDir, 'store', cameraId);
    const day = readdirSync(cameraDir).sort()[0]!;
    const files = readdirSync(join(cameraDir, day)).filter((f) => f.endsWith('.mp4')).sort();
    const rel = `${cameraId}/${day}/${files[1]}`;
    const path = join(dataDir, 'store', rel);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(path, bytes);

    const tampered = await runVigil(['verify', '--json', '--data-dir', dataDir]);
    expect(tampered.code).toBe(3);
    const bad = tampered.json as Report;
    expect(bad.ok).toBe(false);
    expect(bad.segments.filter((v) => v.status === 'altered').map((v) => v.file)).toEqual([rel]);
    expect(bad.counts.altered).toBe(1);

    const human = await runVigil(['verify', '--data-dir', dataDir, '--camera', cameraId]);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain(rel);
    expect(human.stdout).toMatch(/ALTERED segment \d+/);
    expect(human.stdout).toMatch(/MiB\/s/);
  });
});
