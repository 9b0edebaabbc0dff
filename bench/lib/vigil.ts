// Driving a `vigil serve` child from the benchmarks: add cameras over the HTTP API, scrape /metrics, stop it. Every
// route needs a signed-in account (R16.2): camera changes and /metrics are a system administrator's (camera.configure,
// ops.read), video the operator `viewer` that startServe signs in (`serve.viewer`, with a reason per viewing, R16.3).
import { ApiSession, provisionAccounts, TEST_PASSWORD } from '../../test/support/accounts.js';
import type { ServingVigil } from '../../test/support/vigil-process.js';
import { parsePrometheus, type PromSample } from './media.js';

/** Provisions the benchmarks' system administrator on the server's data directory and signs it in (TOTP enrolled). */
export async function adminSession(serve: ServingVigil, dataDir: string): Promise<ApiSession> {
  const created = await provisionAccounts(dataDir, [{ username: 'benchadmin', displayName: '基准测试管理员 Bench Admin', roles: ['system_admin'] }]);
  return ApiSession.login(serve.url, 'benchadmin', created.get('benchadmin') ?? TEST_PASSWORD);
}

/** Registers a camera through `POST /api/v1/cameras` (as a system administrator); returns its id. */
export async function addCamera(admin: ApiSession, name: string, rtspUrl: string): Promise<string> {
  const res = await admin.fetch('/api/v1/cameras', { method: 'POST', json: { name, url: rtspUrl } });
  if (res.status !== 201) throw new Error(`POST /api/v1/cameras answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return ((await res.json()) as { id: string }).id;
}

/** Scrapes /metrics (ops.read: a system administrator's session). */
export async function scrapeMetrics(admin: ApiSession): Promise<PromSample[]> {
  const res = await admin.fetch('/metrics');
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return parsePrometheus(await res.text());
}

/** SIGTERM (graceful: open segments are closed and committed), SIGKILL if it has not exited after `timeoutMs`. */
export async function stopServe(serve: ServingVigil, timeoutMs = 20_000): Promise<'stopped' | 'killed'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
  const outcome = await Promise.race([serve.stop().then(() => 'stopped' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'stopped') return 'stopped';
  await serve.kill();
  return 'killed';
}
