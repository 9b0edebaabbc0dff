// Which constraint a failed statement broke, for the repos that turn a race's constraint failure into the answer the
// loser should get (a 404 or 409, never a 500). The codes of better-sqlite3 and of PostgreSQL (SQLSTATE).

/** A unique or primary-key constraint. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** A foreign-key constraint: the row referred to is gone (or was never there). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}
