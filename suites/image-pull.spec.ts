// 镜像拉取策略 (image pull policy), as the course's table gives it, with no
// registry needed: IfNotPresent with an image the nodes have starts without a
// pull; Never with an image no node has fails with ErrImageNeverPull; Always
// from a registry name that can never resolve (.invalid) fails to pull,
// backs off, and never starts. The same online and offline.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
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
