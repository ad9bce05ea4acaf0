// npm test -- --live: the course's labs as deployed in a cluster the harness
// did not create (a student's kubeadm cluster, say), judged lab by lab with
// the checks grading uses (lib/checks/), without writing anything:
// get, list and watch only (manifests/verifier/rbac.yaml), the traffic sent
// from outside the cluster to its NodePorts and its ingress controller. The
// course's namespaces are luffy and default; the rows that would need a
// write (a rollout, a frozen pod) are listed as not applicable
// (lib/config/applicability.ts LIVE_NOT_APPLICABLE); those that need a
// client pod run with --probe-pod, in a namespace of the verifier's own.
import { AppsV1Api, CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { evidenceOnFailure, harnessOptions, liveKubeconfig, test, type Cluster } from '../../fixtures/cluster.ts';
import { expectNodePortServes, expectServiceSelectsReady, expectServiceServes, workloadPods } from '../../lib/checks/services.ts';
import { expectRouteOnEdges, INGRESS, type Edge, type EdgeVerdict } from '../../lib/checks/routes.ts';
import { noProblems } from '../../lib/checks/verdict.ts';
import { withTranscript } from '../../fixtures/transcript.ts';
import { liveIngressEdge } from '../../lib/live/edges.ts';
import { probeGets, probeGreeting, probeResolve, startProbe, stopProbe } from '../../lib/live/probe.ts';
import { clusterFacts, FACTS, type Fact } from '../../lib/live/cluster-facts.ts';
import { BLOG_LIST, COURSE_ROUTES } from '../../lib/course/routes.ts';
import { podCauses } from '../../lib/checks/diagnose-pods.ts';
import { apiCause, apiStatus, labelSelector, rolledOut } from '../../lib/kube/kube.ts';
import { CLASS_REGISTRIES } from '../../lib/cluster/registry.ts';
import { registryHost } from '../../lib/checks/pulls.ts';
import { loadLabs } from '../../lib/course/labs.ts';

const options = harnessOptions();
const LUFFY = options.namespace;
test.describe.configure({ timeout: 3 * 60_000 });
evidenceOnFailure(LUFFY, 'default');

// What the cluster is: read once, one row per fact, none hiding another.
let facts: Promise<Fact[]> | undefined;
const factRow = (check: string) => async ({ cluster }: { cluster: Cluster }) => {
  facts ??= clusterFacts(cluster.kc, LUFFY);
  const f = (await facts).find((x) => x.check === check)!;
  if (f.result === 'fail') throw new Error(f.detail);
};
const title = FACTS(LUFFY);
test(`cluster: ${title.proxyMode}`, factRow(title.proxyMode));
test(`cluster: ${title.ingress}`, factRow(title.ingress));
test(`lab 01-namespace: ${title.namespace}`, factRow(title.namespace));
test(`lab 20-deployments: ${title.mysql}`, factRow(title.mysql));

// Every object of the reference labs, by kind and name, in its namespace (lab 60's Gateway API is not the course's).
// The labs' objects name luffy, or no namespace: the bookstore's default (never the kubeconfig context's own).
const inLuffy = (ns?: string) => (ns === 'luffy' ? LUFFY : (ns ?? 'default'));
for (const lab of loadLabs().filter((l) => !l.objects.every((o) => o.apiVersion?.startsWith('gateway.networking.k8s.io/')))) {
  const named = (o: (typeof lab.objects)[number]) => (o.kind === 'Namespace' ? inLuffy(o.metadata?.name) : o.metadata!.name!);
  test(`lab ${lab.name}: the cluster has ${lab.objects.map((o) => `${o.kind}/${named(o)}`).join(', ')}`, async ({ cluster }) => {
    const client = KubernetesObjectApi.makeApiClient(cluster.kc);
    const problems = await Promise.all(
      lab.objects.map(async (o) => {
        const name = named(o);
        const namespace = o.kind === 'Namespace' ? undefined : inLuffy(o.metadata?.namespace);
        const where = namespace ? ` in namespace ${namespace}` : '';
        return client.read({ apiVersion: o.apiVersion!, kind: o.kind!, metadata: { name, namespace } }).then(
          () => '',
          (err: unknown) => (apiStatus(err) === 404 ? `${o.kind} ${name} not found${where}` : `${o.kind} ${name}${where}: ${apiCause(err)}`),
        );
      }),
    );
    noProblems(problems.filter(Boolean));
  });
}

/** The Deployments are rolled out (as `kubectl rollout status`); the pods that are not Ready say why. */
async function expectRolledOut(cluster: Cluster, namespace: string, names: string[]): Promise<void> {
  const apps = cluster.kc.makeApiClient(AppsV1Api);
  const problems: string[] = [];
  for (const name of names) {
    const d = await apps.readNamespacedDeployment({ name, namespace }).catch((err: unknown) => {
      problems.push(apiStatus(err) === 404 ? `Deployment ${name} not found in namespace ${namespace}` : `Deployment ${name} in namespace ${namespace}: ${apiCause(err)}`);
      return undefined;
    });
    if (d && !rolledOut(d)) problems.push(`Deployment ${name} is not rolled out: ${d.status?.availableReplicas ?? 0} of ${d.spec?.replicas ?? 1} replicas available, ${d.status?.updatedReplicas ?? 0} updated`);
  }
  if (problems.length) problems.push(...podCauses(await workloadPods(cluster, namespace), (await cluster.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace })).items));
  noProblems(problems);
}

test('lab 20-deployments: mysql and myblog are rolled out', async ({ cluster }, testInfo) => {
  await withTranscript(testInfo, () => expectRolledOut(cluster, LUFFY, ['mysql', 'myblog']));
});

// Where myblog comes from: the course builds it and pushes it to its registry; the nodes must have pulled it. Read, never pulled here.
test("lab 20-deployments: myblog's image comes from a registry, and the nodes that run it pulled it", async ({ cluster }, testInfo) => {
  await withTranscript(testInfo, async () => {
    const d = await cluster.apps.readNamespacedDeployment({ name: 'myblog', namespace: LUFFY }).catch((err: unknown) => {
      throw new Error(apiStatus(err) === 404 ? `Deployment myblog not found in namespace ${LUFFY}` : apiCause(err));
    });
    const image = d.spec?.template.spec?.containers[0]?.image ?? '';
    const pods = (await cluster.core.listNamespacedPod({ namespace: LUFFY, labelSelector: labelSelector(d.spec?.selector) })).items.filter((p) => !p.metadata?.deletionTimestamp);
    const events = (await cluster.core.listNamespacedEvent({ namespace: LUFFY })).items;
    const pulled = pods.filter((p) => p.status?.containerStatuses?.some((c) => c.imageID));
    const where = `${image} (registry ${registryHost(image)}${CLASS_REGISTRIES.includes(registryHost(image)) ? ", the course's" : ''})`;
    testInfo.annotations.push({ type: 'measurement', description: `myblog runs ${where}; pulled by ${[...new Set(pulled.map((p) => p.spec?.nodeName))].join(', ') || 'no node'} (${[...new Set(pulled.flatMap((p) => p.status!.containerStatuses!.map((c) => c.imageID?.split('@').pop())))].join(', ') || 'no image ID'})` });
    // A pod that could not pull says why, in the node's words (the event), with the registry's answer in it.
    const failing = pods.filter((p) => !pulled.includes(p)).map((p) => {
      const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
      const failed = events.filter((e) => e.involvedObject.name === p.metadata?.name && e.reason === 'Failed').at(-1);
      return `pod ${p.metadata?.name} on ${p.spec?.nodeName ?? 'no node'} has not pulled ${image}: ${waiting?.reason ?? p.status?.phase}${failed?.message ? `: ${failed.message}` : ''}`;
    });
    noProblems([...(pods.length ? [] : [`Deployment myblog has no pod (it runs ${where})`]), ...failing]);
  });
});

test('lab 50-bookstore: details and reviews are rolled out', async ({ cluster }, testInfo) => {
  await withTranscript(testInfo, () => expectRolledOut(cluster, 'default', ['details', 'reviews']));
});

test('lab 30-services: Service mysql selects the Ready mysql pod on its port', async ({ cluster }, testInfo) => {
  await withTranscript(testInfo, () => expectServiceSelectsReady(cluster, LUFFY, 'mysql', { port: 3306 }));
});

test('lab 30-services: NodePort Service myblog-np serves the blog list on every node', async ({ cluster }, testInfo) => {
  await withTranscript(testInfo, () => expectNodePortServes(cluster, LUFFY, 'myblog-np', { path: '/blog/index/', contains: BLOG_LIST, podPrefix: 'myblog-', addresses: options.nodeAddresses }));
});

// The course's routes through its ingress controller, found once.
let edge: Promise<Edge> | undefined;
for (const route of COURSE_ROUTES) {
  test(`lab ${route.lab}: ${route.title}`, async ({ cluster }, testInfo) => {
    await withTranscript(testInfo, async () => {
      edge ??= liveIngressEdge(cluster, options.ingressAddress);
      const ingress = await edge;
      const verdicts: EdgeVerdict[] = await expectRouteOnEdges(cluster, route.namespace === 'luffy' ? LUFFY : route.namespace, route, [ingress]);
      testInfo.annotations.push(...verdicts.map((v) => ({ type: 'edge', description: `${INGRESS.name}: ${v.detail} (${ingress.address})` })));
      return verdicts.flatMap((v) => v.transcript);
    });
  });
}

// With --probe-pod: what only a pod can see, from one client pod of the verifier's own (lib/live/probe.ts).
if (options.probePod) {
  let probe: Promise<string> | undefined;
  const probePod = (cluster: Cluster) => (probe ??= startProbe(cluster, options.probeImage));
  test.afterAll(async () => {
    if (probe) await stopProbe(liveKubeconfig().makeApiClient(CoreV1Api), await probe.catch(() => ''));
  });

  const SERVICES: [string, string][] = [[LUFFY, 'myblog'], [LUFFY, 'mysql'], [LUFFY, 'myblog-np'], ['default', 'details'], ['default', 'reviews']];
  test(`lab 30-services: CoreDNS resolves the course's Services by name from a pod: ${SERVICES.map(([ns, s]) => `${s}.${ns}`).join(', ')}, each to its ClusterIP`, async ({ cluster }, testInfo) => {
    await withTranscript(testInfo, async () => {
      const pod = await probePod(cluster);
      const problems: string[] = [];
      for (const [namespace, name] of SERVICES) {
        const fqdn = `${name}.${namespace}.svc.cluster.local`;
        const service = await cluster.core.readNamespacedService({ name, namespace }).catch((err: unknown) => (apiStatus(err) === 404 ? undefined : Promise.reject(err)));
        const answer = await probeResolve(cluster, pod, fqdn);
        if (!service) problems.push(`Service ${name} not found in namespace ${namespace}${answer.addresses.length ? `, yet ${fqdn} resolves to ${answer.addresses.join(', ')}` : ''}`);
        else if (answer.error) problems.push(`${fqdn} does not resolve: ${answer.error}`);
        else if (!answer.addresses.includes(service.spec?.clusterIP ?? '')) problems.push(`${fqdn} resolves to ${answer.addresses.join(', ')}, not Service ${name}'s ClusterIP ${service.spec?.clusterIP}`);
      }
      noProblems(problems);
    });
  });

  test('lab 30-services: Service myblog serves the blog list through its ClusterIP from inside the cluster', async ({ cluster }, testInfo) => {
    await withTranscript(testInfo, async () => {
      const pod = await probePod(cluster);
      return expectServiceServes(cluster, LUFFY, 'myblog', { path: '/blog/index/', contains: BLOG_LIST, host: `myblog.${LUFFY}.svc.cluster.local`, send: (url, n) => probeGets(cluster, pod, url, n) });
    });
  });

  test('lab 30-services: Service mysql answers as MySQL by its name from inside the cluster', async ({ cluster }, testInfo) => {
    await withTranscript(testInfo, async () => {
      const pod = await probePod(cluster);
      await expectServiceSelectsReady(cluster, LUFFY, 'mysql', { port: 3306, host: `mysql.${LUFFY}.svc.cluster.local`, greet: (host, port) => probeGreeting(cluster, pod, host, port) });
    });
  });
}
