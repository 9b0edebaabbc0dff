// Driving a `vigil serve` child from the benchmarks: add cameras over the HTTP API, scrape /metrics, stop it.
import type { ServingVigil } from '../../test/support/vigil-process.js';
import { parsePrometheus, type PromSample } from './media.js';

/** Registers a camera through `POST /api/v1/cameras`; returns its id. */
export async function addCamera(serveUrl: string, name: string, rtspUrl: string): Promise<string> {
  const res = await fetch(`${serveUrl}/api/v1/cameras`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, url: rtspUrl }),
  });
  if (res.status !== 201) throw new Error(`POST /api/v1/cameras answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return ((await res.json()) as { id: string }).id;
}

export async function scrapeMetrics(serveUrl: string): Promise<PromSample[]> {
  const res = await fetch(`${serveUrl}/metrics`);
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
