import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, storeDirOf } from './index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'vigil-cfg-'));

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills defaults and resolves the data dir from --data-dir, then VIGIL_DATA_DIR, then ./data', () => {
    const cwd = tmp();
    const c = loadConfig({ cwd, env: {} });
    expect(c.dataDir).toBe(join(cwd, 'data'));
    expect(c.http.port).toBe(8080);
    expect(c.database.dialect).toBe('sqlite');
    expect(c.recording.segmentTargetMs).toBe(60_000);
    expect(c.live).toEqual({ maxTranscodes: 2, transcodeIdleMs: 10_000 });
    expect(storeDirOf(c)).toBe(join(cwd, 'data', 'store'));
    expect(loadConfig({ cwd, env: { VIGIL_DATA_DIR: '/srv/v' } }).dataDir).toBe('/srv/v');
    expect(loadConfig({ cwd, env: { VIGIL_DATA_DIR: '/srv/v' }, dataDir: 'x' }).dataDir).toBe(join(cwd, 'x'));
  });

  it('layers file < env < flags', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'vigil.json'), JSON.stringify({ http: { port: 9000 }, recording: { segmentTargetMs: 10000 } }));
    expect(loadConfig({ dataDir: dir, env: {} }).http.port).toBe(9000);
    expect(loadConfig({ dataDir: dir, env: { VIGIL_PORT: '9100' } }).http.port).toBe(9100);
    expect(loadConfig({ dataDir: dir, env: { VIGIL_PORT: '9100' }, port: '9200' }).http.port).toBe(9200);
    expect(loadConfig({ dataDir: dir, env: {} }).recording.segmentTargetMs).toBe(10000);
    writeFileSync(join(dir, 'live.json'), JSON.stringify({ live: { maxTranscodes: 0 } }));
    const off = loadConfig({ dataDir: dir, env: {}, configFile: join(dir, 'live.json') });
    expect(off.live).toEqual({ maxTranscodes: 0, transcodeIdleMs: 10_000 });
    const pg = loadConfig({ dataDir: dir, env: { VIGIL_DB_URL: 'postgres://u@127.0.0.1/x' } });
    expect(pg.database).toEqual({ dialect: 'postgres', url: 'postgres://u@127.0.0.1/x' });
    // recording.bytePath: auto by default; the env beats the file, and keeps the file's other recording settings.
    expect(loadConfig({ dataDir: dir, env: {} }).recording.bytePath).toBe('auto');
    writeFileSync(join(dir, 'bytes.json'), JSON.stringify({ recording: { syncEveryFragment: false, bytePath: 'native' } }));
    const js = loadConfig({ dataDir: dir, env: { VIGIL_BYTE_PATH: 'js' }, configFile: join(dir, 'bytes.json') });
    expect(js.recording).toMatchObject({ syncEveryFragment: false, bytePath: 'js' });
    // recording.directWrites: O_DIRECT where the file system allows, unless turned off.
    expect(loadConfig({ dataDir: dir, env: {} }).recording.directWrites).toBe(true);
    writeFileSync(join(dir, 'buffered.json'), JSON.stringify({ recording: { directWrites: false } }));
    expect(loadConfig({ dataDir: dir, env: {}, configFile: join(dir, 'buffered.json') }).recording.directWrites).toBe(false);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ recording: { directWrites: 'yes' } }));
    expect(() => loadConfig({ dataDir: dir, env: {}, configFile: join(dir, 'bad.json') })).toThrow(/directWrites/);
  });

  it.each([
    [{ VIGIL_PORT: 'eighty' }, undefined, /VIGIL_PORT: "eighty" is not a whole number/],
    [{ VIGIL_PORT: '70000' }, undefined, /http\.port/],
    [{}, { recording: { segmentTargetMs: 5 } }, /recording\.segmentTargetMs: .*2000/],
    [{}, { recording: { fragmentMs: 'fast' } }, /recording\.fragmentMs/],
    [{}, { colour: 'blue' }, /colour: unknown setting/],
    [{}, { database: { dialect: 'oracle' } }, /database\.dialect: must be one of "sqlite" or "postgres" \(got "oracle"\)/],
    [{ VIGIL_BYTE_PATH: 'fast' }, undefined, /recording\.bytePath: must be one of "auto", "native" or "js" \(got "fast"\)/],
    [{}, { database: { dialect: 'postgres' } }, /database\.url: required/],
    [{}, { log: { level: 'loud' } }, /log\.level/],
    [{}, { live: { maxTranscodes: -1 } }, /live\.maxTranscodes/],
    [{}, { live: { maxTranscodes: 1.5 } }, /live\.maxTranscodes/],
    [{}, { live: { transcodeIdleMs: 3_600_000 } }, /live\.transcodeIdleMs: .*600000/],
    [{}, { live: { transcodes: 2 } }, /live\.transcodes: unknown setting/],
    [{}, { ingest: { backoffMinMs: 5000, backoffMaxMs: 1000 } }, /backoffMaxMs: must be at least/],
  ])('names the bad value: env %j file %j', (env, file, message) => {
    const dir = tmp();
    if (file) writeFileSync(join(dir, 'vigil.json'), JSON.stringify(file));
    expect(problemsOf(() => loadConfig({ dataDir: dir, env })).join('\n')).toMatch(message);
  });

  it('reports an unreadable or malformed config file', () => {
    const dir = tmp();
    expect(problemsOf(() => loadConfig({ dataDir: dir, env: {}, configFile: join(dir, 'missing.json') })).join()).toMatch(/cannot read \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(problemsOf(() => loadConfig({ dataDir: dir, env: {}, configFile: join(dir, 'bad.json') })).join()).toMatch(/not valid JSON/);
    writeFileSync(join(dir, 'arr.json'), '[1]');
    expect(problemsOf(() => loadConfig({ dataDir: dir, env: {}, configFile: join(dir, 'arr.json') })).join()).toMatch(/JSON object/);
  });
});
