// The access commands driven through commander, over a real database of each dialect and the real AccessService
// (fake registers). app/ wires the same commands to the data directory's database (docs/access.md).
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessUnderTest } from '../../test/support/fake-registers.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import type { Act, CommonOptions } from './context.js';
import { createOutput, exitCodes, UsageError } from './output.js';
import { registerAccessCommands } from './user.js';

const T0 = Date.UTC(2026, 11, 1);

describe.each(dialects)('vigil user/grant/group on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let h: ReturnType<typeof accessUnderTest>;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    h = accessUnderTest(t.db, T0);
  });
  afterAll(async () => { await t?.dispose(); });

  /** Runs one command line; returns its exit code and what it printed. */
  async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let code: number = exitCodes.ok;
    const stdout: string[] = [];
    const stderr: string[] = [];
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout.push(String(s)); return true; });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr.push(String(s)); return true; });
    try {
      const program = new Command('vigil').option('--json').exitOverride().configureOutput({ writeErr: (s) => stderr.push(s), writeOut: (s) => stdout.push(s) });
      const act: Act = (fn) => async (...args: unknown[]) => {
        const cmd = args[args.length - 1] as Command;
        const opts = cmd.optsWithGlobals<CommonOptions>();
        const output = createOutput(!!opts.json);
        try {
          code = await (fn as (o: typeof output, c: CommonOptions, ...rest: unknown[]) => Promise<number>)(output, opts, ...args.slice(0, -1));
        } catch (e) {
          output.error(e);
          code = e instanceof UsageError ? exitCodes.usage : exitCodes.error;
        }
      };
      registerAccessCommands(program, act, (_opts, fn) => fn(h.service));
      try {
        await program.parseAsync(argv, { from: 'user' });
      } catch (e) {
        if (!(e instanceof CommanderError)) throw e;
        code = e.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
      }
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  }

  it('adds users (one-time password printed once, --json), lists them, and refuses 三员分立 with exit 1 and the article', async () => {
    const added = await run('--json', 'user', 'add', '--username', 'ops1', '--name', 'Li Na', '--unit', 'Patrol', '--role', 'operator');
    expect(added.code).toBe(0);
    const body = JSON.parse(added.stdout) as { id: string; username: string; password: string };
    expect(body).toEqual({ id: expect.any(String), username: 'ops1', password: expect.stringMatching(/^.{20}$/) });
    await expect(h.service.login({ username: 'ops1', password: body.password, clientAddr: null })).resolves.toBeTruthy();

    const human = await run('user', 'add', '--username', 'sec1', '--name', 'Wang', '--unit', 'HQ', '--role', 'security_admin');
    expect(human.stdout).toMatch(/one-time password: \S{20}/);

    const both = await run('user', 'add', '--username', 'boss', '--name', 'B', '--unit', 'HQ', '--role', 'system_admin', '--role', 'auditor');
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/三员分立.*\(R16\.2\)/);
    expect((await run('user', 'add', '--username', 'x1', '--name', 'X', '--unit', 'U', '--role', 'root')).code).toBe(2);
    expect((await run('user', 'add', '--username', 'x1')).code).toBe(2); // missing required options

    const list = await run('user', 'list');
    expect(list.stdout).toMatch(/ops1 {2}Li Na {2}Patrol {2}\[operator\]/);
    expect(h.registers.eventsNamed('user.created').at(-1)?.details.via).toBe('cli');
  });

  it('records personnel, training and agreements; grants by camera, group and all; the gate then opens', async () => {
    expect((await run('user', 'personnel', 'ops1', '--vetted', '2026-11-01', '--confidentiality', '2026-11-02')).code).toBe(0);
    expect((await run('user', 'training', 'ops1', '--course', 'CCTV operator', '--completed', '2026-11-03', '--valid-until', '2026-12-01')).code).toBe(0);
    expect((await run('user', 'training', 'ops1', '--course', 'x', '--completed', 'yesterday', '--valid-until', '2027-01-01')).code).toBe(2);
    expect((await run('group', 'add', 'north', '--camera', 'cam-2', '--camera', 'cam-3')).code).toBe(0);
    expect((await run('grant', 'add', 'ops1', '--camera', 'cam-1', '--action', 'live')).code).toBe(0);
    expect((await run('grant', 'add', 'ops1', '--group', 'north', '--action', 'live', '--action', 'playback')).code).toBe(0);
    expect((await run('grant', 'add', 'ops1', '--all', '--action', 'export')).code).toBe(0);
    expect((await run('grant', 'add', 'ops1', '--all', '--camera', 'c', '--action', 'live')).code).toBe(2);
    expect((await run('grant', 'add', 'ops1', '--group', 'south', '--action', 'live')).code).toBe(1);
    const grants = await run('grant', 'list', 'ops1');
    expect(grants.stdout).toMatch(/camera cam-1 {2}live/);
    expect(grants.stdout).toMatch(/group north {2}live,playback/);
    expect(grants.stdout).toMatch(/all cameras {2}export/);
    const shown = await run('user', 'personnel', 'ops1');
    expect(shown.stdout).toMatch(/vetted 2026-11-01, confidentiality 2026-11-02, 1 training\(s\)/);
    expect(shown.stdout).toMatch(/video gates: passed/); // valid until the end of 2026-12-01, and now is its start

    const subject = (await h.service.login({ username: 'ops1', password: (await run('--json', 'user', 'reset-password', 'ops1')).stdout.match(/"password":"([^"]+)"/)![1]!, clientAddr: null })).subject;
    const grant = await h.service.gate.open({ subject, action: 'playback', target: { cameraIds: ['cam-3'] }, reason: { category: 'security_patrol', text: 'round' } });
    await grant.close();

    expect((await run('user', 'agreement', 'ops1', '--company', 'Acme', '--scope', 'maintenance', '--start', '2026-11-01', '--end', '2026-10-01', '--document', 'A-1')).code).toBe(1);
    expect((await run('user', 'agreement', 'ops1', '--company', 'Acme', '--scope', 'maintenance', '--start', '2026-11-01', '--end', '2027-10-01', '--document', 'A-1')).code).toBe(0);
  });

  it('roles, disable/enable, unlock; unknown accounts are an error naming them', async () => {
    expect((await run('user', 'roles', 'ops1', '--role', 'contractor')).stdout).toMatch(/\[contractor\]/);
    expect((await run('user', 'disable', 'ops1')).stdout).toMatch(/disabled/);
    expect((await run('user', 'enable', 'ops1')).stdout).not.toMatch(/disabled/);
    expect((await run('user', 'unlock', 'ops1')).code).toBe(0);
    const missing = await run('user', 'unlock', 'ghost');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no account named 'ghost'/);
  });
});
