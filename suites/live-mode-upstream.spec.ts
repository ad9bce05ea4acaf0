// Live mode against backends that answer as the course's own images do: the
// class registry's myblog and istio's details and reviews name no pod and
// report no path. The harness's images, told EXTRA_REPORT=off, answer as they
// do; `npm test -- --live` through the read-only verifier then judges the
// routes by their answers, and the one case that cannot be so judged (a 404
// that names no pod) is skipped with its reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import { patchDeployment, rollOut } from '../lib/checks/rollout.ts';
import { removeVerifier, runLive, VERIFIER_LOCK, verifierSession } from '../fixtures/verifier.ts';
import { COURSE_ROUTES } from '../lib/course/routes.ts';

test.use({ destructive: true });
// Runs when no other test does: it rolls luffy's myblog and default's details and reviews (and owns the verifier's objects).
test.describe.configure({ lock: ['-exclusive-', VERIFIER_LOCK] });

test("live mode: the course's routes judged by their answers where the backends name no pod and report no path, as the course's own images", async ({ cluster, courseStack }) => {
  void courseStack;
  // A guard against a hang, not a speed bound: it deploys the upstream images and starts npm test -- --live.
  test.setTimeout(8 * 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'live-upstream-'));
  let objects: KubernetesObject[] = [];
  try {
    const session = await verifierSession(cluster, dir);
    objects = session.objects;
    const { kubeconfig } = session;
    const withoutReport = (off: boolean) =>
      Promise.all(
        ([['luffy', 'myblog'], ['default', 'details'], ['default', 'reviews']] as const).map(([namespace, name]) =>
          rollOut(cluster.kc, namespace, name, () => patchDeployment(cluster.kc, namespace, name, { spec: { template: { spec: { containers: [{ name, env: [off ? { name: 'EXTRA_REPORT', value: 'off' } : { name: 'EXTRA_REPORT', $patch: 'delete' }] }] } } } })),
        ),
      );
    try {
      // Inside the try: a rollout that fails leaves none of the three without its report.
      await withoutReport(true);
      const upstream = await runLive(kubeconfig, join(dir, 'upstream'), '--grep', 'lab (30|40|50)-');
      const routes = COURSE_ROUTES.map((r) => r.title);
      const deeper = routes.find((t) => t.startsWith('the rewrite keeps deeper segments'))!;
      expect(upstream.rows.filter((r) => routes.includes(r.check) && r.check !== deeper && r.result !== 'pass').map((r) => `${r.check}: ${r.detail}`), 'the routes judged by their answers').toEqual([]);
      // A 404 from reviews that names no pod and holds nothing of its own cannot be told from another's: said, not judged.
      expect(upstream.row(deeper)).toMatchObject({ result: 'skipped', detail: expect.stringMatching(/^not judged: \S+: Service reviews's answer \(HTTP 404\) names no pod \(its image sends no X-Pod-Name\) and the case has no text of the backend's own/) });
      expect(upstream.row('bookstore.luffy.com/details/0 reaches details').edges?.Ingress).toContain('judged by its answer: the backend names no pod');
      expect(upstream.row('NodePort Service myblog-np serves the blog list on every node').result).toBe('pass');
    } finally {
      await withoutReport(false);
    }
  } finally {
    await removeVerifier(cluster, objects);
    rmSync(dir, { recursive: true, force: true });
  }
});
