// The read-only verifier (manifests/verifier/rbac.yaml) and `npm run
// cluster:facts` run through it as a real course cluster would be reached:
// a ServiceAccount's token from an exec plugin, the CA as a file, a context
// name of its own. The facts are compared with what the harness's own
// client reads; a ServiceAccount without the binding gets every fact
// refused with the verb and resource named, none hiding another; a
// namespace without the course is named.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import { applyVerifier, removeVerifier, VERIFIER, VERIFIER_LOCK, verifierKubeconfig } from '../fixtures/verifier.ts';
import { attempt } from '../lib/core/exec.ts';

test.use({ destructive: true });
// It owns the verifier's ClusterRole and namespace course-verifier, as the live-mode files do; it only reads the rest.
test.describe.configure({ lock: VERIFIER_LOCK });

const facts = async (kubeconfig: string, ...args: string[]) => {
  const r = await attempt('npx', ['tsx', 'scripts/cluster-facts.ts', '--kubeconfig', kubeconfig, ...args]);
  return { exitCode: r.exitCode, lines: String(r.stdout).split('\n').filter(Boolean), stderr: String(r.stderr) };
};

test('the read-only verifier: cluster:facts through a ServiceAccount kubeconfig reads kube-proxy\'s mode, the ingress controller and its node, and MySQL\'s node; the verifier may write nothing', async ({ cluster, ns, courseStack }) => {
  void courseStack;
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'verifier-'));
  let objects: KubernetesObject[] = [];
  try {
    objects = await applyVerifier(cluster);
    await cluster.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });

    // Read-only by construction: the API server's authorizer, asked for the verifier.
    const authz = cluster.kc.makeApiClient(AuthorizationV1Api);
    const may = async (verb: string, resource: string, namespace?: string, group = '', name?: string): Promise<boolean> =>
      (await authz.createSubjectAccessReview({ body: { spec: { user: VERIFIER, groups: ['system:serviceaccounts', 'system:serviceaccounts:course-verifier', 'system:authenticated'], resourceAttributes: { verb, resource: resource.split('/')[0], subresource: resource.split('/')[1], group, namespace, name } } } })).status!.allowed;
    // The authorizer learns of a new binding through its informer: the first answer is awaited.
    await expect.poll(() => may('list', 'pods', 'luffy'), { message: 'the verifier may list pods once its binding is known', timeout: 30_000 }).toBe(true);
    for (const [verb, resource, namespace, group, name] of [
      ['get', 'pods/log', 'kube-system'],
      ['get', 'deployments', 'luffy', 'apps'],
      ['list', 'ingressclasses', undefined, 'networking.k8s.io'],
      ['list', 'nodes', undefined],
      ['get', 'configmaps', 'kube-system', '', 'kube-proxy'],
    ] as [string, string, string | undefined, string?, string?][])
      expect(await may(verb, resource, namespace, group, name), `the verifier may ${verb} ${resource} in ${namespace ?? 'the cluster'}`).toBe(true);
    for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection'])
      for (const [resource, group] of [['pods', ''], ['deployments', 'apps'], ['services', ''], ['ingresses', 'networking.k8s.io'], ['configmaps', ''], ['pods/exec', '']])
        expect(await may(verb, resource, 'luffy', group), `the verifier may not ${verb} ${resource}`).toBe(false);
    for (const [verb, resource, namespace, name] of [['get', 'secrets', 'luffy'], ['list', 'configmaps', 'kube-system'], ['get', 'configmaps', 'kube-system', 'kubeadm-config'], ['get', 'pods/log', 'luffy']] as [string, string, string, string?][])
      expect(await may(verb, resource, namespace, '', name), `the verifier may not ${verb} ${resource} ${name ?? ''} in ${namespace}`).toBe(false);

    // The facts through the verifier, against what the harness's own client reads.
    const verifier = await verifierKubeconfig(cluster, dir, 'course-verifier', 'verifier');
    const seen = await facts(verifier);
    const mode = /^mode:\s*"?(\w*)"?/m.exec((await cluster.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' })).data!['config.conf'])?.[1] || 'iptables';
    const nodes = (await cluster.core.listNode()).items;
    const labelled = (k: string, v: string) => nodes.filter((n) => n.metadata?.labels?.[k] === v).map((n) => n.metadata!.name!);
    const mysql = (await cluster.core.listNamespacedPod({ namespace: 'luffy', labelSelector: 'app=mysql' })).items[0];
    expect(seen.lines[0]).toBe(`INFO the cluster: ${cluster.kc.getCurrentCluster()!.server} (context course-cluster), Kubernetes ${cluster.record!.kubernetesVersion}`);
    expect(seen.lines[1]).toMatch(/^PASS namespace luffy exists: created /);
    expect(seen.lines[2]).toContain(`${mode === 'ipvs' ? 'PASS' : 'FAIL'} kube-proxy runs in ipvs mode (the course's mode): `);
    expect(seen.lines[2]).toContain(`ConfigMap kube-proxy mode "${mode}"; ${nodes.length} kube-proxy pod(s) log "Using ${mode} Proxier"`);
    expect(seen.lines[3]).toMatch(new RegExp(`^PASS an ingress controller runs on the node labelled ingress=true: (Traefik|ingress-nginx) v[\\d.]+ \\(pod [\\w-]+/[\\w-]+\\) on ${labelled('ingress', 'true')[0]}; IngressClass `));
    // Every IngressClass of the cluster, the course's among them: a grading slot's edge graded beside this test adds its own.
    expect(seen.lines[3]).toMatch(/; IngressClass (.+, )?nginx \(controller k8s\.io\/ingress-nginx\)(, |; )/);
    expect(seen.lines[4]).toBe(
      `PASS MySQL (Deployment luffy/mysql) runs on the node labelled component=mysql, where its hostPath data is: hostPath /opt/mysql/data; pod ${mysql.metadata!.name} on ${mysql.spec!.nodeName}; nodes labelled component=mysql: ${labelled('component', 'mysql').join(', ')}`,
    );
    expect(seen.lines).toHaveLength(5);
    expect(seen.exitCode, 'exit 1 exactly when a fact fails').toBe(seen.lines.some((l) => l.startsWith('FAIL')) ? 1 : 0);

    // A namespace without the course: named, and the other facts still judged.
    const empty = await facts(verifier, '--namespace', ns);
    expect(empty.lines[1]).toMatch(new RegExp(`^PASS namespace ${ns} exists: created `));
    expect(empty.lines[4]).toBe(`FAIL MySQL (Deployment ${ns}/mysql) runs on the node labelled component=mysql, where its hostPath data is: Deployment ${ns}/mysql not found; nodes labelled component=mysql: ${labelled('component', 'mysql').join(', ')}`);
    expect(empty.lines[3]).toMatch(/^PASS an ingress controller/);
    const missing = await facts(verifier, '--namespace', 'no-such-course');
    expect(missing.lines[1]).toBe('FAIL namespace no-such-course exists: namespace no-such-course not found');
    expect(missing.exitCode).toBe(1);

    // A ServiceAccount without the binding: every fact refused with its verb and resource, none hiding another.
    const refused = await facts(await verifierKubeconfig(cluster, dir, ns, 'nobody'));
    expect(refused.lines).toHaveLength(5);
    expect(refused.lines[0]).toMatch(/^INFO the cluster: /); // /version is public to every authenticated user
    const who = `User "system:serviceaccount:${ns}:nobody"`;
    expect(refused.lines[1]).toContain(`FAIL namespace luffy exists: not allowed: namespaces "luffy" is forbidden: ${who} cannot get resource "namespaces"`);
    expect(refused.lines[2]).toContain(`FAIL kube-proxy runs in ipvs mode (the course's mode): not allowed: configmaps "kube-proxy" is forbidden: ${who} cannot get resource "configmaps" in API group "" in the namespace "kube-system"`);
    expect(refused.lines[3]).toContain(`not allowed: nodes is forbidden: ${who} cannot list resource "nodes"`);
    expect(refused.lines[4]).toContain(`not allowed: nodes is forbidden: ${who} cannot list resource "nodes"`);
    expect(refused.exitCode).toBe(1);

    // Bad input: one line, no stack.
    const bad = await facts(join(dir, 'no-such-kubeconfig'));
    expect(bad.stderr.trim()).toBe(`error: --kubeconfig: ${join(dir, 'no-such-kubeconfig')} is not a file`);
    expect(bad.exitCode).toBe(2);
  } finally {
    await removeVerifier(cluster, objects);
    rmSync(dir, { recursive: true, force: true });
  }
});
