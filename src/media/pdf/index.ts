// HTML → PDF with headless Chromium (Debian's /usr/bin/chromium driven by playwright-core), for printable forms such
// as the filing record (R14). One browser per call: forms are printed rarely, and nothing stays running. JavaScript
// is disabled and every network request is refused, so a page prints exactly the HTML it was given.
// playwright-core is imported when a form is printed, not at start: loading it costs ~0.3 s, paid otherwise by every
// `vigil` command and every server start.

export const CHROMIUM_EXECUTABLE = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export async function renderPdf(html: string, options: { executablePath?: string; timeoutMs?: number } = {}): Promise<Buffer> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: options.executablePath ?? CHROMIUM_EXECUTABLE, args: ARGS, headless: true, timeout: options.timeoutMs ?? 30_000 });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false });
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load', timeout: options.timeoutMs ?? 30_000 });
    return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}
