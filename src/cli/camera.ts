// `vigil camera add|list|update|remove`: thin wrappers over the camera registry.
import type { Command } from 'commander';
import { RTSP_CLIENT_CHOICES, type Camera } from '../devices/index.js';
import type { Core } from '../app/index.js';
import { installationOf, installationOptions, registerCameraRecordCommands, type InstallationOptions } from './camera-records.js';
import { withCore, type Act } from './context.js';

/** Camera changes made from the command line go to the system log too (actor: the local CLI). */
function logChange(core: Core, event: string, target: string, details: Record<string, unknown>): Promise<unknown> {
  return core.audit.recordEvent({ actor: null, event, target, details: { ...details, via: 'cli' }, clientAddr: null });
}

function describeCamera(c: Camera): string {
  const streams = c.streams.map((s) => `${s.kind} ${s.url}${s.record ? '' : ' (live only)'}`).join('; ');
  const client = c.rtspClient === 'default' ? '' : `  rtsp client: ${c.rtspClient}`;
  return `${c.id}  ${c.name}  ${c.enabled ? 'enabled' : 'disabled'}  ${streams}${client}`;
}

const RTSP_CLIENT_HELP =
  `who speaks RTSP to this camera: ${RTSP_CLIENT_CHOICES.join(' | ')} (default: the server's ingest.rtspClient; ffmpeg for a camera the built-in client does not follow)`;

interface PlaceOptions {
  area?: string;
  placeCategory?: string;
  site?: string;
  position?: string;
  necessity?: string;
  installingParty?: string;
}

/** Where the camera is installed (issue 4). A forbidden area (R8.1) is refused: exit 1 and the article. */
function placeOptions(cmd: Command): Command {
  return installationOptions(cmd)
    .option('--area <code>', 'area type, e.g. road, mall, car_park (forbidden ones such as toilet or dorm are refused, R8.1)')
    .option('--place-category <code>', 'place category, e.g. crowd_venue, transport_hub, non_public_place (see docs/compliance.md)')
    .option('--site <text>', 'site / address of the installation')
    .option('--position <text>', 'position and viewing angle')
    .option('--necessity <text>', 'why the camera is necessary for public security (R7.3)')
    .option('--installing-party <text>', 'who installed it');
}

function placeOf(o: PlaceOptions & InstallationOptions): Record<string, unknown> {
  const place: Record<string, unknown> = installationOf(o);
  if (o.area !== undefined) place.areaType = o.area;
  if (o.placeCategory !== undefined) place.placeCategory = o.placeCategory;
  if (o.site !== undefined) place.site = o.site;
  if (o.position !== undefined) place.position = o.position;
  if (o.necessity !== undefined) place.necessity = o.necessity;
  if (o.installingParty !== undefined) place.installingParty = o.installingParty;
  return place;
}

export function registerCameraCommands(program: Command, act: Act): void {
  const camera = program.command('camera').description('manage cameras / 管理摄像机');

  camera
    .command('add')
    .description('register a camera; prints its id')
    .requiredOption('--name <name>', 'camera name')
    .requiredOption('--url <url>', 'main stream RTSP URL (credentials are stored encrypted)')
    .option('--sub-url <url>', 'sub stream RTSP URL (used for live view)')
    .option('--disabled', 'register without recording')
    .option('--record-sub', 'also record the sub stream')
    .option('--rtsp-client <client>', RTSP_CLIENT_HELP);
  placeOptions(camera.commands.at(-1)!)
    .action(act(async (out, opts, o: { name: string; url: string; subUrl?: string; disabled?: boolean; recordSub?: boolean; rtspClient?: string } & PlaceOptions) =>
        withCore(opts, async (core) => {
          const c = await core.cameras.add({
            name: o.name, url: o.url, subUrl: o.subUrl, enabled: !o.disabled, recordSub: !!o.recordSub, ...placeOf(o),
            // Checked by the registry, whose message names the allowed values (exit 1 like any invalid field).
            ...(o.rtspClient === undefined ? {} : { rtspClient: o.rtspClient }),
          });
          await logChange(core, 'camera.created', c.id, { name: c.name, streams: c.streams.map((st) => st.kind) });
          out.result({ id: c.id, camera: c }, c.id);
          return 0;
        }),
    ));

  camera
    .command('list')
    .description('list cameras (URLs shown without credentials)')
    .action(act(async (out, opts, _o: unknown) =>
        withCore(opts, async (core) => {
          const cameras = await core.cameras.list();
          out.result({ cameras }, cameras.length ? cameras.map(describeCamera).join('\n') : 'no cameras');
          return 0;
        }),
    ));

  camera
    .command('update <id>')
    .description('change a camera')
    .option('--name <name>', 'new name')
    .option('--url <url>', 'new main stream URL')
    .option('--sub-url <url>', 'new sub stream URL')
    .option('--no-sub-url', 'remove the sub stream')
    .option('--enable', 'enable recording')
    .option('--disable', 'disable recording')
    .option('--rtsp-client <client>', RTSP_CLIENT_HELP);
  placeOptions(camera.commands.at(-1)!)
    .action(act(async (out, opts, id: string, o: { name?: string; url?: string; subUrl?: string | false; enable?: boolean; disable?: boolean; rtspClient?: string } & PlaceOptions) =>
        withCore(opts, async (core) => {
          if (o.enable && o.disable) throw Object.assign(new Error('--enable and --disable contradict each other'), { code: 'usage' });
          const patch: { name?: string; url?: string; subUrl?: string | null; enabled?: boolean; rtspClient?: string } = { ...placeOf(o) };
          if (o.rtspClient !== undefined) patch.rtspClient = o.rtspClient;
          if (o.name !== undefined) patch.name = o.name;
          if (o.url !== undefined) patch.url = o.url;
          if (o.subUrl === false) patch.subUrl = null;
          else if (typeof o.subUrl === 'string') patch.subUrl = o.subUrl;
          if (o.enable) patch.enabled = true;
          if (o.disable) patch.enabled = false;
          const c = await core.cameras.update(id, patch);
          await logChange(core, 'camera.changed', id, { fields: Object.keys(patch).sort() });
          out.result({ camera: c }, describeCamera(c));
          return 0;
        }),
    ));

  registerCameraRecordCommands(camera, act);

  camera
    .command('remove <id>')
    .description('remove a camera (its recordings stay until retention deletes them, R17)')
    .action(act(async (out, opts, id: string, _o: unknown) =>
        withCore(opts, async (core) => {
          await core.cameras.remove(id);
          await logChange(core, 'camera.removed', id, {});
          out.result({ removed: id }, `removed ${id}`);
          return 0;
        }),
    ));
}
