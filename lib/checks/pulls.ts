// The pull check, in two halves as the others (lib/checks/routes.ts). The
// answer decides: the pod's image was pulled and it runs (its Pulled event,
// and the registry's own log line for the manifest, when the registry is the
// harness's), or the pull failed and the cause is what the node and the
// registry said (ErrImagePull with the event's message, the registry's 401 or
// 404). The objects explain: the pull secrets the pod names exist, are of type
// kubernetes.io/dockerconfigjson and hold a login for the image's registry.
import type { CoreV1Event, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Cluster } from './target.ts';
import { CheckFailure } from './verdict.ts';
import { apiStatus, waitFor } from '../kube/kube.ts';
import { qualified, registryPath, requestLine, type RegistryRequest } from '../cluster/registry.ts';

/** The registry host of an image reference, as a dockerconfigjson's auths names it (Docker Hub: docker.io and its index URL). */
export function registryHost(image: string): string {
  return qualified(image).split('/')[0];
}

/** The hosts a dockerconfigjson Secret has a login for; an error naming what is wrong with it otherwise. */
export function secretLogins(secret: V1Secret): { hosts: string[] } | { error: string } {
  const name = secret.metadata?.name;
  if (secret.type !== 'kubernetes.io/dockerconfigjson') return { error: `Secret ${name} is of type ${secret.type ?? 'Opaque'}, not kubernetes.io/dockerconfigjson (kubectl create secret docker-registry makes one)` };
  const raw = secret.data?.['.dockerconfigjson'];
  if (!raw) return { error: `Secret ${name} has no .dockerconfigjson key` };
  try {
    const config = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
    return { hosts: Object.keys(config.auths ?? {}).map((h) => h.replace(/^https?:\/\//, '').replace(/\/(v1|v2)\/?$/, '')) };
  } catch {
    return { error: `Secret ${name}'s .dockerconfigjson is not JSON` };
  }
}

/** Why the pull secrets `pod` names would not log in to the registry of its images (none when they would, or it names none). */
export function pullSecretCauses(pod: V1Pod, secrets: V1Secret[]): string[] {
  const names = (pod.spec?.imagePullSecrets ?? []).map((s) => s.name ?? '');
  if (!names.length) return [];
  const causes: string[] = [];
  const hosts = new Set<string>();
  for (const name of names) {
    const secret = secrets.find((s) => s.metadata?.name === name);
    if (!secret) {
      causes.push(`pod ${pod.metadata?.name} names imagePullSecret ${name}, which does not exist`);
      continue;
    }
    const logins = secretLogins(secret);
    if ('error' in logins) causes.push(logins.error);
    else logins.hosts.forEach((h) => hosts.add(h));
  }
  const isHub = (h: string) => h === 'docker.io' || h === 'index.docker.io' || h === 'registry-1.docker.io';
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    const host = registryHost(c.image ?? '');
    const covered = hosts.has(host) || (isHub(host) && [...hosts].some(isHub));
    if (!covered && hosts.size) causes.push(`the pull secrets of pod ${pod.metadata?.name} have no login for ${host}, the registry of ${c.image} (they have ${[...hosts].join(', ')})`);
  }
  return causes;
}

/** The waiting reason of the container running `image`, and the node's last word on pulling it (the Failed event). */
function pullFailure(pod: V1Pod, events: CoreV1Event[]): string | undefined {
  const waiting = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => s.state?.waiting).find((w) => /ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName/.test(w?.reason ?? ''));
  if (!waiting) return undefined;
  // The node's own words on the pull: its "Failed to pull image" event, else the container's waiting message (a back-off's event says only "Error: ImagePullBackOff").
  const failed = events.filter((e) => e.involvedObject.name === pod.metadata?.name && e.reason === 'Failed' && /^Failed to pull image/.test(e.message ?? '')).at(-1);
  return `${waiting.reason}: ${failed?.message ?? waiting.message ?? 'no message'}`;
}

export interface PullOutcome {
  /** the pod's events about its image, in order: Pulling, Pulled ("Successfully pulled", "already present on machine"), Failed */
  events: string[];
  /** what the registry logged for the pod's image from the pod's node while it was pulled */
  requests: RegistryRequest[];
}

/**
 * Pod `name` in ns pulls its image and runs: waited for by watch until it
 * runs or its pull fails. `registry` gives the registry's requests since the
 * pod was created (the harness's registries; none for another). A failure
 * names first what the pull secrets lack (the diagnosis), then the node's
 * words and the registry's answer.
 */
export async function expectPulled(cluster: Cluster, ns: string, name: string, registry?: (since: Date) => Promise<RegistryRequest[]>, since = new Date()): Promise<PullOutcome> {
  const [pod] = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    fieldSelector: `metadata.name=${name}`,
    what: `pod ${name} running, or its pull failed`,
    until: ([p]) => !!p && (p.status?.containerStatuses ?? []).length > 0 && (p.status!.containerStatuses!.every((c) => c.state?.running) || !!pullFailure(p, [])),
    describe: ([p]) => JSON.stringify(p?.status?.containerStatuses?.map((c) => c.state) ?? 'no pod'),
    timeoutMs: 120_000,
  });
  const events = (await cluster.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items.sort((a, b) => String(a.firstTimestamp ?? a.eventTime).localeCompare(String(b.firstTimestamp ?? b.eventTime)));
  const about = events.filter((e) => ['Pulling', 'Pulled', 'Failed', 'ErrImageNeverPull', 'BackOff'].includes(e.reason ?? '') && /image/i.test(e.message ?? '')).map((e) => `${e.reason}: ${e.message}`);
  const node = pod.status?.hostIP;
  const path = registryPath(pod.spec?.containers[0].image ?? '').replace(/:([^:/]+)$/, '/manifests/$1');
  const requests = registry ? (await registry(since)).filter((r) => r.uri.includes(path) && (!node || r.from === node)) : [];
  const failure = pullFailure(pod, events);
  if (!failure) return { events: about, requests };
  const secrets = (pod.spec?.imagePullSecrets ?? []).length ? await cluster.core.listNamespacedSecret({ namespace: ns }).then((l) => l.items, (err: unknown) => (apiStatus(err) === 403 ? [] : Promise.reject(err))) : [];
  const causes = [...pullSecretCauses(pod, secrets), failure, ...requests.filter((r) => r.status >= 400).slice(-1).map((r) => `the registry answered ${requestLine(r)}`)];
  throw new CheckFailure(`pod ${name} does not pull ${pod.spec?.containers[0].image}: ${causes.join('; ')}`);
}
