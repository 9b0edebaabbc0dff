// `vigil camera add|update` installation flags (R10, D11, S), `camera masks set|show` and `camera signage
// add|list|remove` (R13) as a user's scripts see them: --json shapes, exit codes and articles.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runVigil } from './support/vigil-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-cli-install-'));
const d = ['--data-dir', dataDir, '--json'];
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('vigil camera installation, masks and signage', () => {
  it('refuses to enable a camera failing R10 or D11 (exit 1, article), and enables it once consent and masks are on file', async () => {
    const r10 = await runVigil(['camera', 'add', ...d, '--name', '营区东', '--url', 'rtsp://10.0.0.9/a', '--near-classified']);
    expect(r10.code).toBe(1);
    expect(r10.json).toMatchObject({ error: 'classified_consent_missing', article: 'R10' });
    const ok10 = await runVigil(['camera', 'add', ...d, '--name', '营区东', '--url', 'rtsp://10.0.0.9/a', '--near-classified', '--consent-ref', '军函〔2026〕12号', '--angle', '朝东']);
    expect(ok10.code, ok10.stderr).toBe(0);
    expect(ok10.json).toMatchObject({ camera: { enabled: true, place: { nearMilitaryOrClassified: true, consentDocumentRef: '军函〔2026〕12号', angle: '朝东' } } });

    const d11 = await runVigil(['camera', 'add', ...d, '--name', '小区北', '--url', 'rtsp://10.0.0.9/b', '--faces-residence']);
    expect(d11.code).toBe(1);
    expect(d11.json).toMatchObject({ error: 'privacy_masks_missing', article: 'D11' });
    const off = await runVigil(['camera', 'add', ...d, '--name', '小区北', '--url', 'rtsp://10.0.0.9/b', '--faces-residence', '--disabled',
      '--assessment-purpose', '防盗', '--assessment-necessity', '多次失窃', '--assessment-alternatives', '照明不足', '--assessment-date', '2026-11-30']);
    expect(off.code, off.stderr).toBe(0);
    const id = (off.json as { id: string }).id;
    expect(off.json).toMatchObject({ camera: { place: { assessment: { purpose: '防盗', assessedMs: Date.parse('2026-11-30T00:00:00+08:00') } } } });
    expect((await runVigil(['camera', 'update', id, ...d, '--enable'])).json).toMatchObject({ error: 'privacy_masks_missing', article: 'D11' });

    const bow = await runVigil(['camera', 'masks', 'set', id, ...d, '--polygon', '0,0 1,1 1,0 0,1']);
    expect(bow.code).toBe(1);
    expect(bow.json).toMatchObject({ error: 'invalid_mask', field: 'masks[0].points' });
    expect((await runVigil(['camera', 'masks', 'set', id, ...d, '--polygon', '0,0 1,x 0,1'])).code).toBe(2);
    expect((await runVigil(['camera', 'masks', 'set', id, ...d])).code).toBe(2);
    const set = await runVigil(['camera', 'masks', 'set', id, ...d, '--polygon', '0.1,0.1 0.5,0.1 0.5,0.5', '--burn-export']);
    expect(set.code, set.stderr).toBe(0);
    const file = join(dataDir, '..', `masks-${process.pid}.json`);
    writeFileSync(file, JSON.stringify([{ points: [[0.6, 0.6], [0.9, 0.6], [0.9, 0.9]], burnRecording: true }, { points: [[0, 0], [0.2, 0], [0, 0.2]] }]));
    expect((await runVigil(['camera', 'masks', 'set', id, ...d, '--file', file])).code).toBe(0);
    rmSync(file);
    const shown = await runVigil(['camera', 'masks', 'show', id, '--data-dir', dataDir]);
    expect(shown.stdout).toContain('#1 0.6,0.6 0.9,0.6 0.9,0.9  display +recording');
    expect((await runVigil(['camera', 'update', id, ...d, '--enable'])).json).toMatchObject({ camera: { enabled: true } });
    expect((await runVigil(['camera', 'masks', 'set', id, ...d, '--clear'])).json).toMatchObject({ error: 'privacy_masks_missing', article: 'D11' });
  });

  it('records, lists and removes signage with a photo; refuses a photo that is not JPEG or PNG', async () => {
    const cam = await runVigil(['camera', 'add', ...d, '--name', '大门', '--url', 'rtsp://10.0.0.9/c']);
    const id = (cam.json as { id: string }).id;
    const photo = join(dataDir, '..', `sign-${process.pid}.png`);
    writeFileSync(photo, Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex'));
    const added = await runVigil(['camera', 'signage', 'add', id, ...d, '--text', '您已进入视频监控区域', '--installed', '2026-12-01', '--photo', photo]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json).toMatchObject({ signage: { text: '您已进入视频监控区域', installedMs: Date.parse('2026-12-01T00:00:00+08:00'), photo: { type: 'image/png', bytes: 20 } } });
    const sid = (added.json as { id: string }).id;
    writeFileSync(photo, 'GIF89a not an image we take');
    const gif = await runVigil(['camera', 'signage', 'add', id, ...d, '--text', '第二块', '--installed', '2026-12-02', '--photo', photo]);
    expect(gif.code).toBe(1);
    expect(gif.json).toMatchObject({ error: 'photo_type_unsupported' });
    rmSync(photo);
    expect((await runVigil(['camera', 'signage', 'add', id, ...d, '--text', 'x', '--installed', 'yesterday'])).code).toBe(2);
    const listed = await runVigil(['camera', 'signage', 'list', id, ...d]);
    expect((listed.json as { signage: { id: string }[] }).signage.map((s) => s.id)).toContain(sid);
    expect((await runVigil(['camera', 'signage', 'remove', id, sid, ...d])).json).toEqual({ removed: sid });
    expect((await runVigil(['camera', 'signage', 'remove', id, sid, ...d])).code).toBe(1);
    const log = await runVigil(['audit', 'system-log', ...d]);
    expect(log.stdout).toContain('camera.signage_removed');
  });
});
