// `vigil user …`, `vigil grant …`, `vigil group …`: account, role, personnel and grant administration from the
// data directory's holder (actor null: recorded in the system log with via 'cli'). Thin wrappers over AccessService;
// every rule (三员分立 R16.2, password policy, personnel records R16.1, agreements R15.2/R19) is the service's.
// Dates are calendar days in UTC (YYYY-MM-DD) or full ISO times; an end date (--valid-until, --end) means the end
// of that day, so "valid until 2027-06-30" includes the 30th.
import type { Command } from 'commander';
import { AccessError, isRole, type AccessService, type CameraAction, type Role, type UserView } from '../access/index.js';
import type { Act, CommonOptions } from './context.js';
import { UsageError, type Output } from './output.js';

/** Runs `fn` with an AccessService over the data directory's database (wired by app/, see docs/access.md). */
export type WithAccess = <T>(opts: CommonOptions, fn: (access: AccessService) => Promise<T>) => Promise<T>;

const DAY_MS = 86_400_000;
const collect = (value: string, previous: string[]) => [...previous, value];

export function parseDate(flag: string, value: string, endOfDay = false): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = dateOnly ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new UsageError(`${flag} must be a date (YYYY-MM-DD) or an ISO time, got '${value}'`);
  return dateOnly && endOfDay ? ms + DAY_MS - 1 : ms;
}

function roles(values: string[]): Role[] {
  const bad = values.filter((r) => !isRole(r));
  if (bad.length > 0) throw new UsageError(`unknown role ${bad.join(', ')}`);
  return values as Role[];
}

function describeUser(u: UserView): string {
  const flags = [u.disabled ? 'disabled' : '', u.locked ? `locked until ${new Date(u.lockedUntilMs ?? 0).toISOString()}` : '', u.totpEnabled ? 'totp' : '']
    .filter(Boolean).join(', ');
  return `${u.username}  ${u.displayName}  ${u.unit}  [${u.roles.join(', ') || 'no roles'}]${flags ? `  (${flags})` : ''}  ${u.id}`;
}

function printUser(out: Output, user: UserView): number {
  out.result({ user }, describeUser(user));
  return 0;
}

export function registerAccessCommands(program: Command, act: Act, withAccess: WithAccess): void {
  const user = program.command('user').description('manage accounts, roles and personnel records / 管理账户');

  user
    .command('add')
    .description('create an account; prints its one-time password once')
    .requiredOption('--username <username>', 'login name')
    .requiredOption('--name <name>', 'real name (recorded in the access register, R16.3)')
    .requiredOption('--unit <unit>', 'unit / department')
    .option('--role <role>', 'role (repeatable)', collect, [])
    .option('--employee-id <id>', 'employee id')
    .option('--phone <phone>', 'phone')
    .action(act(async (out, opts, o: { username: string; name: string; unit: string; role: string[]; employeeId?: string; phone?: string }) =>
      withAccess(opts, async (access) => {
        const { user: u, initialPassword } = await access.createUser(null, {
          username: o.username, displayName: o.name, unit: o.unit, roles: roles(o.role), employeeId: o.employeeId, phone: o.phone,
        });
        out.result(
          { id: u.id, username: u.username, password: initialPassword },
          `created ${describeUser(u)}\none-time password: ${initialPassword}\n(shown once; it must be changed at first login)`,
        );
        return 0;
      })));

  user
    .command('list')
    .description('list accounts')
    .action(act(async (out, opts, _o: unknown) =>
      withAccess(opts, async (access) => {
        const users: UserView[] = [];
        for (let offset = 0; ; offset += 500) {
          const page = await access.listUsers(null, { limit: 500, offset });
          users.push(...page.items);
          if (users.length >= page.total || page.items.length === 0) break;
        }
        out.result({ users }, users.length ? users.map(describeUser).join('\n') : 'no accounts');
        return 0;
      })));

  user
    .command('roles <username>')
    .description('set the roles of an account (三员分立: no two of system_admin, security_admin, auditor, R16.2)')
    .option('--role <role>', 'role (repeatable; none removes all)', collect, [])
    .action(act(async (out, opts, username: string, o: { role: string[] }) =>
      withAccess(opts, async (access) => printUser(out, await access.setRoles(null, (await access.findUser(null, username)).id, roles(o.role))))));

  user
    .command('unlock <username>')
    .description('unlock an account locked by failed logins')
    .action(act(async (out, opts, username: string, _o: unknown) =>
      withAccess(opts, async (access) => printUser(out, await access.unlockUser(null, (await access.findUser(null, username)).id)))));

  user
    .command('reset-password <username>')
    .description('set a new one-time password (prints it once) and sign the account out everywhere')
    .action(act(async (out, opts, username: string, _o: unknown) =>
      withAccess(opts, async (access) => {
        const u = await access.findUser(null, username);
        const { password } = await access.resetPassword(null, u.id);
        out.result({ id: u.id, username: u.username, password }, `one-time password for ${u.username}: ${password}\n(shown once; it must be changed at first login)`);
        return 0;
      })));

  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    user
      .command(`${verb} <username>`)
      .description(`${verb} an account${disabled ? ' (signs it out everywhere)' : ''}`)
      .action(act(async (out, opts, username: string, _o: unknown) =>
        withAccess(opts, async (access) => printUser(out, await access.updateUser(null, (await access.findUser(null, username)).id, { disabled })))));
  }

  user
    .command('training <username>')
    .description('record a completed training (R16.1)')
    .requiredOption('--course <course>', 'course name')
    .requiredOption('--completed <date>', 'completion date')
    .requiredOption('--valid-until <date>', 'last day the training is valid')
    .action(act(async (out, opts, username: string, o: { course: string; completed: string; validUntil: string }) =>
      withAccess(opts, async (access) => {
        const input = { course: o.course, completedMs: parseDate('--completed', o.completed), validUntilMs: parseDate('--valid-until', o.validUntil, true) };
        const personnel = await access.addTraining(null, (await access.findUser(null, username)).id, input);
        out.result({ personnel }, `recorded training '${input.course}' for ${username}`);
        return 0;
      })));

  user
    .command('personnel <username>')
    .description('record vetting and confidentiality agreement dates (R16.1); without options, show the record')
    .option('--vetted <date>', 'background vetting date')
    .option('--confidentiality <date>', 'confidentiality agreement signing date')
    .action(act(async (out, opts, username: string, o: { vetted?: string; confidentiality?: string }) =>
      withAccess(opts, async (access) => {
        const id = (await access.findUser(null, username)).id;
        const input: { vettedMs?: number; confidentialitySignedMs?: number } = {};
        if (o.vetted !== undefined) input.vettedMs = parseDate('--vetted', o.vetted);
        if (o.confidentiality !== undefined) input.confidentialitySignedMs = parseDate('--confidentiality', o.confidentiality);
        const p = Object.keys(input).length > 0 ? await access.setPersonnel(null, id, input) : await access.getPersonnel(null, id);
        const day = (ms: number | null) => (ms === null ? 'not recorded' : new Date(ms).toISOString().slice(0, 10));
        const blockers = p.blockers.length ? p.blockers.map((b) => `  refused: ${b.message}`).join('\n') : '  video gates: passed';
        out.result({ personnel: p }, `${username}: vetted ${day(p.vettedMs)}, confidentiality ${day(p.confidentialitySignedMs)}, ${p.trainings.length} training(s), ${p.agreements.length} agreement(s)\n${blockers}`);
        return 0;
      })));

  user
    .command('agreement <username>')
    .description('record a contractor security and confidentiality agreement (R15.2, R19)')
    .requiredOption('--company <company>', 'contractor company')
    .requiredOption('--scope <scope>', 'scope of the outsourced work')
    .requiredOption('--start <date>', 'first day in force')
    .requiredOption('--end <date>', 'last day in force')
    .requiredOption('--document <ref>', 'reference of the signed document')
    .action(act(async (out, opts, username: string, o: { company: string; scope: string; start: string; end: string; document: string }) =>
      withAccess(opts, async (access) => {
        const personnel = await access.setAgreement(null, (await access.findUser(null, username)).id, {
          company: o.company, scope: o.scope, startMs: parseDate('--start', o.start), endMs: parseDate('--end', o.end, true), documentRef: o.document,
        });
        out.result({ personnel }, `recorded agreement with ${o.company} for ${username}`);
        return 0;
      })));

  registerGrantCommands(program, act, withAccess);
}

function registerGrantCommands(program: Command, act: Act, withAccess: WithAccess): void {
  const grant = program.command('grant').description('per-camera and per-group grants (R16.2) / 授权');
  grant
    .command('add <username>')
    .description('grant actions on a camera, a camera group, or all cameras')
    .option('--camera <id>', 'camera id')
    .option('--group <name>', 'camera group name')
    .option('--all', 'all cameras')
    .option('--action <action>', 'live, playback, export, snapshot, ptz or configure (repeatable)', collect, [])
    .action(act(async (out, opts, username: string, o: { camera?: string; group?: string; all?: boolean; action: string[] }) =>
      withAccess(opts, async (access) => {
        if ([o.camera !== undefined, o.group !== undefined, !!o.all].filter(Boolean).length !== 1) {
          throw new UsageError('give exactly one of --camera ID, --group NAME, --all');
        }
        if (o.action.length === 0) throw new UsageError('give at least one --action');
        const userId = (await access.findUser(null, username)).id;
        let scope: { kind: 'camera'; cameraId: string } | { kind: 'group'; groupId: string } | { kind: 'all' } = { kind: 'all' };
        if (o.camera !== undefined) scope = { kind: 'camera', cameraId: o.camera };
        if (o.group !== undefined) {
          const group = (await access.listGroups(null)).find((g) => g.name === o.group);
          if (!group) throw new AccessError('group_not_found', `no camera group named '${o.group}'; create it with vigil group add`);
          scope = { kind: 'group', groupId: group.id };
        }
        const g = await access.addGrant(null, { userId, scope, actions: o.action as CameraAction[] });
        out.result({ grant: g }, `granted ${g.actions.join(', ')} on ${o.camera ?? (o.group ? `group ${o.group}` : 'all cameras')} to ${username} (${g.id})`);
        return 0;
      })));

  grant
    .command('list [username]')
    .description('list grants, of one account or all')
    .action(act(async (out, opts, username: string | undefined, _o: unknown) =>
      withAccess(opts, async (access) => {
        const userId = username === undefined ? undefined : (await access.findUser(null, username)).id;
        const grants = await access.listGrants(null, userId === undefined ? {} : { userId });
        const groups = new Map((await access.listGroups(null)).map((g) => [g.id, g.name]));
        const where = (s: (typeof grants)[number]['scope']) =>
          s.kind === 'all' ? 'all cameras' : s.kind === 'camera' ? `camera ${s.cameraId}` : `group ${groups.get(s.groupId) ?? s.groupId}`;
        out.result({ grants }, grants.length ? grants.map((g) => `${g.id}  ${g.userId}  ${where(g.scope)}  ${g.actions.join(',')}`).join('\n') : 'no grants');
        return 0;
      })));

  program
    .command('group')
    .description('camera groups / 摄像机分组')
    .command('add <name>')
    .description('create a camera group')
    .option('--camera <id>', 'camera id (repeatable)', collect, [])
    .action(act(async (out, opts, name: string, o: { camera: string[] }) =>
      withAccess(opts, async (access) => {
        const group = await access.createGroup(null, { name, cameraIds: o.camera });
        out.result({ group }, `created group ${group.name} (${group.id}) with ${group.cameraIds.length} camera(s)`);
        return 0;
      })));
}
