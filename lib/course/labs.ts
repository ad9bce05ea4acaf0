// The course labs under manifests/: one folder per lab (NN-name), applied in
// order, with the steps the course does by hand between them (the TLS secret
// made with openssl, `python3 manage.py migrate` run in the myblog pod).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeConfig, KubernetesObject, V1Ingress, V1Pod, V1Secret } from '@kubernetes/client-node';
import { applyObjects, parseManifests } from '../kube/apply.ts';
import { secretCertificate, secretTlsCauses } from '../checks/diagnose-ingress.ts';
import type { HTTPRoute } from '../cluster/gateway-api.ts';
import { apiGet, apiStatus, execInPod, rolledOut, waitFor, type DeploymentLike, type KubeObject } from '../kube/kube.ts';
import { step } from '../core/log.ts';
import { selfSignedCertificate } from '../cluster/tls.ts';

export const MANIFESTS = resolve(import.meta.dirname, '../../manifests');

export interface Lab {
  name: string;
  objects: KubernetesObject[];
}

/** Reads every lab folder; a YAML error names the file. */
export function loadLabs(root = MANIFESTS): Lab[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      objects: readdirSync(join(root, name))
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .flatMap((f) => parseManifests(readFileSync(join(root, name, f), 'utf8'), `manifests/${name}/${f}`)),
    }));
}

/** Copies of objects moved to namespace ns (the labs name luffy; the suites use their own). */
export function inNamespace<T extends KubernetesObject>(objects: T[], ns: string): T[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }));
}

/** The lab whose folder starts with prefix (e.g. "20-"). */
export function findLab(prefix: string, root = MANIFESTS): Lab {
  const lab = loadLabs(root).find((l) => l.name.startsWith(prefix));
  if (!lab) throw new Error(`no lab ${prefix}* under ${root}`);
  return lab;
}

export async function waitForDeployments(kc: KubeConfig, namespace: string, names: string[], timeoutMs = 240_000): Promise<void> {
  await waitFor<DeploymentLike>({
    kc,
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    what: `deployments ${names.join(', ')} in ${namespace} rolled out`,
    until: (items) =>
      names.every((n) => {
        const d = items.find((i) => i.metadata?.name === n);
        return d !== undefined && rolledOut(d);
      }),
    describe: (items) => items.map((d) => `${d.metadata?.name} ${d.status?.availableReplicas ?? 0}/${d.spec?.replicas}`).join(', '),
    timeoutMs,
  });
}

/** The namespaces the labs name: luffy for myblog, default for the bookstore. */
export interface StackNamespaces {
  luffy: string;
  default: string;
}

export const REFERENCE_NAMESPACES: StackNamespaces = { luffy: 'luffy', default: 'default' };

/** One step of bringing the stack up: applying a lab, or waiting for it to be Ready. */
export interface LabStep {
  lab: string;
  phase: 'apply' | 'ready';
  what: string;
  run: () => Promise<void>;
}

/**
 * The course's order: each lab applied, with the steps the course does by
 * hand between them (the TLS secret made with openssl before the Ingress,
 * unless the labs define it; `manage.py migrate` once MySQL is up), and the
 * waits for the workloads. The objects' namespaces are the labs' own.
 */
export function courseSteps(kc: KubeConfig, labs: Lab[], ns: StackNamespaces = REFERENCE_NAMESPACES, timeoutMs = 240_000): LabStep[] {
  const defines = (kind: string, name: string) => labs.some((l) => l.objects.some((o) => o.kind === kind && o.metadata?.name === name));
  const deployments = labs.find((l) => l.name.startsWith('20-'))?.name ?? '20-deployments';
  // A wait for a Deployment no lab defines would only time out.
  const needs = async (names: string[]) => {
    const undefinedOnes = names.filter((n) => !defines('Deployment', n));
    if (undefinedOnes.length) throw new Error(`not run: no lab defines ${undefinedOnes.map((n) => `Deployment/${n}`).join(', ')}`);
  };
  const steps: LabStep[] = [];
  // The hosts the Ingresses serve with tls-myblog: the certificate is made for exactly those
  // (the course makes *.luffy.com; Traefik picks at random among wildcard certificates that
  // cover a name, cluster-wide, so a second *.luffy.com certificate would make its choice a coin toss).
  // Without an Ingress for it (a folder that answers with Gateway API only), the hostnames of the HTTPRoutes in luffy.
  const objects = labs.flatMap((l) => l.objects);
  const ingressTls = objects.filter((o) => o.kind === 'Ingress').flatMap((o) => ((o as V1Ingress).spec?.tls ?? []).filter((t) => t.secretName === 'tls-myblog').flatMap((t) => t.hosts ?? []));
  const routeHosts = objects.filter((o) => o.kind === 'HTTPRoute' && o.metadata?.namespace === ns.luffy).flatMap((o) => (o as HTTPRoute).spec?.hostnames ?? []);
  const tlsHosts = [...new Set(ingressTls.length ? ingressTls : routeHosts)];
  const tlsLab = labs.find((l) => l.name.startsWith('40-') || l.objects.some((o) => o.kind === 'Gateway'))?.name;
  for (const lab of labs) {
    if (lab.name === tlsLab && !defines('Secret', 'tls-myblog') && tlsHosts.length) {
      steps.push({ lab: lab.name, phase: 'apply', what: `TLS secret tls-myblog for ${tlsHosts.join(', ')} in ${ns.luffy} (openssl: made now, or kept if one for these hosts is there)`, run: () => tlsSecret(kc, ns.luffy, tlsHosts) });
    }
    steps.push({ lab: lab.name, phase: 'apply', what: `lab ${lab.name}`, run: () => applyObjects(kc, lab.objects) });
    if (lab.name.startsWith('30-')) {
      // myblog reaches MySQL through the mysql Service of this lab.
      steps.push({
        lab: deployments,
        phase: 'ready',
        what: `mysql ready, then python3 manage.py migrate in a myblog pod (${ns.luffy})`,
        run: () => needs(['mysql', 'myblog']).then(() => migrate(kc, ns.luffy, timeoutMs)),
      });
    }
    if (lab.name.startsWith('50-')) {
      steps.push({ lab: lab.name, phase: 'ready', what: `bookinfo details and reviews available (${ns.default})`, run: () => needs(['details', 'reviews']).then(() => waitForDeployments(kc, ns.default, ['details', 'reviews'], timeoutMs)) });
    }
  }
  // Last, once everything is applied: a listener's Secret may come in a later lab (or with the other objects).
  const gatewayLab = labs.find((l) => l.objects.some((o) => o.kind === 'Gateway'));
  if (gatewayLab) {
    const gateways = gatewayLab.objects.filter((o) => o.kind === 'Gateway');
    const routes = objects.filter((o) => o.kind === 'HTTPRoute');
    steps.push({
      lab: gatewayLab.name,
      phase: 'ready',
      what: `Gateway ${gateways.map((g) => g.metadata?.name).join(', ')} Programmed, its HTTPRoutes Accepted`,
      run: () => waitForGatewayApi(kc, gateways, routes, Math.min(timeoutMs, 60_000)),
    });
  }
  return steps;
}

/** The labs without their Gateway API objects, for a cluster whose controller does not serve Gateway API (ingress-nginx). */
export function withoutGatewayApi(labs: Lab[]): Lab[] {
  return labs.map((l) => ({ ...l, objects: l.objects.filter((o) => !o.apiVersion?.startsWith('gateway.networking.k8s.io/')) })).filter((l) => l.objects.length);
}

type Conditioned = KubeObject & { status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[]; parents?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] }[] } };

/** Waits, by watch, for the Gateways to be Programmed and every HTTPRoute Accepted by each of its parents. */
async function waitForGatewayApi(kc: KubeConfig, gateways: KubernetesObject[], routes: KubernetesObject[], timeoutMs: number): Promise<void> {
  const holds = (conditions: { type: string; status: string }[] | undefined, type: string) => conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
  const text = (o: Conditioned) => [...(o.status?.conditions ?? []), ...(o.status?.parents ?? []).flatMap((p) => p.conditions ?? [])].map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(' ') || 'no status';
  const wait = (o: KubernetesObject, plural: string, ok: (x: Conditioned) => boolean, what: string) =>
    waitFor<Conditioned>({
      kc,
      path: `/apis/gateway.networking.k8s.io/v1/namespaces/${o.metadata?.namespace}/${plural}`,
      fieldSelector: `metadata.name=${o.metadata?.name}`,
      what,
      until: ([x]) => !!x && ok(x),
      describe: ([x]) => (x ? text(x) : 'not found'),
      timeoutMs,
    });
  await Promise.all([
    ...gateways.map((g) => wait(g, 'gateways', (x) => holds(x.status?.conditions, 'Programmed'), `Gateway ${g.metadata?.namespace}/${g.metadata?.name} Programmed`)),
    ...routes.map((r) => wait(r, 'httproutes', (x) => (x.status?.parents ?? []).length > 0 && (x.status?.parents ?? []).every((p) => holds(p.conditions, 'Accepted')), `HTTPRoute ${r.metadata?.namespace}/${r.metadata?.name} Accepted`)),
  ]);
}

async function tlsSecret(kc: KubeConfig, namespace: string, hosts: string[]): Promise<void> {
  // Kept when it serves every host for a day more, by name (no wildcard, as
  // above): a second deploy (the other worker's) must not swap the certificate
  // under a check comparing it with what the ingress presents.
  const existing = await apiGet<V1Secret>(kc, `/api/v1/namespaces/${namespace}/secrets/tls-myblog`).catch((err) => {
    if (apiStatus(err) === 404) return undefined;
    throw err;
  });
  const current = existing && secretCertificate(existing).cert;
  if (current && !current.subjectAltName?.includes('DNS:*') && Date.parse(current.validTo) > Date.now() + 86_400_000 && hosts.every((h) => !secretTlsCauses('tls-myblog', existing, h, 'host').length)) return;
  const { cert, key } = await selfSignedCertificate(hosts);
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls-myblog', namespace }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': cert, 'tls.key': key } };
  await applyObjects(kc, [secret as KubernetesObject]);
}

async function migrate(kc: KubeConfig, namespace: string, timeoutMs: number): Promise<void> {
  await waitForDeployments(kc, namespace, ['mysql'], timeoutMs);
  const pods = await waitFor<V1Pod>({
    kc,
    path: `/api/v1/namespaces/${namespace}/pods`,
    labelSelector: 'app=myblog',
    what: 'a running myblog pod',
    until: (items) => items.some((p) => p.status?.containerStatuses?.[0]?.state?.running),
    timeoutMs: Math.min(timeoutMs, 180_000),
  });
  const pod = pods.find((p) => p.status?.containerStatuses?.[0]?.state?.running)!;
  const r = await execInPod(kc, namespace, pod.metadata!.name!, ['python3', 'manage.py', 'migrate', '--noinput']);
  if (r.exitCode !== 0) throw new Error(`migrate failed in ${pod.metadata!.name}: ${r.stderr.trim().split('\n').pop()}`);
  await waitForDeployments(kc, namespace, ['myblog'], timeoutMs);
}

/** Applies the reference labs in order and brings the course's stack to Ready (lab 60 where the controller serves Gateway API). */
export async function deployCourseStack(kc: KubeConfig, { gateway }: { gateway: boolean }): Promise<void> {
  const labs = gateway ? loadLabs() : withoutGatewayApi(loadLabs());
  for (const s of courseSteps(kc, labs)) await step(s.what, s.run);
}
