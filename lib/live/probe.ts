// The live verifier's probe (npm test -- --live --probe-pod): one busybox
// pod, the course's own client image, in the namespace
// manifests/verifier/probe-rbac.yaml gives the verifier, for what only a pod
// can see: CoreDNS's answers and a Service's ClusterIP. It asks with
// busybox's nslookup and nc (raw HTTP, so that the answer's headers, where
// the harness's backends name their pod, are seen), and it is deleted after
// the run, or when it cannot start (its activeDeadlineSeconds stops its
// container if the run is killed; the pod object then stays, Failed, until
// deleted).
import { randomBytes } from 'node:crypto';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { Cluster } from '../checks/target.ts';
import { runPods, type Greeting, type InClusterAnswer } from '../checks/pods.ts';
import { apiStatus, execInPod } from '../kube/kube.ts';

export const PROBE_NAMESPACE = 'course-probe';

/** Creates the probe pod and waits until it runs; a pod that cannot start is named with its reason, and deleted. */
export async function startProbe(cluster: Cluster, image: string): Promise<string> {
  const name = `probe-${randomBytes(3).toString('hex')}`;
  const pod: V1Pod = {
    metadata: { name, labels: { 'course-harness/probe': 'true' } },
    spec: { restartPolicy: 'Never', activeDeadlineSeconds: 1800, terminationGracePeriodSeconds: 0, containers: [{ name: 'probe', image, command: ['sleep', '1800'] }] },
  };
  await runPods(cluster, PROBE_NAMESPACE, [pod], 90_000).catch(async (err: Error) => {
    await stopProbe(cluster.core, name);
    if (apiStatus(err)) throw err; // refused (no probe Role): the API server's words
    throw new Error(`probe pod ${PROBE_NAMESPACE}/${name} (image ${image}) did not start: ${err.message} (another image: --probe-image)`);
  });
  return name;
}

export async function stopProbe(core: CoreV1Api, name: string): Promise<void> {
  await core.deleteNamespacedPod({ namespace: PROBE_NAMESPACE, name, gracePeriodSeconds: 0 }).catch(() => undefined);
}

/**
 * `n` GETs of `url` from the probe, each a new connection, as `echo spread`
 * answers: HTTP/1.0 written to busybox nc (the course's busybox wget is not
 * used: Debian's static build of it crashes resolving any address).
 */
export async function probeGets(cluster: Cluster, pod: string, url: string, n: number): Promise<InClusterAnswer[]> {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`the probe sends plain HTTP only, not ${url}`);
  // The request, host and port are the script's arguments, never part of its text: nothing in them is shell or printf syntax.
  const request = `GET ${u.pathname}${u.search} HTTP/1.0\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`;
  const script = 'for i in $(seq "$1"); do printf "%s" "$2" | nc -w 5 "$3" "$4" 2>&1; echo; echo ==next; done';
  const r = await execInPod(cluster.kc, PROBE_NAMESPACE, pod, ['sh', '-c', script, 'probe', String(n), request, u.hostname, u.port || '80']);
  if (r.exitCode !== 0) return [{ error: `nc in probe pod ${pod} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}` }];
  return r.stdout.split(/^==next$/m).slice(0, n).map(parseHttp);
}

/** A raw HTTP/1.x answer (status line, headers, body) as an answer; anything else is the error nc printed. */
export function parseHttp(text: string): InClusterAnswer {
  const answer = text.replace(/^\n+/, '');
  const split = answer.indexOf('\r\n\r\n');
  const head = split < 0 ? answer : answer.slice(0, split);
  const status = /^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1];
  if (!status) return { error: answer.trim().split('\n')[0] || 'no answer (connection closed)' };
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*?)\\s*$`, 'im').exec(head)?.[1];
  return { status: Number(status), pod: header('X-Pod-Name'), received: header('X-Received-Path'), body: split < 0 ? '' : answer.slice(split + 4).replace(/\n$/, '') };
}

/**
 * The MySQL handshake a client of `host`:`port` gets, read by the probe: nc
 * with nothing to send (it half-closes; a MySQL server greets first anyway),
 * its bytes printed by od as numbers, since exec carries text, and its exit
 * status after them on stderr (Docker Hub's busybox nc says nothing when it
 * cannot connect).
 */
export async function probeGreeting(cluster: Cluster, pod: string, host: string, port: number): Promise<Greeting> {
  const script = '{ timeout 5 nc -w 3 "$1" "$2" </dev/null; echo "nc exit $?" >&2; } | od -An -v -tu1';
  const r = await execInPod(cluster.kc, PROBE_NAMESPACE, pod, ['sh', '-c', script, 'probe', host, String(port)]);
  return parseGreeting(r.stdout.trim().split(/\s+/).filter(Boolean).map(Number), r.stderr);
}

/**
 * The first packet a MySQL server sends (3-byte length, sequence, then protocol
 * version 10 and the server version, NUL-terminated; or 0xff and an error), as
 * `echo greeting` reads it; when too few bytes came, why, from what nc printed
 * on stderr and its exit status ("nc exit N").
 */
export function parseGreeting(bytes: number[], stderr: string): Greeting {
  if (bytes.length < 6) {
    const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
    const exit = Number(/^nc exit (\d+)$/.exec(lines.at(-1) ?? '')?.[1] ?? -1);
    // "punt!" is what Docker Hub's busybox nc says when timeout stops it.
    const said = lines.filter((l) => !/^nc exit \d+$|^punt!$/.test(l)).at(-1);
    if (exit === 143) return { error: `connected, but ${bytes.length} bytes came within 5s (the connection stayed open)` };
    if (exit === 0) return { error: `connected, but ${bytes.length} bytes came before the server closed the connection` };
    return { error: said ?? `could not connect (nc exited ${exit}: refused or timed out)` };
  }
  const payload = bytes.slice(4);
  const text = (b: number[]) => Buffer.from(b).toString('latin1');
  if (payload[0] === 0xff && payload.length > 3) return { error: `the server refused the connection: ${JSON.stringify(text(payload.slice(3)))}` };
  const end = payload.indexOf(0, 1);
  return { protocol: payload[0], server: text(payload.slice(1, end < 0 ? undefined : end)) };
}

/** The addresses CoreDNS gives the probe for `name` (busybox nslookup's answer), or why there are none. */
export async function probeResolve(cluster: Cluster, pod: string, name: string): Promise<{ addresses: string[]; error?: string }> {
  const r = await execInPod(cluster.kc, PROBE_NAMESPACE, pod, ['nslookup', name]);
  return parseNslookup(r.stdout, r.exitCode ? (r.stdout + r.stderr).trim().split('\n').at(-1) : undefined);
}

/** busybox nslookup's output: the addresses after the "Name:" line (the ones before are the server's). */
export function parseNslookup(stdout: string, error?: string): { addresses: string[]; error?: string } {
  const answer = stdout.split(/^Name:.*$/m).slice(1).join('\n');
  const addresses = [...answer.matchAll(/^Address(?: \d+)?:\s*([\d.a-f:]+)\s*$/gim)].map((m) => m[1]);
  return addresses.length ? { addresses } : { addresses, error: error ?? (stdout.trim().split('\n').at(-1) || 'no answer') };
}
