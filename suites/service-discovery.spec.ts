// Service discovery with CoreDNS, checked the way the course does it from
// inside a myblog pod: Service names resolve to their ClusterIPs by short
// name within the namespace, by name.namespace and FQDN from anywhere, and
// resolv.conf carries the cluster DNS Service and the search domains.
import { evidenceOnFailure, expect, test } from '../fixtures/cluster.ts';
import { echoPod, runPods } from '../lib/checks/pods.ts';
import { execInPod } from '../lib/kube/kube.ts';

/** Runs a command in a Running myblog pod of the course stack. */
async function inMyblog(cluster: Parameters<Parameters<typeof test>[2]>[0]['cluster'], command: string[]) {
  const pods = await cluster.core.listNamespacedPod({ namespace: 'luffy', labelSelector: 'app=myblog' });
  const pod = pods.items.find((p) => p.status?.phase === 'Running');
  if (!pod) throw new Error('no Running myblog pod in luffy');
  return execInPod(cluster.kc, 'luffy', pod.metadata!.name!, command);
}

evidenceOnFailure('luffy');

const lookup = (name: string) => ['python3', '-c', `import socket; print(socket.gethostbyname(${JSON.stringify(name)}))`];

test('in luffy: mysql and myblog resolve by short name, name.namespace and FQDN to their ClusterIPs', async ({ cluster, courseStack }) => {
  for (const service of ['mysql', 'myblog']) {
    const ip = (await cluster.core.readNamespacedService({ name: service, namespace: 'luffy' })).spec!.clusterIP!;
    for (const name of [service, `${service}.luffy`, `${service}.luffy.svc.cluster.local`]) {
      const r = await inMyblog(cluster, lookup(name));
      expect(r.stdout.trim(), `${name} from a myblog pod (${r.stderr.trim()})`).toBe(ip);
    }
  }
});

test("resolv.conf: the cluster DNS Service's IP, the namespace's search domains, ndots:5", async ({ cluster, courseStack }) => {
  const dns = await cluster.core.readNamespacedService({ name: 'kube-dns', namespace: 'kube-system' });
  const conf = (await inMyblog(cluster, ['cat', '/etc/resolv.conf'])).stdout;
  expect(conf).toContain(`nameserver ${dns.spec!.clusterIP}`);
  expect(conf).toMatch(/^search luffy\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
  expect(conf).toMatch(/\bndots:5\b/);
});

test('from another namespace: the short name does not resolve, name.luffy does', async ({ cluster, courseStack, ns }) => {
  await runPods(cluster, ns, [echoPod('client')]);
  const ip = (await cluster.core.readNamespacedService({ name: 'mysql', namespace: 'luffy' })).spec!.clusterIP!;
  const short = await execInPod(cluster.kc, ns, 'client', ['/echo', 'resolve', 'mysql']);
  expect(short.exitCode, `"mysql" from ${ns} must not resolve (got ${short.stdout.trim()})`).not.toBe(0);
  expect(short.stderr).toMatch(/no such host/);
  expect((await execInPod(cluster.kc, ns, 'client', ['/echo', 'resolve', 'mysql.luffy'])).stdout.trim()).toBe(ip);
});

test('myblog reaches MySQL through MYSQL_HOST=mysql: the blog list, read from the database, through the myblog Service', async ({ cluster, courseStack }) => {
  expect((await inMyblog(cluster, ['sh', '-c', 'echo $MYSQL_HOST:$MYSQL_PORT'])).stdout.trim()).toBe('mysql:3306');
  const page = await inMyblog(cluster, ['python3', '-c', "import urllib.request; print(urllib.request.urlopen('http://myblog/blog/index/').read().decode())"]);
  expect(page.stdout, page.stderr).toContain('我的博客列表');
});
