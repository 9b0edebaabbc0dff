// The R15 link function and checkpoint format: deterministic, sensitive to every covered field and to the previous
// link, and checkpoints verify only under the key and bytes they were signed with.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalSegment, decodeHeads, encodeHeads, GENESIS_HASH, headsSignatureValid, segmentLink, signHeads, type LinkedFields,
} from './index.js';

const row: LinkedFields = {
  run_id: 7, seq: 3, stream_id: 's-main', camera_id: 'cam', start_ms: 1_764_000_000_000, end_ms: 1_764_000_060_000,
  media_start: 90_000, timescale: 90_000, size_bytes: 123_456, init_size_bytes: 800, frames: 1500, keyframes: 30,
  codec: 'avc1.640028', width: 1920, height: 1080, created_ms: 1_764_000_061_000,
  sha256: Buffer.alloc(32, 1), fragment_index: Buffer.from('index'),
};

describe('segmentLink (R15)', () => {
  it('is SHA-256 over prev and the canonical row, deterministic', () => {
    const a = segmentLink(GENESIS_HASH, row);
    expect(a).toHaveLength(32);
    expect(segmentLink(GENESIS_HASH, { ...row })).toEqual(a);
    expect(segmentLink(Buffer.alloc(32, 9), row)).not.toEqual(a);
  });

  it('changes when any covered field changes', () => {
    const base = segmentLink(GENESIS_HASH, row);
    const changed: Partial<LinkedFields>[] = [
      { run_id: 8 }, { seq: 4 }, { stream_id: 's-sub' }, { camera_id: 'cam2' }, { start_ms: row.start_ms + 1 }, { end_ms: row.end_ms - 1 },
      { media_start: 1 }, { timescale: 1000 }, { size_bytes: 1 }, { init_size_bytes: 1 }, { frames: 1 }, { keyframes: 1 },
      { codec: 'hvc1' }, { width: 1 }, { height: 1 }, { created_ms: 1 }, { sha256: Buffer.alloc(32, 2) }, { fragment_index: Buffer.from('indey') },
    ];
    const seen = new Set([base.toString('hex')]);
    for (const c of changed) seen.add(segmentLink(GENESIS_HASH, { ...row, ...c }).toString('hex'));
    expect(seen.size).toBe(changed.length + 1);
  });

  it('is unambiguous: moving bytes between text fields changes the encoding', () => {
    expect(canonicalSegment({ ...row, stream_id: 'ab', camera_id: 'c' })).not.toEqual(canonicalSegment({ ...row, stream_id: 'a', camera_id: 'bc' }));
  });
});

describe('checkpoint heads', () => {
  const heads = [
    { streamId: 'b', cameraId: 'cb', segmentId: 9, link: Buffer.alloc(32, 2) },
    { streamId: 'a', cameraId: 'ca', segmentId: 4, link: Buffer.alloc(32, 1) },
  ];
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').privateKey;

  it('round-trips, sorted by stream', () => {
    expect(decodeHeads(encodeHeads(heads))).toEqual([heads[1], heads[0]]);
    expect(() => decodeHeads(encodeHeads(heads).subarray(0, 30))).toThrow(/truncated/);
  });

  it('verifies only the signed bytes under the signing key', () => {
    const enc = encodeHeads(heads);
    const sig = signHeads(1000, enc, privateKey);
    expect(headsSignatureValid(1000, enc, sig, publicKey)).toBe(true);
    expect(headsSignatureValid(1000, enc, sig, privateKey)).toBe(true);
    expect(headsSignatureValid(1001, enc, sig, publicKey)).toBe(false);
    const forged = Buffer.from(enc);
    forged[forged.length - 1]! ^= 1;
    expect(headsSignatureValid(1000, forged, sig, publicKey)).toBe(false);
    expect(headsSignatureValid(1000, enc, signHeads(1000, enc, other), publicKey)).toBe(false);
    expect(headsSignatureValid(1000, enc, Buffer.alloc(3), publicKey)).toBe(false);
  });
});
