#!/usr/bin/env node
// The `vigil` command: src/cli/main.ts, run from an esbuild bundle (an entry and its chunks) built on first use and
// again whenever a source file it was built from changes, so `npx vigil` works right after `npm ci` with no build
// step and never runs stale code. Why a bundle: loading ~240 TypeScript modules one by one through tsx's loader cost
// 2.4 s of CPU per command (every `vigil` a test or a user's script runs); the bundle 0.9 s, most of it node_modules
// (README, "Using it"). If esbuild cannot build (it is a dependency, but a broken or read-only install may not let
// it), the sources run through tsx's loader as before.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// bin/vigil set glibc's malloc tunables for this process only (read once, at exec); children start without them.
if (process.env.VIGIL_OWN_GLIBC_TUNABLES === '1') {
  delete process.env.GLIBC_TUNABLES;
  delete process.env.VIGIL_OWN_GLIBC_TUNABLES;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'cli');
const stampFile = join(outDir, 'stamp.json');

/** The bundle the stamp names, if every input it was built from still has the size and mtime recorded. */
function freshBundle() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    for (const [rel, [size, mtimeMs]] of Object.entries(stamp.inputs)) {
      const s = statSync(join(root, rel));
      if (s.size !== size || s.mtimeMs !== mtimeMs) return null;
    }
  } catch {
    return null;
  }
  return join(outDir, stamp.bundle);
}

/** Writes `data` to `path` by rename, so a concurrent `vigil` reads the old stamp or the new one, never half of one. */
function writeAtomically(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

async function buildBundle() {
  const esbuild = await import('esbuild');
  const startedMs = Date.now();
  // build() starts esbuild's service process and keeps it for later builds; there are none, so stop it in every case,
  // or it stays a child of this command for its whole life (a `vigil serve` kept a 50 MB process beside it).
  const result = await esbuild.build({
    entryPoints: { main: join(root, 'src/cli/main.ts') },
    bundle: true,
    splitting: true, // what a command loads only on use (the HTTP server of `serve`) stays in its own chunk
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external', // node_modules load as installed (native addons, hls.js resolved at run time)
    outdir: join(outDir, 'build'),
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  }).finally(() => esbuild.stop());
  // Content-addressed directory, written aside and renamed into place whole: the stamp (renamed last) always names a
  // complete build made from the inputs it lists, and a concurrent `vigil` never loads half of one.
  const hash = createHash('sha256');
  const files = result.outputFiles.map((f) => ({ name: basename(f.path), contents: f.contents })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const f of files) hash.update(f.name).update(f.contents);
  const id = hash.digest('hex').slice(0, 16);
  const dir = join(outDir, id);
  if (!existsSync(join(dir, 'main.mjs'))) {
    const tmp = join(outDir, `.tmp-${process.pid}-${id}`);
    mkdirSync(tmp, { recursive: true });
    for (const f of files) writeFileSync(join(tmp, f.name), f.contents);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another `vigil` put the same build there first
    }
  }
  const inputs = {};
  let editedDuringBuild = false;
  // esbuild also reads tsconfig.json and package.json (module type, compiler options): a change there rebuilds too.
  for (const rel of [...Object.keys(result.metafile.inputs), 'tsconfig.json', 'package.json']) {
    const s = statSync(join(root, rel));
    inputs[rel] = [s.size, s.mtimeMs];
    if (s.mtimeMs >= startedMs - 50) editedDuringBuild = true; // 50 ms: the kernel's coarse file clock
  }
  // A source saved while esbuild read it may not be in the bundle: use this bundle once, but do not vouch for it.
  if (!editedDuringBuild) writeAtomically(stampFile, JSON.stringify({ bundle: `${id}/main.mjs`, inputs }));
  removeOldBuilds(id);
  return join(dir, 'main.mjs');
}

/** Builds older than a minute that the stamp no longer names (a command started just before may still load one). */
function removeOldBuilds(keep) {
  for (const f of readdirSync(outDir)) {
    if (f === keep || !/^[0-9a-f]{16}$/.test(f)) continue;
    try {
      if (Date.now() - statSync(join(outDir, f)).mtimeMs > 60_000) rmSync(join(outDir, f), { recursive: true, force: true });
    } catch {
      // Another `vigil` removed it first.
    }
  }
}

async function fromSources() {
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../src/cli/main.ts')).main;
}

async function loadMain() {
  const fresh = freshBundle();
  if (fresh) {
    try {
      return (await import(pathToFileURL(fresh).href)).main;
    } catch (err) {
      // A build removed by another `vigil` (sources changed) between reading the stamp and loading it: build anew.
      if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(outDir)) throw err;
    }
  }
  let bundle;
  try {
    bundle = await buildBundle();
  } catch (err) {
    if (process.env.VIGIL_DEBUG_BUNDLE) console.error('vigil: bundling failed, running the sources through tsx:', err);
    return fromSources();
  }
  return (await import(pathToFileURL(bundle).href)).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
