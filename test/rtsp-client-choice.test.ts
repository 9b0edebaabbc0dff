// The per-camera RTSP client (camera field `rtspClient`, next to the server-wide `ingest.rtspClient`), end to end:
// a real `vigil serve` with its default built-in RTSP ingest records two cameras of a real RTSP server, one left on
// the default and one set to ffmpeg with `vigil camera add --rtsp-client ffmpeg`.
// Proves: each stream is recorded by the client its camera names (the stream status says so, and exactly one ffmpeg
// child runs); swapping the two choices over the API restarts both streams with the other client, each run ending
// with cause `camera_changed` and the next one recording; a bad choice is refused by the CLI (exit 1) and by the API
// (422) with a message naming the allowed values, changing nothing; nothing is left running afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import type { ApiSession } from './support/accounts.js';
import { addCamera, api, cameras, descendantsOf, isAlive, mainStatus, ProcessTracker, recordings, shutDownAndCheckLeaks, signIn, smallStream, SYSADMIN, tempDir } from './support/faults.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const tracker = new ProcessTracker().start();
let sim: SimCameras;
let vigil: ServingVigil | undefined;
let admin: ApiSession;
let dataDir: string;
const ids = { byDefault: '', byFfmpeg: '' };
const startedMs = Date.now();

/** ffmpeg processes running under vigil now. */
const ffmpegChildren = () => descendantsOf(vigil!.child.pid!).filter((p) => p.comm === 'ffmpeg' && isAlive(p.pid));

/** Waits until each camera's main stream records with the client given. */
async function recordingWith(want: Record<string, 'builtin' | 'ffmpeg'>, what: string): Promise<void> {
  await waitFor(async () => {
    for (const [id, client] of Object.entries(want)) {
      const s = await mainStatus(vigil!, id);
      if (s?.state !== 'recording' || s.recording !== 'recording' || s.rtspClient !== client) return false;
    }
    return true;
  }, { timeoutMs: 20_000, what });
}

beforeAll(async () => {
  sim = await startSimCameras({ streams: [smallStream('cam')] });
  dataDir = tempDir('rtsp-client-choice');
  writeTestConfig(dataDir);
  ids.byDefault = await addCamera(dataDir, 'follows the server', sim.urlOf('cam'));
  ids.byFfmpeg = await addCamera(dataDir, 'quirky camera', sim.urlOf('cam'), ['--rtsp-client', 'ffmpeg']);
  vigil = await startServe(dataDir);
  admin = await signIn(vigil, dataDir, SYSADMIN);
}, 120_000);

afterAll(async () => {
  expect(await shutDownAndCheckLeaks({ vigil, sim, tracker })).toBe(0);
}, 60_000);

describe('per-camera RTSP client (real vigil serve, built-in ingest and ffmpeg, RTSP server)', () => {
  it('the CLI stores the choice and refuses an unknown one with the allowed values (exit 1)', async () => {
    const list = await runVigil(['camera', 'list', '--data-dir', dataDir, '--json']);
    expect(list.code).toBe(0);
    const listed = (list.json as { cameras: { id: string; rtspClient: string }[] }).cameras;
    expect(Object.fromEntries(listed.map((c) => [c.id, c.rtspClient]))).toEqual({ [ids.byDefault]: 'default', [ids.byFfmpeg]: 'ffmpeg' });
    const text = await runVigil(['camera', 'list', '--data-dir', dataDir]);
    expect(text.stdout).toMatch(/quirky camera .* rtsp client: ffmpeg/);
    expect(text.stdout).not.toMatch(/follows the server .* rtsp client/);

    const bad = await runVigil(['camera', 'update', ids.byDefault, '--data-dir', dataDir, '--rtsp-client', 'gstreamer']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('rtspClient must be one of "default", "builtin", "ffmpeg"');
    const after = await runVigil(['camera', 'list', '--data-dir', dataDir, '--json']);
    expect((after.json as { cameras: { id: string; rtspClient: string }[] }).cameras.find((c) => c.id === ids.byDefault)?.rtspClient).toBe('default');
  });

  it('records each camera with the client it names: the default one built in, the other by an ffmpeg child', async () => {
    await recordingWith({ [ids.byDefault]: 'builtin', [ids.byFfmpeg]: 'ffmpeg' }, 'both cameras recording, each with its client');
    expect(ffmpegChildren()).toHaveLength(1);
    const all = await cameras(vigil!);
    expect(Object.fromEntries(all.map((c) => [c.id, c.rtspClient]))).toEqual({ [ids.byDefault]: 'default', [ids.byFfmpeg]: 'ffmpeg' });
    // Neither fell back: each is where its camera put it.
    for (const id of [ids.byDefault, ids.byFfmpeg]) expect((await mainStatus(vigil!, id))?.rtspFallback).toBeNull();
  });

  it('a change over the API restarts the stream with the other client; the run ends with camera_changed', async () => {
    const patch = (id: string, body: unknown) => api<{ rtspClient?: string; message?: string; field?: string }>(admin, `/api/v1/cameras/${id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const bad = await patch(ids.byDefault, { rtspClient: 'FFMPEG' });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ error: 'invalid_camera', field: 'rtspClient', message: 'rtspClient must be one of "default", "builtin", "ffmpeg"' });
    expect((await mainStatus(vigil!, ids.byDefault))?.rtspClient).toBe('builtin'); // nothing changed

    const changedMs = Date.now();
    expect((await patch(ids.byDefault, { rtspClient: 'ffmpeg' })).json.rtspClient).toBe('ffmpeg');
    expect((await patch(ids.byFfmpeg, { rtspClient: 'default' })).json.rtspClient).toBe('default');
    await recordingWith({ [ids.byDefault]: 'ffmpeg', [ids.byFfmpeg]: 'builtin' }, 'both cameras recording again, the clients swapped');
    // The old ffmpeg child went with its stream; the new one is the only one.
    await waitFor(async () => ffmpegChildren().length === 1, { timeoutMs: 5000, what: 'one ffmpeg child' });

    for (const id of [ids.byDefault, ids.byFfmpeg]) {
      const timeline = await waitFor(async () => {
        const t = await recordings(vigil!, id, startedMs);
        return t.runs.some((r) => r.endCause === 'camera_changed') ? t : undefined;
      }, { timeoutMs: 10_000, what: `camera ${id}'s first run to end with camera_changed` });
      const changed = timeline.runs.find((r) => r.endCause === 'camera_changed')!;
      expect(changed.endMs!).toBeGreaterThanOrEqual(changedMs - 1000);
      // A new run follows, and it records.
      const after = timeline.runs.filter((r) => r.startMs >= changed.endMs!);
      expect(after.length).toBeGreaterThan(0);
    }
  });
});
