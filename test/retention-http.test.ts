// Retention over HTTP against a real `vigil serve` (R17, D22(3)): a fresh install has the 30-day default policy;
// below 30 days is refused with article R17; a sector override needs its legal basis; the four-eyes lift of a legal
// hold refuses the requester as approver and accepts a second account; every change is in the system log; a run
// and its certificate (JSON, HTML, text), and the capacity plan, are readable by the roles that may read them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSession, provisionAccounts } from './support/accounts.js';
import { runVigil, startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const DAY = 86_400_000;

describe('retention over HTTP', () => {
  let dataDir: string;
  let vigil: ServingVigil;
  let camera: string;
  let sys: ApiSession;
  let secA: ApiSession;
  let secB: ApiSession;
  let auditor: ApiSession;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-retention-http-'));
    writeTestConfig(dataDir);
    const r = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', '金库 Vault', '--url', 'rtsp://127.0.0.1:9/none']);
    expect(r.code, r.stderr).toBe(0);
    camera = (r.json as { id: string }).id;
    const pw = await provisionAccounts(dataDir, [
      { username: 'sys1', roles: ['system_admin'] },
      { username: 'sec_a', roles: ['security_admin'] },
      { username: 'sec_b', roles: ['security_admin'] },
      { username: 'aud1', roles: ['auditor'] },
    ]);
    vigil = await startServe(dataDir);
    sys = await ApiSession.login(vigil.url, 'sys1', pw.get('sys1')!);
    secA = await ApiSession.login(vigil.url, 'sec_a', pw.get('sec_a')!);
    secB = await ApiSession.login(vigil.url, 'sec_b', pw.get('sec_b')!);
    auditor = await ApiSession.login(vigil.url, 'aud1', pw.get('aud1')!);
  });

  afterAll(async () => {
    await vigil?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a fresh install has the 30-day default policy; every camera is governed by it', async () => {
    const policies = (await (await sys.fetch('/api/v1/retention/policies')).json()) as { scope: { kind: string }; retentionDays: number }[];
    expect(policies.map((p) => [p.scope.kind, p.retentionDays])).toEqual([['default', 30]]);
    const cams = (await (await sys.fetch('/api/v1/retention/cameras')).json()) as { cameraId: string; effectiveRetentionDays: number; policyId: string | null }[];
    expect(cams).toEqual([expect.objectContaining({ cameraId: camera, effectiveRetentionDays: 30 })]);
    expect(cams[0]!.policyId).not.toBeNull();
  });

  it('refuses a policy below 30 days with article R17, and a sector override without its legal basis', async () => {
    const low = await sys.fetch('/api/v1/retention/policies', { method: 'PUT', json: { scope: { kind: 'camera', cameraId: camera }, retentionDays: 20 } });
    expect(low.status).toBe(422);
    expect(await low.json()).toMatchObject({ error: 'retention_below_floor', article: 'R17', field: 'retentionDays' });
    const noBasis = await sys.fetch('/api/v1/retention/policies', {
      method: 'PUT', json: { scope: { kind: 'camera', cameraId: camera }, retentionDays: 30, sector: { sector: 'banking', retentionDays: 90, legalBasis: '' } },
    });
    expect(noBasis.status).toBe(422);
    expect(await noBasis.json()).toMatchObject({ error: 'sector_override_incomplete', article: 'R17' });
    const bank = await sys.fetch('/api/v1/retention/policies', {
      method: 'PUT', json: { scope: { kind: 'camera', cameraId: camera }, retentionDays: 30, sector: { sector: 'banking', retentionDays: 90, legalBasis: '银行业安全防范要求' } },
    });
    expect(bank.status).toBe(200);
    expect(await bank.json()).toMatchObject({ effectiveRetentionDays: 90 });
    const cams = (await (await sys.fetch('/api/v1/retention/cameras')).json()) as { effectiveRetentionDays: number }[];
    expect(cams[0]!.effectiveRetentionDays).toBe(90);
    // The security administrator may not change retention (retention.manage is the system administrator's).
    expect((await secA.fetch('/api/v1/retention/policies', { method: 'PUT', json: { scope: { kind: 'default' }, retentionDays: 60 } })).status).toBe(403);
  });

  it('lifting a legal hold takes four eyes: the requester cannot approve, a second account can', async () => {
    const created = await secA.fetch('/api/v1/retention/holds', {
      method: 'POST',
      json: { cameraIds: [camera], fromMs: Date.now() - 40 * DAY, toMs: Date.now() - 35 * DAY, reason: '案件 2026-117', legalBasis: '刑事诉讼法', requester: '某派出所' },
    });
    expect(created.status).toBe(201);
    const hold = (await created.json()) as { id: string; state: string };
    expect(hold.state).toBe('active');
    const early = await secB.fetch(`/api/v1/retention/holds/${hold.id}/approve-lift`, { method: 'POST' });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: 'hold_lift_not_requested' });
    const req = await secA.fetch(`/api/v1/retention/holds/${hold.id}/request-lift`, { method: 'POST', json: { reason: '案件已结' } });
    expect(req.status).toBe(200);
    expect(await req.json()).toMatchObject({ state: 'lift_requested' });
    const self = await secA.fetch(`/api/v1/retention/holds/${hold.id}/approve-lift`, { method: 'POST' });
    expect(self.status).toBe(403);
    expect(await self.json()).toMatchObject({ error: 'hold_lift_same_account', article: 'R17' });
    const ok = await secB.fetch(`/api/v1/retention/holds/${hold.id}/approve-lift`, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ state: 'lifted' });

    const log = (await (await auditor.fetch('/api/v1/audit/system?limit=1000')).json()) as { event: string; actorUsername: string | null; target: string | null }[];
    const about = log.filter((e) => e.target === hold.id).map((e) => [e.event, e.actorUsername]);
    expect(about).toEqual(expect.arrayContaining([
      ['hold.created', 'sec_a'], ['hold.lift_requested', 'sec_a'], ['hold.lift_refused', 'sec_a'], ['hold.lifted', 'sec_b'],
    ]));
    expect(log.some((e) => e.event === 'retention.policy_set' && e.actorUsername === 'sys1')).toBe(true);
  });

  it('runs the executor (dry run and real), serves the signed certificate as JSON, HTML and text, and the capacity plan', async () => {
    const dry = await sys.fetch('/api/v1/retention/runs', { method: 'POST', json: { dryRun: true } });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ dryRun: true, runId: null, planned: [] });
    const run = (await (await sys.fetch('/api/v1/retention/runs', { method: 'POST', json: {} })).json()) as { runId: string; deleted: number };
    expect(run.deleted).toBe(0);
    const runs = (await (await sys.fetch('/api/v1/retention/runs')).json()) as { id: string; status: string; signed: boolean }[];
    expect(runs.find((r) => r.id === run.runId)).toMatchObject({ status: 'completed', signed: true });
    const cert = (await (await sys.fetch(`/api/v1/retention/runs/${run.runId}/certificate`)).json()) as { signatureValid: boolean; certificate: { runId: string } };
    expect(cert).toMatchObject({ signatureValid: true, certificate: { runId: run.runId } });
    const html = await sys.fetch(`/api/v1/retention/runs/${run.runId}/certificate?format=html`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('视频删除证明');
    expect(await (await sys.fetch(`/api/v1/retention/runs/${run.runId}/certificate?format=text`)).text()).toContain(run.runId);
    expect((await sys.fetch('/api/v1/retention/runs/nope/certificate')).status).toBe(404);

    const cap = (await (await sys.fetch('/api/v1/retention/capacity')).json()) as { cameras: { cameraId: string; retentionDays: number }[]; totalBytes: number; warnings: unknown[] };
    expect(cap.cameras).toEqual([expect.objectContaining({ cameraId: camera, retentionDays: 90 })]);
    expect(cap.totalBytes).toBeGreaterThan(0);
    const metrics = await (await sys.fetch('/metrics')).text();
    expect(metrics).toMatch(/^vigil_retention_store_full_under_floor 0$/m);
    expect(metrics).toMatch(/^vigil_retention_capacity_days /m);
  });
});
