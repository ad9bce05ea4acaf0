// npm run cluster:logs -- DIR: `kind export logs` of the harness cluster
// (node journals, container logs, kubelet and containerd), for CI artifacts.
import { kindBinary } from './lib/cluster.ts';
import { run } from './lib/exec.ts';
import { info, main } from './lib/log.ts';
import { parseArgs, UsageError } from './lib/options.ts';

main(async () => {
  const { options, rest } = parseArgs(process.argv.slice(2));
  if (rest.length !== 1) throw new UsageError('usage: npm run cluster:logs -- DIR [harness flags]');
  await run(await kindBinary(options), ['export', 'logs', rest[0], '--name', options.clusterName]);
  info(`cluster logs in ${rest[0]}`);
});
