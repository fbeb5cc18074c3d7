// Debian's Chromium, headless, driven by playwright-core.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.HK_CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  const args = ['--lang=zh-CN'];
  // Chromium's sandbox needs user namespaces that root in a container does not get.
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** A page of its own context, sized like the surface it shows. */
export async function openPage(browser, url, viewport = { width: 1920, height: 1080 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(url);
  return page;
}

export function screenshotter(outDir) {
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  return (page, name) => page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
}

export function byTestId(id) {
  return `[data-testid="${id}"]`;
}
