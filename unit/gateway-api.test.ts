import { expect, test } from '@playwright/test';
import { auditText, formatFinding } from '../scripts/lib/audit.ts';
import { gatewayPathMatches, gatewayRouteCauses, matchingHttpRoutes } from '../scripts/lib/diagnose.ts';
import { GATEWAY_API, type Gateway, type HTTPRoute } from '../scripts/lib/gateway-api.ts';
import { goModuleSource } from '../scripts/lib/offline/go-build.ts';
import { gatewaySchemasKnown, unknownFields } from '../scripts/lib/gateway-audit.ts';

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
