import { expect, test } from '@playwright/test';
import { checkContext, fingerprint, type ClusterIdentity, type KubeconfigFacts } from '../lib/kube/context-guard.ts';

const identity: ClusterIdentity = {
  kubeconfigPath: '/home/u/.cache/course-harness/clusters/course-harness/kubeconfig',
  context: 'kind-course-harness',
  server: 'https://127.0.0.1:40123',
  caFingerprint: fingerprint('Q0EtREFUQQ=='),
};
const ours: KubeconfigFacts = { path: identity.kubeconfigPath, currentContext: identity.context, server: identity.server, caData: 'Q0EtREFUQQ==' };
const strict = { allowForeignContext: false, destructive: false };

test("the harness's own kubeconfig, context, server and CA are allowed", () => {
  expect(checkContext(ours, identity, strict)).toEqual({ allowed: true, foreign: false });
  expect(checkContext(ours, identity, { allowForeignContext: false, destructive: true })).toEqual({ allowed: true, foreign: false });
});

test('anything else is refused, saying what differs', () => {
  const cases: [Partial<KubeconfigFacts>, RegExp][] = [
    [{ path: '/home/u/.kube/config' }, /kubeconfig \/home\/u\/\.kube\/config is not the harness's own/],
    [{ currentContext: 'prod' }, /context "prod" is not the harness's context "kind-course-harness"/],
    [{ server: 'https://10.0.0.1:6443' }, /points at https:\/\/10\.0\.0\.1:6443/],
    [{ caData: 'b3RoZXI=' }, /different cluster CA/],
    [{ caData: undefined }, /different cluster CA/],
  ];
  for (const [change, reason] of cases) {
    const r = checkContext({ ...ours, ...change }, identity, strict);
    expect(r.allowed).toBe(false);
    if (!r.allowed) {
      expect(r.reason).toMatch(reason);
      expect(r.reason).toContain('--allow-foreign-context');
    }
  }
});

test('no record of a harness cluster: refused', () => {
  const r = checkContext(ours, undefined, strict);
  expect(r).toMatchObject({ allowed: false });
  if (!r.allowed) expect(r.reason).toContain('npm run cluster:up');
});

test('--allow-foreign-context lets read-only suites run and still refuses destructive ones', () => {
  const foreign = { ...ours, currentContext: 'school-cluster', server: 'https://10.1.2.3:6443' };
  expect(checkContext(foreign, identity, { allowForeignContext: true, destructive: false })).toEqual({ allowed: true, foreign: true });
  const r = checkContext(foreign, identity, { allowForeignContext: true, destructive: true });
  expect(r.allowed).toBe(false);
  if (!r.allowed) expect(r.reason).toContain('destructive suites never run on a foreign cluster');
});
