// Accounts for system tests: provisioned in-process on the test's data directory (the same service `vigil user …`
// calls), then signed in over real HTTP like the page does — one-time password changed, TOTP enrolled for the admin
// roles — so every test talks to the server as a real account with a session cookie and CSRF token.
import { TOTP } from 'otpauth';
import type { CameraAction, Role } from '../../src/access/index.js';
import { openCore } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';

/** The reason system tests state for viewing video (R16.3). */
export const TEST_REASON = { category: 'incident_investigation', text: '系统测试 system test' } as const;
export const TEST_REASON_QUERY = `reason=${TEST_REASON.category}&reasonText=${encodeURIComponent(TEST_REASON.text)}`;

export interface AccountSpec {
  username: string;
  roles: Role[];
  displayName?: string;
  unit?: string;
  /** Vetting, confidentiality agreement and a training valid for a year (R16.1). Default true for video roles. */
  personnel?: boolean;
  /** Grants on every camera, for these actions. */
  grantAll?: CameraAction[];
  /** Grants on these cameras only (live, playback, export). */
  grantCameras?: string[];
  /** A contractor agreement in force (R15.2, R19). */
  agreement?: boolean;
}

const DAY = 86_400_000;
/** The password every provisioned account is given after its one-time password (meets the policy). */
export const TEST_PASSWORD = 'Vigil-test-2026!';

/** Creates the accounts that do not exist yet; returns each new account's one-time password. */
export async function provisionAccounts(dataDir: string, specs: AccountSpec[]): Promise<Map<string, string>> {
  const core = await openCore(loadConfig({ dataDir }));
  const passwords = new Map<string, string>();
  try {
    const existing = new Set((await core.access.listUsers(null, { limit: 1000, offset: 0 })).items.map((u) => u.username));
    for (const spec of specs) {
      if (existing.has(spec.username)) continue;
      const { user, initialPassword } = await core.access.createUser(null, {
        username: spec.username,
        displayName: spec.displayName ?? `测试 ${spec.username}`,
        unit: spec.unit ?? '测试单位 Test Unit',
        roles: spec.roles,
      });
      passwords.set(spec.username, initialPassword);
      const now = Date.now();
      if (spec.personnel ?? spec.roles.some((r) => r === 'operator' || r === 'contractor')) {
        await core.access.setPersonnel(null, user.id, { vettedMs: now - 30 * DAY, confidentialitySignedMs: now - 30 * DAY });
        await core.access.addTraining(null, user.id, { course: '视频监控操作培训 CCTV operation', completedMs: now - 10 * DAY, validUntilMs: now + 365 * DAY });
      }
      if (spec.agreement) {
        await core.access.setAgreement(null, user.id, { company: '某某运维公司', scope: '视频监控运维', startMs: now - 10 * DAY, endMs: now + 365 * DAY, documentRef: 'HT-2026-001' });
      }
      if (spec.grantAll) await core.access.addGrant(null, { userId: user.id, scope: { kind: 'all' }, actions: spec.grantAll });
      for (const cameraId of spec.grantCameras ?? []) {
        await core.access.addGrant(null, { userId: user.id, scope: { kind: 'camera', cameraId }, actions: ['live', 'playback', 'export', 'snapshot'] });
      }
    }
  } finally {
    await core.close();
  }
  return passwords;
}

/** A signed-in account: fetch with its session cookie (and CSRF token on writes), WebSocket headers. */
export class ApiSession {
  constructor(
    readonly baseUrl: string,
    readonly cookie: string,
    readonly csrfToken: string,
    readonly username: string,
  ) {}

  /**
   * Signs in; settles a one-time password (changed to TEST_PASSWORD) and TOTP enrolment (admin roles) as a person
   * would at first sign-in. `password` is the one-time password on first use, TEST_PASSWORD afterwards.
   */
  static async login(baseUrl: string, username: string, password: string): Promise<ApiSession> {
    const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { csrfToken: string; mustChangePassword: boolean; totpSetupRequired: boolean };
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const session = new ApiSession(baseUrl, cookie, body.csrfToken, username);
    if (body.mustChangePassword) {
      const changed = await session.fetch('/api/v1/auth/password', { method: 'POST', json: { current: password, next: TEST_PASSWORD } });
      if (changed.status !== 204) throw new Error(`password change of ${username} failed: ${changed.status} ${await changed.text()}`);
    }
    if (body.totpSetupRequired) await session.enrolTotp();
    return session;
  }

  /** Enrols TOTP (begin, then confirm with a code computed from the secret, as an authenticator app would). */
  async enrolTotp(): Promise<string> {
    const begun = await this.fetch('/api/v1/auth/totp/begin', { method: 'POST', json: {} });
    if (begun.status !== 200) throw new Error(`TOTP begin for ${this.username}: ${begun.status} ${await begun.text()}`);
    const { secret } = (await begun.json()) as { secret: string };
    const code = new TOTP({ secret, digits: 6, period: 30 }).generate();
    const confirmed = await this.fetch('/api/v1/auth/totp/confirm', { method: 'POST', json: { code } });
    if (confirmed.status !== 204) throw new Error(`TOTP confirm for ${this.username}: ${confirmed.status} ${await confirmed.text()}`);
    return secret;
  }

  /** fetch with the session cookie; `json` sends a JSON body; writes carry the CSRF token. */
  fetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const { json, headers, ...rest } = init;
    const h = new Headers(headers);
    h.set('cookie', this.cookie);
    if (rest.method && rest.method !== 'GET' && rest.method !== 'HEAD') h.set('x-csrf-token', this.csrfToken);
    if (json !== undefined) h.set('content-type', 'application/json');
    return fetch(path.startsWith('http') ? path : `${this.baseUrl}${path}`, { ...rest, headers: h, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  }

  /** Headers for a `ws` WebSocket to this server (the cookie; the origin is this site). */
  wsOptions(): { headers: Record<string, string> } {
    return { headers: { cookie: this.cookie, origin: this.baseUrl } };
  }
}

/** `path` with the test reason appended (video routes refuse a request without one, R16.3). */
export function withReason(path: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${TEST_REASON_QUERY}`;
}
