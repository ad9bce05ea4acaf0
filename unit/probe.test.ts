// The live probe's parsers, on answers captured from the course's busybox
// 1.35 in a pod of the harness cluster (nslookup, and raw HTTP through nc).
import { expect, test } from '@playwright/test';
import { parseGreeting, parseHttp, parseNslookup } from '../lib/live/probe.ts';

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

test('MySQL handshake as od prints it: protocol 10 and the server version; a refusal; too few bytes said from nc\'s words and exit status', () => {
  const bytes = (s: string) => [...Buffer.from(s, 'latin1')];
  const payload = [10, ...bytes('5.5.5-10.11.6-MariaDB-0+deb12u1'), 0, 7, 0, 0, 0, ...bytes('abcdefgh'), 0];
  expect(parseGreeting([payload.length, 0, 0, 0, ...payload], 'nc exit 0\n')).toEqual({ protocol: 10, server: '5.5.5-10.11.6-MariaDB-0+deb12u1' });
  const refused = [0xff, 0x6a, 0x04, ...bytes("Host '10.244.2.9' is not allowed to connect")];
  expect(parseGreeting([refused.length, 0, 0, 0, ...refused], 'nc exit 0\n')).toEqual({ error: `the server refused the connection: "Host '10.244.2.9' is not allowed to connect"` });
  // An HTTP server on the port sends nothing first, and closes on nc's half-close; a silent server that keeps it open is stopped by timeout.
  expect(parseGreeting([], 'nc exit 0\n')).toEqual({ error: 'connected, but 0 bytes came before the server closed the connection' });
  expect(parseGreeting([], 'punt!\nnc exit 143\n')).toEqual({ error: 'connected, but 0 bytes came within 5s (the connection stayed open)' });
  // Debian's busybox nc names why it could not connect; Docker Hub's says nothing.
  expect(parseGreeting([], "nc: can't connect to remote host (10.244.1.7): Connection refused\nnc exit 1\n")).toEqual({ error: "nc: can't connect to remote host (10.244.1.7): Connection refused" });
  expect(parseGreeting([], 'nc exit 1\n')).toEqual({ error: 'could not connect (nc exited 1: refused or timed out)' });
});
