// The demo starts as a unit that has done everything the Regulation asks: the seed must leave the checker clean, so a
// new rule the seed does not satisfy shows here and not first in front of a user of `npm run demo`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCore } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { seedDemoCompliance } from './demo-seed.js';

const DEMO_CAMERAS = ['东门 East Gate', '大厅 Lobby', '停车场 Car Park', '收银台 Checkout'];

describe('demo seed', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-demo-seed-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('leaves the compliance checker with no finding (R7–R17, D12, D17), once', async () => {
    const core = await openCore(loadConfig({ dataDir }));
    try {
      for (const [i, name] of DEMO_CAMERAS.entries()) await core.cameras.add({ name, url: `rtsp://127.0.0.1:9/demo-${i}` });
    } finally {
      await core.close();
    }
    const seeded = await seedDemoCompliance(dataDir);
    expect(seeded?.admin?.username).toBe('admin');
    expect(seeded?.findings).toBe(0);
    // A second start finds the system and makes nothing again.
    expect(await seedDemoCompliance(dataDir)).toBeNull();
  });
});
