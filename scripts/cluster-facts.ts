// npm run cluster:facts -- [--kubeconfig FILE] [--context NAME] [--namespace NAME]
// What a course cluster is, read-only (get, list and watch only; see
// manifests/verifier/rbac.yaml): kube-proxy's mode, the ingress controller
// and its node, the node labels the manifests select on, MySQL's node.
// Any cluster: no kind, no Docker. Exits 1 when a fact fails.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clusterFacts, formatFact } from './lib/cluster-facts.ts';
import { defaultKubeconfig, loadKubeconfig } from './lib/kube.ts';
import { main } from './lib/log.ts';
import { UsageError } from './lib/options.ts';

main(async () => {
  let values: { kubeconfig?: string; context?: string; namespace?: string };
  try {
    ({ values } = parseArgs({ options: { kubeconfig: { type: 'string' }, context: { type: 'string' }, namespace: { type: 'string' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (usage: npm run cluster:facts -- [--kubeconfig FILE] [--context NAME] [--namespace NAME])`);
  }
  const file = values.kubeconfig ?? defaultKubeconfig();
  if (!existsSync(file)) throw new UsageError(`kubeconfig ${file} does not exist (give one with --kubeconfig FILE)`);
  let kc;
  try {
    kc = loadKubeconfig(file, values.context);
  } catch (err) {
    throw new UsageError(`kubeconfig ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const facts = await clusterFacts(kc, values.namespace);
  for (const f of facts) console.log(formatFact(f));
  return facts.some((f) => f.result === 'fail') ? 1 : 0;
});
