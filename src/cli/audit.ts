// `vigil audit verify|list|export|system-log|public-key`: thin wrappers over the registers (R16.3). `verify` exits 3
// when it finds any problem; times accept milliseconds or ISO-8601 with a zone.
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseInstant, type AccessEntry, type AccessFilter, type AuditVerifyReport, type SystemEntry, type SystemFilter } from '../audit/index.js';
import { withCore, type Act } from './context.js';
import { exitCodes, UsageError } from './output.js';

interface FilterOptions {
  camera?: string;
  user?: string;
  unit?: string;
  action?: string;
  reason?: string;
  outcome?: string;
  actor?: string;
  event?: string;
  target?: string;
  from?: string;
  to?: string;
  limit?: string;
  offset?: string;
}

function instant(value: string | undefined, flag: string): number | undefined {
  try {
    return parseInstant(value, flag);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

function count(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${flag} must be an integer from 0 to ${max}`);
  return n;
}

function accessFilter(o: FilterOptions): AccessFilter {
  if (o.outcome !== undefined && o.outcome !== 'granted' && o.outcome !== 'refused') throw new UsageError('--outcome must be granted or refused');
  const f: AccessFilter = {};
  if (o.camera !== undefined) f.cameraId = o.camera;
  if (o.user !== undefined) f.username = o.user;
  if (o.unit !== undefined) f.unit = o.unit;
  if (o.action !== undefined) f.action = o.action;
  if (o.reason !== undefined) f.reasonCategory = o.reason;
  if (o.outcome !== undefined) f.outcome = o.outcome as 'granted' | 'refused';
  const fromMs = instant(o.from, 'from');
  const toMs = instant(o.to, 'to');
  if (fromMs !== undefined) f.fromMs = fromMs;
  if (toMs !== undefined) f.toMs = toMs;
  return f;
}

function systemFilter(o: FilterOptions): SystemFilter {
  const f: SystemFilter = {};
  if (o.actor !== undefined) f.actorId = o.actor;
  if (o.event !== undefined) f.event = o.event;
  if (o.target !== undefined) f.target = o.target;
  const fromMs = instant(o.from, 'from');
  const toMs = instant(o.to, 'to');
  if (fromMs !== undefined) f.fromMs = fromMs;
  if (toMs !== undefined) f.toMs = toMs;
  return f;
}

const page = (o: FilterOptions) => ({ limit: count(o.limit, 'limit', 50, 10_000), offset: count(o.offset, 'offset', 0, Number.MAX_SAFE_INTEGER) });
const iso = (ms: number) => new Date(ms).toISOString();

function describeAccess(e: AccessEntry): string {
  const who = `${e.username} (${e.displayName}, ${e.unit})`;
  const what = `${e.action} [${e.cameraIds.join(', ')}]${e.fromMs !== null && e.toMs !== null ? ` ${iso(e.fromMs)}–${iso(e.toMs)}` : ''}`;
  const why = e.outcome === 'refused' ? `REFUSED ${e.refusalCode}${e.refusalArticle ? ` (${e.refusalArticle})` : ''}` : `${e.reasonCategory ?? ''}: ${e.reasonText ?? ''}`;
  const end = e.endedMs !== null ? `  ${e.bytes} bytes, ${(e.durationMs! / 1000).toFixed(1)} s` : '';
  return `#${e.id}  ${iso(e.atMs)}  ${who}  ${what}  ${why}${end}`;
}

function describeSystem(e: SystemEntry): string {
  const who = e.actorUsername ? `${e.actorUsername} (${e.actorName}, ${e.actorUnit})` : 'system';
  return `#${e.id}  ${iso(e.atMs)}  ${who}  ${e.event}${e.target ? ` ${e.target}` : ''}  ${JSON.stringify(e.details)}`;
}

function describeReport(r: AuditVerifyReport): string {
  const lines: string[] = [];
  for (const [name, log] of [['access register', r.logs.access], ['system log', r.logs.system]] as const) {
    lines.push(`${name}: ${log.entries} entries, ${log.checkpoints} checkpoints, ${log.problems.length} problems`);
    for (const p of log.problems) lines.push(`  ${p.kind}${p.seq !== undefined ? ` at ${p.seq}` : ''}: ${p.message}`);
  }
  lines.push(r.ok ? 'ok — both chains, every checkpoint and the camera index verify' : 'PROBLEMS FOUND — the registers have been tampered with or damaged');
  return lines.join('\n');
}

const accessFlags = (c: Command) =>
  c.option('--camera <id>', 'entries that cover this camera')
    .option('--user <username>', 'by username')
    .option('--unit <unit>', 'by unit')
    .option('--action <action>', 'live, playback, export, snapshot or download')
    .option('--reason <category>', 'by reason category')
    .option('--outcome <granted|refused>', 'granted or refused');
const systemFlags = (c: Command) =>
  c.option('--actor <accountId>', 'by actor account id').option('--event <event>', 'by event name').option('--target <target>', 'by target');
const timeFlags = (c: Command) =>
  c.option('--from <time>', 'written at or after (ms or ISO-8601 with zone)').option('--to <time>', 'written before (ms or ISO-8601 with zone)');
const pageFlags = (c: Command) => c.option('--limit <n>', 'entries per page (default 50)').option('--offset <n>', 'entries to skip');

export function registerAuditCommands(program: Command, act: Act): void {
  const audit = program.command('audit').description('the access register and the system log / 访问登记与系统日志 (R16.3)');

  audit
    .command('verify')
    .description('verify both hash chains, the signed checkpoints and the camera index (exit 3 on problems)')
    .action(act(async (out, opts, _o: unknown) =>
      withCore(opts, async (core) => {
        const report = await core.audit.verify();
        out.result(report, describeReport(report));
        return report.ok ? exitCodes.ok : exitCodes.problems;
      }),
    ));

  pageFlags(timeFlags(accessFlags(audit.command('list').description('list access-register entries, newest first'))))
    .action(act(async (out, opts, o: FilterOptions) => {
      const filter = accessFilter(o);
      return withCore(opts, async (core) => {
        const result = await core.audit.queryAccess(filter, page(o));
        out.result(result, [...result.items.map(describeAccess), `${result.items.length} of ${result.total} entries`].join('\n'));
        return exitCodes.ok;
      });
    }));

  pageFlags(timeFlags(systemFlags(audit.command('system-log').description('list system-log entries, newest first'))))
    .action(act(async (out, opts, o: FilterOptions) => {
      const filter = systemFilter(o);
      return withCore(opts, async (core) => {
        const result = await core.audit.querySystem(filter, page(o));
        out.result(result, [...result.items.map(describeSystem), `${result.items.length} of ${result.total} entries`].join('\n'));
        return exitCodes.ok;
      });
    }));

  timeFlags(systemFlags(accessFlags(audit.command('export').description('export entries, oldest first, as CSV (UTF-8 with BOM) or JSON'))))
    .requiredOption('--format <csv|json>', 'csv or json')
    .option('--log <access|system>', 'which register (default access)', 'access')
    .option('--out <file>', 'write to this file (default stdout)')
    .action(act(async (out, opts, o: FilterOptions & { format: string; log: string; out?: string }) => {
      if (o.format !== 'csv' && o.format !== 'json') throw new UsageError('--format must be csv or json');
      if (o.log !== 'access' && o.log !== 'system') throw new UsageError('--log must be access or system');
      const format = o.format;
      const accessF = o.log === 'access' ? accessFilter(o) : null;
      const systemF = o.log === 'system' ? systemFilter(o) : null;
      return withCore(opts, async (core) => {
        const file = o.out ? await open(o.out, 'w', 0o640) : null;
        const write = file
          ? async (chunk: string) => void (await file.write(chunk))
          : (chunk: string) => new Promise<void>((resolve, reject) => process.stdout.write(chunk, (err) => (err ? reject(err) : resolve())));
        try {
          const n = accessF ? await core.audit.exportAccess(accessF, format, write) : await core.audit.exportSystem(systemF!, format, write);
          if (file) out.result({ exported: n, file: o.out }, `exported ${n} entries to ${o.out}`);
        } finally {
          await file?.close();
        }
        return exitCodes.ok;
      });
    }));

  audit
    .command('public-key')
    .description("print the checkpoint signing key's public half (PEM), to verify exported checkpoints elsewhere")
    .action(act(async (out, opts, _o: unknown) =>
      withCore(opts, async (core) => {
        const pem = core.audit.publicKeyPem();
        out.result({ keyId: core.audit.signingKeyId, publicKey: pem }, pem);
        return exitCodes.ok;
      }),
    ));
}
