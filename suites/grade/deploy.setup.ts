// Grading, step one: the submitted folder's labs applied in the course's
// order into their own namespaces (lib/grading/submission.ts), behind an edge
// of their own (lib/grading/slot-edge.ts), every step tried even when an
// earlier one failed, so the remaining labs still run. What an interrupted
// grading of the same folder left is removed first, and waited for.
// What each step gave is written down for the checks (suites/grade/*.grade.ts);
// this step itself fails only when the harness cannot do its part.
import type { KubernetesObject } from '@kubernetes/client-node';
import { harnessOptions, test as setup } from '../../fixtures/cluster.ts';
import { workloadPods } from '../../lib/checks/services.ts';
import { echoPod, runPods } from '../../lib/checks/pods.ts';
import { pullHint } from '../../lib/cluster/app-images.ts';
import { applyObjects } from '../../lib/kube/apply.ts';
import { folderSecrets, redactSecrets } from '../../lib/grading/audit.ts';
import { podCauses, restartBaseline } from '../../lib/checks/diagnose-pods.ts';
import { courseSteps, loadLabs } from '../../lib/course/labs.ts';
import { info, step } from '../../lib/core/log.ts';
import { removeSlot, startSlotEdge } from '../../lib/grading/slot-edge.ts';
import { GRADE_LABEL, GradeMap, gradeId, OTHER_OBJECTS, readSubmission, writeGradeState } from '../../lib/grading/submission.ts';

setup.use({ destructive: true });

setup('the submission is deployed in namespaces of its own', async ({ cluster }) => {
  const dir = harnessOptions().manifests;
  const map = new GradeMap(gradeId(dir));
  const { labs, refused } = readSubmission(dir, loadLabs(), map);
  const ns = { luffy: map.namespace('luffy'), default: map.namespace('default') };
  info(`grading ${dir} in namespaces g${map.id}-*, behind an edge of its own`);
  await step(`what an earlier grading of g${map.id} left, removed`, () => removeSlot(cluster.kc, map.id));
  const namespaces = [...new Set([...Object.values(ns), ...labs.flatMap((l) => l.objects.map((o) => o.metadata?.namespace ?? ''))].filter(Boolean))];
  const labels = { 'course-harness/test': 'true', [GRADE_LABEL]: map.id };
  await applyObjects(cluster.kc, namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }) as KubernetesObject));
  // After the namespaces: Traefik reads its namespace selector once, at start.
  const edge = await step(`the slot's own edge (g${map.id}-edge)`, () => startSlotEdge(cluster.kc, map.id, namespaces));
  // The Service checks call from a client pod in the namespace.
  await Promise.all(Object.values(ns).map((namespace) => runPods(cluster, namespace, [echoPod('client', { role: 'client' })])));

  // What the API server says of a Secret may quote its value: none reaches a report.
  const secrets = folderSecrets(dir);
  const errors: Record<string, string[]> = refused.length ? { [`${OTHER_OBJECTS} apply`]: [`not applied while grading (cluster-scoped, or not a kind a course answer uses, so it could reach beyond the submission): ${refused.join(', ')}`] } : {};
  for (const s of courseSteps(cluster.kc, labs, ns, 150_000)) {
    const key = `${s.lab} ${s.phase}`;
    if (s.phase === 'ready' && errors[`${s.lab} apply`]) {
      errors[key] = [`not run: lab ${s.lab} did not apply`];
      continue;
    }
    await step(s.what, s.run).catch(async (err: Error) => {
      const why = [err.message.split('\n')[0]];
      if (s.phase === 'ready' && !err.message.startsWith('not run')) {
        // The pods say why they are not Ready: image, probes, configuration, scheduling.
        const causes: string[] = [];
        for (const namespace of Object.values(ns)) {
          causes.push(...podCauses(await workloadPods(cluster, namespace), (await cluster.core.listNamespacedEvent({ namespace })).items));
        }
        why.push(...causes, ...[pullHint(causes, !!cluster.record?.offline)].filter((h) => h !== undefined));
      }
      (errors[key] ??= []).push(...why.map((w) => redactSecrets(map.unmap(w), secrets)));
    });
  }
  // From here on, a restart is the submission's doing (or the harness's own, which the row that counts them leaves out).
  const restarts = restartBaseline((await Promise.all(Object.values(ns).map((namespace) => workloadPods(cluster, namespace)))).flat());
  writeGradeState({ id: map.id, errors, edge, restarts, hostPaths: map.renamedHostPaths() });
});
