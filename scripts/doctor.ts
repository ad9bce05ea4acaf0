// npm run doctor: what this host can and cannot do for the harness, one line
// per check with a fix hint. Exits 1 when something blocks `npm test`.
import { readRecord } from '../lib/cluster/cluster.ts';
import { gatherHostFacts } from '../lib/cluster/host-facts.ts';
import { PORTS } from '../lib/cluster/kind-config.ts';
import { info, main } from '../lib/core/log.ts';
import { parseCommandLine } from '../lib/core/command-line.ts';
import { formatCheck, preflight } from '../lib/cluster/preflight.ts';
import { registryTrouble, REGISTRY_HOST_PORT } from '../lib/cluster/registry.ts';

main(async () => {
  const options = parseCommandLine('npm run doctor --');
  if (!options) return;
  const record = readRecord(options.clusterName);
  const facts = await gatherHostFacts([...Object.values(PORTS), REGISTRY_HOST_PORT], record !== undefined);
  const willBuildOffline = options.offline !== 'off';
  const result = preflight(facts, options, willBuildOffline);
  for (const c of result.checks) console.log(formatCheck(c));
  let registry: string | undefined;
  if (record) {
    info(`harness cluster "${record.name}" recorded (${record.offline ? 'offline' : 'online'}, ${record.kubernetesVersion}, kube-proxy ${record.proxyMode}, ingress ${record.ingress})`);
    // Kept with the cluster: the course's registry and, offline, docker.io, as the nodes pull them.
    registry = facts.dockerReachable ? await registryTrouble(record.name) : 'no Docker engine answers';
    console.log(formatCheck(registry ? { name: 'registry', status: 'fail', message: `the harness's registry: ${registry}`, hint: 'npm run cluster:up makes it again' } : { name: 'registry', status: 'ok', message: `the harness's registry answers on 127.0.0.1:${REGISTRY_HOST_PORT} (and its private twin runs)` }));
  }
  return result.blocking || registry ? 1 : 0;
});
