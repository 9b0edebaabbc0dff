// `vigil system add|list|show|update|doc|transition|cameras set`: thin wrappers over the system registry (R11,
// D12–D14). Changes are recorded in the system log by the service (actor: the local CLI).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { VideoSystem } from '../devices/index.js';
import { withCore, type Act } from './context.js';
import { UsageError } from './output.js';

function describe(s: VideoSystem): string {
  return `${s.id}  ${s.name}  ${s.lifecycle}${s.recordingAllowed ? '' : ' (not recording, D12)'}  ${s.cameras.length} camera(s)  ${s.location}`;
}

function detail(s: VideoSystem): string {
  return [
    describe(s),
    ...s.documents.map((d) => `  doc ${d.id}  ${d.kind}  ${d.date}  ${d.title}${d.file ? `  ${d.file.name} ${d.file.sizeBytes} B sha256 ${d.file.sha256}` : ''}`),
    ...s.cameras.map((c) => `  camera ${c.cameraId}  ${c.deviceType}`),
    ...s.transitions.map((t) => `  ${new Date(t.atMs).toISOString()}  ${t.from} → ${t.to}  ${t.actor}${t.note ? `  ${t.note}` : ''}`),
  ].join('\n');
}

/** `--party "name:role"` repeated. */
function parties(values: string[] | undefined): { name: string; role: string }[] {
  return (values ?? []).map((v) => {
    const at = v.lastIndexOf(':');
    if (at <= 0) throw new UsageError(`--party "${v}": give name:role`);
    return { name: v.slice(0, at), role: v.slice(at + 1) };
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerSystemCommands(program: Command, act: Act): void {
  const system = program.command('system').description('systems and their lifecycle (R11, D12–D14) / 公共安全视频系统');

  system.command('add').description('register a system (state designed); prints its id')
    .requiredOption('--name <name>', 'system name').requiredOption('--location <address>', 'where the system is (filed, R14)')
    .action(act(async (out, opts, o: { name: string; location: string }) => withCore(opts, async (core) => {
      const s = await core.systems.create(null, o, 'cli');
      out.result({ id: s.id, system: s }, s.id);
      return 0;
    })));

  system.command('list').description('list systems')
    .action(act(async (out, opts, _o: unknown) => withCore(opts, async (core) => {
      const systems = await core.systems.list();
      out.result({ systems }, systems.length ? systems.map(describe).join('\n') : 'no systems');
      return 0;
    })));

  system.command('show <id>').description('a system with its documents, cameras and transitions')
    .action(act(async (out, opts, id: string, _o: unknown) => withCore(opts, async (core) => {
      const s = await core.systems.get(id);
      out.result({ system: s }, detail(s));
      return 0;
    })));

  system.command('update <id>').description('change name or location (a new location is a filing change, R14)')
    .option('--name <name>').option('--location <address>')
    .action(act(async (out, opts, id: string, o: { name?: string; location?: string }) => withCore(opts, async (core) => {
      if (o.name === undefined && o.location === undefined) throw new UsageError('nothing to change: give --name or --location');
      const s = await core.systems.update(null, id, o, 'cli');
      out.result({ system: s }, describe(s));
      return 0;
    })));

  system.command('doc <id>').description('attach an archive document (D14); --file up to 10 MiB is kept with its SHA-256')
    .requiredOption('--kind <kind>', 'design, feasibility_review, construction_contract, construction_record, parties, inspection_report, acceptance_report, change_design, maintenance_record, retirement_record, other')
    .requiredOption('--title <title>').requiredOption('--date <YYYY-MM-DD>')
    .option('--party <name:role>', 'a firm or technician involved (repeat)', collect)
    .option('--file <path>', 'the document file').option('--type <media-type>', 'media type of the file, e.g. application/pdf')
    .action(act(async (out, opts, id: string, o: { kind: string; title: string; date: string; party?: string[]; file?: string; type?: string }) => withCore(opts, async (core) => {
      const file = o.file ? { name: basename(o.file), bytes: readFileSync(o.file), ...(o.type ? { type: o.type } : {}) } : undefined;
      const doc = await core.systems.addDocument(null, id, { kind: o.kind, title: o.title, date: o.date, parties: parties(o.party), ...(file ? { file } : {}) }, 'cli');
      out.result({ document: doc }, `${doc.id}  ${doc.kind}${doc.file ? `  sha256 ${doc.file.sha256}` : ''}`);
      return 0;
    })));

  system.command('transition <id> <to>').description('move the lifecycle (refused without the required document, R11 / D12)')
    .option('--note <text>')
    .option('--in-use-since <YYYY-MM-DD>', 'with to = in_use: the day (China Standard Time) a system brought into Vigil went into use (R14); needs --note naming the evidence')
    .action(act(async (out, opts, id: string, to: string, o: { note?: string; inUseSince?: string }) => withCore(opts, async (core) => {
      const input = { ...(o.note === undefined ? {} : { note: o.note }), ...(o.inUseSince === undefined ? {} : { inUseSince: o.inUseSince }) };
      const s = await core.systems.transition(null, id, to, input, 'cli');
      out.result({ system: s }, describe(s));
      return 0;
    })));

  const cameras = system.command('cameras').description('the cameras of a system');
  cameras.command('set <id> [members...]').description('replace the cameras: CAMERA_ID:DEVICE_TYPE … (bullet, dome, ptz, fisheye, panoramic, checkpoint, other); none empties the system')
    .action(act(async (out, opts, id: string, members: string[], _o: unknown) => withCore(opts, async (core) => {
      const list = members.map((m) => {
        const [cameraId, deviceType, ...rest] = m.split(':');
        if (!cameraId || !deviceType || rest.length) throw new UsageError(`"${m}": give CAMERA_ID:DEVICE_TYPE`);
        return { cameraId, deviceType };
      });
      const s = await core.systems.setCameras(null, id, list, 'cli');
      out.result({ system: s }, detail(s));
      return 0;
    })));
}
