// What a course cluster is, read without writing anything: the facts the
// course's labs rely on that only a real cluster shows (kube-proxy's mode,
// the ingress controller and where it runs, the node labels the manifests
// select on, the node that holds MySQL's hostPath data). Each fact is found
// on its own, so one that cannot be read (a missing permission, a missing
// object) never hides another. Needs only get/list/watch
// (manifests/verifier/rbac.yaml).
import { AppsV1Api, CoreV1Api, NetworkingV1Api, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { apiGet, apiMessage, apiStatus } from './kube.ts';

export interface Fact {
  check: string;
  /** info: what the cluster is, judged against nothing */
  result: 'pass' | 'fail' | 'info';
  detail: string;
}

/** The images that tell which ingress controller a pod is. */
const INGRESS_IMAGES: [RegExp, string][] = [
  [/(^|\/)ingress-nginx\/controller(:|@|$)/, 'ingress-nginx'],
  [/(^|\/)traefik(:|@|$)/, 'Traefik'],
];

const versionOf = (image: string, pod: V1Pod) => /:([^@/]+)(@|$)/.exec(image)?.[1] ?? pod.metadata?.labels?.['app.kubernetes.io/version'] ?? 'version unknown';

/** A fact that could not be read: the API server's words (a 403 names the verb and the resource). */
const unreadable = (check: string, err: unknown): Fact => ({
  check,
  result: 'fail',
  detail: apiStatus(err) === 403 ? `not allowed: ${apiMessage(err)}` : apiMessage(err),
});

async function fact(check: string, read: () => Promise<Omit<Fact, 'check'>>): Promise<Fact> {
  try {
    return { check, ...(await read()) };
  } catch (err) {
    return unreadable(check, err);
  }
}

const labelled = (nodes: V1Node[], key: string, value: string) => nodes.filter((n) => n.metadata?.labels?.[key] === value).map((n) => n.metadata!.name!);

/** The facts of the cluster kc points at, for the course's namespace `namespace` (luffy). */
export async function clusterFacts(kc: KubeConfig, namespace = 'luffy'): Promise<Fact[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const nodes = core.listNode().then((l) => l.items);
  nodes.catch(() => undefined); // each fact reports it

  return Promise.all([
    fact('the cluster', async () => {
      const v = await apiGet<{ gitVersion: string }>(kc, '/version');
      return { result: 'info', detail: `${kc.getCurrentCluster()?.server} (context ${kc.getCurrentContext()}), Kubernetes ${v.gitVersion}` };
    }),

    fact(`namespace ${namespace} exists`, async () => {
      const found = await core.readNamespace({ name: namespace }).catch((err: unknown) => {
        if (apiStatus(err) === 404) return undefined;
        throw err;
      });
      return found ? { result: 'pass', detail: `created ${found.metadata?.creationTimestamp?.toISOString()}` } : { result: 'fail', detail: `namespace ${namespace} not found` };
    }),

    fact('kube-proxy runs in ipvs mode (the course\'s mode)', async () => {
      const cm = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' });
      const configured = /^mode:\s*"?(\w*)"?\s*$/m.exec(cm.data?.['config.conf'] ?? '')?.[1] || 'iptables';
      const pods = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-proxy' })).items;
      const logged = await Promise.all(
        pods.map(async (p) => {
          const log = await core.readNamespacedPodLog({ namespace: 'kube-system', name: p.metadata!.name! });
          return /Using (\w+) Proxier/.exec(String(log))?.[1];
        }),
      );
      const said = [...new Set(logged.map((m) => m ?? 'no "Using … Proxier" line (the log may have rotated)'))];
      const detail = `ConfigMap kube-proxy mode "${configured}"; ${pods.length} kube-proxy pod(s) log ${said.map((m) => (m.startsWith('no ') ? m : `"Using ${m} Proxier"`)).join(', ')}`;
      const ipvs = configured === 'ipvs' && logged.every((m) => m === undefined || m === 'ipvs') && logged.some((m) => m === 'ipvs');
      return { result: ipvs ? 'pass' : 'fail', detail: ipvs ? detail : `kube-proxy runs in ${logged.find(Boolean) ?? configured} mode: ${detail}` };
    }),

    fact('an ingress controller runs on the node labelled ingress=true', async () => {
      const ingressNodes = labelled(await nodes, 'ingress', 'true');
      const pods = (await core.listPodForAllNamespaces()).items;
      const controllers = pods.flatMap((p) =>
        (p.spec?.containers ?? []).flatMap((c) => {
          const kind = INGRESS_IMAGES.find(([re]) => re.test(c.image ?? ''))?.[1];
          return kind ? [{ kind, version: versionOf(c.image!, p), pod: `${p.metadata?.namespace}/${p.metadata?.name}`, node: p.spec?.nodeName ?? 'no node', ready: p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false }] : [];
        }),
      );
      const classes = (await net.listIngressClass()).items.map((c) => `${c.metadata?.name} (controller ${c.spec?.controller})`);
      const where = controllers.map((c) => `${c.kind} ${c.version} (pod ${c.pod}${c.ready ? '' : ', not Ready'}) on ${c.node}`).join('; ');
      const detail = `${where || 'no ingress controller pod (looked for the images of ingress-nginx and Traefik)'}; IngressClass ${classes.join(', ') || 'none'}; nodes labelled ingress=true: ${ingressNodes.join(', ') || 'none'}`;
      const ok = controllers.length > 0 && controllers.every((c) => c.ready && ingressNodes.includes(c.node));
      return { result: ok ? 'pass' : 'fail', detail };
    }),

    fact(`MySQL (Deployment ${namespace}/mysql) runs on the node labelled component=mysql, where its hostPath data is`, async () => {
      const mysqlNodes = labelled(await nodes, 'component', 'mysql');
      const d = await apps.readNamespacedDeployment({ namespace, name: 'mysql' }).catch((err: unknown) => {
        if (apiStatus(err) === 404) return undefined;
        throw err;
      });
      if (!d) return { result: 'fail', detail: `Deployment ${namespace}/mysql not found; nodes labelled component=mysql: ${mysqlNodes.join(', ') || 'none'}` };
      const hostPaths = (d.spec?.template.spec?.volumes ?? []).flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
      const selector = Object.entries(d.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp);
      const on = pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName ?? 'no node (Pending)'}`);
      const detail = `hostPath ${hostPaths.join(', ') || 'none'}; pod ${on.join(', ') || 'none'}; nodes labelled component=mysql: ${mysqlNodes.join(', ') || 'none'}`;
      const ok = hostPaths.length > 0 && pods.length > 0 && pods.every((p) => mysqlNodes.includes(p.spec?.nodeName ?? ''));
      return { result: ok ? 'pass' : 'fail', detail };
    }),
  ]);
}

export function formatFact(f: Fact): string {
  return `${{ pass: 'PASS', fail: 'FAIL', info: 'INFO' }[f.result]} ${f.check}: ${f.detail}`;
}
