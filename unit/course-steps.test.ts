import { expect, test } from '@playwright/test';
import type { KubeConfig } from '@kubernetes/client-node';
import { courseSteps, loadLabs, withoutGatewayApi } from '../lib/course/labs.ts';

// The steps are only listed here, never run against a cluster, except those
// that fail before touching one.
const kc = {} as KubeConfig;

test("courseSteps: the course's order, with the steps it does by hand between the labs", () => {
  const steps = courseSteps(kc, loadLabs()).map((s) => `${s.lab} ${s.phase}: ${s.what}`);
  expect(steps).toEqual([
    '01-namespace apply: lab 01-namespace',
    '10-config apply: lab 10-config',
    '20-deployments apply: lab 20-deployments',
    '30-services apply: lab 30-services',
    '20-deployments ready: mysql ready, then python3 manage.py migrate in a myblog pod (luffy)',
    '40-ingress-myblog apply: TLS secret tls-myblog for myblog.luffy.com in luffy (openssl: made now, or kept if one for these hosts is there)',
    '40-ingress-myblog apply: lab 40-ingress-myblog',
    '50-bookstore apply: lab 50-bookstore',
    '50-bookstore ready: bookinfo details and reviews available (default)',
    '60-gateway-api apply: lab 60-gateway-api',
    '60-gateway-api ready: Gateway course Programmed, its HTTPRoutes Accepted',
  ]);
  expect(courseSteps(kc, withoutGatewayApi(loadLabs())).map((s) => s.lab)).not.toContain('60-gateway-api');
});

test('courseSteps: labs that define tls-myblog get no generated one; a wait for an undefined Deployment fails at once', async () => {
  const labs = loadLabs().map((l) => ({ ...l, objects: l.objects.filter((o) => o.metadata?.name !== 'details') }));
  labs.find((l) => l.name.startsWith('40-'))!.objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls-myblog', namespace: 'luffy' } });
  const steps = courseSteps(kc, labs, { luffy: 'g1-luffy', default: 'g1-default' });
  expect(steps.some((s) => s.what.startsWith('TLS secret'))).toBe(false);
  await expect(steps.find((s) => s.what.startsWith('bookinfo'))!.run()).rejects.toThrow('not run: no lab defines Deployment/details');
});
