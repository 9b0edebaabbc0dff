// Account rules as pure functions (no I/O, no clock): the password policy, user name and profile field validation,
// and 三员分立 (R16.2). The service calls these before any write, so a refused input changes nothing.
import { AccessError, invalid } from './errors.js';
import { isRole, separationConflict, type Role } from './roles.js';

export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_CHARS = 256;
const CLASSES: readonly [string, RegExp][] = [
  ['lower-case letters', /\p{Ll}/u],
  ['upper-case letters', /\p{Lu}/u],
  ['digits', /\p{Nd}/u],
  ['symbols', /[^\p{L}\p{Nd}]/u],
];

/**
 * Why `password` breaks the policy for `username`, or null when it meets it: at least 12 characters, at least three
 * of the four classes (lower, upper, digit, symbol), not containing the user name (case-insensitive).
 */
export function passwordProblem(username: string, password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_CHARS) return `password must be at least ${PASSWORD_MIN_CHARS} characters (it has ${length})`;
  if (length > PASSWORD_MAX_CHARS) return `password must be at most ${PASSWORD_MAX_CHARS} characters`;
  const held = CLASSES.filter(([, re]) => re.test(password));
  if (held.length < 3) {
    const missing = CLASSES.filter((c) => !held.includes(c)).map(([name]) => name);
    return `password must mix at least 3 of: lower-case letters, upper-case letters, digits, symbols (add ${missing.join(' or ')})`;
  }
  if (username.length > 0 && password.toLowerCase().includes(username.toLowerCase())) {
    return 'password must not contain the user name';
  }
  return null;
}

export function checkPassword(username: string, password: string): void {
  const problem = passwordProblem(username, password);
  if (problem) throw new AccessError('password_policy', problem, undefined, 'password');
}

/** User names: 2–32 characters, lower-case letters, digits, `.`, `_`, `-`, starting with a letter. */
export const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;

export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export function checkUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw invalid('username', 'user name must be 2–32 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter');
  }
}

/** A required text field (display name, unit, course, …): trimmed, 1..max characters. */
export function requiredText(field: string, value: unknown, max = 100): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length === 0 || text.length > max) throw invalid(field, `${field} is required (1–${max} characters)`);
  return text;
}

/** An optional text field: null when absent or blank. */
export function optionalText(field: string, value: unknown, max = 100): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim().length > max) throw invalid(field, `${field} must be text of at most ${max} characters`);
  return value.trim() === '' ? null : value.trim();
}

/** Validates a role list: known roles, no duplicates, and no two of the separated roles (三员分立, R16.2). */
export function checkRoles(roles: readonly string[]): Role[] {
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length > 0) throw invalid('roles', `unknown role ${unknown.map((r) => `'${r}'`).join(', ')}`);
  const unique = [...new Set(roles)] as Role[];
  const conflict = separationConflict(unique);
  if (conflict.length > 0) {
    throw new AccessError(
      'separation_of_duties',
      `one account may not hold both ${conflict.join(' and ')} (三员分立): create a separate account for each (R16.2)`,
      'R16.2',
      'roles',
    );
  }
  return unique;
}
