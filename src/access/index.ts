// access/: identities, sessions, roles, per-camera grants, personnel gates and the access gate (R16, R15.2, R19).
// The public API: other modules import only this file. The repository and the Grant factory are not exported:
// a Grant is made only by Gate.open, after its register row is written (architecture §6).
export * from './roles.js';
export type * from './grant.js';
export type * from './ports.js';
export { AccessService } from './service.js';
export { systemActor, type AccessServiceDeps } from './deps.js';
export type { AuthenticatedSession } from './auth.js';
export { TOKEN_MAX_LIFETIME_MS, TOTP_DIGITS, TOTP_PERIOD_S, TOTP_WINDOW } from './auth.js';
export { ACCESS_ERROR_CODES, AccessError, isAccessError, type AccessErrorCode } from './errors.js';
export type { Gate } from './gate.js';
export { dateOf, type GrantScope, type Refusal } from './gate-rules.js';
export { passwordProblem, PASSWORD_MIN_CHARS, USERNAME_PATTERN } from './policy.js';
export { TOTP_KEY_BYTES } from './secrets.js';
export type { GrantView, GroupView, LoginResult, NewUserInput, PersonnelView, TokenView, UserView } from './views.js';
