// What a course cluster is, read without writing anything: the facts the
// course's labs rely on that only a real cluster shows (kube-proxy's mode,
// the ingress controller and where it runs, the node labels the manifests
// select on, the node that holds MySQL's hostPath data). Each fact is found
// on its own, so one that cannot be read (a missing permission, a missing
// object) never hides another. Needs only get/list/watch
// (manifests/verifier/rbac.yaml).
import { AppsV1Api, CoreV1Api, NetworkingV1Api, type KubeConfig, type V1Container, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { apiCause, apiGet, apiMessage, apiStatus, isReady, labelSelector } from '../kube/kube.ts';

export interface Fact {
  check: string;
  /** info: what the cluster is, judged against nothing */
  result: 'pass' | 'fail' | 'info';
  detail: string;
}

/**
 * Which ingress controller a container is: by its image (the upstream ones,
 * the course's quay.io nginx-ingress-controller 0.30 and mirrors of them),
 * by the program it runs, or by its pod's app.kubernetes.io/name.
 */
export function controllerKind(c: V1Container, pod: V1Pod): string | undefined {
  const image = c.image ?? '';
  const program = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
  const name = pod.metadata?.labels?.['app.kubernetes.io/name'];
  if (/(ingress-nginx\/controller|nginx-ingress-controller)(:|@|$)/.test(image) || /\/nginx-ingress-controller\b/.test(program) || name === 'ingress-nginx') return 'ingress-nginx';
  // Traefik that serves no Ingress (its Gateway provider only, beside ingress-nginx) is not an ingress controller;
  // nor is a grading slot's edge, which serves one submission's objects (lib/grading/slot-edge.ts).
  const servesIngress = !/--providers\.kubernetes/i.test(program) || /--providers\.kubernetes(ingress|ingressnginx|crd)=true/i.test(program);
  if ((/(^|\/)traefik(:|@|$)/.test(image) || name === 'traefik') && servesIngress && !pod.metadata?.labels?.['course-harness/grade']) return 'Traefik';
  return undefined;
}

/** The image's tag (a digest is not a version), else the pod's app.kubernetes.io/version. */
export function versionOf(image: string, pod: V1Pod): string {
  const ref = image.split('@')[0];
  const tag = ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref.slice(ref.lastIndexOf(':') + 1) : undefined;
  return tag ?? pod.metadata?.labels?.['app.kubernetes.io/version'] ?? 'version unknown';
}

/** kube-proxy's configured mode from its config.conf; empty means the default, iptables on Linux. */
export function configuredMode(conf: string): string {
  return /^mode:\s*["']?(\w*)["']?\s*(#.*)?$/m.exec(conf)?.[1] || 'iptables';
}

/** What each kube-proxy pod said at start: its mode, or why its log tells nothing. */
export interface ProxyLog {
  name: string;
  mode?: string;
  unreadable?: string;
}

/** ipvs passes only when configured and no kube-proxy runs another mode (a rotated log leaves it to the ConfigMap). */
export function proxyModeVerdict(configured: string, said: ProxyLog[]): Omit<Fact, 'check'> {
  const running = [...new Set(said.flatMap((x) => (x.mode ? [x.mode] : [])))];
  const silent = said.filter((x) => !x.mode).map((x) => `${x.name} ${x.unreadable ?? 'has no "Using … Proxier" line (its log may have rotated)'}`);
  const detail = `ConfigMap kube-proxy mode "${configured}"; ${said.length} kube-proxy pod(s)${running.length ? ` log ${running.map((m) => `"Using ${m} Proxier"`).join(', ')}` : ''}${silent.length ? `; ${silent.join('; ')}` : ''}`;
  if (configured === 'ipvs' && running.every((m) => m === 'ipvs')) return { result: 'pass', detail };
  return { result: 'fail', detail: `configured ${configured}, running ${running.length ? running.join(' and ') : `${configured} (as configured)`}: ${detail}` };
}

/** Pods that are (or will be) running: not finished, not evicted, not being deleted. */
const live = (p: V1Pod) => !p.metadata?.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? '');

/** An ingress controller's pod: which controller, its version, where it runs. */
export interface IngressControllerPod {
  kind: string;
  version: string;
  /** namespace/name */
  pod: string;
  node: string;
  /** the node's address, where a hostNetwork or hostPort controller listens */
  hostIP?: string;
  ready: boolean;
}

/** The ingress controllers' pods in the cluster (ingress-nginx and Traefik, by image, program and label). */
export async function ingressControllers(core: CoreV1Api): Promise<IngressControllerPod[]> {
  const pods = (await core.listPodForAllNamespaces()).items.filter(live);
  return pods.flatMap((p) =>
    (p.spec?.containers ?? []).flatMap((c) => {
      const kind = controllerKind(c, p);
      return kind ? [{ kind, version: versionOf(c.image ?? '', p), pod: `${p.metadata?.namespace}/${p.metadata?.name}`, node: p.spec?.nodeName ?? 'no node', hostIP: p.status?.hostIP, ready: isReady(p) }] : [];
    }),
  );
}

/** A missing object is an answer (undefined), not an error. */
const notFound = (err: unknown): undefined => {
  if (apiStatus(err) === 404) return undefined;
  throw err;
};

/** A fact that could not be read: the API server's words (a 403 names the verb and the resource). */
const unreadable = (check: string, err: unknown): Fact => ({
  check,
  result: 'fail',
  detail: apiCause(err),
});

async function fact(check: string, read: () => Promise<Omit<Fact, 'check'>>): Promise<Fact> {
  try {
    return { check, ...(await read()) };
  } catch (err) {
    return unreadable(check, err);
  }
}

const labelled = (nodes: V1Node[], key: string, value: string) => nodes.filter((n) => n.metadata?.labels?.[key] === value).map((n) => n.metadata!.name!);

/** The facts' titles, for the course's namespace `namespace`, in the order clusterFacts gives them. */
export const FACTS = (namespace: string) =>
  ({
    cluster: 'the cluster',
    namespace: `namespace ${namespace} exists`,
    proxyMode: "kube-proxy runs in ipvs mode (the course's mode)",
    ingress: 'an ingress controller runs on the node labelled ingress=true',
    mysql: `MySQL (Deployment ${namespace}/mysql) runs on the node labelled component=mysql, where its hostPath data is`,
  }) as const;

/** The facts of the cluster kc points at, for the course's namespace `namespace` (luffy). */
export async function clusterFacts(kc: KubeConfig, namespace = 'luffy'): Promise<Fact[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const title = FACTS(namespace);
  const nodes = core.listNode().then((l) => l.items);
  nodes.catch(() => undefined); // each fact reports it

  return Promise.all([
    fact(title.cluster, async () => {
      const v = await apiGet<{ gitVersion: string }>(kc, '/version');
      return { result: 'info', detail: `${kc.getCurrentCluster()?.server} (context ${kc.getCurrentContext()}), Kubernetes ${v.gitVersion}` };
    }),

    fact(title.namespace, async () => {
      const found = await core.readNamespace({ name: namespace }).catch(notFound);
      return found ? { result: 'pass', detail: `created ${found.metadata?.creationTimestamp?.toISOString()}` } : { result: 'fail', detail: `namespace ${namespace} not found` };
    }),

    fact(title.proxyMode, async () => {
      const cm = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' });
      const configured = configuredMode(cm.data?.['config.conf'] ?? '');
      const pods = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-proxy' })).items.filter(live);
      // What each kube-proxy says at start; its log may have rotated since, or the pod may not run yet.
      const said = await Promise.all(
        pods.map(async (p) => {
          const name = p.metadata!.name!;
          const log = await core.readNamespacedPodLog({ namespace: 'kube-system', name, limitBytes: 256 * 1024 }).then(String, (err: unknown) => {
            if (apiStatus(err) === 403) throw err;
            return `unreadable: ${apiMessage(err)}`;
          });
          return { name, mode: /Using (\w+) Proxier/.exec(log)?.[1], unreadable: log.startsWith('unreadable: ') ? log : undefined };
        }),
      );
      return proxyModeVerdict(configured, said);
    }),

    fact(title.ingress, async () => {
      const ingressNodes = labelled(await nodes, 'ingress', 'true');
      const controllers = await ingressControllers(core);
      const classes = (await net.listIngressClass()).items.map((c) => `${c.metadata?.name} (controller ${c.spec?.controller})`);
      const where = controllers.map((c) => `${c.kind} ${c.version} (pod ${c.pod}${c.ready ? '' : ', not Ready'}) on ${c.node}`).join('; ');
      const detail = `${where || 'no ingress controller pod (looked for ingress-nginx and Traefik by image, program and app.kubernetes.io/name)'}; IngressClass ${classes.join(', ') || 'none'}; nodes labelled ingress=true: ${ingressNodes.join(', ') || 'none'}`;
      const ok = controllers.some((c) => c.ready && ingressNodes.includes(c.node));
      return { result: ok ? 'pass' : 'fail', detail };
    }),

    fact(title.mysql, async () => {
      const mysqlNodes = labelled(await nodes, 'component', 'mysql');
      const d = await apps.readNamespacedDeployment({ namespace, name: 'mysql' }).catch(notFound);
      if (!d) return { result: 'fail', detail: `Deployment ${namespace}/mysql not found; nodes labelled component=mysql: ${mysqlNodes.join(', ') || 'none'}` };
      const hostPaths = (d.spec?.template.spec?.volumes ?? []).flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: labelSelector(d.spec?.selector) })).items.filter(live);
      const on = pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName ?? 'no node (Pending)'}`);
      const detail = `hostPath ${hostPaths.join(', ') || 'none'}; pod ${on.join(', ') || 'none'}; nodes labelled component=mysql: ${mysqlNodes.join(', ') || 'none'}`;
      const ok = hostPaths.length > 0 && pods.length > 0 && pods.every((p) => mysqlNodes.includes(p.spec?.nodeName ?? ''));
      return { result: ok ? 'pass' : 'fail', detail };
    }),
  ]);
}

/** One line naming the cluster kc points at: server, context, Kubernetes version, kube-proxy's configured mode, ingress controller (each part says why when it cannot be read). */
export async function clusterHeader(kc: KubeConfig): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const why = (err: unknown) => `unknown (${apiStatus(err) === 403 ? 'not allowed' : apiMessage(err)})`;
  const [version, mode, controllers] = await Promise.all([
    apiGet<{ gitVersion: string }>(kc, '/version').then((v) => v.gitVersion, why),
    core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' }).then((cm) => configuredMode(cm.data?.['config.conf'] ?? ''), why),
    ingressControllers(core).then((list) => [...new Set(list.map((c) => `${c.kind} ${c.version}`))].join(', ') || 'none found', why),
  ]);
  return `${kc.getCurrentCluster()?.server} (context ${kc.getCurrentContext()}), Kubernetes ${version}, kube-proxy ${mode}, ingress ${controllers}`;
}

export function formatFact(f: Fact): string {
  return `${{ pass: 'PASS', fail: 'FAIL', info: 'INFO' }[f.result]} ${f.check}: ${f.detail}`;
}
