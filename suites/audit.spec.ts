// The manifest audit's server-side dry-run: the harness's manifests are all
// accepted by the API server; the seed's ingress-nginx mandatory.yaml (rbac
// v1beta1) is not, and each rejection names the file, line and object.
import { join } from 'node:path';
import { expect, servesGatewayApi, test } from '../fixtures/cluster.ts';
import { VERIFIER_LOCK } from '../fixtures/verifier.ts';
import { dryRunPath, formatFinding } from '../lib/grading/audit.ts';
import { MANIFESTS } from '../lib/course/labs.ts';

// Each test a job of its own: Playwright gives a file's tests, and so their locks, to one job otherwise.
test.describe.configure({ mode: 'parallel' });

// manifests/verifier is dry-run too: not while the verifier's files tear its namespaces down (a create in a terminating namespace is refused).
test('every manifest in manifests/ (labs and pod labs) passes a server-side dry-run', { lock: VERIFIER_LOCK }, async ({ cluster, courseStack }, testInfo) => {
  void courseStack;
  const findings = (await dryRunPath(cluster.kc, MANIFESTS)).map(formatFinding);
  if (servesGatewayApi(cluster)) expect(findings).toEqual([]);
  else {
    // ingress-nginx serves no Gateway API, so its cluster has no such kinds: lab 60 alone is refused, for that reason.
    testInfo.annotations.push({ type: 'note', description: 'lab 60-gateway-api is not served by this cluster (ingress-nginx); the other labs pass' });
    expect(findings.filter((f) => !f.includes('60-gateway-api/'))).toEqual([]);
  }
});

test("the seed's mandatory.yaml is rejected by the API server: its four rbac v1beta1 objects", async ({ cluster }) => {
  const findings = (await dryRunPath(cluster.kc, join(import.meta.dirname, '../unit/fixtures/seed-manifests/44-ingress-nginx-mandatory.yaml'))).map(formatFinding);
  expect(findings).toHaveLength(4);
  expect(findings[0]).toMatch(/44-ingress-nginx-mandatory\.yaml:51: ClusterRole\/nginx-ingress-clusterrole: the API server rejects it/);
});
