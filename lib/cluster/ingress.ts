// Installs the edges on the node whose ports are mapped to 127.0.0.1: the
// ingress controller on 80/443 (ingress-nginx, waited for until its admission
// webhook answers, or Traefik's NGINX provider), and on every cluster Traefik's
// Gateway provider on 8080/8443 with the Gateway API CRDs, so that both edges
// run the same case table whatever the controller (beside ingress-nginx,
// Traefik serves the Gateway only: a course cluster migrating off the retired
// controller). Traefik is built here on both paths (its module, pinned).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NetworkingV1Api, type KubeConfig, type KubernetesObject, type V1Ingress } from '@kubernetes/client-node';
import { applyObjects, parseManifests } from '../kube/apply.ts';
import { installGatewayApi } from './gateway-api.ts';
import { NODE_LABELS } from './kind-config.ts';
import { apiMessage, loadKubeconfig, rolledOut, waitFor, type DeploymentLike } from '../kube/kube.ts';
import { run } from '../core/exec.ts';
import { HarnessError, info } from '../core/log.ts';
import { buildTraefikImage } from '../offline/build.ts';
import type { IngressController } from '../core/options.ts';
import { paths } from '../core/paths.ts';

const TRAEFIK_MANIFEST = resolve(import.meta.dirname, '../../offline/ingress/traefik.yaml');

/** ingress-nginx's kind provider manifest, pinned by release and checksum, and the images it names (by digest). */
export const INGRESS_NGINX = {
  version: 'v1.15.1',
  url: 'https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.15.1/deploy/static/provider/kind/deploy.yaml',
  sha256: '2a3ae008c8786431115502644e77ab398fdebfb721a5d1195ed3089cde3299df',
  images: [
    'registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1',
    'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9@sha256:01038e7de14b78d702d2849c3aad72fd25903c4765af63cf16aa3398f5d5f2dd',
  ],
} as const;

/** The images a manifest's pod templates name (containers and init containers), sorted and unique. */
export function manifestImages(objects: KubernetesObject[]): string[] {
  const images = new Set<string>();
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    const o = value as { containers?: { image?: string }[]; initContainers?: { image?: string }[] };
    for (const c of [...(o.containers ?? []), ...(o.initContainers ?? [])]) if (c.image) images.add(c.image);
    for (const child of Object.values(value)) visit(child);
  };
  for (const o of objects) visit(o);
  return [...images].sort();
}

/** The cached copy of the pinned manifest, if it was downloaded once. */
export const cachedManifestFile = () => join(paths.cache, 'ingress-nginx', INGRESS_NGINX.version, 'deploy.yaml');

export interface IngressTarget {
  kubeconfig: string;
  kind: string;
  clusterName: string;
  rebuild: boolean;
}

export async function installIngress(t: IngressTarget, ingress: IngressController): Promise<void> {
  const kc = loadKubeconfig(t.kubeconfig);
  // The Gateway provider needs the CRDs first.
  await installGatewayApi(kc);
  const image = await buildTraefikImage(t.rebuild);
  // Only where its pod runs: the ingress node (the control plane, kind-config.ts).
  await run(t.kind, ['load', 'docker-image', '--name', t.clusterName, '--nodes', `${t.clusterName}-control-plane`, image], { log: join(paths.logs, 'ingress.log') });
  await applyObjects(kc, traefikObjects(readFileSync(TRAEFIK_MANIFEST, 'utf8'), image, { ingress: ingress === 'traefik' }));
  if (ingress === 'nginx') {
    const objects = parseManifests(await pinnedManifest(), INGRESS_NGINX.url);
    const named = manifestImages(objects);
    if (named.join(' ') !== [...INGRESS_NGINX.images].sort().join(' ')) {
      throw new HarnessError(`the ingress-nginx ${INGRESS_NGINX.version} manifest names ${named.join(', ')}; the harness pins ${INGRESS_NGINX.images.join(', ')}`);
    }
    await applyObjects(kc, pinToIngressNode(objects));
    await waitForDeployment(kc, 'ingress-nginx', 'ingress-nginx-controller');
    await waitForAdmissionWebhook(t.kubeconfig, 120_000);
  }
  await waitForDeployment(kc, 'traefik', 'traefik');
}

/**
 * Traefik's objects (offline/ingress/traefik.yaml) for this cluster: with
 * `ingress`, its NGINX provider on 80/443 and IngressClass nginx too; without
 * (ingress-nginx holds those), the Gateway provider alone.
 */
export function traefikObjects(manifest: string, image: string, { ingress }: { ingress: boolean }): KubernetesObject[] {
  const objects = parseManifests(manifest.replace('TRAEFIK_IMAGE', image), TRAEFIK_MANIFEST);
  if (ingress) return objects;
  const ingressArg = (a: string) => /kubernetesingressnginx|entryPoints\.(web|websecure)\./.test(a);
  return objects
    .filter((o) => o.kind !== 'IngressClass')
    .map((o) => {
      if (o.kind !== 'Deployment') return o;
      const d = structuredClone(o) as KubernetesObject & { spec: { template: { spec: { containers: { args?: string[]; ports?: { name?: string }[] }[] } } } };
      for (const c of d.spec.template.spec.containers) {
        c.args = c.args?.filter((a) => !ingressArg(a));
        c.ports = c.ports?.filter((p) => p.name !== 'web' && p.name !== 'websecure');
      }
      return d;
    });
}

async function waitForDeployment(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await waitFor<DeploymentLike>({
    kc,
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    fieldSelector: `metadata.name=${name}`,
    what: `${namespace}/${name} rolled out`,
    until: (d) => d.length === 1 && rolledOut(d[0]),
    describe: (d) => JSON.stringify(d[0]?.status ?? 'no deployment'),
    timeoutMs: 300_000,
  });
}

/** Downloads the manifest once, verifies its sha256, keeps it in the cache. */
async function pinnedManifest(): Promise<string> {
  const file = cachedManifestFile();
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const { request } = await import('undici');
  const res = await request(INGRESS_NGINX.url, { headersTimeout: 30_000, bodyTimeout: 30_000 });
  if (res.statusCode !== 200) throw new HarnessError(`GET ${INGRESS_NGINX.url}: HTTP ${res.statusCode}`);
  const body = Buffer.from(await res.body.arrayBuffer());
  const sum = createHash('sha256').update(body).digest('hex');
  if (sum !== INGRESS_NGINX.sha256) throw new HarnessError(`ingress-nginx manifest checksum mismatch: got ${sum}, pinned ${INGRESS_NGINX.sha256}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
  return body.toString('utf8');
}

/** Adds the course's `ingress: "true"` node selector to the controller. */
export function pinToIngressNode(objects: KubernetesObject[]): KubernetesObject[] {
  return objects.map((o) => {
    if (o.kind !== 'Deployment' || o.metadata?.name !== 'ingress-nginx-controller') return o;
    const d = structuredClone(o) as KubernetesObject & { spec: { template: { spec: { nodeSelector?: Record<string, string> } } } };
    d.spec.template.spec.nodeSelector = { ...d.spec.template.spec.nodeSelector, ingress: NODE_LABELS.ingress.ingress };
    return d;
  });
}

/** The webhook answers when a dry-run Ingress create no longer fails calling it. */
async function waitForAdmissionWebhook(kubeconfig: string, timeoutMs: number): Promise<void> {
  const kc = loadKubeconfig(kubeconfig);
  const probe: V1Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'harness-webhook-probe', namespace: 'default' },
    spec: { ingressClassName: 'nginx', rules: [{ host: 'probe.invalid', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'none', port: { number: 80 } } } }] } }] },
  };
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      await kc.makeApiClient(NetworkingV1Api).createNamespacedIngress({ namespace: 'default', body: probe, dryRun: 'All' });
      info('  admission webhook answers');
      return;
    } catch (err) {
      last = apiMessage(err);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  throw new HarnessError(`the ingress-nginx admission webhook did not answer within ${timeoutMs / 1000}s: ${last}`);
}
