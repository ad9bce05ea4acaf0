import { expect, test } from '@playwright/test';
import { ipvsMismatches, parseIpVs } from '../lib/kube/ipvs.ts';

// A table as the kernel prints it for a kube-proxy in ipvs mode (layout of
// net/netfilter/ipvs/ip_vs_ctl.c): the kubernetes Service on 10.96.0.1:443,
// kube-dns on 10.96.0.10:53 over UDP and TCP with two CoreDNS pods, an IPv6
// Service, and a firewall-mark service.
const TABLE = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  0A600001:01BB rr 
  -> AC120003:192B      Masq    1      2          0         
UDP  0A60000A:0035 rr 
  -> 0AF40002:0035      Masq    1      0          3         
  -> 0AF40003:0035      Masq    1      0          1         
TCP  0A60000A:0035 rr 
  -> 0AF40002:0035      Masq    1      0          0         
  -> 0AF40003:0035      Masq    1      0          0         
TCP  0A600080:0050 rr persistent 10800 FFFFFFFF
TCP  [fd00:0010:0096:0000:0000:0000:0000:0001]:01BB rr 
  -> [fd00:0010:0244:0001:0000:0000:0000:0005]:1F90    Masq    1      0          0         
FWM  00000001 wlc 
  -> 0AF40004:0050      Route   2      0          0         
`;

test('parseIpVs: virtual servers with their real servers, addresses decoded from hex', () => {
  expect(parseIpVs(TABLE)).toEqual([
    { protocol: 'TCP', address: '10.96.0.1:443', scheduler: 'rr', reals: [{ address: '172.18.0.3:6443', forward: 'Masq', weight: 1 }] },
    {
      protocol: 'UDP',
      address: '10.96.0.10:53',
      scheduler: 'rr',
      reals: [
        { address: '10.244.0.2:53', forward: 'Masq', weight: 1 },
        { address: '10.244.0.3:53', forward: 'Masq', weight: 1 },
      ],
    },
    {
      protocol: 'TCP',
      address: '10.96.0.10:53',
      scheduler: 'rr',
      reals: [
        { address: '10.244.0.2:53', forward: 'Masq', weight: 1 },
        { address: '10.244.0.3:53', forward: 'Masq', weight: 1 },
      ],
    },
    { protocol: 'TCP', address: '10.96.0.128:80', scheduler: 'rr', reals: [] },
    { protocol: 'TCP', address: '[fd00:10:96::1]:443', scheduler: 'rr', reals: [{ address: '[fd00:10:244:1::5]:8080', forward: 'Masq', weight: 1 }] },
    { protocol: 'FWM', address: 'fwmark 0x1', scheduler: 'wlc', reals: [{ address: '10.244.0.4:80', forward: 'Route', weight: 2 }] },
  ]);
});

test('parseIpVs: an empty table (ipvs mode, no Service yet) and text that is not a table', () => {
  expect(parseIpVs('IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n')).toEqual([]);
  expect(parseIpVs('cat: /proc/net/ip_vs: No such file or directory')).toEqual([]);
});

test('ipvsMismatches: each ClusterIP port against its virtual server and Ready endpoints, named by Service', () => {
  const table = parseIpVs(TABLE);
  const dns = { metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] } };
  const dnsSlice = (ready: string[], notReady: string[] = []) => ({
    metadata: { namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns' } },
    endpoints: [...ready.map((a) => ({ addresses: [a], conditions: { ready: true } })), ...notReady.map((a) => ({ addresses: [a], conditions: { ready: false } }))],
    ports: [{ name: 'dns', port: 53 }, { name: 'dns-tcp', port: 53 }],
  });
  const api = { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } };
  const apiSlice = { metadata: { namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } }, endpoints: [{ addresses: ['172.18.0.3'], conditions: { ready: true } }], ports: [{ name: 'https', port: 6443 }] };
  const headless = { metadata: { name: 'db', namespace: 'luffy' }, spec: { clusterIP: 'None', ports: [{ port: 3306 }] } };
  expect(ipvsMismatches([dns, api, headless], [dnsSlice(['10.244.0.2', '10.244.0.3'], ['10.244.0.9']), apiSlice], table)).toEqual([]);
  // Negative controls: an endpoint the table lacks, and a Service the table does not hold.
  const myblog = { metadata: { name: 'myblog', namespace: 'luffy' }, spec: { clusterIP: '10.96.7.7', ports: [{ port: 80 }] } };
  expect(ipvsMismatches([dns, myblog], [dnsSlice(['10.244.0.2', '10.244.0.3', '10.244.0.4'])], table)).toEqual([
    'Service kube-system/kube-dns UDP 10.96.0.10:53: real servers 10.244.0.2:53, 10.244.0.3:53, not its Ready endpoints 10.244.0.2:53, 10.244.0.3:53, 10.244.0.4:53',
    'Service kube-system/kube-dns TCP 10.96.0.10:53: real servers 10.244.0.2:53, 10.244.0.3:53, not its Ready endpoints 10.244.0.2:53, 10.244.0.3:53, 10.244.0.4:53',
    'Service luffy/myblog TCP 10.96.7.7:80 is not an IPVS virtual server',
  ]);
  // A real server of weight 0 is one kube-proxy drains (its endpoint is gone): not counted.
  const draining = parseIpVs(`TCP  0A600001:01BB rr\n  -> AC120003:192B      Masq    1      0          0\n  -> AC120009:192B      Masq    0      3          1\n`);
  expect(ipvsMismatches([api], [apiSlice], draining)).toEqual([]);
  // A virtual server with real servers for a Service without endpoints.
  const noEndpoints = { metadata: { name: 'kubernetes', namespace: 'default' }, spec: api.spec };
  expect(ipvsMismatches([noEndpoints], [], table)).toEqual(['Service default/kubernetes TCP 10.96.0.1:443: real servers 172.18.0.3:6443, not its Ready endpoints (none)']);
});
