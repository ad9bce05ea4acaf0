import { expect, test } from '@playwright/test';
import { parseIpVs } from '../scripts/lib/ipvs.ts';

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
