import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSegmentStore, parseSegmentRelPath, resolveInside, segmentRelPath, StoragePathError } from './index.js';

const cameraId = '0192f3a0-0000-7000-8000-000000000001';
const ref = { cameraId, runId: 7, seq: 3, startMs: Date.UTC(2026, 10, 25, 23, 59, 59) };

describe('segment paths (storage invariant 6)', () => {
  it('are built from ids only and parse back', () => {
    expect(segmentRelPath(ref)).toBe(`${cameraId}/20261125/7-3.mp4`);
    expect(parseSegmentRelPath(`${cameraId}/20261125/7-3.mp4.partial`)).toEqual({ cameraId, day: '20261125', runId: 7, seq: 3, partial: true });
    expect(parseSegmentRelPath(`${cameraId}/20261125/notes.txt`)).toBeNull();
    expect(parseSegmentRelPath(`../20261125/7-3.mp4`)).toBeNull();
  });

  it.each([
    { ...ref, cameraId: '../../etc' },
    { ...ref, cameraId: `${cameraId}/..` },
    { ...ref, runId: -1 },
    { ...ref, runId: 1.5 },
    { ...ref, seq: Number.NaN },
    { ...ref, startMs: -5 },
  ])('refuse a bad ref %j', (bad) => {
    expect(() => segmentRelPath(bad)).toThrow(StoragePathError);
  });

  it.each(['../x', 'a/../../x', '/etc/passwd', 'a/\0b', '', '.', 'a/..'])('never resolve %j outside the root', (rel) => {
    expect(() => resolveInside('/srv/store', rel)).toThrow(StoragePathError);
  });
});

describe('LocalSegmentStore', () => {
  it('writes a partial, commits it under its final name, and refuses a second writer (O_EXCL)', async () => {
    const store = new LocalSegmentStore(mkdtempSync(join(tmpdir(), 'vigil-store-')));
    await store.init();
    const w = await store.createWriter(ref);
    await w.write(Buffer.from('hello '));
    await w.write(Buffer.from('world'));
    await w.sync();
    expect(existsSync(w.partialPath)).toBe(true);
    expect(existsSync(w.finalPath)).toBe(false);
    await expect(store.createWriter(ref)).rejects.toMatchObject({ code: 'EEXIST' });
    await w.commit();
    expect(existsSync(w.partialPath)).toBe(false);
    expect(readFileSync(w.finalPath, 'utf8')).toBe('hello world');
    expect((await store.read(ref, 6, 5)).toString()).toBe('world');
    expect((await store.read(ref, 6, 100)).toString()).toBe('world');
    expect(await store.freeBytes()).toBeGreaterThan(0);
  });

  it('completes a torn partial to its whole prefix and lists and walks files', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-store-'));
    const store = new LocalSegmentStore(root);
    mkdirSync(join(root, cameraId, '20261125'), { recursive: true });
    writeFileSync(join(root, cameraId, '20261125', '7-3.mp4.partial'), 'wholeTORN');
    writeFileSync(join(root, 'stray.txt'), 'x');
    const finalRel = await store.completePartial(`${cameraId}/20261125/7-3.mp4.partial`, 5);
    expect(finalRel).toBe(`${cameraId}/20261125/7-3.mp4`);
    expect(readFileSync(join(root, finalRel), 'utf8')).toBe('whole');
    expect(await store.listDay(cameraId, '20261125')).toEqual([{ rel: finalRel, sizeBytes: 5 }]);
    const all = [];
    for await (const e of store.walk()) all.push(e.rel);
    expect(all.sort()).toEqual([finalRel, 'stray.txt']);
    await expect(store.completePartial(finalRel, 1)).rejects.toThrow(/not a partial/);
  });

  it('writes a list of buffers in order with writev', async () => {
    const store = new LocalSegmentStore(mkdtempSync(join(tmpdir(), 'vigil-store-')));
    await store.init();
    const w = await store.createWriter(ref);
    await w.write(Buffer.from('init'));
    const parts = [Buffer.from('ab'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('z')];
    await w.writev(parts);
    expect(w.sizeBytes).toBe(4 + 2 + 70_000 + 1);
    await w.commit();
    expect((await store.readWholeRel(store.relPathOf(ref))).equals(Buffer.concat([Buffer.from('init'), ...parts]))).toBe(true);
  });

  it('discards only an empty partial', async () => {
    const store = new LocalSegmentStore(mkdtempSync(join(tmpdir(), 'vigil-store-')));
    const empty = await store.createWriter({ ...ref, seq: 1 });
    expect(await empty.discardIfEmpty()).toBe(true);
    expect(existsSync(empty.partialPath)).toBe(false);
    const full = await store.createWriter({ ...ref, seq: 2 });
    await full.write(Buffer.from('x'));
    expect(await full.discardIfEmpty()).toBe(false);
    expect(existsSync(full.partialPath)).toBe(true);
  });
});
