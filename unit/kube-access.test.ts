// The Kubernetes access layer against a local HTTPS stub of the API server:
// every kubeconfig shape real clusters use (CA inline or as a file, a bearer
// token inline or from a file, client certificates as files, an exec
// credential plugin) reaches it through apiGet, a typed client and a watch;
// a refusal and a watch ERROR event come back with the resource and reason.
import { tempDir } from './temp.ts';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { CoreV1Api, type V1Namespace } from '@kubernetes/client-node';
import { expect, test } from '@playwright/test';
import { apiGet, KubeApiError, loadKubeconfig, observe, waitFor } from '../lib/kube/kube.ts';
import { run } from '../lib/core/exec.ts';

interface Seen {
  path: string;
  authorization?: string;
  clientCert?: string;
}

/** A certificate and key made by openssl now, for `subject` with `san`. */
async function certificate(dir: string, name: string, subject: string, san: string): Promise<{ cert: string; key: string; certFile: string; keyFile: string }> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', '-nodes', '-days', '1', '-newkey', 'rsa:2048', '-keyout', keyFile, '-out', certFile, '-subj', subject, '-addext', `subjectAltName=${san}`]);
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

let dir: string;
let server: Server;
let base: string;
let serverCert: Awaited<ReturnType<typeof certificate>>;
let clientCert: Awaited<ReturnType<typeof certificate>>;
const seen: Seen[] = [];

test.beforeAll(async () => {
  dir = tempDir('kube-access-');
  serverCert = await certificate(dir, 'server', '/CN=stub-apiserver', 'IP:127.0.0.1');
  clientCert = await certificate(dir, 'client', '/CN=student/O=course', 'DNS:student');
  server = createServer({ cert: serverCert.cert, key: serverCert.key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization, clientCert: peer?.raw ? new X509Certificate(peer.raw).subject : undefined });
    const url = new URL(req.url ?? '/', 'https://stub');
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/v1/namespaces/denied/pods') {
      res.statusCode = 403;
      return res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'pods is forbidden: User "student" cannot list resource "pods" in API group "" in the namespace "denied"' }));
    }
    if (url.pathname === '/api/v1/namespaces' || url.pathname === '/api/v1/namespaces/broken/pods') {
      if (url.searchParams.get('watch') !== 'true') return res.end(JSON.stringify({ kind: 'List', metadata: { resourceVersion: '1' }, items: [] }));
      const event =
        url.pathname === '/api/v1/namespaces'
          ? { type: 'ADDED', object: { metadata: { name: 'stub', resourceVersion: '2' } } }
          : { type: 'ERROR', object: { kind: 'Status', reason: 'InternalError', code: 500, message: 'etcd is unhappy' } };
      res.write(JSON.stringify(event) + '\n'); // and the watch stays open
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ kind: 'Status', reason: 'NotFound', code: 404, message: 'not here' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A kubeconfig file with one cluster, one user and a context that is not the harness's. */
function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const file = join(dir, `${name}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'course', cluster: { server: base, ...cluster } }],
      users: [{ name: 'student', user }],
      contexts: [{ name: 'course-vm', context: { cluster: 'course', user: 'student' } }],
      'current-context': 'course-vm',
    }),
  );
  return file;
}

test('every kubeconfig shape reaches the API server through apiGet, a typed client and a watch, with its own credentials', async () => {
  const caFile = serverCert.certFile;
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'token-from-file');
  const plugin = join(dir, 'credential-plugin.sh');
  writeFileSync(plugin, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-from-plugin"}}\'\n');
  chmodSync(plugin, 0o755);
  const shapes: [string, string, Partial<Seen>][] = [
    ['inline CA and token', kubeconfig('inline', { 'certificate-authority-data': Buffer.from(serverCert.cert).toString('base64') }, { token: 'inline-token' }), { authorization: 'Bearer inline-token' }],
    ['CA file, client certificate and key files', kubeconfig('certs', { 'certificate-authority': caFile }, { 'client-certificate': clientCert.certFile, 'client-key': clientCert.keyFile }), { clientCert: 'CN=student\nO=course' }],
    ['CA file and a token file', kubeconfig('token-file', { 'certificate-authority': caFile }, { 'token-file': tokenFile }), { authorization: 'Bearer token-from-file' }],
    // kubectl's own spelling, which client-node does not read: without our help it would go anonymous.
    ["CA file and kubectl's tokenFile", kubeconfig('tokenFile', { 'certificate-authority': caFile }, { tokenFile }), { authorization: 'Bearer token-from-file' }],
    [
      'CA file and an exec credential plugin',
      kubeconfig('exec', { 'certificate-authority': caFile }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } }),
      { authorization: 'Bearer token-from-plugin' },
    ],
  ];
  for (const [shape, file, auth] of shapes) {
    const kc = loadKubeconfig(file, 'course-vm');
    seen.length = 0;
    expect(await apiGet(kc, '/api/v1/namespaces'), shape).toMatchObject({ kind: 'List' });
    expect((await kc.makeApiClient(CoreV1Api).listNamespace()).items, shape).toEqual([]);
    const namespaces = await waitFor<V1Namespace>({ kc, path: '/api/v1/namespaces', what: 'the stub namespace', until: (items) => items.length === 1, timeoutMs: 5000 });
    expect(namespaces.map((n) => n.metadata?.name), shape).toEqual(['stub']);
    expect(seen.map((s) => s.path.replace(/\?.*/, '')), shape).toEqual(['/api/v1/namespaces', '/api/v1/namespaces', '/api/v1/namespaces', '/api/v1/namespaces']);
    for (const s of seen) expect(s, shape).toMatchObject(auth);
  }
});

test('a refused list names the resource and the reason; a watch ERROR event is kept for the timeout message', async () => {
  const kc = loadKubeconfig(kubeconfig('errors', { 'certificate-authority': serverCert.certFile }, { token: 't' }));
  const refused = await observe({ kc, path: '/api/v1/namespaces/denied/pods' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(refused).toBeInstanceOf(KubeApiError);
  expect((refused as Error).message).toBe('GET /api/v1/namespaces/denied/pods: 403 Forbidden: pods is forbidden: User "student" cannot list resource "pods" in API group "" in the namespace "denied"');
  const waited = await waitFor({ kc, path: '/api/v1/namespaces/broken/pods', what: 'a pod', until: (items) => items.length > 0, timeoutMs: 1500 }).catch((e: Error) => e.message);
  expect(waited).toBe('timed out after 2s waiting for a pod; last seen: 0 object(s); last error: watch /api/v1/namespaces/broken/pods: InternalError: etcd is unhappy');
  expect(() => loadKubeconfig(kubeconfig('ctx', {}, { token: 't' }), 'nope')).toThrow(/has no context "nope" \(it has course-vm\)/);
});
