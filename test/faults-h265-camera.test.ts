// H.265 camera (issue 2; architecture §3 "Browsers and H.265"): many cameras sold in China default to H.265, and it
// must be recorded as it comes (stream copy). A simulated H.265 camera is recorded by a real `vigil serve`.
// Proves: the stream reaches `recording`; its segments carry an `hvc1`/`hev1` codec string; a committed segment
// file is HEVC and decodes with ffmpeg; an MP4 export of the recorded range is HEVC, decodes with ffmpeg without an
// error, and holds the frames of the range (re-encoded to H.264 with the viewer watermark burned in, D18); `vigil check --storage` finds nothing wrong; nothing is left running.
// Requests are made as the signed-in operator: the segment under its playlist's grant, the export with a reason
// (R16.3); the export is re-encoded with the viewer watermark (D18), so it is checked for what must still hold.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { withReason } from './support/accounts.js';
import { addCamera, apiBytes, decodeWithFfmpeg, lowerLeftDifference, mainStatus, playlistGrant, tempDir, recordings, probeCodec, ProcessTracker, shutDownAndCheckLeaks, smallStream } from './support/faults.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const tracker = new ProcessTracker().start();
let sim: SimCameras | undefined;
let vigil: ServingVigil | undefined;

afterAll(async () => {
  expect(await shutDownAndCheckLeaks({ vigil, sim, tracker })).toBe(0);
}, 60_000);

describe('H.265 camera (real vigil serve, ffmpeg, RTSP server)', () => {
  it('records H.265 as it comes (hvc1/hev1 segments) and exports an MP4 that ffmpeg decodes', async () => {
    const dataDir = tempDir('faults-h265');
    writeTestConfig(dataDir);
    sim = await startSimCameras({ streams: [smallStream('hevc', { codec: 'h265', label: 'hevc-cam' })] });
    const cameraId = await addCamera(dataDir, 'hevc', sim.urlOf('hevc'));
    const t0 = Date.now();
    vigil = await startServe(dataDir);
    const base = vigil;
    await waitFor(async () => (await mainStatus(base, cameraId))?.state === 'recording', { timeoutMs: 20_000, what: 'recording' });
    // Two committed segments (4 s each), so the export spans a segment boundary.
    const timeline = await waitFor(async () => {
      const t = await recordings(base, cameraId, t0 - 1000);
      return t.segments.length >= 2 ? t : undefined;
    }, { timeoutMs: 30_000, what: 'two segments' });
    for (const s of timeline.segments) {
      expect(s.codec).toMatch(/^(hvc1|hev1)\./);
      expect([s.width, s.height]).toEqual([320, 240]);
    }

    const [first, second] = timeline.segments as [typeof timeline.segments[0], typeof timeline.segments[0]];
    const { segmentUrls } = await playlistGrant(base, cameraId, first.startMs, second.endMs);
    expect(segmentUrls.has(first.id)).toBe(true);
    const segment = await apiBytes(base, segmentUrls.get(first.id)!);
    expect(segment.status).toBe(200);
    const segmentFile = join(dataDir, 'segment.mp4');
    writeFileSync(segmentFile, segment.bytes);
    expect(await probeCodec(segmentFile)).toBe('hevc');
    const segDecoded = await decodeWithFfmpeg(segmentFile);
    expect(segDecoded.errors).toBe('');
    expect(segDecoded.frames).toBeGreaterThanOrEqual(Math.floor((first.endMs - first.startMs) / 40) - 2);

    const from = first.startMs;
    const to = second.endMs;
    const exported = await apiBytes(base, withReason(`/api/v1/cameras/${cameraId}/export.mp4?from=${from}&to=${to}`));
    expect(exported.status, exported.bytes.toString('utf8', 0, 300)).toBe(200);
    expect(exported.headers.get('content-type')).toBe('video/mp4');
    expect(exported.headers.get('x-vigil-access-id')).toMatch(/^\d+$/); // its access-register entry
    const exportFile = join(dataDir, 'export.mp4');
    writeFileSync(exportFile, exported.bytes);
    // The watermark is burned in by re-encoding (libx264, D18): the export is H.264 whatever the camera sent.
    expect(await probeCodec(exportFile)).toBe('h264');
    const decoded = await decodeWithFfmpeg(exportFile);
    expect(decoded.errors).toBe('');
    expect(decoded.ok).toBe(true);
    // 25 fps over the two segments, allowing a frame or two at the cuts.
    const expectedFrames = Math.floor((to - from) / 40);
    expect(decoded.frames).toBeGreaterThanOrEqual(expectedFrames - 3);
    expect(decoded.frames).toBeLessThanOrEqual(expectedFrames + 3);
    // It starts at the segment's first frame; its lower-left corner, where the watermark is drawn, differs from it.
    const watermarkDiff = await lowerLeftDifference(segmentFile, exportFile);
    expect(watermarkDiff).toBeGreaterThan(8);
    console.error(`[faults-h265] codec ${first.codec}; export ${exported.bytes.length} bytes, ${decoded.frames} frames for ${to - from} ms; lower-left difference ${watermarkDiff.toFixed(1)}`);

    const check = await runVigil(['check', '--storage', '--json', '--data-dir', dataDir]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
