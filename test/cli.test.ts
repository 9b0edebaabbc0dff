// The `vigil` command line as a user's scripts see it: commands, --json shapes and exit codes (architecture §8).
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runVigil } from './support/vigil-process.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'vigil-cli-'));

describe('vigil CLI', () => {
  it('--help lists the commands and exits 0; an unknown command or option exits 2', async () => {
    const help = await runVigil(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['serve', 'migrate', 'camera', 'check']) expect(help.stdout).toContain(c);
    expect((await runVigil(['frobnicate'])).code).toBe(2);
    expect((await runVigil(['camera', 'list', '--colour'])).code).toBe(2);
    expect((await runVigil(['camera', 'add', '--name', 'x'])).code).toBe(2); // --url is required
  });

  it('camera add|update --area refuses a forbidden place with exit 1 and the R8.1 item; an allowed one is recorded', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-cli-place-'));
    const d = ['--data-dir', dataDir];
    const toilet = await runVigil(['camera', 'add', ...d, '--name', '一楼', '--url', 'rtsp://10.0.0.7/a', '--area', 'toilet']);
    expect(toilet.code).toBe(1);
    expect(toilet.stderr).toMatch(/R8\.1\(3\)/);
    const dorm = await runVigil(['camera', 'add', ...d, '--json', '--name', '二楼', '--url', 'rtsp://10.0.0.7/b', '--area', 'dorm']);
    expect(dorm.code).toBe(1);
    expect(dorm.json).toMatchObject({ error: 'camera_place_forbidden', article: 'R8.1(2)', field: 'areaType' });
    const ok = await runVigil(['camera', 'add', ...d, '--json', '--name', '东门', '--url', 'rtsp://10.0.0.7/c', '--area', 'car_park', '--place-category', 'crowd_venue', '--necessity', '防盗']);
    expect(ok.code, ok.stderr).toBe(0);
    const id = (ok.json as { id: string }).id;
    expect((ok.json as { camera: { place: unknown } }).camera.place).toMatchObject({ areaType: 'car_park', placeCategory: 'crowd_venue', necessity: '防盗' });
    const move = await runVigil(['camera', 'update', id, ...d, '--json', '--area', 'fitting_room']);
    expect(move.code).toBe(1);
    expect(move.json).toMatchObject({ error: 'camera_place_forbidden', article: 'R8.1(3)' });
    const unknown = await runVigil(['camera', 'update', id, ...d, '--area', 'moon_base']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown area type "moon_base"/);
  });

  it('adds, lists, updates and removes a camera with --json, never printing credentials', async () => {
    const dir = fresh();
    const d = ['--data-dir', dir, '--json'];
    const added = await runVigil(['camera', 'add', ...d, '--name', '大厅 Lobby', '--url', 'rtsp://admin:S3cret!@127.0.0.1:8554/lobby']);
    expect(added.code, added.stderr).toBe(0);
    const { id } = added.json as { id: string };
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // UUIDv7
    const human = await runVigil(['camera', 'add', '--data-dir', dir, '--name', 'Gate', '--url', 'rtsp://127.0.0.1/gate']);
    expect(human.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/); // prints the new id
    const listed = await runVigil(['camera', 'list', ...d]);
    expect(listed.code).toBe(0);
    expect((listed.json as { cameras: { id: string; name: string }[] }).cameras.map((c) => c.name)).toEqual(['大厅 Lobby', 'Gate']);
    expect(listed.stdout + added.stdout).not.toContain('S3cret');
    const updated = await runVigil(['camera', 'update', id, ...d, '--name', '大厅 Hall', '--disable']);
    expect(updated.code, updated.stdout).toBe(0);
    expect(updated.json).toMatchObject({ camera: { id, name: '大厅 Hall', enabled: false } });
    expect((await runVigil(['camera', 'remove', id, ...d])).json).toEqual({ removed: id });
    const gone = await runVigil(['camera', 'remove', id, ...d]);
    expect(gone.code).toBe(1);
    expect(gone.json).toMatchObject({ error: 'camera_not_found' });
  });

  it('refuses bad input with exit 1 and a message naming the problem', async () => {
    const dir = fresh();
    const http = await runVigil(['camera', 'add', '--data-dir', dir, '--name', 'x', '--url', 'http://127.0.0.1/x']);
    expect(http.code).toBe(1);
    expect(http.stderr).toMatch(/rtsp/i);
    const badId = await runVigil(['camera', 'update', 'not-an-id', '--data-dir', dir, '--json', '--name', 'y']);
    expect(badId.code).toBe(1);
    expect(badId.json).toMatchObject({ error: expect.stringMatching(/camera/) });
    writeFileSync(join(dir, 'vigil.json'), JSON.stringify({ recording: { segmentTargetMs: 5 } }));
    const badConfig = await runVigil(['camera', 'list', '--data-dir', dir]);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/recording\.segmentTargetMs/);
  });

  it('migrate reports what it applied, then nothing', async () => {
    const dir = fresh();
    const first = await runVigil(['migrate', '--data-dir', dir, '--json']);
    expect(first.code).toBe(0);
    expect((first.json as { applied: string[] }).applied.length).toBeGreaterThanOrEqual(2);
    expect((await runVigil(['migrate', '--data-dir', dir, '--json'])).json).toMatchObject({ dialect: 'sqlite', applied: [] });
  });

  it('check --storage exits 0 on a consistent store and 3 with the mismatch listed; without --storage it is a usage error', async () => {
    const dir = fresh();
    const clean = await runVigil(['check', '--storage', '--data-dir', dir, '--json']);
    expect(clean.code).toBe(0);
    expect(clean.json).toMatchObject({ storage: { mismatches: [], segmentsChecked: 0 } });
    mkdirSync(join(dir, 'store'), { recursive: true });
    writeFileSync(join(dir, 'store', 'stray.bin'), 'x');
    const dirty = await runVigil(['check', '--storage', '--data-dir', dir, '--json']);
    expect(dirty.code).toBe(3);
    expect(dirty.json).toMatchObject({ storage: { mismatches: [{ kind: 'unknown_file', path: 'stray.bin' }] } });
    const human = await runVigil(['check', '--storage', '--data-dir', dir]);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/mismatches: 1/);
    expect((await runVigil(['check', '--data-dir', dir])).code).toBe(2);
  });
});
