// Brings the harness cluster up (or reuses it) and loads the app images,
// before any suite runs. `npm test` has usually done this already; then this
// takes seconds.
import { test as setup } from '@playwright/test';
import { ensureAppImages } from '../scripts/lib/app-images.ts';
import { clusterUp, kindBinary } from '../scripts/lib/cluster.ts';
import { harnessOptions } from '../fixtures/cluster.ts';

setup('the harness cluster is up and the app images are loaded', async () => {
  setup.setTimeout(85 * 60_000);
  const options = harnessOptions();
  if (options.allowForeignContext) return; // a foreign cluster is used as it is
  const { record } = await clusterUp(options);
  await ensureAppImages(await kindBinary(options), options.clusterName, record.offline, options.rebuild);
});
