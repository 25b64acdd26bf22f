// Debian's chromium driven by playwright-core, for browser tests of the web UI. A fresh profile per launch;
// every flag that makes chromium reach out on its own is off (the machine has no internet, and the pages
// must not need it either). Screenshots go to test-artifacts/ (git-ignored).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.BUILDBTW_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = join(import.meta.dir, "..", "..", "test-artifacts");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-default-apps",
      "--disable-extensions",
    ],
  });
}

/** A page that records every request leaving for another host, and every console error. */
export async function openPage(
  browser: Browser,
  origin: string,
  opts: { colorScheme?: "light" | "dark" } = {},
): Promise<{ page: Page; foreign: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: opts.colorScheme });
  const page = await context.newPage();
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return { page, foreign, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
