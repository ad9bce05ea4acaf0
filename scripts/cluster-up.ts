// npm run cluster:up: create the harness cluster, or reuse it when healthy.
import { clusterUp } from '../lib/cluster/cluster.ts';
import { main } from '../lib/core/log.ts';
import { parseCommandLine } from '../lib/core/command-line.ts';

main(async () => {
  const options = parseCommandLine('npm run cluster:up --');
  if (!options) return;
  await clusterUp(options);
});
