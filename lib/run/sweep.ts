// After `npm test`, finished or interrupted: what the suites create is gone.
// A node container the eviction suite paused is unpaused; kube-proxy is put
// back to the cluster's mode if a mode switch was cut short; test namespaces
// carry the label course-harness/test=true (fixtures/cluster.ts) and are
// deleted; after an interrupted run, luffy's myblog is put back to the lab's
// manifest (a rollout under load may have been cut short); the node folders
// a grading renamed its hostPath volumes to are removed, and so are the
// IngressClass and GatewayClass of grading slots' edges.
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { applyObjects } from '../kube/apply.ts';
import { readRecord } from '../cluster/cluster.ts';
import { removeFromNodes } from '../cluster/nodes.ts';
import { apiGet, loadKubeconfig } from '../kube/kube.ts';
import { findLab } from '../course/labs.ts';
import { deleteSlotClusterObjects } from '../grading/slot-edge.ts';
import { recordedHostPaths } from '../grading/submission.ts';
import { attempt } from '../core/exec.ts';

/** Deletes the test namespaces; with `restoreLuffy` (an interrupted run of the suites), puts luffy's Deployments back. */
export async function sweepTestObjects(clusterName: string, restoreLuffy: boolean): Promise<string[]> {
  const record = readRecord(clusterName);
  if (!record) return [];
  const done: string[] = [];
  const paused = await attempt('docker', ['ps', '--filter', `label=io.x-k8s.kind.cluster=${clusterName}`, '--filter', 'status=paused', '--format', '{{.Names}}']);
  for (const node of String(paused.stdout).split('\n').filter(Boolean)) {
    await attempt('docker', ['unpause', node]);
    done.push(`unpaused node ${node}`);
  }
  const kc = loadKubeconfig(record.kubeconfigPath);
  if ((await apiGet(kc, '/readyz').catch(() => undefined)) !== 'ok') return done;
  const core = kc.makeApiClient(CoreV1Api);
  // A mode switch cut short (kube-proxy-rules): kube-proxy back to the mode the cluster was made with.
  const proxy = await core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' }).catch(() => undefined);
  const conf = proxy?.data?.['config.conf'];
  if (conf && !new RegExp(`^mode: ${record.proxyMode}$`, 'm').test(conf)) {
    await core.patchNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system', body: [{ op: 'replace', path: '/data/config.conf', value: conf.replace(/^mode: .*$/m, `mode: ${record.proxyMode}`) }] });
    await core.deleteCollectionNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-proxy' });
    done.push(`kube-proxy put back to mode ${record.proxyMode}`);
  }
  const list = await core.listNamespace({ labelSelector: 'course-harness/test=true' });
  for (const ns of list.items.filter((n) => !n.metadata?.deletionTimestamp)) {
    await core.deleteNamespace({ name: ns.metadata!.name! });
    done.push(`deleted test namespace ${ns.metadata!.name}`);
  }
  // RBAC a test applied outside its namespace (the verifier's, suites/cluster-facts.spec.ts).
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const selector = { labelSelector: 'course-harness/test=true' };
  const leftovers = [
    ...(await rbac.listClusterRoleBinding(selector)).items.map((o) => () => rbac.deleteClusterRoleBinding({ name: o.metadata!.name! })),
    ...(await rbac.listClusterRole(selector)).items.map((o) => () => rbac.deleteClusterRole({ name: o.metadata!.name! })),
    ...(await rbac.listRoleBindingForAllNamespaces(selector)).items.map((o) => () => rbac.deleteNamespacedRoleBinding({ name: o.metadata!.name!, namespace: o.metadata!.namespace! })),
    ...(await rbac.listRoleForAllNamespaces(selector)).items.map((o) => () => rbac.deleteNamespacedRole({ name: o.metadata!.name!, namespace: o.metadata!.namespace! })),
  ];
  for (const remove of leftovers) await remove().catch(() => undefined);
  if (leftovers.length) done.push(`deleted ${leftovers.length} test RBAC object(s) outside test namespaces`);
  // A grading slot's IngressClass and GatewayClass (its namespaces went with the test label).
  const slots = await deleteSlotClusterObjects(kc).catch(() => 0);
  if (slots) done.push(`deleted ${slots} cluster-scoped object(s) of grading slots' edges`);
  const folders = recordedHostPaths();
  if (folders.length) {
    await removeFromNodes(clusterName, folders);
    done.push(`removed the node folders of graded hostPath volumes (${folders.length}), if any were left`);
  }
  if (restoreLuffy && (await core.readNamespace({ name: 'luffy' }).catch(() => undefined))) {
    await applyObjects(kc, findLab('20-').objects);
    done.push('re-applied manifests/20-deployments in luffy');
  }
  return done;
}
