// ClusterIP: a Service's endpoints are exactly its Ready pods. Scaling adds
// an endpoint; a pod failing its readiness probe leaves the endpoints (and
// gets no traffic) without being restarted, and comes back once Ready.
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import { echoPod, expectTrafficTo, runPods } from '../lib/checks/pods.ts';
import { applyObjects } from '../lib/kube/apply.ts';
import { execInPod, isReady, waitFor, waitForServiceSlices } from '../lib/kube/kube.ts';

type Pod = import('@kubernetes/client-node').V1Pod;

/** Pod names behind the Service's ready endpoints, by watching its EndpointSlices. */
async function waitForEndpoints(cluster: { kc: import('@kubernetes/client-node').KubeConfig }, ns: string, expected: string[], what: string) {
  const names = (slices: V1EndpointSlice[]) =>
    slices
      .flatMap((s) => s.endpoints ?? [])
      .filter((e) => e.conditions?.ready)
      .map((e) => e.targetRef?.name ?? '?')
      .sort();
  await waitForServiceSlices(cluster.kc, ns, 'echo', {
    what,
    until: (slices) => JSON.stringify(names(slices)) === JSON.stringify([...expected].sort()),
    describe: (slices) => `ready endpoints ${JSON.stringify(names(slices))}, want ${JSON.stringify([...expected].sort())}`,
    timeoutMs: 60_000,
  });
}

test('endpoints follow Ready pods: scaling adds one, a failing readiness probe removes one without a restart, recovery brings it back', async ({ cluster, ns }) => {
  const template = echoPod('unused', { app: 'echo' });
  const deployment = (replicas: number) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'echo', namespace: ns },
    spec: { replicas, selector: { matchLabels: { app: 'echo' } }, template: { metadata: { labels: { app: 'echo' } }, spec: template.spec } },
  });
  await applyObjects(cluster.kc, [deployment(1)]);
  await cluster.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } } });
  await runPods(cluster, ns, [echoPod('client', { app: 'client' })]);

  const readyEchoPods = async (count: number) =>
    (
      await waitFor<Pod>({
        kc: cluster.kc,
        path: `/api/v1/namespaces/${ns}/pods`,
        labelSelector: 'app=echo',
        what: `${count} Ready echo pods`,
        until: (pods) => pods.filter(isReady).length === count && pods.length === count,
        timeoutMs: 60_000,
      })
    ).map((p) => p.metadata!.name!);

  const [first] = await readyEchoPods(1);
  await waitForEndpoints(cluster, ns, [first], 'one endpoint for one Ready pod');
  await expectTrafficTo(cluster, ns, 'http://echo/', [first], 'the only Ready pod answers');

  await applyObjects(cluster.kc, [deployment(2)]);
  const both = await readyEchoPods(2);
  await waitForEndpoints(cluster, ns, both, 'two endpoints after scaling to 2');
  await expectTrafficTo(cluster, ns, 'http://echo/', both, 'fresh connections through the ClusterIP reach both pods');

  const [failing, healthy] = both;
  await execInPod(cluster.kc, ns, failing, ['/echo', 'get', 'http://127.0.0.1:8080/readiness/fail']);
  await waitForEndpoints(cluster, ns, [healthy], `${failing} out of the endpoints once NotReady`);
  await expectTrafficTo(cluster, ns, 'http://echo/', [healthy], 'a NotReady pod gets no traffic');
  const notReady = await cluster.core.readNamespacedPod({ name: failing, namespace: ns });
  expect(isReady(notReady)).toBe(false);
  expect(notReady.status?.containerStatuses?.[0].restartCount, 'readiness failures do not restart the container').toBe(0);

  await execInPod(cluster.kc, ns, failing, ['/echo', 'get', 'http://127.0.0.1:8080/readiness/pass']);
  await waitForEndpoints(cluster, ns, both, `${failing} back in the endpoints once Ready again`);
  await expectTrafficTo(cluster, ns, 'http://echo/', both, 'both pods answer again');
});
