// Owner: compliance/. The management unit's profile (one row), filing submissions with the exact facts filed and
// the police receipt (R14), and when a filed fact first changed after the last submission (the change-filing
// deadline's start). Frozen: never edit a shipped migration; add a new one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('management_unit')
    // Always 'unit': one management unit per installation.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('unit_type', 'text', (c) => c.notNull())
    .addColumn('credit_code', 'text', (c) => c.notNull())
    .addColumn('contact_person', 'text', (c) => c.notNull())
    .addColumn('contact_phone', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('filing_submissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('system_id', 'text', (c) => c.notNull())
    .addColumn('submitted_ms', 'bigint', (c) => c.notNull())
    .addColumn('submitted_by', 'text', (c) => c.notNull())
    // The FilingRecord exactly as filed, JSON.
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('receipt_number', 'text')
    .addColumn('receiving_organ', 'text')
    .addColumn('receipt_date', 'text')
    .addColumn('receipt_recorded_ms', 'bigint')
    .execute();
  await db.schema.createIndex('filing_submissions_by_system').on('filing_submissions').columns(['system_id', 'submitted_ms']).execute();
  await db.schema
    .createTable('filing_changes')
    .addColumn('system_id', 'text', (c) => c.primaryKey())
    // The submission the change is relative to.
    .addColumn('submission_id', 'text', (c) => c.notNull())
    .addColumn('first_changed_ms', 'bigint', (c) => c.notNull())
    // JSON array of the changed fact names (changedFilingFacts).
    .addColumn('facts', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('filing_changes').execute();
  await db.schema.dropTable('filing_submissions').execute();
  await db.schema.dropTable('management_unit').execute();
}
