// The course's last step: a browser opens https://myblog.luffy.com/blog/index/.
// Chromium maps the host to 127.0.0.1 with a resolver rule and ignores the
// self-signed certificate explicitly; the report keeps a screenshot.
import { chromium } from '@playwright/test';
import { expect, test } from '../fixtures/cluster.ts';
import { CHROMIUM_ARGS, ensureChromium } from '../lib/cluster/chromium.ts';

test('Chromium opens https://myblog.luffy.com/blog/index/ and sees the blog list', async ({ courseStack }, testInfo) => {
  test.setTimeout(5 * 60_000); // the first run installs Debian's chromium
  const executablePath = await ensureChromium();
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP myblog.luffy.com 127.0.0.1'] });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true }); // the certificate is self-signed, made at run time
    const page = await context.newPage();
    const response = await page.goto('https://myblog.luffy.com/blog/index/');
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1')).toHaveText('我的博客列表');
    expect(await response?.headerValue('x-app-version')).toBe('v1');
    await testInfo.attach('myblog.png', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  } finally {
    await browser.close();
  }
});
