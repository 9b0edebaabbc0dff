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
      'camera_groups', 'camera_masks', 'camera_places', 'camera_signage', 'camera_streams', 'cameras',
      'complaint_responses', 'complaints', 'contractor_agreements', 'duty_log', 'duty_task_completions', 'duty_tasks',
      'filing_changes', 'filing_submissions', 'inspection_findings', 'inspections', 'integrity_checkpoints',
      'integrity_verify_runs', 'legal_holds', 'management_unit', 'personnel', 'recording_runs', 'retention_deletions',
      'retention_lease', 'retention_policies', 'retention_runs', 'segment_keys', 'segment_tombstones', 'segments', 'self_assessments',
      'sessions', 'system_cameras', 'system_documents', 'system_log', 'system_transitions', 'systems', 'trainings',
      'user_roles', 'users',
    ]);
    const again = await migrateToLatest(t.db);
    expect(again.results).toEqual([]);
  });
});
