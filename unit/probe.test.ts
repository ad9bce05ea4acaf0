// The live probe's parsers, on answers captured from the course's busybox
// 1.35 in a pod of the harness cluster (nslookup, and raw HTTP through nc).
import { expect, test } from '@playwright/test';
import { parseHttp, parseNslookup } from '../fixtures/probe.ts';

test('nslookup: the addresses after the Name line, not the server\'s; NXDOMAIN is the error', () => {
  const found = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n\nName:\tmyblog.luffy.svc.cluster.local\nAddress: 10.96.94.81\n\n';
  expect(parseNslookup(found)).toEqual({ addresses: ['10.96.94.81'] });
  const nx = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can\'t find nothere.luffy.svc.cluster.local: NXDOMAIN\n\n** server can\'t find nothere.luffy.svc.cluster.local: NXDOMAIN\n\n';
  expect(parseNslookup(nx, "** server can't find nothere.luffy.svc.cluster.local: NXDOMAIN")).toEqual({ addresses: [], error: "** server can't find nothere.luffy.svc.cluster.local: NXDOMAIN" });
});

test('raw HTTP: status, the pod and the path the backend names, the body; what nc printed otherwise', () => {
  const answer = '\nHTTP/1.0 200 OK\r\nServer: gunicorn\r\nContent-Type: text/html; charset=utf-8\r\nX-Pod-Name: myblog-5f7b558b98-tgtxh\r\nX-Received-Path: /blog/index/\r\n\r\n<title>我的博客列表</title>\n';
  expect(parseHttp(answer)).toEqual({ status: 200, pod: 'myblog-5f7b558b98-tgtxh', received: '/blog/index/', body: '<title>我的博客列表</title>' });
  // Something on these machines' network answers port 80 of any address: the answer names no pod.
  expect(parseHttp('HTTP/1.0 426 Upgrade Required\r\nserver: keryx\r\nconnection: close\r\ncontent-length: 0\r\n\r\n\n')).toEqual({ status: 426, pod: undefined, received: undefined, body: '' });
  expect(parseHttp("\nnc: bad address 'nothere.luffy'\n\n")).toEqual({ error: "nc: bad address 'nothere.luffy'" });
  expect(parseHttp('\n\n')).toEqual({ error: 'no answer (connection closed)' });
});
