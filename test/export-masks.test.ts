// Privacy masks (R13, D11) through the real server: a camera recorded by `vigil serve` from a simulated RTSP camera,
// with one mask burned in at export and one only at display. The export the viewer downloads (watermarked, D18)
// decodes to black inside the export mask, and shows the picture inside the display-only mask and elsewhere.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { withReason } from './support/accounts.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const run = promisify(execFile);

async function grayCrop(path: string, crop: string): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', '0.5', '-i', path, '-frames:v', '1', '-vf', `crop=${crop},format=gray`, '-f', 'rawvideo', '-'], {
    encoding: 'buffer',
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(stdout.length).toBeGreaterThan(0);
  return stdout;
}

describe('masks in an export from the real server', () => {
  let sim: SimCameras;
  let vigil: ServingVigil;
  let dataDir: string;
  let cameraId: string;

  beforeAll(async () => {
    sim = await startSimCameras({ port: 0, streams: [{ name: 'export-mask', width: 320, height: 240, bitrateKbps: 300, gopFrames: 25 }] });
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-export-masks-'));
    writeTestConfig(dataDir, {});
    const add = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', '楼间 Between blocks', '--url', sim.urlOf('export-mask')]);
    expect(add.code, add.stderr).toBe(0);
    cameraId = (add.json as { id: string }).id;
    const file = join(dataDir, 'masks.json');
    writeFileSync(file, JSON.stringify([
      { points: [[0.25, 0.25], [0.5, 0.25], [0.5, 0.75], [0.25, 0.75]], burnExport: true }, // x 80–160
      { points: [[0.6, 0.25], [0.9, 0.25], [0.9, 0.75], [0.6, 0.75]] }, // x 192–288: display only
    ]));
    const masks = await runVigil(['camera', 'masks', 'set', cameraId, '--json', '--data-dir', dataDir, '--file', file]);
    expect(masks.code, masks.stderr).toBe(0);
    vigil = await startServe(dataDir);
  });

  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('burns only the export masks into the downloaded clip', async () => {
    const range = await waitFor(async () => {
      const res = await vigil.api(`/api/v1/cameras/${cameraId}/recordings?from=${Date.now() - 120_000}&to=${Date.now()}`);
      const tl = (await res.json()) as { segments: { startMs: number; endMs: number }[] };
      return tl.segments.length >= 2 ? { from: tl.segments[0]!.startMs, to: tl.segments[1]!.endMs } : null;
    }, { timeoutMs: 40_000, what: 'two recorded segments' });
    const res = await vigil.api(withReason(`/api/v1/cameras/${cameraId}/export.mp4?from=${range.from}&to=${range.to}`));
    expect(res.status).toBe(200);
    const path = join(dataDir, 'export.mp4');
    writeFileSync(path, Buffer.from(await res.arrayBuffer()));
    const exportMask = await grayCrop(path, '60:80:90:80'); // x 90–150, y 80–160: inside the export mask
    expect(Math.max(...exportMask)).toBeLessThanOrEqual(24);
    const displayOnly = await grayCrop(path, '70:80:205:80'); // inside the display-only mask: still the picture
    expect(Math.max(...displayOnly)).toBeGreaterThan(100);
  });
});
