// Encryption at rest end to end (architecture §7; S, R15): `vigil serve` with the default config records encrypted
// segment files; what a thief copies from the store shows no video; HLS byte ranges served from them rebuild the exact
// plaintext the recorder hashed; check --storage and verify work on them; `vigil key rotate` is refused while serving
// and afterwards keeps every segment readable. SQLite (the key table's both dialects are covered by unit tests).
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { withReason } from './support/accounts.js';
import { readIndex, segmentFile } from './support/faults.js';
import { plaintextBoxesIn } from './support/segment-keys.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

let sim: SimCameras;
let dataDir: string;
let vigil: ServingVigil | undefined;
let cameraId: string;

beforeAll(async () => {
  sim = await startSimCameras({ port: 0, streams: [{ name: 'enc-main', width: 640, height: 360, bitrateKbps: 800, gopFrames: 25 }] });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-enc-e2e-'));
  writeTestConfig(dataDir); // storage.encryption: default (on)
  const added = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', '加密 Encrypted', '--url', sim.urlOf('enc-main')]);
  expect(added.code, added.stderr).toBe(0);
  cameraId = (added.json as { id: string }).id;
  vigil = await startServe(dataDir);
});

afterAll(async () => {
  if (vigil && vigil.child.exitCode === null) await vigil.kill();
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('encryption at rest, end to end', () => {
  it('stores encrypted files whose HLS byte ranges rebuild the exact plaintext the recorder hashed', async () => {
    const index = await waitFor(async () => {
      const i = readIndex(dataDir);
      return i.segments.length >= 2 ? i : null;
    }, { timeoutMs: 40_000, what: '2 segments' });
    const storeDir = join(dataDir, 'store');
    for (const s of index.segments) {
      const raw = readFileSync(segmentFile(storeDir, s));
      expect(raw.subarray(0, 8).toString('latin1')).toBe('VGSEGENC');
      expect(plaintextBoxesIn(raw), `segment ${s.id} shows no fMP4 box`).toEqual([]);
    }
    const first = index.segments[0]!;
    const res = await vigil!.api(withReason(`/api/v1/cameras/${cameraId}/playback.m3u8?from=${first.start_ms}&to=${first.end_ms}`));
    expect(res.status).toBe(200);
    const playlist = await res.text();
    const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@0"/.exec(playlist)!;
    const parts: Buffer[] = [];
    const get = async (uri: string, offset: number, length: number) => {
      const r = await vigil!.api(uri, { headers: { range: `bytes=${offset}-${offset + length - 1}` } });
      expect(r.status).toBe(206);
      return Buffer.from(await r.arrayBuffer());
    };
    parts.push(await get(map[1]!, 0, Number(map[2])));
    let expected = Number(map[2]);
    for (const [, len, off, uri] of playlist.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)/g)) {
      if (new URL(uri!, vigil!.url).pathname !== new URL(map[1]!, vigil!.url).pathname) continue; // only the first segment
      expect(Number(off)).toBe(expected); // the ranges tile the file
      parts.push(await get(uri!, Number(off), Number(len)));
      expected += Number(len);
    }
    const plain = Buffer.concat(parts);
    expect(plain.length).toBe(first.size_bytes);
    expect(createHash('sha256').update(plain).digest().equals(Buffer.from(first.sha256))).toBe(true);
  });

  it('key status shows the data keys; rotation is refused while serving', async () => {
    const status = await runVigil(['key', 'status', '--json', '--data-dir', dataDir]);
    expect(status.code, status.stderr).toBe(0);
    const s = status.json as { encryption: boolean; current: string; dataKeys: { masterKeyId: string; keys: number }[] };
    expect(s.encryption).toBe(true);
    expect(s.dataKeys[0]).toMatchObject({ masterKeyId: s.current });
    expect(s.dataKeys[0]!.keys).toBeGreaterThanOrEqual(2);
    const refused = await runVigil(['key', 'rotate', '--json', '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ error: 'master_key', message: expect.stringMatching(/vigil serve is running/) });
  });

  it('after a stop: check --storage and verify pass on encrypted files; rotation keeps them all readable', async () => {
    expect(await vigil!.stop()).toBe(0);
    vigil = undefined;
    const check = await runVigil(['check', '--storage', '--json', '--data-dir', dataDir]);
    expect(check.code, check.stdout).toBe(0);
    const verify = await runVigil(['verify', '--json', '--data-dir', dataDir]);
    expect(verify.code, verify.stdout.slice(0, 2000)).toBe(0);
    const rotated = await runVigil(['key', 'rotate', '--json', '--data-dir', dataDir]);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    const r = rotated.json as { from: string; to: string; rewrapped: number };
    expect(r.rewrapped).toBe(readIndex(dataDir).segments.length);
    expect(r.to).not.toBe(r.from);
    const again = await runVigil(['verify', '--json', '--data-dir', dataDir]);
    expect(again.code, again.stdout.slice(0, 2000)).toBe(0);
    const log = await runVigil(['audit', 'system-log', '--json', '--data-dir', dataDir, '--event', 'storage.master_key_rotated']);
    expect(log.stdout).toContain('storage.master_key_rotated');
  });
});
