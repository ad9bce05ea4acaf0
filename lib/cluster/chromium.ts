// Chromium for the browser checks: Debian's package (Playwright cannot
// download its own browser here), installed with a CJK font on first use.
import { join } from 'node:path';
import { run } from '../core/exec.ts';
import { findChromium } from './host-facts.ts';
import { HarnessError, step } from '../core/log.ts';
import { paths } from '../core/paths.ts';

/** Flags that work on these machines (no sandbox as root, no network chatter). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

export async function ensureChromium(): Promise<string> {
  const found = findChromium();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new HarnessError('no Chromium: install Debian chromium (apt-get install chromium) to run the browser checks');
  const log = join(paths.logs, 'chromium-install.log');
  await step(`installing Debian chromium and fonts-wqy-microhei (log: ${log})`, async () => {
    await run('apt-get', ['update'], { log });
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-wqy-microhei'], { log, env: { DEBIAN_FRONTEND: 'noninteractive' } });
  });
  const installed = findChromium();
  if (!installed) throw new HarnessError('chromium was installed but /usr/bin/chromium is missing', log);
  return installed;
}
