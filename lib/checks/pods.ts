// Client pods for in-cluster checks: the echo image, which can resolve names
// and make HTTP requests from inside the cluster (`/echo resolve|get`).
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { Cluster } from './target.ts';
import { consecutively } from './poll.ts';
import { execInPod, isReady, waitFor } from '../kube/kube.ts';

const ECHO_IMAGE = 'localhost/course-harness/echo:v1';
const BUSYBOX_IMAGE = 'localhost/course-harness/busybox:1.35';

export function echoPod(name: string, labels: Record<string, string> = {}, node?: string): V1Pod {
  return {
    metadata: { name, labels },
    spec: {
      ...(node ? { nodeSelector: { 'kubernetes.io/hostname': node } } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'echo',
          image: ECHO_IMAGE,
          imagePullPolicy: 'Never',
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
        },
      ],
    },
  };
}

/** Creates the pods and waits, by watch, until all are Ready. */
export async function runPods(cluster: Cluster, namespace: string, pods: V1Pod[], timeoutMs = 120_000): Promise<V1Pod[]> {
  for (const body of pods) await cluster.core.createNamespacedPod({ namespace, body });
  const names = new Set(pods.map((p) => p.metadata!.name!));
  return waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${namespace}/pods`,
    what: `pods ${[...names].join(', ')} Ready`,
    until: (items) => [...names].every((n) => items.some((p) => p.metadata?.name === n && isReady(p))),
    // A container that cannot start says why (ErrImagePull: its message names the image and the registry's answer).
    describe: (items) =>
      items
        .filter((p) => names.has(p.metadata!.name!))
        .map((p) => {
          const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
          return `${p.metadata?.name}=${p.status?.phase}${isReady(p) ? '/Ready' : ''}${waiting ? ` ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : ''}`;
        })
        .join(', '),
    timeoutMs,
  }).then((items) => items.filter((p) => names.has(p.metadata!.name!)));
}

/** One answer to a request made from inside the cluster (`echo spread`). */
export interface InClusterAnswer {
  status?: number;
  pod?: string;
  received?: string;
  body?: string;
  error?: string;
}

/** `n` GETs of `url` from the namespace's `client` pod, each on a new connection. */
export async function spread(cluster: Cluster, ns: string, url: string, n: number): Promise<InClusterAnswer[]> {
  const r = await execInPod(cluster.kc, ns, 'client', ['/echo', 'spread', url, String(n)]);
  if (r.exitCode !== 0) return [{ error: `echo spread in pod client failed: ${r.stderr.trim() || `exit ${r.exitCode}`}` }];
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as InClusterAnswer);
}

/** What a MySQL server sent first (`echo greeting`): protocol 10 and its version, or why nothing did. */
export interface Greeting {
  protocol?: number;
  server?: string;
  error?: string;
}

/** Connects to `host`:`port` from the namespace's `client` pod and reads the MySQL handshake. */
export async function mysqlGreeting(cluster: Cluster, ns: string, host: string, port: number): Promise<Greeting> {
  const r = await execInPod(cluster.kc, ns, 'client', ['/echo', 'greeting', `${host}:${port}`]);
  if (r.exitCode !== 0) return { error: `echo greeting in pod client failed: ${r.stderr.trim() || `exit ${r.exitCode}`}` };
  return JSON.parse(r.stdout.trim()) as Greeting;
}

/** An answer, in a few words: "200 from echo-0", "503 from -", "error: ...". */
export const answerText = (a: InClusterAnswer) => (a.error ? `error: ${a.error}` : `${a.status} from ${a.pod || '(no pod named)'}`);

/**
 * Waits until 40 requests to `url` from the namespace's `client` pod, each on
 * a new connection, are answered by exactly the expected pods, twice in a row
 * (kube-proxy programs its rules shortly after an EndpointSlice changes).
 */
export async function expectTrafficTo(cluster: Cluster, ns: string, url: string, expected: string[], what: string): Promise<void> {
  const want = [...expected].sort().join(', ');
  const answeredBy = async () => [...new Set((await spread(cluster, ns, url, 40)).map((a) => (a.error ? 'error' : (a.pod ?? ''))))].sort().join(', ');
  await consecutively(answeredBy, (answered) => answered === want, `${what} (want ${want})`, { times: 2, timeoutMs: 30_000, pauseMs: 0, describe: (a) => `answered by ${a}` });
}

/** Waits, by watch, until the scheduler gives up on pod `name`; returns its PodScheduled message. */
export async function unschedulable(cluster: Cluster, namespace: string, name: string): Promise<{ phase?: string; message?: string }> {
  const scheduled = (p: V1Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const [pod] = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${namespace}/pods`,
    fieldSelector: `metadata.name=${name}`,
    what: `pod ${name} unschedulable`,
    until: (pods) => pods.length === 1 && scheduled(pods[0])?.reason === 'Unschedulable',
    timeoutMs: 60_000,
  });
  return { phase: pod.status?.phase, message: scheduled(pod)?.message };
}

/** A busybox pod running `script`, with the given probes. */
export function busyboxPod(name: string, script: string, probes: Pick<V1Container, 'livenessProbe' | 'readinessProbe'>): V1Pod {
  return {
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'busybox', image: BUSYBOX_IMAGE, args: ['/bin/sh', '-c', script], ...probes }] },
  };
}
