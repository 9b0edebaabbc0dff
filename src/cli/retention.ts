// `vigil retention policy set|list|remove`, `vigil retention run|runs|certificate|capacity` and
// `vigil hold add|list|request-lift|approve-lift` (R17, D22(3)): thin wrappers over RetentionService.
// The CLI acts as the local system (actor null, logged with via 'cli') — except for lifting a legal hold: four eyes
// need two *identified* people, so request-lift and approve-lift authenticate the caller by an API token in the
// environment variable VIGIL_TOKEN (never on the command line, where other users could read it in the process
// list); the token must carry the hold.manage scope. Each of the two people uses their own token.
import type { Command } from 'commander';
import type { Subject } from '../access/index.js';
import { parseInstant } from '../audit/index.js';
import type { Core } from '../app/index.js';
import { certificateHtml, certificateText, type CapacityReport, type HoldView, type PolicyScopeInput, type PolicyView, type RunReport } from '../retention/index.js';
import { withCore, type Act } from './context.js';
import { UsageError } from './output.js';

interface ScopeOptions {
  camera?: string;
  group?: string;
  default?: boolean;
}

function scopeOf(o: ScopeOptions): PolicyScopeInput {
  const given = [o.camera !== undefined, o.group !== undefined, !!o.default].filter(Boolean).length;
  if (given !== 1) throw new UsageError('name exactly one scope: --camera ID, --group ID or --default');
  if (o.camera !== undefined) return { kind: 'camera', cameraId: o.camera };
  if (o.group !== undefined) return { kind: 'group', groupId: o.group };
  return { kind: 'default' };
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value.trim())) throw new UsageError(`--${flag} must be a whole number of days`);
  return Number(value);
}

function instant(value: string | undefined, flag: string): number | undefined {
  try {
    return parseInstant(value, flag);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function describeScope(s: PolicyScopeInput): string {
  return s.kind === 'camera' ? `camera ${s.cameraId}` : s.kind === 'group' ? `group ${s.groupId}` : 'default';
}

function describePolicy(p: PolicyView): string {
  const extra = [
    p.sector && `sector ${p.sector.sector} ${p.sector.retentionDays} d (${p.sector.legalBasis})`,
    p.ceilingDays !== null && `ceiling ${p.ceilingDays} d`,
    !p.deleteAfterPurposeServed && 'kept until the ceiling',
  ].filter(Boolean);
  return `${p.id}  ${describeScope(p.scope)}: ${p.retentionDays} d → keeps ${p.effectiveRetentionDays} d${extra.length ? `; ${extra.join('; ')}` : ''}`;
}

function describeHold(h: HoldView): string {
  return `${h.id}  ${h.state}  cameras ${h.cameraIds.join(',')}  ${iso(h.fromMs)} – ${iso(h.toMs)}  expires ${iso(h.expiresMs)}\n` +
    `    reason: ${h.reason}; legal basis: ${h.legalBasis}; requester: ${h.requester}` +
    (h.liftRequestedBy ? `\n    lift requested by ${h.liftRequestedBy} (${h.liftReason ?? ''})${h.liftApprovedBy ? `, approved by ${h.liftApprovedBy}` : ', awaiting a second approver'}` : '');
}

function describeRun(r: RunReport): string {
  const lines = [
    `${r.dryRun ? 'dry run (nothing deleted)' : `run ${r.runId}`}: ${r.planned.length} segments planned, ${r.deleted} deleted (${r.bytesDeleted} bytes)` +
      (r.recovered ? `, ${r.recovered} interrupted deletions completed` : ''),
    `kept: ${Object.entries(r.kept).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    `store: ${r.freeBytes} bytes free (executor keeps ${r.minFreeBytes})`,
    ...r.alerts.map((a) => `${a.severity.toUpperCase()} ${a.kind} (${a.article}): ${a.message}`),
  ];
  if (r.dryRun) lines.push(...r.planned.slice(0, 200).map((p) => `  would delete segment ${p.segmentId} of camera ${p.cameraId}: ${p.reason} (policy ${p.policyId}, ${p.bytes} bytes)`));
  return lines.join('\n');
}

function describeCapacity(c: CapacityReport): string {
  const days = (d: number) => (Number.isFinite(d) ? d.toFixed(1) : '∞');
  return [
    `store ${c.store}: ${c.totalBytes} bytes total, ${c.freeBytes} free, ${c.usedBytes} used by footage, reserve ${c.reserveBytes}`,
    `recording ${Math.round(c.bytesPerDay)} bytes/day (measured over ${c.measuredOverDays} days); holds ${days(c.capacityDays)} days; headroom ${days(c.headroomDays)} days`,
    `needs ${Math.round(c.bytesForRetention)} bytes for the policies' retention, ${Math.round(c.bytesForFloor)} for the 30-day floor (usable ${c.usableBytes})`,
    ...c.perCamera.map((p) => `  camera ${p.cameraId}: ${Math.round(p.bytesPerDay)} bytes/day × ${p.retentionDays} d`),
    ...c.warnings.map((w) => `${w.severity.toUpperCase()} ${w.kind} (${w.article}): ${w.message}`),
  ].join('\n');
}

/** The person behind VIGIL_TOKEN (an API token with the hold.manage scope), for the four-eyes steps. */
async function tokenSubject(core: Core): Promise<Subject> {
  const token = process.env.VIGIL_TOKEN;
  if (!token) {
    throw new UsageError('lifting a legal hold takes two identified people (four eyes): set VIGIL_TOKEN to your own API token (scope hold.manage)');
  }
  const subject = await core.access.authenticateToken(token.trim());
  if (!subject) throw new UsageError('VIGIL_TOKEN is unknown, expired or revoked');
  return subject;
}

export function registerRetentionCommands(program: Command, act: Act): void {
  const retention = program.command('retention').description('retention policies, runs, certificates and capacity / 视频保存 (R17)');
  const policy = retention.command('policy').description('retention policies (at least 30 days, R17)');

  policy
    .command('set')
    .description('create or replace the policy of a camera, a camera group, or the default')
    .option('--camera <id>', 'policy of one camera')
    .option('--group <id>', 'policy of a camera group (the longest among a camera\'s groups wins)')
    .option('--default', 'the default policy')
    .requiredOption('--days <n>', 'retention in days (at least 30, R17)')
    .option('--sector <name>', 'a sector law requiring longer retention, e.g. banking')
    .option('--sector-days <n>', 'the sector\'s retention in days (above 30)')
    .option('--legal-basis <text>', 'the law that requires the sector retention')
    .option('--ceiling-days <n>', 'footage at least this old must be deleted (unless on hold)')
    .option('--keep-until-ceiling', 'do not delete once retention has passed; keep until the ceiling (or store pressure)')
    .action(act(async (out, opts, o: ScopeOptions & { days: string; sector?: string; sectorDays?: string; legalBasis?: string; ceilingDays?: string; keepUntilCeiling?: boolean }) => {
      const scope = scopeOf(o);
      const sectorGiven = [o.sector, o.sectorDays, o.legalBasis].filter((v) => v !== undefined).length;
      if (sectorGiven !== 0 && sectorGiven !== 3) throw new UsageError('a sector override needs --sector, --sector-days and --legal-basis together (R17)');
      return withCore(opts, async (core) => {
        const view = await core.retention.setPolicy(null, {
          scope,
          retentionDays: int(o.days, 'days')!,
          sector: sectorGiven ? { sector: o.sector!, retentionDays: int(o.sectorDays, 'sector-days')!, legalBasis: o.legalBasis! } : null,
          ceilingDays: int(o.ceilingDays, 'ceiling-days') ?? null,
          deleteAfterPurposeServed: !o.keepUntilCeiling,
        });
        out.result(view, describePolicy(view));
        return 0;
      });
    }));

  policy
    .command('list')
    .description('every policy, and with --cameras which one governs each camera')
    .option('--cameras', 'also list each camera with its governing policy and effective retention')
    .action(act(async (out, opts, o: { cameras?: boolean }) => withCore(opts, async (core) => {
      const policies = await core.retention.listPolicies();
      const cameras = o.cameras ? await core.retention.governingPolicies() : undefined;
      out.result(cameras ? { policies, cameras } : policies, [
        ...policies.map(describePolicy),
        ...(cameras ?? []).map((c) => `camera ${c.cameraId}: policy ${c.policyId ?? 'none'}, keeps ${c.effectiveRetentionDays} d`),
      ].join('\n') || 'no policies');
      return 0;
    })));

  policy
    .command('remove')
    .description('remove the policy of a camera or group (the default policy can only be changed)')
    .option('--camera <id>', 'policy of one camera')
    .option('--group <id>', 'policy of a camera group')
    .option('--default', 'the default policy (refused: every camera must keep a policy)')
    .action(act(async (out, opts, o: ScopeOptions) => {
      const scope = scopeOf(o);
      return withCore(opts, async (core) => {
        await core.retention.removePolicy(null, { scope });
        out.result({ removed: scope }, `removed the ${describeScope(scope)} policy`);
        return 0;
      });
    }));

  retention
    .command('run')
    .description('run the retention executor now (deletes footage past its retention; never under 30 days or on hold)')
    .option('--dry-run', 'plan only: print what would be deleted and why')
    .action(act(async (out, opts, o: { dryRun?: boolean }) => withCore(opts, async (core) => {
      const report = await core.retention.run({ trigger: 'cli', dryRun: !!o.dryRun });
      out.result(report, describeRun(report));
      return 0;
    })));

  retention
    .command('runs')
    .description('the last executor runs')
    .option('--limit <n>', 'how many', '20')
    .action(act(async (out, opts, o: { limit: string }) => withCore(opts, async (core) => {
      const runs = await core.retention.runs({ limit: Math.min(500, int(o.limit, 'limit') ?? 20), offset: 0 });
      out.result(runs, runs.map((r) => `${r.id}  ${iso(r.startedMs)}  ${r.trigger}  ${r.status}  ${r.segments} segments  ${r.bytes} bytes${r.alerts.length ? `  ${r.alerts.length} alerts` : ''}`).join('\n') || 'no runs');
      return 0;
    })));

  retention
    .command('certificate <runId>')
    .description('the signed deletion certificate of a run (what, when, why, SHA-256 of each segment)')
    .option('--format <format>', 'json | html | text (text unless --json)', 'text')
    .action(act(async (out, opts, runId: string, o: { format: string }) => {
      if (!['json', 'html', 'text'].includes(o.format)) throw new UsageError('--format must be json, html or text');
      return withCore(opts, async (core) => {
        const cert = await core.retention.certificate(runId);
        if (out.json || o.format === 'json') out.result(cert, JSON.stringify(cert, null, 2));
        else process.stdout.write(o.format === 'html' ? certificateHtml(cert) : certificateText(cert));
        return cert.signatureValid ? 0 : 3;
      });
    }));

  retention
    .command('capacity')
    .description('capacity plan of the store: bytes for the retention period vs free space, headroom, warnings')
    .action(act(async (out, opts) => withCore(opts, async (core) => {
      const report = await core.retention.capacity();
      out.result(report, describeCapacity(report));
      return report.warnings.some((w) => w.severity === 'critical') ? 3 : 0;
    })));

  const hold = program.command('hold').description('legal holds: footage kept past every deletion / 证据保全 (R17)');
  hold
    .command('add')
    .description('put footage of cameras in a time range on hold')
    .requiredOption('--camera <id...>', 'held camera(s)')
    .requiredOption('--from <time>', 'start of the held range (ms or ISO-8601 with zone)')
    .requiredOption('--to <time>', 'end of the held range')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--legal-basis <text>', 'the law or order the hold rests on')
    .requiredOption('--requester <text>', 'who asked for it (e.g. a police station and case number)')
    .option('--expires <time>', 'when the hold ends by itself (default: until lifted)')
    .action(act(async (out, opts, o: { camera: string[]; from: string; to: string; reason: string; legalBasis: string; requester: string; expires?: string }) => {
      const input = {
        cameraIds: o.camera, fromMs: instant(o.from, 'from')!, toMs: instant(o.to, 'to')!, reason: o.reason, legalBasis: o.legalBasis,
        requester: o.requester, expiresMs: instant(o.expires, 'expires') ?? null,
      };
      return withCore(opts, async (core) => {
        const view = await core.retention.addHold(null, input);
        out.result(view, view.id);
        return 0;
      });
    }));

  hold
    .command('list')
    .description('every legal hold and its state (active, lift_requested, lifted, expired)')
    .action(act(async (out, opts) => withCore(opts, async (core) => {
      const holds = await core.retention.listHolds();
      out.result(holds, holds.map(describeHold).join('\n') || 'no legal holds');
      return 0;
    })));

  hold
    .command('request-lift <holdId>')
    .description('first of four eyes: request the lift (identity from VIGIL_TOKEN)')
    .requiredOption('--reason <text>', 'why the hold may end')
    .action(act(async (out, opts, holdId: string, o: { reason: string }) => withCore(opts, async (core) => {
      const view = await core.retention.requestLift(await tokenSubject(core), holdId, o.reason);
      out.result(view, describeHold(view));
      return 0;
    })));

  hold
    .command('approve-lift <holdId>')
    .description('second of four eyes: approve a lift another account requested (identity from VIGIL_TOKEN)')
    .action(act(async (out, opts, holdId: string) => withCore(opts, async (core) => {
      const view = await core.retention.approveLift(await tokenSubject(core), holdId);
      out.result(view, describeHold(view));
      return 0;
    })));
}
