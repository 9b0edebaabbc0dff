// Fault tests, bad input (issue 2): path traversal, bad camera and segment ids, a segment of another camera, bad
// time ranges over HTTP against a real `vigil serve` holding real recordings of two cameras; and bad CLI input.
// Proves: every such request gets a 4xx (never a 500) whose JSON `message` names the problem; no traversal attempt
// returns a file's bytes (nothing outside the store, and no segment through a path trick); the CLI answers a bad
// URL with exit 1 and a clear message that does not echo the credentials, an unknown option and a missing
// `--storage` with exit 2. Requests go out byte for byte (node:http), so `..` segments reach the server unresolved.
// All requests are made as a signed-in operator (the access gate, R16): video requests state a reason, and segment
// reads of real segments carry the grant token of a playlist, so each refusal below is about the bad input itself
// and not about missing credentials (bad ids are refused before the grant is even looked at).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { withReason, type ApiSession } from './support/accounts.js';
import { addCamera, api, playlistGrant, type TimelineJson, tempDir, rawGet, recordings, ProcessTracker, shutDownAndCheckLeaks, signIn, smallStream, SYSADMIN } from './support/faults.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

const DAY_MS = 86_400_000;
const tracker = new ProcessTracker().start();
let sim: SimCameras;
let vigil: ServingVigil;
let dataDir: string;
let camA: string;
let camB: string;
let segA: TimelineJson['segments'][0];
let segB: TimelineJson['segments'][0];
let t0: number;
/** Camera changes need camera.configure: a system administrator (the viewer is an operator). */
let admin: ApiSession;

beforeAll(async () => {
  sim = await startSimCameras({ streams: [smallStream('a'), smallStream('b')] });
  dataDir = tempDir('faults-bad-input');
  writeTestConfig(dataDir);
  camA = await addCamera(dataDir, 'input-a', sim.urlOf('a'));
  camB = await addCamera(dataDir, 'input-b', sim.urlOf('b'));
  t0 = Date.now();
  vigil = await startServe(dataDir);
  // One committed segment per camera, so ids of real segments exist to misuse.
  const firsts = await Promise.all(
    [camA, camB].map((id) =>
      waitFor(async () => (await recordings(vigil, id, t0 - 1000)).segments[0], { timeoutMs: 30_000, what: `a segment of ${id}` }),
    ),
  );
  [segA, segB] = firsts as [TimelineJson['segments'][0], TimelineJson['segments'][0]];
  admin = await signIn(vigil, dataDir, SYSADMIN);
}, 120_000);

afterAll(async () => {
  expect(await shutDownAndCheckLeaks({ vigil, sim, tracker })).toBe(0);
}, 60_000);

interface Case {
  path: string;
  status: number | [number, number];
  /** The message must match this (it names the problem). */
  message: RegExp;
  headers?: Record<string, string>;
}

async function expectRefused(c: Case): Promise<void> {
  const r = await rawGet(vigil, c.path, c.headers);
  const shown = `${c.path} → ${r.status} ${r.body.toString('utf8').slice(0, 300)}`;
  const [lo, hi] = Array.isArray(c.status) ? c.status : [c.status, c.status];
  expect(r.status, shown).toBeGreaterThanOrEqual(lo);
  expect(r.status, shown).toBeLessThanOrEqual(hi);
  expect(r.contentType, shown).toMatch(/^application\/json/);
  expect(typeof r.json?.error, shown).toBe('string');
  expect(r.json?.message, shown).toMatch(c.message);
  // Never a file's content: not /etc/passwd, not video.
  const text = r.body.toString('latin1');
  expect(text, shown).not.toMatch(/root:.*:0:0:/);
  expect(text, shown).not.toContain('ftyp');
  expect(text, shown).not.toContain('moof');
}

describe('bad input over HTTP (real vigil serve with recordings)', () => {
  it('path traversal in the camera id or segment id: 4xx, no file served', async () => {
    const range = `from=${t0 - 1000}&to=${Date.now()}`;
    const badCameraId = /camera id must be a UUID/;
    const cases: Case[] = [
      { path: `/api/v1/cameras/..%2F..%2Fetc/recordings?${range}`, status: 422, message: badCameraId },
      { path: `/api/v1/cameras/..%2F..%2F..%2Fetc%2Fpasswd/segments/1`, status: 422, message: badCameraId },
      { path: withReason(`/api/v1/cameras/%2e%2e%2f%2e%2e%2fetc/export.mp4?${range}`), status: 422, message: badCameraId },
      { path: withReason(`/api/v1/cameras/..%5C..%5Cwindows/playback.m3u8?${range}`), status: 422, message: badCameraId },
      { path: `/api/v1/cameras/%252e%252e%252fetc/recordings?${range}`, status: 422, message: badCameraId },
      { path: `/api/v1/cameras/${camA}%00/recordings?${range}`, status: 422, message: badCameraId },
      { path: `/api/v1/cameras/%00/recordings?${range}`, status: 422, message: badCameraId },
      { path: `/api/v1/cameras/${camA}/segments/..%2F1`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/..%2F..%2F..%2Fetc%2Fpasswd`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/${segA.id}%00`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/${segA.id}%2F..%2F..%2F${segB.id}`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/%2e%2e`, status: 404, message: /is not a positive integer/ },
      // Raw dot segments reach the router unresolved: no route matches, and nothing is served.
      { path: `/api/v1/cameras/${camA}/segments/../../../../etc/passwd`, status: 404, message: /no route/ },
      { path: `/api/v1/cameras/../../../etc/passwd`, status: 404, message: /no route/ },
    ];
    for (const c of cases) await expectRefused(c);
  });

  it('bad camera ids and bad segment ids, a segment of another camera: 4xx with a clear message', async () => {
    const range = `from=${t0 - 1000}&to=${Date.now()}`;
    const unknown = '01932c07-8b2a-7c4e-9f10-3a5b6c7d8e9f';
    const cases: Case[] = [
      { path: `/api/v1/cameras/not-a-camera/recordings?${range}`, status: 422, message: /camera id must be a UUID/ },
      { path: `/api/v1/cameras/12345`, status: 422, message: /camera id must be a UUID/ },
      { path: `/api/v1/cameras/${'a'.repeat(65)}/recordings?${range}`, status: 400, message: /must NOT have more than 64 characters/ },
      { path: `/api/v1/cameras/${unknown}/recordings?${range}`, status: 404, message: new RegExp(`camera ${unknown} not found`) },
      { path: `/api/v1/cameras/${unknown}/segments/${segA.id}`, status: 404, message: new RegExp(`camera ${unknown} not found`) },
      { path: `/api/v1/cameras/${unknown}`, status: 404, message: /not found/ },
      { path: `/api/v1/cameras/${camA}/segments/0`, status: 404, message: /"0" is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/-1`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/1.5`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/abc`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/1e3`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/99999999999999999999`, status: 404, message: /is not a positive integer/ },
      { path: `/api/v1/cameras/${camA}/segments/${'9'.repeat(41)}`, status: 400, message: /must NOT have more than 40 characters/ },
    ];
    for (const c of cases) await expectRefused(c);
    // Valid ids are read under a playback grant: the token of a playlist of that camera (R16.3).
    const grantA = await playlistGrant(vigil, camA, t0 - 1000, Date.now());
    const grantB = await playlistGrant(vigil, camB, t0 - 1000, Date.now());
    const g = (token: string) => `grant=${encodeURIComponent(token)}`;
    const granted: Case[] = [
      { path: `/api/v1/cameras/${camA}/segments/987654321?${g(grantA.token)}`, status: 404, message: new RegExp(`camera ${camA} has no segment 987654321`) },
      // A real segment, but of camera B: ids are no way around the camera in the path (nor the grant).
      { path: `/api/v1/cameras/${camA}/segments/${segB.id}?${g(grantA.token)}`, status: 404, message: new RegExp(`camera ${camA} has no segment ${segB.id}`) },
      { path: `/api/v1/cameras/${camB}/segments/${segA.id}?${g(grantB.token)}`, status: 404, message: new RegExp(`camera ${camB} has no segment ${segA.id}`) },
      // A grant is bound to its camera: camera A's token does not open camera B's segment; no token opens nothing.
      { path: `/api/v1/cameras/${camB}/segments/${segB.id}?${g(grantA.token)}`, status: 403, message: /playback grant/ },
      { path: `/api/v1/cameras/${camA}/segments/${segA.id}`, status: 403, message: /playback grant/ },
      { path: `/api/v1/cameras/${camA}/segments/${segA.id}?grant=1.not-a-token`, status: 403, message: /playback grant/ },
      // Byte ranges outside the file.
      { path: `/api/v1/cameras/${camA}/segments/${segA.id}?${g(grantA.token)}`, status: 416, message: /range/i, headers: { range: `bytes=${segA.sizeBytes + 10}-` } },
    ];
    for (const c of granted) await expectRefused(c);
    // The right camera, under its playlist's grant, gets its segment (so the 404s above are about ownership, not a
    // broken route). The URL is the one the playlist gave.
    const ownUrl = grantB.segmentUrls.get(segB.id);
    expect(ownUrl, `segment ${segB.id} in camera B's playlist`).toBeDefined();
    const own = await rawGet(vigil, ownUrl!);
    expect(own.status).toBe(200);
    expect(own.contentType).toBe('video/mp4');
    expect(own.body.length).toBe(segB.sizeBytes);
  });

  it('bad time ranges on recordings, playlist and export: 400 with a message naming the problem', async () => {
    const now = Date.now();
    const ok = { from: String(t0 - 1000), to: String(now) };
    const ranges: [Record<string, string>, RegExp][] = [
      [{}, /'from' is required/],
      [{ to: ok.to }, /'from' is required/],
      [{ from: ok.from }, /'to' is required/],
      [{ from: '', to: ok.to }, /'from' is required/],
      [{ from: ok.to, to: ok.from }, /'from' \(.*\) is after 'to'/],
      [{ from: ok.from, to: ok.from }, /same instant.*empty/],
      [{ from: 'yesterday', to: ok.to }, /'from' must be milliseconds since the epoch or an ISO-8601 date-time/],
      [{ from: ok.from, to: 'NaN' }, /'to' must be milliseconds since the epoch or an ISO-8601/],
      [{ from: 'Infinity', to: ok.to }, /'from' must be milliseconds/],
      [{ from: '1e12', to: ok.to }, /'from' must be milliseconds/],
      [{ from: '2026-11-25T08:00:00', to: ok.to }, /with a zone/],
      [{ from: '0', to: ok.to }, /'from' 0 is before 2000-01-01/],
      [{ from: '-5', to: ok.to }, /'from' -5 is before 2000-01-01/],
      [{ from: '1970-01-01T00:00:00Z', to: ok.to }, /'from' 0 is before 2000-01-01/],
      [{ from: String(Math.floor(t0 / 1000)), to: ok.to }, /looks like seconds/],
      [{ from: ok.from, to: String(now + 10 * 365 * DAY_MS) }, /'to' .* is more than a day after now/],
      // Beyond what a JavaScript Date can hold (year 275760): was a 500 (RangeError in the message), now a 400.
      [{ from: ok.from, to: '9007199254740991' }, /'to' 9007199254740991 is more than a day after now/],
      // Beyond 2^53: was rounded silently (the message showed 10000000000000000).
      [{ from: ok.from, to: '9999999999999999' }, /'to' must be an integer of milliseconds .* got 9999999999999999/],
      [{ from: 'x'.repeat(41), to: ok.to }, /from must NOT have more than 40 characters/],
    ];
    const paths = ['recordings', 'playback.m3u8', 'export.mp4'];
    for (const [query, message] of ranges) {
      for (const p of paths) {
        const qs = new URLSearchParams(query).toString();
        const path = `/api/v1/cameras/${camA}/${p}${qs ? `?${qs}` : ''}`;
        // Playlist and export state a reason (R16.3), so the refusal is about the range.
        await expectRefused({ path: p === 'recordings' ? path : withReason(path), status: 400, message });
      }
    }
    // Longer than the limit: 366 days for the listing; config playback.maxRangeMs (shorter) for playlist and export.
    await expectRefused({ path: `/api/v1/cameras/${camA}/recordings?from=${now - 400 * DAY_MS}&to=${now}`, status: 400, message: /the range is 400 days; at most 366 days is allowed/ });
    for (const p of ['playback.m3u8', 'export.mp4']) {
      await expectRefused({ path: withReason(`/api/v1/cameras/${camA}/${p}?from=${now - 40 * DAY_MS}&to=${now}`), status: 400, message: /the range is 40 days; at most [\d.]+ (days|hours) is allowed/ });
    }
    // A valid range with nothing in it is not an error of the request's form: 404 no_recording, with the range.
    await expectRefused({ path: withReason(`/api/v1/cameras/${camA}/export.mp4?from=${now - 20 * DAY_MS}&to=${now - 19 * DAY_MS}`), status: 404, message: /nothing is recorded between/ });
    // And a good range works on all three (the refusals above are about the values, not broken routes).
    for (const p of paths) {
      const path = `/api/v1/cameras/${camA}/${p}?from=${ok.from}&to=${Date.now()}`;
      const r = await rawGet(vigil, p === 'recordings' ? path : withReason(path));
      expect(r.status, `${p}: ${r.body.toString('utf8').slice(0, 200)}`).toBe(200);
    }
  });

  it('bad camera bodies over HTTP: 4xx with the field named, never the URL credentials', async () => {
    // As a system administrator (camera.configure): the refusals are about the bodies, not the role.
    const post = (body: string) => api<{ error: string; message: string }>(admin, '/api/v1/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const http = await post(JSON.stringify({ name: 'x', url: 'http://admin:Secr3t-9@10.0.0.9/stream' }));
    expect(http.status).toBe(422);
    expect(http.json.message).toMatch(/url must use the rtsp or rtsps scheme/);
    expect(http.text).not.toContain('Secr3t-9');
    const broken = await post('{"name": "x", "url": ');
    expect(broken.status).toBe(400);
    expect(broken.json.message).toMatch(/JSON/i);
    const noName = await post(JSON.stringify({ url: 'rtsp://10.0.0.9/s' }));
    expect(noName.status).toBe(400);
    expect(noName.json.message).toMatch(/must have required property 'name'/);
    const badId = await api<{ message: string }>(admin, '/api/v1/cameras/..%2Fx', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"name":"y"}' });
    expect(badId.status).toBe(422);
    expect(badId.json.message).toMatch(/camera id must be a UUID/);
    expect(vigil.child.exitCode).toBeNull();
    // Nothing above produced a 500 in the server log either.
    expect(vigil.logs()).not.toContain('"statusCode":500');
    expect(vigil.logs()).not.toContain('request failed');
  });
});

describe('bad CLI input (real vigil command)', () => {
  it('camera add with a non-RTSP URL: exit 1 and a clear message without the credentials', async () => {
    const [human, json, noScheme] = await Promise.all([
      runVigil(['camera', 'add', '--data-dir', dataDir, '--name', 'web', '--url', 'http://admin:Secr3t-9@10.0.0.9/live']),
      runVigil(['camera', 'add', '--data-dir', dataDir, '--name', 'web', '--url', 'ftp://10.0.0.9/x', '--json']),
      runVigil(['camera', 'add', '--data-dir', dataDir, '--name', 'web', '--url', '10.0.0.9:554/live', '--json']),
    ]);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/^error: url must use the rtsp or rtsps scheme, not "http"/m);
    expect(json.code).toBe(1);
    expect(json.json).toMatchObject({ error: 'invalid_camera', field: 'url', message: expect.stringMatching(/rtsp or rtsps scheme/) });
    expect(noScheme.code).toBe(1);
    expect((noScheme.json as { message: string }).message).toMatch(/rtsp/);
    for (const r of [human, json, noScheme]) expect(r.stdout + r.stderr).not.toContain('Secr3t-9');
  });

  it('unknown option → exit 2; check without --storage → exit 2; a missing required option → exit 2', async () => {
    const [unknown, check, checkJson, missing, unknownCommand] = await Promise.all([
      runVigil(['camera', 'add', '--data-dir', dataDir, '--name', 'x', '--url', 'rtsp://10.0.0.9/s', '--bogus']),
      runVigil(['check', '--data-dir', dataDir]),
      runVigil(['check', '--data-dir', dataDir, '--json']),
      runVigil(['camera', 'add', '--data-dir', dataDir, '--name', 'x']),
      runVigil(['frobnicate', '--data-dir', dataDir]),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/give --storage/);
    expect(checkJson.code).toBe(2);
    expect(checkJson.json).toMatchObject({ error: 'usage', message: expect.stringMatching(/--storage/) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--url <url>' not specified/);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command 'frobnicate'/);
    // None of these registered anything: only the two cameras of this file exist.
    const list = await runVigil(['camera', 'list', '--data-dir', dataDir, '--json']);
    expect((list.json as { cameras: { id: string }[] }).cameras.map((c) => c.id).sort()).toEqual([camA, camB].sort());
  });
});
