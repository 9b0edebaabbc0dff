// AccessService: the public face of access/ (identities, sessions, tokens, roles, grants, personnel gates and the
// gate). Each method is one call into the file that owns the rule; this class only binds the dependencies.
// Must not touch: other modules' tables, the file system, the HTTP layer. Clock, registers and the TOTP key are
// passed in (conventions §9).
import * as accounts from './accounts.js';
import * as auth from './auth.js';
import { checkTotpKey } from './secrets.js';
import type { AccessServiceDeps } from './deps.js';
import { Gate } from './gate.js';
import type { GrantScope } from './gate-rules.js';
import type { Subject } from './grant.js';
import * as grants from './grants.js';
import * as personnel from './personnel.js';
import type { CameraAction, Permission, Role } from './roles.js';
import type { GrantView, GroupView, LoginResult, NewUserInput, PersonnelView, TokenView, UserView } from './views.js';

export class AccessService {
  readonly gate: Gate;

  constructor(private readonly deps: AccessServiceDeps) {
    checkTotpKey(deps.totpKey);
    if (deps.reasonCategories.length === 0) throw new Error('access: at least one reason category is required (R16.3)');
    this.gate = new Gate(deps);
  }

  bootstrapAdmin(): Promise<{ username: string; password: string } | null> { return accounts.bootstrapAdmin(this.deps); }
  login(input: { username: string; password: string; totp?: string; clientAddr: string | null }): Promise<LoginResult> { return auth.login(this.deps, input); }
  authenticateSession(sessionToken: string): Promise<auth.AuthenticatedSession | null> { return auth.authenticateSession(this.deps, sessionToken); }
  logout(sessionToken: string, clientAddr: string | null): Promise<void> { return auth.logout(this.deps, sessionToken, clientAddr); }
  authenticateToken(token: string): Promise<Subject | null> { return auth.authenticateToken(this.deps, token); }
  changePassword(subject: Subject, input: { current: string; next: string }): Promise<void> { return auth.changePassword(this.deps, subject, input); }
  beginTotp(subject: Subject): Promise<{ secret: string; uri: string }> { return auth.beginTotp(this.deps, subject); }
  confirmTotp(subject: Subject, code: string): Promise<void> { return auth.confirmTotp(this.deps, subject, code); }

  createUser(actor: Subject | null, input: NewUserInput): Promise<{ user: UserView; initialPassword: string }> { return accounts.createUser(this.deps, actor, input); }
  listUsers(actor: Subject | null, page: { limit: number; offset: number }): Promise<{ items: UserView[]; total: number }> { return accounts.listUsers(this.deps, actor, page); }
  getUser(actor: Subject | null, id: string): Promise<UserView> { return accounts.getUser(this.deps, actor, id); }
  /** By user name, for the CLI (accounts are named there, not numbered). */
  findUser(actor: Subject | null, username: string): Promise<UserView> { return accounts.findUser(this.deps, actor, username); }
  updateUser(
    actor: Subject | null,
    id: string,
    patch: { displayName?: string; unit?: string; employeeId?: string | null; phone?: string | null; disabled?: boolean },
  ): Promise<UserView> { return accounts.updateUser(this.deps, actor, id, patch); }
  setRoles(actor: Subject | null, id: string, roles: Role[]): Promise<UserView> { return accounts.setRoles(this.deps, actor, id, roles); }
  unlockUser(actor: Subject | null, id: string): Promise<UserView> { return accounts.unlockUser(this.deps, actor, id); }
  resetPassword(actor: Subject | null, id: string): Promise<{ password: string }> { return accounts.resetPassword(this.deps, actor, id); }

  createToken(subject: Subject, input: { name: string; scopes: Permission[]; expiresMs: number }): Promise<{ token: string; view: TokenView }> { return auth.createToken(this.deps, subject, input); }
  listTokens(subject: Subject): Promise<TokenView[]> { return auth.listTokens(this.deps, subject); }
  revokeToken(subject: Subject, id: string): Promise<void> { return auth.revokeToken(this.deps, subject, id); }

  createGroup(actor: Subject | null, input: { name: string; cameraIds: string[] }): Promise<GroupView> { return grants.createGroup(this.deps, actor, input); }
  listGroups(actor: Subject | null): Promise<GroupView[]> { return grants.listGroups(this.deps, actor); }
  setGroupCameras(actor: Subject | null, id: string, cameraIds: string[]): Promise<GroupView> { return grants.setGroupCameras(this.deps, actor, id, cameraIds); }
  deleteGroup(actor: Subject | null, id: string): Promise<void> { return grants.deleteGroup(this.deps, actor, id); }
  addGrant(actor: Subject | null, input: { userId: string; scope: GrantScope; actions: CameraAction[] }): Promise<GrantView> { return grants.addGrant(this.deps, actor, input); }
  listGrants(actor: Subject | null, filter: { userId?: string }): Promise<GrantView[]> { return grants.listGrants(this.deps, actor, filter); }
  removeGrant(actor: Subject | null, id: string): Promise<void> { return grants.removeGrant(this.deps, actor, id); }
  cameraScope(subject: Subject, action: CameraAction): Promise<'all' | Set<string>> { return grants.cameraScope(this.deps, subject, action); }

  getPersonnel(actor: Subject | null, userId: string): Promise<PersonnelView> { return personnel.getPersonnel(this.deps, actor, userId); }
  setPersonnel(actor: Subject | null, userId: string, input: { vettedMs?: number | null; confidentialitySignedMs?: number | null }): Promise<PersonnelView> { return personnel.setPersonnel(this.deps, actor, userId, input); }
  addTraining(actor: Subject | null, userId: string, input: { course: string; completedMs: number; validUntilMs: number }): Promise<PersonnelView> { return personnel.addTraining(this.deps, actor, userId, input); }
  setAgreement(
    actor: Subject | null,
    userId: string,
    input: { company: string; scope: string; startMs: number; endMs: number; documentRef: string },
  ): Promise<PersonnelView> { return personnel.setAgreement(this.deps, actor, userId, input); }
}
