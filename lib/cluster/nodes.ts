// Commands on a kind node (a container on this host), the one way the harness
// reaches what only the node itself can: components whose health and metrics
// ports listen on the node's loopback (kube-scheduler 10259,
// kube-controller-manager 10257, etcd 2381, kube-proxy 10249), containerd's
// images (crictl), the node's files (hostPath folders, the API server's audit
// log) and its processes. What the API server proxies (the kubelet's
// /configz, /api/v1/nodes/NAME/proxy/...) is read through it instead: that
// works on a cluster the harness did not create too.
import { attempt, run } from '../core/exec.ts';

/** Runs `command` on `node` (with `input` on its stdin, its output to `log`); its stdout. Fails (one line naming the command) when it exits non-zero. */
export const onNode = (node: string, command: string[], o: { input?: string; log?: string } = {}): Promise<string> =>
  run('docker', ['exec', ...(o.input !== undefined ? ['-i'] : []), node, ...command], o);

/** Runs `command` on `node` where the exit is an answer (or nothing to fail on): its exit code and output. */
export const tryOnNode = (node: string, command: string[]) => attempt('docker', ['exec', node, ...command]);

/** The node containers of a kind cluster. */
export async function clusterNodes(clusterName: string): Promise<string[]> {
  return String((await attempt('docker', ['ps', '--filter', `label=io.x-k8s.kind.cluster=${clusterName}`, '--format', '{{.Names}}'])).stdout)
    .split('\n')
    .filter(Boolean);
}

/** `rm -rf` of these paths on every node of the cluster. */
export async function removeFromNodes(clusterName: string, paths: string[]): Promise<void> {
  if (!paths.length) return;
  for (const node of await clusterNodes(clusterName)) await tryOnNode(node, ['rm', '-rf', ...paths]);
}
