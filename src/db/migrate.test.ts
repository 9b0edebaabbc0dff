import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects } from '../../test/support/databases.js';
import { migrateToLatest } from './index.js';

describe.each(dialects)('migrations on %s', (dialect) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => { await dispose?.(); dispose = undefined; });

  it('migrates from empty to the same set of tables, and a second run is a no-op', async () => {
    const t = await createTestDatabase(dialect);
    dispose = t.dispose;
    const tables = (await t.db.introspection.getTables()).map((x) => x.name).sort();
    expect(tables).toEqual([
      'access_register', 'access_register_cameras', 'api_tokens', 'audit_checkpoints', 'camera_grants', 'camera_group_members',
      'camera_groups', 'camera_places', 'camera_streams', 'cameras', 'contractor_agreements', 'integrity_checkpoints', 'personnel',
      'recording_runs', 'segment_keys', 'segment_tombstones', 'segments', 'sessions', 'system_log', 'trainings', 'user_roles', 'users',
    ]);
    const again = await migrateToLatest(t.db);
    expect(again.results).toEqual([]);
  });
});
