// access/: identities, sessions, roles, per-camera grants, personnel gates and the access gate (R16, R15.2, R19).
export * from './roles.js';
export type * from './grant.js';
export type * from './ports.js';
