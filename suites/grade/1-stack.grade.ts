// Grading, step two: one row per submitted file (the audit) and per lab and
// check, on the submission deployed by deploy.setup.ts. The checks are the
// suites' own (fixtures/checks.ts), which the negative controls prove can
// fail; their causes name the submission's own namespaces and hosts.
import type { X509Certificate } from 'node:crypto';
import { dirname, relative, resolve } from 'node:path';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { evidenceOnFailure, servesGatewayApi, skipOrFail, test, type Cluster } from '../../fixtures/cluster.ts';
import { CheckFailure, noProblems, expectNodePortServes, expectRouteOnEdges, expectServiceSelectsReady, expectServiceServes, GATEWAY, INGRESS, type EdgeVerdict } from '../../fixtures/checks.ts';
import { mysqlGreeting } from '../../fixtures/pods.ts';
import { auditPath, formatFinding, missingObjects, yamlFiles } from '../../scripts/lib/audit.ts';
import { BLOG_LIST, COURSE_ROUTES } from '../../scripts/lib/course-routes.ts';
import { secretCertificate } from '../../scripts/lib/diagnose.ts';
import { loadLabs } from '../../scripts/lib/labs.ts';
import { OTHER_OBJECTS, readGradeState } from '../../scripts/lib/submission.ts';
import { DEFAULT, DIR, graded, LUFFY, map, submission } from './student.ts';

const reference = loadLabs();
test.describe.configure({ timeout: 3 * 60_000 });

evidenceOnFailure(LUFFY, DEFAULT);

// Files are named from the submitted folder's name down (student/30-services/svc.yaml).
const named = (path: string) => relative(dirname(DIR), resolve(path));
const findings = auditPath(DIR).map((f) => ({ ...f, file: named(f.file) }));
for (const file of yamlFiles(DIR).map(named)) {
  test(`files: ${file} is Kubernetes YAML without audit findings`, () => {
    noProblems(findings.filter((f) => f.file === file).map(formatFinding));
  });
}

const missing = missingObjects(DIR, reference);
// The routing labs may be answered with Ingresses, with Gateway API objects (lab 60), or both: the route rows check each answer given.
const submitted = submission.labs.flatMap((l) => l.objects);
const answersWithGateway = submitted.some((o) => o.apiVersion?.startsWith('gateway.networking.k8s.io/'));
const answersWithIngress = submitted.some((o) => o.kind === 'Ingress') || !answersWithGateway;

for (const lab of reference) {
  const keys = lab.objects.map((o) => `${o.kind}/${o.metadata?.name}`);
  const optional = lab.objects.every((o) => o.apiVersion?.startsWith('gateway.networking.k8s.io/')) ? ' (or the routing labs answered with Ingresses)' : '';
  test(`lab ${lab.name}: the folder defines ${keys.join(', ')}${optional}, and the API server accepts them`, () => {
    const errors = readGradeState(map.id).errors[`${lab.name} apply`] ?? [];
    noProblems([...missing.filter((f) => f.message.startsWith(`lab ${lab.name}:`)).map((f) => f.message.replace(/^lab \S+: /, '')), ...errors]);
  });
}

// What the folder holds beyond the reference labs (a student's TLS secret, say) must apply too.
const extra = submission.labs.find((l) => l.name === OTHER_OBJECTS);
if (extra || submission.refused.length) {
  const keys = [...(extra?.objects ?? []).map((o) => `${o.kind}/${o.metadata?.name}`), ...submission.refused];
  test(`other objects: ${keys.join(', ')} apply`, () => {
    noProblems(readGradeState(map.id).errors[`${OTHER_OBJECTS} apply`] ?? []);
  });
}

// The waits of the course's order (scripts/lib/labs.ts courseSteps).
for (const [prefix, what] of [
  ['20-', 'mysql and myblog roll out, and migrate runs in a myblog pod'],
  ['50-', 'details and reviews roll out'],
  ...(answersWithGateway ? [['60-', 'the Gateway is Programmed and its HTTPRoutes Accepted']] : []),
]) {
  const lab = reference.find((l) => l.name.startsWith(prefix))!.name;
  test(`lab ${lab}: ${what}`, () => {
    noProblems(readGradeState(map.id).errors[`${lab} ready`] ?? []);
  });
}

test('lab 30-services: Service myblog serves the blog list from inside the namespace', async ({ cluster }, testInfo) => {
  await graded(testInfo, () => expectServiceServes(cluster, LUFFY, 'myblog', { path: '/blog/index/', contains: BLOG_LIST }));
});

test('lab 30-services: Service mysql selects the Ready mysql pod on its port', async ({ cluster }, testInfo) => {
  await graded(testInfo, () => expectServiceSelectsReady(cluster, LUFFY, 'mysql', { port: 3306, greet: (host, port) => mysqlGreeting(cluster, LUFFY, host, port) }));
});

test('lab 30-services: NodePort Service myblog-np serves the blog list on every node', async ({ cluster }, testInfo) => {
  await graded(testInfo, () => expectNodePortServes(cluster, LUFFY, 'myblog-np', { path: '/blog/index/', contains: BLOG_LIST, podPrefix: 'myblog-' }));
});

/** The certificate of the TLS secret the Ingresses name for `host`, if there is one. */
async function certificateFor(cluster: Cluster, ns: string, host: string): Promise<X509Certificate | undefined> {
  const ingresses = (await cluster.kc.makeApiClient(NetworkingV1Api).listNamespacedIngress({ namespace: ns })).items;
  const entry = ingresses.flatMap((i) => i.spec?.tls ?? []).find((t) => t.hosts?.includes(host));
  const secret = entry?.secretName ? await cluster.core.readNamespacedSecret({ name: entry.secretName, namespace: ns }).catch(() => undefined) : undefined;
  return secret ? secretCertificate(secret).cert : undefined;
}

// The course's routes (scripts/lib/course-routes.ts), on the submission's renamed hosts.
for (const route of COURSE_ROUTES) {
  test(`lab ${route.lab}: ${route.title}`, async ({ cluster }, testInfo) => {
    const ns = route.namespace === 'luffy' ? LUFFY : DEFAULT;
    const host = map.host(route.host);
    if (route.scheme === 'https') {
      // A certificate for exactly the course's host cannot cover the renamed one.
      const cert = await certificateFor(cluster, ns, host);
      skipOrFail(
        !!cert?.checkHost(route.host) && !cert.checkHost(host),
        `the submitted certificate is for ${route.host} (checked), not *.${route.host.split('.').slice(1).join('.')}: grading serves the host renamed to keep the reference labs apart, so serving it cannot be checked here`,
      );
    }
    skipOrFail(answersWithGateway && !answersWithIngress && !servesGatewayApi(cluster), `the folder answers with Gateway API, which ingress ${cluster.record?.ingress} does not serve (--ingress=traefik grades it)`);
    const edges = [...(answersWithIngress ? [INGRESS] : []), ...(answersWithGateway && servesGatewayApi(cluster) ? [GATEWAY] : [])];
    const annotate = (verdicts: EdgeVerdict[]) => verdicts.forEach((v) => testInfo.annotations.push({ type: 'edge', description: `${v.edge}: ${map.unmap(v.detail)}` }));
    await graded(testInfo, async () => {
      const verdicts = await expectRouteOnEdges(cluster, ns, { ...route, host }, edges).catch((err: unknown) => {
        if (err instanceof CheckFailure) annotate(err.edges);
        throw err;
      });
      annotate(verdicts);
      return verdicts.flatMap((v) => v.transcript);
    });
  });
}
