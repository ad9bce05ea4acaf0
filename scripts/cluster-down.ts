// npm run cluster:down: delete the harness cluster (never any other).
import { clusterDown } from '../lib/cluster/cluster.ts';
import { info, main } from '../lib/core/log.ts';
import { parseCommandLine } from '../lib/core/command-line.ts';

main(async () => {
  const options = parseCommandLine('npm run cluster:down --');
  if (!options) return;
  if (!(await clusterDown(options))) info(`no cluster named "${options.clusterName}"`);
});
