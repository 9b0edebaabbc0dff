// Roles and permissions (R16.2): the built-in roles, what each may do, and separation of duties (三员分立).
// Pure: no I/O. Every HTTP route declares one permission from this list; the permission-matrix test checks every
// registered route × every role against ROLE_PERMISSIONS, so a route without a declared rule cannot ship.

export const ROLES = [
  'system_admin', // users and configuration; never video (三员分立)
  'security_admin', // roles, per-camera grants, personnel records; never video
  'auditor', // reads the access register and the system log; no video, no configuration
  'operator', // live/playback/export on granted cameras, subject to personnel gates (R16.1)
  'contractor', // like operator, and only while its agreement is in force (R15.2, R19)
  'inspector', // police supervision (R24): read-only compliance data and registers
  'investigator', // files law-enforcement retrieval requests (R20)
] as const;
export type Role = (typeof ROLES)[number];

/** The three administrator roles no single account may combine (三员分立, R16.2). */
export const SEPARATED_ROLES: readonly Role[] = ['system_admin', 'security_admin', 'auditor'];

/** Per-camera actions a grant can allow (R16.2: "per-camera and per-camera-group grants for each action"). */
export const CAMERA_ACTIONS = ['live', 'playback', 'export', 'snapshot', 'ptz', 'configure'] as const;
export type CameraAction = (typeof CAMERA_ACTIONS)[number];

/** Actions that read video bytes: each goes through the gate and writes an access-register row (R16.3). */
export const VIDEO_ACTIONS = ['live', 'playback', 'export', 'snapshot', 'download'] as const;
export type VideoAction = (typeof VIDEO_ACTIONS)[number];

export const PERMISSIONS = [
  'camera.list', // see cameras by name and state
  'camera.locate', // see stream addresses and installation details (D6: confidential)
  'camera.configure', // add, change, remove cameras
  'video.live',
  'video.playback', // timeline, HLS playlist and segment reads
  'video.export',
  'video.snapshot',
  'video.ptz',
  'user.manage', // create, disable, unlock accounts, reset passwords
  'role.manage', // assign roles
  'grant.manage', // per-camera and per-group grants, camera groups
  'personnel.manage', // vetting, confidentiality agreements, training, contractor agreements (R16.1, R19)
  'audit.read', // the access register (R16.3)
  'systemlog.read', // the system log
  'config.read',
  'ops.read', // metrics
  'compliance.read', // compliance dashboard, filings (R24)
  'request.file', // law-enforcement retrieval requests (R20)
  'compliance.manage', // systems and their lifecycle, installation records, signage, masks, filing, duties (R11–R14, D17)
  'inspection.record', // police inspections with findings and rectification deadlines (R24)
  'complaint.handle', // the public reports (举报) received: tracking and the response log (R24)
  'duty.record', // the duty log of the monitoring room (D17)
  'retention.manage', // retention policies (R17)
  'hold.manage', // legal holds; lifting one needs a second holder of this permission (four eyes)
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * What a route needs: a permission, any signed-in account (`authenticated`: own profile, logout, password change),
 * or nothing (`public`: login page, health check, static assets). Declared on every route as
 * `config: { access: … }`.
 */
export type RouteAccess = Permission | 'authenticated' | 'public';

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  system_admin: [
    'camera.list', 'camera.locate', 'camera.configure', 'user.manage', 'config.read', 'ops.read',
    'compliance.read', 'compliance.manage', 'complaint.handle', 'duty.record', 'retention.manage',
  ],
  security_admin: ['camera.list', 'camera.locate', 'role.manage', 'grant.manage', 'personnel.manage', 'hold.manage'],
  auditor: ['camera.list', 'audit.read', 'systemlog.read'],
  operator: ['camera.list', 'video.live', 'video.playback', 'video.export', 'video.snapshot', 'video.ptz', 'duty.record'],
  contractor: ['camera.list', 'video.live', 'video.playback', 'video.export', 'video.snapshot', 'video.ptz', 'duty.record'],
  inspector: [
    'camera.list', 'camera.locate', 'audit.read', 'systemlog.read', 'compliance.read', 'config.read',
    'inspection.record', 'complaint.handle',
  ],
  investigator: ['camera.list', 'request.file'],
};

/** Roles whose holders watch video, and so must pass the personnel gates (R16.1, R15.2, R19). */
export const VIDEO_ROLES: readonly Role[] = ['operator', 'contractor'];

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r]));
}

export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => ROLE_PERMISSIONS[r].includes(permission));
}

/** The permission a video action needs before its per-camera grant is even looked at. */
export function permissionForVideo(action: VideoAction): Permission {
  return action === 'download' ? 'video.export' : (`video.${action}` as Permission);
}

/** 三员分立: the separated roles a set of roles combines, if more than one (empty array when the set is lawful). */
export function separationConflict(roles: readonly Role[]): Role[] {
  const held = SEPARATED_ROLES.filter((r) => roles.includes(r));
  return held.length > 1 ? held : [];
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
