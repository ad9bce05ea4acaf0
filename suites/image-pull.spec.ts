// 镜像拉取策略 (image pull policy), as the course's table gives it, with no
// registry needed: IfNotPresent with an image the nodes have starts without a
// pull; Never with an image no node has fails with ErrImageNeverPull; Always
// from a registry name that can never resolve (.invalid) fails to pull,
// backs off, and never starts. The same online and offline.
// Then the course's own image names (lib/cluster/app-images.ts), which a
// student's manifests use as the course writes them: pulled from the
// harness's registry (lib/cluster/registry.ts), the stand-ins built here.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { expect, runFacts, test } from '../fixtures/cluster.ts';
import { expectPulled } from '../lib/checks/pulls.ts';
import { APP_IMAGES, courseNames, UPSTREAM_IMAGES } from '../lib/cluster/app-images.ts';
import { observe } from '../lib/kube/kube.ts';
import { registryNames, registryPath, registryRequests } from '../lib/cluster/registry.ts';
import { tryOnNode } from '../lib/cluster/nodes.ts';

const pod = (name: string, image: string, imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never'): V1Pod => ({
  metadata: { name },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, imagePullPolicy, args: ['serve'] }] },
});

test('镜像拉取策略: IfNotPresent starts with the image found, no pull; Never without the image: ErrImageNeverPull; Always from an unreachable registry: ErrImagePull, then ImagePullBackOff, never started', async ({ cluster, ns }) => {
  const waiting = (p?: V1Pod) => p?.status?.containerStatuses?.[0]?.state?.waiting;
  const seenAlways: string[] = [];
  const pods = await observe<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    onChange: (items) => {
      const reason = waiting(items.find((p) => p.metadata?.name === 'always'))?.reason;
      if (reason && seenAlways.at(-1) !== reason) seenAlways.push(reason);
    },
  });
  const events = await observe<CoreV1Event>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/events` });
  try {
    await cluster.core.createNamespacedPod({ namespace: ns, body: pod('present', 'localhost/course-harness/echo:v1', 'IfNotPresent') });
    await cluster.core.createNamespacedPod({ namespace: ns, body: pod('never', 'localhost/course-harness/absent:v0', 'Never') });
    await cluster.core.createNamespacedPod({ namespace: ns, body: pod('always', 'registry.invalid/course-harness/absent:v1', 'Always') });
    const byName = (items: V1Pod[], name: string) => items.find((p) => p.metadata?.name === name);
    await pods.until(
      (items) =>
        !!byName(items, 'present')?.status?.containerStatuses?.[0]?.state?.running &&
        waiting(byName(items, 'never'))?.reason === 'ErrImageNeverPull' &&
        waiting(byName(items, 'always'))?.reason === 'ImagePullBackOff',
      'present running, never in ErrImageNeverPull, always in ImagePullBackOff',
      120_000,
    );
    // Events are written apart from the pod status: waited for too.
    const about = (items: CoreV1Event[], name: string, reason: string) => items.some((e) => e.involvedObject.name === name && e.reason === reason);
    await events.until((items) => about(items, 'present', 'Pulled') && about(items, 'always', 'Failed'), 'the events Pulled (present) and Failed (always)', 30_000);
    const of = (name: string) => events.items().filter((e) => e.involvedObject.name === name);
    expect(of('present').map((e) => e.reason), 'IfNotPresent: the image was found, not pulled').not.toContain('Pulling');
    expect(of('present').find((e) => e.reason === 'Pulled')?.message).toMatch(/already present on machine/);
    expect(waiting(byName(pods.items(), 'never'))?.message).toBe('Container image "localhost/course-harness/absent:v0" is not present with pull policy of Never');
    expect(of('always').map((e) => e.reason)).toContain('Pulling');
    expect(of('always').find((e) => e.reason === 'Failed')?.message).toMatch(/Failed to pull image "registry\.invalid\/course-harness\/absent:v1".*registry\.invalid/);
    expect(seenAlways.filter((r) => r !== 'ContainerCreating').slice(0, 2), 'Always: ErrImagePull, then back-off').toEqual(['ErrImagePull', 'ImagePullBackOff']);
    expect(of('always').map((e) => e.reason), 'never started').not.toContain('Started');
    expect(byName(pods.items(), 'always')?.status?.phase).toBe('Pending');
  } finally {
    pods.stop();
    events.stop();
  }
});

test("the course's image names run as the course writes them: mysql:5.7, the class registry's myblog, istio's details and reviews pulled from the harness's registry (its log shows each node's request) as the images built here (--images=upstream: the class registry's only); a name it lacks fails with its 404", async ({ cluster, ns }) => {
  test.setTimeout(4 * 60_000);
  const facts = runFacts(cluster);
  const open = registryNames(cluster.record!.name).open;
  // Each name as a student writes it, pulled as a node pulls it the first time (Always: every node here may have pulled it before).
  const served = courseNames(facts.images).map(({ name, image }, i) => ({ pod: `course-${i}`, name, image }));
  const absent = { pod: 'absent', name: 'mysql:5.7-not-the-course' };
  const body = (name: string, image: string): V1Pod => ({
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, imagePullPolicy: 'Always', ...(/bookinfo/.test(image) ? {} : { command: ['sleep', '600'] }) }] },
  });
  // The ID of the image a node has under a name (as the kubelet asks for it); undefined when it has none.
  const onNode = async (node: string, name: string) => {
    const r = await tryOnNode(node, ['crictl', 'inspecti', '--output', 'go-template', '--template', '{{.status.id}}', name]);
    return r.exitCode === 0 ? String(r.stdout).trim() : undefined;
  };
  const since = new Date();
  for (const s of [...served, absent]) await cluster.core.createNamespacedPod({ namespace: ns, body: body(s.pod, s.name) });
  const registry = (from: Date) => registryRequests(open, from);
  for (const s of served) {
    const pulled = await expectPulled(cluster, ns, s.pod, registry, since);
    expect(pulled.events.join('\n'), `${s.name}: pulled`).toContain(`Successfully pulled image "${s.name}"`);
    // containerd asks for the tag (HEAD, or GET), then for the manifest by digest.
    expect(pulled.requests.map((r) => `${r.uri} ${r.status}`), `${s.name}: the registry's log of the node's request`).toContain(`/v2/${registryPath(s.name).replace(/:([^:/]+)$/, '/manifests/$1')} 200`);
    // What the node has under the name is the image built here (as the node has it under that image's own tag).
    const node = (await cluster.core.readNamespacedPod({ name: s.pod, namespace: ns })).spec!.nodeName!;
    const ours = await onNode(node, s.image);
    expect(ours, `${s.image} on ${node}`).toBeTruthy();
    expect(await onNode(node, s.name), `${s.name} on ${node} is ${s.image}`).toBe(ours);
  }
  // A name the registry lacks: the node's ErrImagePull, and where docker.io is the harness's registry, its 404.
  const message = await expectPulled(cluster, ns, absent.pod, registry, since).then(() => 'pulled', (e: Error) => e.message);
  expect(message).toMatch(/^pod absent does not pull mysql:5\.7-not-the-course: (ErrImagePull|ImagePullBackOff): /);
  if (facts.offline || facts.images === 'built') expect(message).toMatch(/; the registry answered (GET|HEAD) \/v2\/library\/mysql\/manifests\/5\.7-not-the-course 404/);
  if (facts.images === 'upstream') {
    // The public names are the registries' own: no node has one of them as an image built here.
    for (const node of (await cluster.core.listNode()).items.map((n) => n.metadata!.name!)) {
      const ours = new Set(await Promise.all(APP_IMAGES.map((i) => onNode(node, i.tag))));
      for (const name of UPSTREAM_IMAGES) {
        const id = await onNode(node, name);
        expect(id !== undefined && ours.has(id), `${name} on ${node} is not one of ours`).toBe(false);
      }
    }
  }
});
