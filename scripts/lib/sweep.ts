// After `npm test`, finished or interrupted: what the suites create is gone.
// Test namespaces carry the label course-harness/test=true (fixtures/cluster.ts)
// and are deleted; after an interrupted run, luffy's myblog is put back to
// the lab's manifest (a rollout under load may have been cut short).
import { CoreV1Api } from '@kubernetes/client-node';
import { applyObjects } from './apply.ts';
import { readRecord } from './cluster.ts';
import { apiGet, loadKubeconfig } from './kube.ts';
import { findLab } from './labs.ts';

/** Deletes the test namespaces; with `restoreLuffy` (an interrupted run of the suites), puts luffy's Deployments back. */
export async function sweepTestObjects(clusterName: string, restoreLuffy: boolean): Promise<string[]> {
  const record = readRecord(clusterName);
  if (!record) return [];
  const kc = loadKubeconfig(record.kubeconfigPath);
  if ((await apiGet(kc, '/readyz').catch(() => undefined)) !== 'ok') return [];
  const core = kc.makeApiClient(CoreV1Api);
  const done: string[] = [];
  const list = await core.listNamespace({ labelSelector: 'course-harness/test=true' });
  for (const ns of list.items.filter((n) => !n.metadata?.deletionTimestamp)) {
    await core.deleteNamespace({ name: ns.metadata!.name! });
    done.push(`deleted test namespace ${ns.metadata!.name}`);
  }
  if (restoreLuffy && (await core.readNamespace({ name: 'luffy' }).catch(() => undefined))) {
    await applyObjects(kc, findLab('20-').objects);
    done.push('re-applied manifests/20-deployments in luffy');
  }
  return done;
}
