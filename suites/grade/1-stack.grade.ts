// Grading, step two: one row per submitted file (the audit) and per lab and
// check, on the submission deployed by deploy.setup.ts. The checks are the
// suites' own (lib/checks/), which the negative controls prove can
// fail; their causes name the submission's own namespaces and hosts.
import { dirname, relative, resolve } from 'node:path';
import { evidenceOnFailure, test } from '../../fixtures/cluster.ts';
import type { V1Pod } from '@kubernetes/client-node';
import { CheckFailure, noProblems } from '../../lib/checks/verdict.ts';
import { expectNodePortServes, expectServiceSelectsReady, expectServiceServes, workloadPods } from '../../lib/checks/services.ts';
import { expectRouteOnEdges, type EdgeVerdict } from '../../lib/checks/routes.ts';
import { expectPulled } from '../../lib/checks/pulls.ts';
import { DEPENDED_ON, restartCauses } from '../../lib/checks/diagnose-pods.ts';
import { observe } from '../../lib/kube/kube.ts';
import { registryNames, registryRequests } from '../../lib/cluster/registry.ts';
import { mysqlGreeting } from '../../lib/checks/pods.ts';
import { auditPath, formatFinding, missingObjects, yamlFiles } from '../../lib/grading/audit.ts';
import { BLOG_LIST, COURSE_ROUTES } from '../../lib/course/routes.ts';
import { loadLabs } from '../../lib/course/labs.ts';
import { OTHER_OBJECTS, readGradeState } from '../../lib/grading/submission.ts';
import { DEFAULT, DIR, graded, LUFFY, map, slotEdges, submission } from './student.ts';

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
const answersRouting = answersWithGateway || submitted.some((o) => o.kind === 'Ingress');

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

// The waits of the course's order (lib/course/labs.ts courseSteps). Lab 60 is the Gateway API answer to the routing
// labs: a folder that answers them with Ingresses has no Gateway to wait for, as it has no lab 60 objects to define.
for (const [prefix, what] of [
  ['20-', 'mysql and myblog roll out, and migrate runs in a myblog pod'],
  ['50-', 'details and reviews roll out'],
  ['60-', 'the Gateway is Programmed and its HTTPRoutes Accepted (or the routing labs answered with Ingresses)'],
]) {
  const lab = reference.find((l) => l.name.startsWith(prefix))!.name;
  test(`lab ${lab}: ${what}`, ({}, testInfo) => {
    if (prefix === '60-' && !answersRouting) noProblems(['not run: the folder defines no Gateway and no Ingress: nothing answers the routing labs']);
    if (prefix === '60-' && !answersWithGateway) testInfo.annotations.push({ type: 'measurement', description: 'the folder answers the routing labs with Ingresses: no Gateway to wait for' });
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

// The course's routes (lib/course/routes.ts) through the submission's own edge: its Ingress, its Gateway, or both.
for (const route of COURSE_ROUTES) {
  test(`lab ${route.lab}: ${route.title}`, async ({ cluster }, testInfo) => {
    const ns = route.namespace === 'luffy' ? LUFFY : DEFAULT;
    const slot = slotEdges();
    const edges = [...(answersWithIngress ? [slot.ingress] : []), ...(answersWithGateway ? [slot.gateway] : [])];
    const annotate = (verdicts: EdgeVerdict[]) => verdicts.forEach((v) => testInfo.annotations.push({ type: 'edge', description: `${v.edge}: ${map.unmap(v.detail)}` }));
    await graded(testInfo, async () => {
      const verdicts = await expectRouteOnEdges(cluster, ns, route, edges).catch((err: unknown) => {
        if (err instanceof CheckFailure) annotate(err.edges);
        throw err;
      });
      annotate(verdicts);
      return verdicts.flatMap((v) => v.transcript);
    });
  });
}

// Pull secrets, where the submission names them: the diagnosis (they exist, are kubernetes.io/dockerconfigjson and hold a
// login for the image's registry) and the answer (the pods pulled). Not in the course's labs' answers, so not scored by default.
const pullSecretWorkloads = submitted.filter((o) => JSON.stringify((o as { spec?: unknown }).spec ?? {}).includes('"imagePullSecrets"'));
if (pullSecretWorkloads.length) {
  test(`lab 10-config: the pull secrets named by ${pullSecretWorkloads.map((o) => `${o.kind}/${o.metadata?.name}`).join(", ")} log in to their images' registry, and their pods pull`, async ({ cluster }, testInfo) => {
    await graded(testInfo, async () => {
      const registry = (since: Date) => registryRequests(registryNames(cluster.record!.name).open, since);
      const problems: string[] = [];
      for (const ns of [LUFFY, DEFAULT]) {
        for (const pod of (await workloadPods(cluster, ns)).filter((p) => (p.spec?.imagePullSecrets ?? []).length)) {
          await expectPulled(cluster, ns, pod.metadata!.name!, registry, new Date(Date.parse(pod.metadata!.creationTimestamp as unknown as string))).catch((err: Error) => problems.push(err.message));
        }
      }
      noProblems(problems);
    });
  });
}

// Last: the pods stayed up through the checks above, and through one cycle of their livenessProbe from their start (a
// probe on a path that answers 404 restarts myblog every minute, and no other row would say so). Before the updates of
// 2-updates.grade.ts, which restart pods on purpose.
test('lab 20-deployments: myblog and mysql stay up: no container restarts from Ready through the checks and one livenessProbe cycle', async ({ cluster }, testInfo) => {
  await graded(testInfo, async () => {
    const { restarts } = readGradeState(map.id);
    if (!restarts) throw new Error('not run: the submission did not roll out (no pods to watch)');
    // A MySQL that restarts before the myblog whose probes fail because of it.
    const rootFirst = (pods: V1Pod[]) => [...pods].sort((a, b) => Number(!DEPENDED_ON.some((d) => a.metadata?.name?.startsWith(d))) - Number(!DEPENDED_ON.some((d) => b.metadata?.name?.startsWith(d))));
    const pods = await observe<V1Pod>({ kc: cluster.kc, path: `/api/v1/namespaces/${LUFFY}/pods` });
    try {
      // No pod stays up vacuously: an empty folder, or one whose workloads never made pods, earns nothing here.
      const absent = ['mysql', 'myblog'].filter((app) => !pods.items().some((p) => p.metadata?.name?.startsWith(`${app}-`)));
      if (absent.length) throw new Error(`not run: no ${absent.join(' and no ')} pod in namespace ${map.unmap(LUFFY)} to watch`);
      const started = (p: V1Pod, c: string) => Date.parse((p.status?.containerStatuses?.find((s) => s.name === c)?.state?.running?.startedAt as unknown as string) ?? '') || Date.now();
      const cycleEnd = Math.max(
        Date.now(),
        ...pods.items().flatMap((p) =>
          (p.spec?.containers ?? []).flatMap((c) => {
            const l = c.livenessProbe;
            return l ? [started(p, c.name) + ((l.initialDelaySeconds ?? 0) + (l.periodSeconds ?? 10) * (l.failureThreshold ?? 3) + (l.timeoutSeconds ?? 1) + 5) * 1000] : [];
          }),
        ),
      );
      // Waited for by watch: a restart ends it early; none until the cycle's end is the pass.
      await pods.until((items) => restartCauses(items, [], restarts).length > 0, 'a container restart', cycleEnd - Date.now()).catch(() => undefined);
      const events = (await cluster.core.listNamespacedEvent({ namespace: LUFFY })).items;
      noProblems(restartCauses(rootFirst(pods.items().filter((p) => p.metadata?.name !== 'client')), events, restarts));
    } finally {
      pods.stop();
    }
  });
});
