// npm run cluster:logs -- DIR: `kind export logs` of the harness cluster
// (node journals, container logs, kubelet and containerd), for CI artifacts.
import { kindBinary } from '../lib/cluster/cluster.ts';
import { run } from '../lib/core/exec.ts';
import { info, main } from '../lib/core/log.ts';
import { parseCommand } from '../lib/core/command-line.ts';
import { UsageError } from '../lib/core/options.ts';

main(async () => {
  const parsed = parseCommand('npm run cluster:logs --', { positional: 'DIR' });
  if (!parsed) return;
  const { options, rest } = parsed;
  if (rest.length !== 1) throw new UsageError('usage: npm run cluster:logs -- DIR [harness flags]');
  await run(await kindBinary(options), ['export', 'logs', rest[0], '--name', options.clusterName]);
  info(`cluster logs in ${rest[0]}`);
});
