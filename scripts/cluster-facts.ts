// npm run cluster:facts -- [--kubeconfig FILE] [--context NAME] [--namespace NAME]
// What a course cluster is, read-only (get, list and watch only; see
// manifests/verifier/rbac.yaml): kube-proxy's mode, the ingress controller
// and its node, the node labels the manifests select on, MySQL's node.
// Any cluster: no kind, no Docker. Exits 1 when a fact fails.
import { existsSync } from 'node:fs';
import { clusterFacts, formatFact } from '../lib/live/cluster-facts.ts';
import { defaultKubeconfig, loadKubeconfig } from '../lib/kube/kube.ts';
import { main } from '../lib/core/log.ts';
import { parseCommand } from '../lib/core/command-line.ts';
import { UsageError } from '../lib/core/options.ts';

main(async () => {
  const options = parseCommand('npm run cluster:facts --', { only: ['--kubeconfig', '--context', '--namespace'] })?.options;
  if (!options) return 0;
  const file = options.kubeconfig || defaultKubeconfig();
  if (!existsSync(file)) throw new UsageError(`kubeconfig ${file} does not exist (give one with --kubeconfig FILE)`);
  let kc;
  try {
    kc = loadKubeconfig(file, options.context || undefined);
  } catch (err) {
    throw new UsageError(`kubeconfig ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const facts = await clusterFacts(kc, options.namespace || undefined);
  for (const f of facts) console.log(formatFact(f));
  return facts.some((f) => f.result === 'fail') ? 1 : 0;
});
