// After `npm test`, finished or interrupted: what the suites create is gone.
// Test namespaces carry the label course-harness/test=true (fixtures/cluster.ts)
// and are deleted; after an interrupted run, luffy's myblog is put back to
// the lab's manifest (a rollout under load may have been cut short).
import type { V1Namespace } from '@kubernetes/client-node';
import { applyObjects } from './apply.ts';
import { readRecord } from './cluster.ts';
import { loadKubeconfig, requestJson } from './kube.ts';
import { findLab } from './labs.ts';

/** Deletes the test namespaces; with `restoreLuffy` (an interrupted run of the suites), puts luffy's Deployments back. */
export async function sweepTestObjects(clusterName: string, restoreLuffy: boolean): Promise<string[]> {
  const record = readRecord(clusterName);
  if (!record) return [];
  const kc = loadKubeconfig(record.kubeconfigPath);
  if ((await requestJson(kc, 'GET', '/readyz').catch(() => undefined)) !== 'ok') return [];
  const done: string[] = [];
  const list = (await requestJson(kc, 'GET', '/api/v1/namespaces?labelSelector=course-harness%2Ftest%3Dtrue')) as { items: V1Namespace[] };
  for (const ns of list.items.filter((n) => !n.metadata?.deletionTimestamp)) {
    await requestJson(kc, 'DELETE', `/api/v1/namespaces/${ns.metadata!.name}`);
    done.push(`deleted test namespace ${ns.metadata!.name}`);
  }
  if (restoreLuffy && (await requestJson(kc, 'GET', '/api/v1/namespaces/luffy').catch(() => undefined))) {
    await applyObjects(kc, findLab('20-').objects);
    done.push('re-applied manifests/20-deployments in luffy');
  }
  return done;
}
