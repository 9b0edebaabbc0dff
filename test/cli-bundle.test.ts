// bin/vigil.mjs runs the CLI from an esbuild bundle it keeps in dist/cli/, rebuilt whenever a source it was built from
// changes, so a `vigil` never runs stale code. Checked on a copy of the package (its own src/, dist/ and stamp), so the
// real checkout's bundle is not touched.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childrenWith } from './support/processes.js';
import { repoRoot } from './support/vigil-process.js';

const copy = mkdtempSync(join(tmpdir(), 'vigil-bundle-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function vigil(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return node([join(copy, 'bin/vigil.mjs'), ...args]);
}
function node(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const stamp = (): { bundle: string; inputs: Record<string, [number, number]> } => JSON.parse(readFileSync(join(copy, 'dist/cli/stamp.json'), 'utf8'));
const builds = (): string[] => readdirSync(join(copy, 'dist/cli')).filter((f) => /^[0-9a-f]{16}$/.test(f)).sort();

describe('the vigil command runs from a bundle of its sources', () => {
  it('builds on first use, reuses it while the sources are unchanged, rebuilds after an edit', () => {
    for (const part of ['bin', 'src', 'web', 'native', 'package.json', 'tsconfig.json']) cpSync(join(repoRoot, part), join(copy, part), { recursive: true, preserveTimestamps: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));

    const first = vigil('--help');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Usage: vigil');
    const built = stamp();
    expect(existsSync(join(copy, 'dist/cli', built.bundle))).toBe(true);
    expect(Object.keys(built.inputs)).toEqual(expect.arrayContaining(['src/cli/main.ts', 'src/app/server.ts', 'package.json']));
    // The HTTP server is a chunk of its own: a command other than `serve` never loads fastify (a module hook lists
    // every package the command imports).
    const loaded = join(copy, 'loaded.txt');
    writeFileSync(join(copy, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { appendFileSync(${JSON.stringify(loaded)}, s + '\\n'); return next(s, c); }\n`);
    writeFileSync(join(copy, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    expect(node(['--import', join(copy, 'register.mjs'), join(copy, 'bin/vigil.mjs'), 'camera', '--help']).code).toBe(0);
    const specifiers = readFileSync(loaded, 'utf8').split('\n');
    expect(specifiers).toContain('kysely');
    expect(specifiers.filter((x) => /^(fastify|@fastify\/|ws$|prom-client)/.test(x))).toEqual([]);
    const stampMtime = statSync(join(copy, 'dist/cli/stamp.json')).mtimeMs;

    expect(vigil('camera', '--help').code).toBe(0);
    expect(statSync(join(copy, 'dist/cli/stamp.json')).mtimeMs).toBe(stampMtime); // reused, not rebuilt
    expect(builds()).toEqual([built.bundle.split('/')[0]]);

    // An edit that changes what the command does shows at once.
    appendFileSync(join(copy, 'src/cli/main.ts'), '\nconsole.error("edited after the first build");\n');
    const edited = vigil('--help');
    expect(edited.code).toBe(0);
    expect(edited.stderr).toContain('edited after the first build');
    expect(stamp().bundle).not.toBe(built.bundle);
    expect(builds()).toHaveLength(2); // the old build stays a minute for commands that started before
  });

  it('leaves no esbuild process behind a command that builds and keeps running', async () => {
    appendFileSync(join(copy, 'src/cli/main.ts'), '\n// edited again: the next command builds\n');
    const dataDir = join(copy, 'data');
    const serve = spawn(process.execPath, [join(copy, 'bin/vigil.mjs'), 'serve', '--json', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('"url"')) resolve();
        });
        serve.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      expect(childrenWith(serve.pid!, 'esbuild')).toEqual([]);
    } finally {
      serve.kill('SIGTERM');
      await new Promise((resolve) => serve.once('exit', resolve));
    }
  });
});

