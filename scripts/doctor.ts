// npm run doctor: what this host can and cannot do for the harness, one line
// per check with a fix hint. Exits 1 when something blocks `npm test`.
import { readRecord } from './lib/cluster.ts';
import { gatherHostFacts } from './lib/host-facts.ts';
import { PORTS } from './lib/kind-config.ts';
import { info, main } from './lib/log.ts';
import { parseCommandLine } from './lib/options.ts';
import { formatCheck, preflight } from './lib/preflight.ts';

main(async () => {
  const options = parseCommandLine('npm run doctor --');
  if (!options) return;
  const record = readRecord(options.clusterName);
  const facts = await gatherHostFacts(Object.values(PORTS), record !== undefined);
  const willBuildOffline = options.offline !== 'off';
  const result = preflight(facts, options, willBuildOffline);
  for (const c of result.checks) console.log(formatCheck(c));
  if (record) info(`harness cluster "${record.name}" recorded (${record.offline ? 'offline' : 'online'}, ${record.kubernetesVersion}, kube-proxy ${record.proxyMode}, ingress ${record.ingress})`);
  return result.blocking ? 1 : 0;
});
