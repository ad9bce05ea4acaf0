// 镜像拉取策略 (image pull policy), as the course's table gives it, with no
// registry needed: IfNotPresent with an image the nodes have starts without a
// pull; Never with an image no node has fails with ErrImageNeverPull; Always
// from a registry name that can never resolve (.invalid) fails to pull,
// backs off, and never starts. The same online and offline.
// Then the course's own image names (scripts/lib/app-images.ts), which a
// student's manifests use as the course writes them.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { expect, test } from '../fixtures/cluster.ts';
import { APP_IMAGES, courseNames, UPSTREAM_IMAGES } from '../scripts/lib/app-images.ts';
import { observe } from '../scripts/lib/kube.ts';

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

test("the course's image names run as the course writes them: mysql:5.7, the class registry's myblog, istio's details and reviews found on the node (no pull) as the images built here (--images=upstream: the class registry's only, the public ones none); a name the course does not use is pulled", async ({ cluster, ns }) => {
  const images = cluster.record?.requested.images ?? 'built';
  // Each name as a student writes it: no pull policy (IfNotPresent for a tag). istio's images serve as they are; the others sleep.
  const served = courseNames(images).map(({ name, image }, i) => ({ pod: `course-${i}`, name, image }));
  const absent = { pod: 'absent', name: 'mysql:5.7-not-the-course' };
  const body = (name: string, image: string): V1Pod => ({
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, ...(/bookinfo/.test(image) ? {} : { command: ['sleep', '600'] }) }] },
  });
  const events = await observe<CoreV1Event>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/events` });
  const pods = await observe<V1Pod>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/pods` });
  // The ID of the image a node has under a name (as the kubelet asks for it); undefined when it has none.
  const onNode = async (node: string, name: string) => {
    const r = await execa('docker', ['exec', node, 'crictl', 'inspecti', '--output', 'go-template', '--template', '{{.status.id}}', name], { reject: false });
    return r.exitCode === 0 ? String(r.stdout).trim() : undefined;
  };
  try {
    for (const s of [...served, absent]) await cluster.core.createNamespacedPod({ namespace: ns, body: body(s.pod, s.name) });
    const running = (items: V1Pod[], name: string) => !!items.find((p) => p.metadata?.name === name)?.status?.containerStatuses?.[0]?.state?.running;
    await pods.until((items) => served.every((s) => running(items, s.pod)), `pods running ${served.map((s) => s.name).join(', ')}`, 120_000);
    const about = (items: CoreV1Event[], name: string, reason: string) => items.some((e) => e.involvedObject.name === name && e.reason === reason);
    await events.until(
      (items) => served.every((s) => about(items, s.pod, 'Pulled')) && about(items, absent.pod, 'Pulling'),
      `the events Pulled (${served.map((s) => s.name).join(', ')}) and Pulling (${absent.name})`,
      30_000,
    );
    for (const s of served) {
      const of = events.items().filter((e) => e.involvedObject.name === s.pod);
      expect(of.map((e) => e.reason), `${s.name}: found on the node, not pulled`).not.toContain('Pulling');
      expect(of.find((e) => e.reason === 'Pulled')?.message).toMatch(/already present on machine/);
      expect(of.find((e) => e.reason === 'Pulled')?.message).toContain(`"${s.name}"`);
      // What the node has under the name is the image built here (as the node has it under that image's own tag).
      const node = pods.items().find((p) => p.metadata?.name === s.pod)!.spec!.nodeName!;
      const ours = await onNode(node, s.image);
      expect(ours, `${s.image} on ${node}`).toBeTruthy();
      expect(await onNode(node, s.name), `${s.name} on ${node} is ${s.image}`).toBe(ours);
    }
    expect(events.items().filter((e) => e.involvedObject.name === absent.pod).find((e) => e.reason === 'Pulling')?.message).toContain(`"${absent.name}"`);
    if (images === 'upstream') {
      // The public names are the registries' own: no node has one of them as an image built here.
      for (const node of (await cluster.core.listNode()).items.map((n) => n.metadata!.name!)) {
        const ours = new Set(await Promise.all(APP_IMAGES.map((i) => onNode(node, i.tag))));
        for (const name of UPSTREAM_IMAGES) {
          const id = await onNode(node, name);
          expect(id !== undefined && ours.has(id), `${name} on ${node} is not one of ours`).toBe(false);
        }
      }
    }
  } finally {
    pods.stop();
    events.stop();
  }
});
