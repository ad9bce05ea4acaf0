// npm run cluster:down: delete the harness cluster (never any other).
import { clusterDown } from './lib/cluster.ts';
import { info, main } from './lib/log.ts';
import { parseCommandLine } from './lib/options.ts';

main(async () => {
  const options = parseCommandLine('npm run cluster:down --');
  if (!options) return;
  if (!(await clusterDown(options))) info(`no cluster named "${options.clusterName}"`);
});
