// Owner: access/. Accounts, roles, sessions, API tokens, camera groups and per-camera grants, and the personnel
// records the gate checks (R16.1, R16.2, R15.2, R19). Frozen: never edit a shipped migration; add a new one.
// Secrets are never stored in clear: passwords as argon2id hashes, session and API tokens as SHA-256 hashes, TOTP
// secrets sealed with AES-256-GCM (access/secrets.ts). Camera ids are opaque text: cameras belong to devices/, and a
// grant may outlive its camera (a removed camera simply matches nothing), so there is no foreign key to cameras.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('employee_id', 'text')
    .addColumn('phone', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('password_changed_ms', 'bigint', (c) => c.notNull())
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('totp_secret', 'text') // sealed, the enrolled secret
    .addColumn('totp_pending', 'text') // sealed, a secret being enrolled (beginTotp → confirmTotp)
    .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('totp_last_step', 'bigint') // last accepted 30 s step: a code is never accepted twice
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until_ms', 'bigint')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey()) // SHA-256 (hex) of the session token
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_ms', 'bigint', (c) => c.notNull())
    .addColumn('expires_ms', 'bigint', (c) => c.notNull())
    .addColumn('client_addr', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique()) // SHA-256 (hex) of the token
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull()) // JSON array of permissions
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('expires_ms', 'bigint', (c) => c.notNull())
    .addColumn('revoked_ms', 'bigint')
    .addColumn('last_used_ms', 'bigint')
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
  await db.schema
    .createTable('camera_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('camera_group_members')
    .addColumn('group_id', 'text', (c) => c.notNull().references('camera_groups.id').onDelete('cascade'))
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('camera_group_members_pk', ['group_id', 'camera_id'])
    .execute();
  await db.schema
    .createTable('camera_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('scope_kind', 'text', (c) => c.notNull().check(sql`scope_kind in ('camera', 'group', 'all')`))
    .addColumn('scope_id', 'text') // camera id or group id; null for 'all'
    .addColumn('actions', 'text', (c) => c.notNull()) // comma-separated camera actions
    .addColumn('created_by', 'text') // account id; null = local CLI
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('camera_grants_user').on('camera_grants').column('user_id').execute();
  await db.schema
    .createTable('personnel')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('vetted_ms', 'bigint')
    .addColumn('confidentiality_signed_ms', 'bigint')
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('trainings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('course', 'text', (c) => c.notNull())
    .addColumn('completed_ms', 'bigint', (c) => c.notNull())
    .addColumn('valid_until_ms', 'bigint', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trainings_user').on('trainings').column('user_id').execute();
  await db.schema
    .createTable('contractor_agreements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('company', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('end_ms', 'bigint', (c) => c.notNull())
    .addColumn('document_ref', 'text', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contractor_agreements_user').on('contractor_agreements').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'contractor_agreements', 'trainings', 'personnel', 'camera_grants', 'camera_group_members', 'camera_groups',
    'api_tokens', 'sessions', 'user_roles', 'users',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
