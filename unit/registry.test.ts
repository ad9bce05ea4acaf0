import { expect, test } from '@playwright/test';
import { hostsToml, nodeRegistryFiles, parseRegistryLog, registryNames, registryPath, requestLine } from '../lib/cluster/registry.ts';

test("the registry path of a course name: its repository and tag without the registry host", () => {
  expect(registryPath('mysql:5.7')).toBe('library/mysql:5.7');
  expect(registryPath('docker.io/istio/examples-bookinfo-reviews-v3:1.16.2')).toBe('istio/examples-bookinfo-reviews-v3:1.16.2');
  expect(registryPath('172.21.51.143:5000/myblog:v1')).toBe('myblog:v1');
  expect(registryPath('10.211.55.27:5000/myblog:v2')).toBe('myblog:v2');
});

test("each node's hosts.toml: the course's registry is the harness's on every path (never its own address); docker.io is the harness's offline, asked first online with the built images, and left alone with upstream ones", () => {
  const files = (offline: boolean, images: 'built' | 'upstream') => nodeRegistryFiles('h', { offline, images }, 'CA PEM');
  const { open, private: priv } = registryNames('h');
  for (const [offline, images] of [[true, 'built'], [false, 'built'], [false, 'upstream']] as const) {
    const f = files(offline, images);
    for (const host of ['172.21.51.143:5000', '10.211.55.27:5000']) {
      // server and the only host are the harness's: a pull never falls back to the course's address.
      expect(f[`${host}/hosts.toml`]).toContain(`server = "http://${open}:5000"`);
      expect(f[`${host}/hosts.toml`]).not.toMatch(/server = "https?:\/\/(172\.21|10\.211)/);
    }
    expect(f[`${priv}:5000/hosts.toml`]).toContain(`ca = "/etc/containerd/certs.d/${priv}:5000/ca.crt"`);
    expect(f[`${priv}:5000/ca.crt`]).toBe('CA PEM');
  }
  expect(files(true, 'built')['docker.io/hosts.toml']).toContain(`server = "http://${open}:5000"`);
  expect(files(false, 'built')['docker.io/hosts.toml']).toMatch(new RegExp(`server = "https://registry-1.docker.io"[\\s\\S]*\\[host\\."http://${open}:5000"\\]`));
  expect(files(false, 'upstream')['docker.io/hosts.toml']).toBeUndefined();
  expect(hostsToml('why', 'http://a:5000', [{ url: 'http://a:5000' }])).toBe('# Written by the course harness: why\nserver = "http://a:5000"\n\n[host."http://a:5000"]\n  capabilities = ["pull", "resolve"]\n');
});

test("the registry's log: each request's method, path (without the ?ns= a mirror is asked with), status, client and error; a login refused is a 401", () => {
  const log = [
    'time="2026-12-05T09:00:00.1Z" level=info msg="response completed" go.version=go1.19.8 http.request.host="h-registry:5000" http.request.method=HEAD http.request.remoteaddr="172.18.0.3:41234" http.request.uri="/v2/myblog/manifests/v1?ns=172.21.51.143:5000" http.request.useragent="containerd/1.6.20" http.response.status=200',
    'time="2026-12-05T09:00:01.2Z" level=error msg="response completed with error" err.code="manifest unknown" err.message="manifest unknown" http.request.method=GET http.request.remoteaddr="172.18.0.4:5555" http.request.uri="/v2/library/mysql/manifests/5.7-not?ns=docker.io" http.response.status=404',
    'time="2026-12-05T09:00:02Z" level=warning msg="error authorizing context: basic authentication challenge for realm \\"course-harness\\": invalid authorization credential" http.request.method=HEAD http.request.remoteaddr="172.18.0.4:5556" http.request.uri=/v2/t/myblog/manifests/v1',
    '172.18.0.3 - - [05/Dec/2026:09:00:00 +0000] "HEAD /v2/myblog/manifests/v1 HTTP/1.1" 200 1234 "" "containerd/1.6.20"',
  ].join('\n');
  const requests = parseRegistryLog(log);
  expect(requests.map(requestLine)).toEqual([
    'HEAD /v2/myblog/manifests/v1 200 from 172.18.0.3',
    'GET /v2/library/mysql/manifests/5.7-not 404 (manifest unknown) from 172.18.0.4',
    'HEAD /v2/t/myblog/manifests/v1 401 (unauthorized) from 172.18.0.4',
  ]);
  expect(requests[0].time).toBe('2026-12-05T09:00:00.1Z');
});
