// Brings the harness cluster up (or reuses it) and loads the app images,
// before any suite runs, when Playwright is started directly; `npm test`
// has done it before starting Playwright, and then this only checks it.
import { test as setup } from '@playwright/test';
import { ensureAppImages } from '../lib/cluster/app-images.ts';
import { currentRunConfig } from '../lib/config/applicability.ts';
import { clusterUp, kindBinary, readRecord } from '../lib/cluster/cluster.ts';
import { harnessOptions } from '../fixtures/cluster.ts';

setup('the harness cluster is up and the app images are loaded', async () => {
  setup.setTimeout(85 * 60_000);
  const options = harnessOptions();
  if (options.allowForeignContext) return; // a foreign cluster is used as it is
  // `npm test` brought it up before starting Playwright (and decided the run's configuration).
  if (currentRunConfig()) {
    if (!readRecord(options.clusterName)) throw new Error(`npm test brought the cluster up, but its record is gone (${options.clusterName})`);
    return;
  }
  const { record } = await clusterUp(options);
  await ensureAppImages(await kindBinary(options), options.clusterName, record.offline, options.rebuild, options.images);
});
