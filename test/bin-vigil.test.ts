// bin/vigil, the installed command: node starts with glibc's malloc tunables (docs/encryption.md, Cost), the children
// it spawns (ffmpeg) do not inherit them, and a caller's own GLIBC_TUNABLES is left as it is.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/vigil-process.js';

const LOADER = '/lib64/ld-linux-x86-64.so.2';
const dir = mkdtempSync(join(tmpdir(), 'vigil-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `bin/vigil --help` with a preloaded module that records, at exit, the environment the process started with
 * (/proc/self/environ: what glibc read) and process.env as children would inherit it.
 */
function environments(env: NodeJS.ProcessEnv): { initial: string | undefined; inherited: string | undefined; own: string | undefined } {
  const out = join(dir, `env-${Math.random().toString(36).slice(2)}.json`);
  const hook = join(dir, 'hook.mjs');
  writeFileSync(hook, `import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => {
  const initial = readFileSync('/proc/self/environ', 'latin1').split('\\0').find((e) => e.startsWith('GLIBC_TUNABLES='));
  writeFileSync(${JSON.stringify(out)}, JSON.stringify({ initial: initial?.slice('GLIBC_TUNABLES='.length), inherited: process.env.GLIBC_TUNABLES, own: process.env.VIGIL_OWN_GLIBC_TUNABLES }));
});
`);
  const r = spawnSync(join(repoRoot, 'bin', 'vigil'), ['--help'], { env: { ...env, NODE_OPTIONS: `--import ${hook}` }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8'));
}

describe('bin/vigil', () => {
  const { GLIBC_TUNABLES: _drop, VIGIL_OWN_GLIBC_TUNABLES: _drop2, ...base } = process.env;

  it('starts node with the malloc tunables and keeps them from the children', () => {
    const seen = environments(base);
    // glibc parses the variable in place at start-up, so /proc shows it cut after the first tunable.
    expect(seen.initial).toMatch(/^glibc\.malloc\.trim_threshold=\d+/);
    expect(seen.inherited).toBeUndefined();
    expect(seen.own).toBeUndefined();
  });

  // glibc's loader lists the tunables it parsed (x86-64 Debian/Ubuntu path; elsewhere this check does not apply).
  it.skipIf(!existsSync(LOADER))('sets tunables glibc accepts, every one of them', () => {
    const value = /^\s*GLIBC_TUNABLES=(\S+)$/m.exec(readFileSync(join(repoRoot, 'bin', 'vigil'), 'utf8'))?.[1];
    expect(value).toBeDefined();
    const listed = spawnSync(LOADER, ['--list-tunables'], { env: { GLIBC_TUNABLES: value }, encoding: 'utf8' }).stdout;
    for (const pair of value!.split(':')) {
      const [name, bytes] = pair.split('=') as [string, string];
      expect(listed).toContain(`${name}: 0x${Number(bytes).toString(16)} `);
    }
  });

  it('leaves a caller’s own GLIBC_TUNABLES alone, for node and its children', () => {
    const seen = environments({ ...base, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
    expect(seen).toEqual({ initial: 'glibc.malloc.arena_max=2', inherited: 'glibc.malloc.arena_max=2', own: undefined });
  });
});
