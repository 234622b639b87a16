import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`, listed in .ci/apt-packages.txt). */
export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium's own connections are refused by this closed network.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser tests can run here. Without Chromium they skip with a message, unless
 * MOCKOPS_REQUIRE_BROWSER is set (CI sets it), where a missing browser is a failure instead.
 */
export function browserAvailability(): { run: boolean; reason?: string } {
  if (existsSync(CHROMIUM)) return { run: true };
  const reason = `${CHROMIUM} is missing (apt-get install chromium)`;
  if (process.env.MOCKOPS_REQUIRE_BROWSER) return { run: true, reason };
  return { run: false, reason };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`browser tests need ${CHROMIUM} (MOCKOPS_REQUIRE_BROWSER is set): apt-get install chromium`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Where the browser tests save their screenshots (git-ignored). */
export function screenshotDir(root: string): string {
  const dir = process.env.MOCKOPS_SCREENSHOTS_DIR ?? join(root, 'tmp', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
