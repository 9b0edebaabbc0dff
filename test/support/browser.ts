// Real Chromium for tests (architecture §10): Debian's /usr/bin/chromium driven by playwright-core, headless. The
// flags are not cosmetic: without the background-networking ones Chromium keeps dialling Google services, which on
// this closed network floods the host with refused connections; autoplay is allowed so a muted live <video> plays
// without a user gesture.
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import type { ApiSession } from './accounts.js';

export const chromiumExecutable = '/usr/bin/chromium';

export const chromiumArgs: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/** Launches headless Chromium. The caller must `close()` it (in a `finally` / `afterAll`): no leaked browsers. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable, args: [...chromiumArgs], headless: true });
}

/** Puts the session's cookie into a browser context: its pages are signed in as that account. */
export async function signIn(context: BrowserContext, session: ApiSession): Promise<void> {
  const [name, ...value] = session.cookie.split('=');
  await context.addCookies([{ name: name!, value: value.join('='), url: session.baseUrl }]);
}

/** A new browser context signed in as `session`'s account; the caller closes it (or the browser). */
export async function signedInContext(browser: Browser, session: ApiSession, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await signIn(context, session);
  return context;
}
