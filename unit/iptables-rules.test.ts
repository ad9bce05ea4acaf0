import { expect, test } from '@playwright/test';
import { rulesProblems, serviceRules } from '../lib/kube/iptables-rules.ts';

// As kube-proxy v1.34 writes them (pkg/proxy/iptables), for Service t/web port 80 with three endpoints.
const SAVE = `*nat
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -d 10.96.12.34/32 -p tcp -m comment --comment "t/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEBWEBWEBWEBWEB1
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-WEBWEBWEBWEBWEB1 ! -s 10.244.0.0/16 -d 10.96.12.34/32 -p tcp -m comment --comment "t/web cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-WEBWEBWEBWEBWEB1 -m comment --comment "t/web -> 10.244.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-AAAAAAAAAAAAAAAA
-A KUBE-SVC-WEBWEBWEBWEBWEB1 -m comment --comment "t/web -> 10.244.2.6:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-BBBBBBBBBBBBBBBB
-A KUBE-SVC-WEBWEBWEBWEBWEB1 -m comment --comment "t/web -> 10.244.2.7:8080" -j KUBE-SEP-CCCCCCCCCCCCCCCC
-A KUBE-SEP-AAAAAAAAAAAAAAAA -s 10.244.1.5/32 -m comment --comment "t/web" -j KUBE-MARK-MASQ
-A KUBE-SEP-AAAAAAAAAAAAAAAA -p tcp -m comment --comment "t/web" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m comment --comment "t/web" -m tcp -j DNAT --to-destination 10.244.2.6:8080
-A KUBE-SEP-CCCCCCCCCCCCCCCC -p tcp -m comment --comment "t/web" -m tcp -j DNAT --to-destination 10.244.2.7:8080
COMMIT
`;
const ENDPOINTS = ['10.244.1.5:8080', '10.244.2.6:8080', '10.244.2.7:8080'];

test('serviceRules: the ClusterIP entry, its KUBE-SVC chain, one KUBE-SEP per endpoint with 1/n, 1/(n-1), ..., and the DNAT of each', () => {
  const rules = serviceRules(SAVE, 't', 'web', 80)!;
  expect(rules).toMatchObject({ clusterIP: '10.96.12.34', port: 80, chain: 'KUBE-SVC-WEBWEBWEBWEBWEB1' });
  expect(rules.endpoints.map((e) => [e.probability, e.to])).toEqual([
    [0.33333333349, '10.244.1.5:8080'],
    [0.5, '10.244.2.6:8080'],
    [undefined, '10.244.2.7:8080'],
  ]);
  expect(rulesProblems(rules, ENDPOINTS, 't/web:80')).toEqual([]);
});

test('rulesProblems: a missing endpoint, a wrong probability, a DNAT elsewhere, no rule at all', () => {
  const rules = serviceRules(SAVE, 't', 'web', 80)!;
  expect(rulesProblems(rules, [...ENDPOINTS, '10.244.1.9:8080'], 't/web:80')).toEqual([
    'KUBE-SVC-WEBWEBWEBWEBWEB1 has 3 KUBE-SEP chains for 4 Ready endpoints',
    'the KUBE-SEP chains DNAT to 10.244.1.5:8080, 10.244.2.6:8080, 10.244.2.7:8080, the Ready endpoints are 10.244.1.5:8080, 10.244.1.9:8080, 10.244.2.6:8080, 10.244.2.7:8080',
  ]);
  const skewed = serviceRules(SAVE.replace('0.50000000000', '0.25000000000'), 't', 'web', 80);
  expect(rulesProblems(skewed, ENDPOINTS, 't/web:80')).toEqual(['KUBE-SEP-BBBBBBBBBBBBBBBB (rule 2 of 3) has probability 0.25, not 1/2']);
  expect(rulesProblems(serviceRules(SAVE, 't', 'other', 80), ENDPOINTS, 't/other:80')).toEqual(['no KUBE-SERVICES rule for t/other:80']);
});
