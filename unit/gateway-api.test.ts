import { expect, test } from '@playwright/test';
import { auditText, formatFinding } from '../lib/grading/audit.ts';
import type { V1Service } from '@kubernetes/client-node';
import { backendRefCauses, gatewayPathMatches, gatewayRewriteNote, gatewayRouteCauses, listenersFor, matchingHttpRoutes, parentRefCauses, referenceGranted, rewrittenPath } from '../lib/checks/diagnose-gateway.ts';
import { GATEWAY_API, type Gateway, type HTTPRoute, type HTTPRouteRule, type ReferenceGrant } from '../lib/cluster/gateway-api.ts';
import { goModuleSource } from '../lib/offline/go-build.ts';
import { gatewaySchemasKnown, unknownFields } from '../lib/grading/gateway-audit.ts';

const gateway: Gateway = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'course', namespace: 'luffy' },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [
      { name: 'http', protocol: 'HTTP', port: 8080, hostname: '*.luffy.com' },
      { name: 'https', protocol: 'HTTPS', port: 8443, hostname: '*.luffy.com', tls: { certificateRefs: [{ name: 'tls-myblog' }] } },
    ],
  },
  status: { conditions: [{ type: 'Programmed', status: 'True' }], listeners: [{ name: 'http', conditions: [{ type: 'Programmed', status: 'True' }] }, { name: 'https', conditions: [{ type: 'ResolvedRefs', status: 'False', reason: 'InvalidCertificateRef', message: 'secret luffy/tls-myblog not found' }] }] },
};
const route = (name: string, hostnames: string[], rules: HTTPRoute['spec']['rules'], accepted = true): HTTPRoute => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: { parentRefs: [{ name: 'course', namespace: 'luffy' }], hostnames, rules },
  status: { parents: [{ parentRef: { name: 'course', namespace: 'luffy' }, controllerName: 'traefik.io/gateway-controller', conditions: [{ type: 'Accepted', status: accepted ? 'True' : 'False', reason: accepted ? 'Accepted' : 'NoMatchingListenerHostname', message: accepted ? '' : 'no listener matches' }] }] },
});

test('Gateway API path matching: PathPrefix by whole segments, Exact, RegularExpression', () => {
  expect(gatewayPathMatches({ type: 'PathPrefix', value: '/api/reviews' }, '/api/reviews/7')).toBe(true);
  expect(gatewayPathMatches({ type: 'PathPrefix', value: '/api/reviews' }, '/api/reviews')).toBe(true);
  expect(gatewayPathMatches({ type: 'PathPrefix', value: '/api/reviews/' }, '/api/reviews')).toBe(true);
  expect(gatewayPathMatches({ type: 'PathPrefix', value: '/api/reviews' }, '/api/reviewsx')).toBe(false);
  expect(gatewayPathMatches({ type: 'Exact', value: '/a' }, '/a/b')).toBe(false);
  expect(gatewayPathMatches({ type: 'RegularExpression', value: '/a/[0-9]+' }, '/a/12')).toBe(true);
  expect(gatewayPathMatches(undefined, '/anything')).toBe(true);
});

test('gatewayRouteCauses: the listener and route conditions as the controller wrote them, and no rule for the path', () => {
  const bookstore = route('bookstore', ['bookstore.luffy.com'], [{ matches: [{ path: { type: 'PathPrefix', value: '/details' } }], backendRefs: [{ name: 'details', port: 9080 }] }]);
  expect(matchingHttpRoutes([bookstore], { name: 'course', namespace: 'luffy' }, 'bookstore.luffy.com', '/details/0')).toHaveLength(1);
  expect(gatewayRouteCauses(gateway, [bookstore], 'bookstore.luffy.com', '/details/0', 'http')).toEqual([]);
  expect(gatewayRouteCauses(gateway, [bookstore], 'bookstore.luffy.com', '/details/0', 'https')).toEqual(['Gateway luffy/course listener https: ResolvedRefs False (InvalidCertificateRef: secret luffy/tls-myblog not found)']);
  expect(gatewayRouteCauses(gateway, [bookstore], 'bookstore.luffy.com', '/reviews/0', 'http')).toEqual([
    'no HTTPRoute attached to Gateway luffy/course routes bookstore.luffy.com/reviews/0 (the routes are bookstore.luffy.com/details (PathPrefix))',
  ]);
  const elsewhere = route('web', ['web.example.org'], [{ backendRefs: [{ name: 'web' }] }], false);
  expect(gatewayRouteCauses(gateway, [elsewhere], 'web.example.org', '/', 'http')).toEqual([
    'Gateway luffy/course has no HTTP listener for web.example.org (listeners: http HTTP *.luffy.com:8080, https HTTPS *.luffy.com:8443)',
    'HTTPRoute web: Accepted False (NoMatchingListenerHostname: no listener matches)',
  ]);
  // An HTTPS listener with tls.options only: the certificate presented could be checked against nothing.
  const optionsOnly: Gateway = { ...gateway, spec: { ...gateway.spec, listeners: [gateway.spec.listeners[0], { ...gateway.spec.listeners[1], tls: { options: { 'example.com/min-version': '1.2' } } }] } };
  expect(gatewayRouteCauses(optionsOnly, [bookstore], 'bookstore.luffy.com', '/details/0', 'https')).toContain('Gateway luffy/course listener https names no certificate (tls.certificateRefs) for bookstore.luffy.com');
  expect(gatewayRouteCauses({ ...gateway, status: undefined }, [], 'a.luffy.com', '/', 'http')[0]).toBe('Gateway luffy/course has no status: no controller of GatewayClass traefik has taken it');
});

test('the audit of HTTPRoutes: ReplacePrefixMatch without one PathPrefix match, no parentRefs, fields the standard channel lacks', async () => {
  await goModuleSource(GATEWAY_API.module, GATEWAY_API.version); // the schemas come from the module (Go's proxy or its cache)
  const text = [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: HTTPRoute',
    'metadata:',
    '  name: r',
    'spec:',
    '  rules:',
    '  - matches:',
    '    - path:',
    '        type: Exact',
    '        value: /api/reviews',
    '    filters:',
    '    - type: URLRewrite',
    '      urlRewrite:',
    '        path:',
    '          type: ReplacePrefixMatch',
    '          replacePrefixMatch: /reviews',
    '    sessionPersistence:',
    '      sessionName: s',
  ].join('\n');
  const found = auditText(text, 'r.yaml').map(formatFinding);
  expect(found).toContain('r.yaml:5: HTTPRoute/r: no parentRefs: the route attaches to no Gateway, so nothing serves it');
  expect(found).toContain('r.yaml:16: HTTPRoute/r: rules[0] uses ReplacePrefixMatch without exactly one PathPrefix match (Exact /api/reviews): the API server refuses it');
  expect(gatewaySchemasKnown(), 'the standard CRDs were found in the Go module cache').toBe(true);
  expect(found).toContain("r.yaml:17: HTTPRoute/r: spec.rules[0].sessionPersistence is not a field of HTTPRoute in Gateway API v1.5.1's standard channel (experimental only, or misspelled)");
  expect(auditText('apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata:\n  name: t\n', 't.yaml').map(formatFinding)).toEqual([
    "t.yaml:1: TCPRoute/t: TCPRoute is not in Gateway API v1.5.1's standard channel (experimental only, or no such kind)",
  ]);
  expect(unknownFields({ spec: { a: 1, b: { c: [{ d: 1, e: 2 }] } } }, { properties: { spec: { properties: { a: {}, b: { properties: { c: { items: { properties: { d: {} } } } } } } } } })).toEqual(['spec.b.c[0].e']);
});

test('gatewayRouteCauses: an unresolved backend of another rule of the same route is not a cause for this path', () => {
  const r = route('bookstore', ['bookstore.luffy.com'], [
    { matches: [{ path: { type: 'PathPrefix', value: '/reviews' } }], backendRefs: [{ name: 'reviews', port: 9080 }] },
    { matches: [{ path: { type: 'PathPrefix', value: '/details' } }], backendRefs: [{ name: 'details', port: 9080 }] },
  ]);
  r.status!.parents![0].conditions!.push({ type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: 'service "details" not found' });
  expect(gatewayRouteCauses(gateway, [r], 'bookstore.luffy.com', '/reviews/0', 'http')).toEqual([]);
  expect(gatewayRouteCauses(gateway, [r], 'bookstore.luffy.com', '/details/0', 'http')).toEqual(['HTTPRoute bookstore: ResolvedRefs False (BackendNotFound: service "details" not found)']);
});

test('parentRefCauses: a sectionName or port that names no listener of the Gateway', () => {
  const web = route('web', ['web.luffy.com'], [{ backendRefs: [{ name: 'web', port: 80 }] }]);
  web.spec.parentRefs = [{ name: 'course', namespace: 'luffy', sectionName: 'https-x' }];
  expect(parentRefCauses([web], [gateway])).toEqual(['HTTPRoute web parentRef sectionName https-x matches no listener of Gateway luffy/course (its listeners: http, https)']);
  web.spec.parentRefs = [{ name: 'course', namespace: 'luffy', port: 80 }];
  expect(parentRefCauses([web], [gateway])).toEqual(['HTTPRoute web parentRef port 80 matches no listener of Gateway luffy/course (its listeners: http 8080, https 8443)']);
  web.spec.parentRefs = [{ name: 'course', namespace: 'luffy', sectionName: 'https', port: 8443 }];
  expect(parentRefCauses([web], [gateway])).toEqual([]);
  // gatewayRouteCauses says it too, and a route attached to the HTTPS listener only is not taken for HTTP.
  web.spec.parentRefs = [{ name: 'course', namespace: 'luffy', sectionName: 'https-x' }];
  expect(gatewayRouteCauses(gateway, [web], 'web.luffy.com', '/', 'http')).toContain('HTTPRoute web parentRef sectionName https-x matches no listener of Gateway luffy/course (its listeners: http, https)');
  web.spec.parentRefs = [{ name: 'course', namespace: 'luffy', sectionName: 'https' }];
  expect(gatewayRouteCauses(gateway, [web], 'web.luffy.com', '/', 'http')).toEqual([
    'HTTPRoute web attaches only to listener https of Gateway luffy/course (its parentRef\'s sectionName or port), and http://web.luffy.com is taken by listener http',
    'no HTTPRoute attached to Gateway luffy/course routes web.luffy.com/ (no HTTPRoute is attached to it)',
  ]);
  expect(matchingHttpRoutes([web], { name: 'course', namespace: 'luffy' }, 'web.luffy.com', '/', listenersFor(gateway, 'web.luffy.com', 'https'))).toHaveLength(1);
  expect(matchingHttpRoutes([web], { name: 'course', namespace: 'luffy' }, 'web.luffy.com', '/', listenersFor(gateway, 'web.luffy.com', 'http'))).toHaveLength(0);
});

const svc = (namespace: string, name: string, ...ports: number[]): V1Service => ({ metadata: { name, namespace }, spec: { ports: ports.map((port) => ({ port })) } });
const grant = (namespace: string, from: string, name?: string): ReferenceGrant => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { name: 'g', namespace },
  spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: from }], to: [{ group: '', kind: 'Service', ...(name ? { name } : {}) }] },
});

test('backendRefCauses: a port the Service lacks, a Service that does not exist, another namespace without a ReferenceGrant', () => {
  const web = (ref: NonNullable<HTTPRouteRule['backendRefs']>[number]) => {
    const r = route('web', ['web.luffy.com'], [{ backendRefs: [ref] }]);
    r.metadata!.namespace = 'luffy';
    return [{ route: r, rule: r.spec.rules![0] }];
  };
  const services = [svc('luffy', 'reviews', 80), svc('default', 'reviews', 9080)];
  expect(backendRefCauses(web({ name: 'reviews', port: 9080 }), services, [])).toEqual(['HTTPRoute web sends to Service reviews port 9080, which it does not have (its ports: 80)']);
  expect(backendRefCauses(web({ name: 'reviews', port: 80 }), services, [])).toEqual([]);
  expect(backendRefCauses(web({ name: 'ratings', port: 9080 }), services, [])).toEqual(['HTTPRoute web sends to Service ratings, which does not exist in luffy']);
  const across = web({ name: 'reviews', namespace: 'default', port: 9080 });
  expect(backendRefCauses(across, services, [])).toEqual(['HTTPRoute web sends to Service default/reviews in another namespace, and no ReferenceGrant in default allows HTTPRoutes of luffy to refer to it']);
  // A grant in the Service's namespace, for the route's namespace, to every Service or this one, makes it valid.
  expect(backendRefCauses(across, services, [grant('default', 'luffy')])).toEqual([]);
  expect(backendRefCauses(across, services, [grant('default', 'luffy', 'reviews')])).toEqual([]);
  // Not: a grant for another Service, from another namespace, or in the route's namespace.
  for (const g of [grant('default', 'luffy', 'details'), grant('default', 'other'), grant('luffy', 'luffy')]) expect(backendRefCauses(across, services, [g])).toHaveLength(1);
  expect(backendRefCauses(web({ name: 'reviews', namespace: 'default', port: 80 }), services, [grant('default', 'luffy')])).toEqual([
    'HTTPRoute web sends to Service default/reviews port 80, which it does not have (its ports: 9080)',
  ]);
  expect(referenceGranted([grant('default', 'luffy')], 'luffy', { namespace: 'default', name: 'tls', kind: 'Secret' })).toBe(false);
  // Other kinds of backend are not judged.
  expect(backendRefCauses(web({ name: 'bucket', kind: 'Bucket', group: 'example.com' }), services, [])).toEqual([]);
});

test('rewrittenPath: ReplacePrefixMatch by whole segments as the spec table, ReplaceFullPath, unchanged without a rewrite', () => {
  const prefix = (value: string, replacePrefixMatch: string): HTTPRouteRule => ({
    matches: [{ path: { type: 'PathPrefix', value } }],
    filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch } } }],
  });
  const rewrite = (value: string, replace: string, path: string) => rewrittenPath(prefix(value, replace), undefined, path);
  expect(rewrite('/api/reviews', '/reviews', '/api/reviews/7')).toBe('/reviews/7');
  expect(rewrite('/api/reviews', '/reviews', '/api/reviews')).toBe('/reviews');
  expect(rewrite('/api/reviews', '/reviews', '/api/reviews/0/extra')).toBe('/reviews/0/extra');
  expect(rewrite('/api/reviews', '/reviews', '/api/reviews/')).toBe('/reviews/');
  expect(rewrite('/api/reviews/', '/reviews', '/api/reviews/7')).toBe('/reviews/7');
  expect(rewrite('/api/reviews/', '/reviews', '/api/reviews')).toBe('/reviews');
  expect(rewrite('/api/reviews/', '/reviews/', '/api/reviews/7')).toBe('/reviews/7');
  expect(rewrite('/api/reviews', '/reviews/', '/api/reviews/7?x=1')).toBe('/reviews/7?x=1');
  expect(rewrite('/api/reviews', '/reviews', '/api/reviewsx/7')).toBe('/api/reviewsx/7'); // not taken: segments
  // The spec's table (HTTPPathModifier.ReplacePrefixMatch).
  const table: [string, string, string, string][] = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
  ];
  for (const [path, value, replace, want] of table) expect(rewrite(value, replace, path), `${path} with prefix ${value} -> ${replace}`).toBe(want);
  expect(rewrite('/', '/app', '/x/y')).toBe('/app/x/y');
  const full: HTTPRouteRule = { matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' } } }] };
  expect(rewrittenPath(full, full.matches![0], '/old/a/b')).toBe('/new');
  expect(rewrittenPath({ matches: [{ path: { type: 'PathPrefix', value: '/reviews' } }] }, undefined, '/reviews/7')).toBe('/reviews/7');
  const r = route('reviews-rewrite', ['bookstore.luffy.com'], [prefix('/api/reviews', '/reviews')]);
  expect(gatewayRewriteNote(r, r.spec.rules![0], '/api/reviews/7')).toBe('HTTPRoute reviews-rewrite rewrites /api/reviews/7 to /reviews/7');
  expect(gatewayRewriteNote(r, { backendRefs: [] }, '/reviews/7')).toBe('HTTPRoute reviews-rewrite passes /reviews/7 unchanged');
});

test('matchingHttpRoutes: the match that serves first (Exact, then the longest prefix), with the match that took the path', () => {
  const all = route('all', ['bookstore.luffy.com'], [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'productpage', port: 9080 }] }]);
  const api = route('api', ['bookstore.luffy.com'], [
    { matches: [{ path: { type: 'PathPrefix', value: '/api' } }, { path: { type: 'PathPrefix', value: '/api/reviews' } }], backendRefs: [{ name: 'reviews', port: 9080 }] },
    { matches: [{ path: { type: 'Exact', value: '/api/reviews/7' } }], backendRefs: [{ name: 'seven', port: 9080 }] },
  ]);
  const m = matchingHttpRoutes([all, api], { name: 'course', namespace: 'luffy' }, 'bookstore.luffy.com', '/api/reviews/7');
  expect(m.map((x) => `${x.route.metadata?.name} ${x.match.path?.type} ${x.match.path?.value}`)).toEqual(['api Exact /api/reviews/7', 'api PathPrefix /api/reviews', 'all PathPrefix /']);
});
