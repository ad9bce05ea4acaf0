// The harness cluster's lifecycle: create (online or offline), reuse when
// healthy, recreate when broken, delete. The identity file is written last, so
// a cluster whose `up` was interrupted is never taken for a healthy one.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { registryImage, upstreamNeedsRegistry } from './app-images.ts';
import { fingerprint, type ClusterIdentity } from '../kube/context-guard.ts';
import { ensureDockerEngine } from './docker-engine.ts';
import { attempt, run } from '../core/exec.ts';
import { dockerReachable, gatherHostFacts } from './host-facts.ts';
import { installIngress } from './ingress.ts';
import { isReady, loadKubeconfig, apiGet, rolledOut, waitFor, type DeploymentLike } from '../kube/kube.ts';
import { AUDIT, CLUSTER_LAYOUT, kindConfigText, PORTS } from './kind-config.ts';
import { HarnessError, info, step, warn } from '../core/log.ts';
import { buildKind, buildOffline, buildTraefikImage } from '../offline/build.ts';
import { UsageError, type HarnessOptions, type ImageSource, type IngressController, type ProxyMode } from '../core/options.ts';
import { paths } from '../core/paths.ts';
import { formatCheck, preflight } from './preflight.ts';
import { ensureRegistry, REGISTRY_HOST_PORT, removeRegistry } from './registry.ts';

/** kind's own node images for the online path, pinned by digest (kind v0.30.0 release notes). */
export const ONLINE_NODE_IMAGES: Record<string, string> = {
  'v1.34.0': 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a',
};

/** What a running harness cluster is, recorded when `up` completes. */
export interface ClusterRecord extends ClusterIdentity {
  name: string;
  kubernetesVersion: string;
  proxyMode: ProxyMode;
  ingress: IngressController;
  /** the options the cluster was asked for; another request recreates it */
  requested: Pick<HarnessOptions, 'kubernetesVersion' | 'proxyMode' | 'ingress' | 'kindVersion' | 'images'> & { layout: number };
  offline: boolean;
  nodeImage: string;
  /** suite checks that cannot run on this host, with the reason */
  skips: Record<string, string>;
  createdAt: string;
}

export function readRecord(name: string): ClusterRecord | undefined {
  const file = paths.identity(name);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterRecord;
}

export async function kindBinary(o: HarnessOptions): Promise<string> {
  const onPath = await attempt('kind', ['version']);
  if (!onPath.failed && String(onPath.stdout).startsWith(`kind ${o.kindVersion} `)) return 'kind';
  return buildKind(o.kindVersion, o.rebuild);
}

async function clusterExists(kind: string, name: string): Promise<boolean> {
  return (await run(kind, ['get', 'clusters'])).split('\n').includes(name);
}

/** Why an existing harness cluster cannot be reused, or undefined when it is healthy. */
async function unhealthyReason(o: HarnessOptions): Promise<string | undefined> {
  const record = readRecord(o.clusterName);
  if (!record) return 'its creation never completed';
  const states = await run('docker', ['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${o.clusterName}`, '--format', '{{.Names}} {{.State}}']);
  const stopped = states.split('\n').filter((l) => l && !l.endsWith(' running'));
  if (stopped.length) return `node containers not running: ${stopped.join(', ')}`;
  try {
    const kc = loadKubeconfig(record.kubeconfigPath);
    const ready = await apiGet(kc, '/readyz');
    if (String(ready).trim() !== 'ok') return `API server /readyz says ${String(ready).slice(0, 80)}`;
    await waitForNodes(record.kubeconfigPath, 20_000);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}

async function waitForNodes(kubeconfig: string, timeoutMs: number): Promise<void> {
  type Node = { metadata?: { name?: string }; status?: { conditions?: { type: string; status: string }[] } };
  await waitFor<Node>({
    kc: loadKubeconfig(kubeconfig),
    path: '/api/v1/nodes',
    what: '3 Ready nodes',
    until: (nodes) => nodes.length === 3 && nodes.every(isReady),
    describe: (nodes) => nodes.map((n) => `${n.metadata?.name}=${isReady(n) ? 'Ready' : 'NotReady'}`).join(', ') || 'no nodes',
    timeoutMs,
  });
}

async function waitForSystemWorkloads(kubeconfig: string, timeoutMs: number): Promise<void> {
  type Workload = { metadata?: { name?: string }; status?: Record<string, number | undefined>; spec?: { replicas?: number } };
  const kc = loadKubeconfig(kubeconfig);
  await Promise.all([
    waitFor<Workload>({
      kc,
      path: '/apis/apps/v1/namespaces/kube-system/daemonsets',
      what: 'kube-proxy and the CNI DaemonSets ready on every node',
      until: (ds) => ds.length >= 2 && ds.every((d) => (d.status?.numberReady ?? 0) === 3),
      describe: (ds) => ds.map((d) => `${d.metadata?.name} ${d.status?.numberReady ?? 0}/${d.status?.desiredNumberScheduled ?? '?'}`).join(', '),
      timeoutMs,
    }),
    waitFor<DeploymentLike>({
      kc,
      path: '/apis/apps/v1/namespaces/kube-system/deployments',
      fieldSelector: 'metadata.name=coredns',
      what: 'CoreDNS rolled out',
      until: (d) => d.length === 1 && rolledOut(d[0]),
      describe: (d) => d.map((x) => `coredns available ${x.status?.availableReplicas ?? 0}/${x.spec?.replicas}`).join(', '),
      timeoutMs,
    }),
  ]);
}

/** Decides online or offline: offline when asked, or (auto) when the pinned node image cannot be had. */
async function chooseNodeImage(o: HarnessOptions): Promise<{ offline: boolean; image?: string }> {
  if (o.offline === 'on') return { offline: true };
  const pinned = ONLINE_NODE_IMAGES[o.kubernetesVersion];
  if (!pinned) {
    if (o.offline === 'off') throw new HarnessError(`no pinned online node image for Kubernetes ${o.kubernetesVersion}; use --offline`);
    warn(`no pinned online node image for ${o.kubernetesVersion}: using the offline path`);
    return { offline: true };
  }
  if ((await attempt('docker', ['image', 'inspect', pinned])).exitCode === 0) return { offline: false, image: pinned };
  const pull = await attempt('docker', ['pull', pinned], { timeoutMs: 120_000 });
  if (!pull.failed) return { offline: false, image: pinned };
  if (o.offline === 'off') throw new HarnessError(`cannot pull ${pinned}: ${String(pull.stderr).trim().split('\n').pop()}`);
  warn('='.repeat(72));
  warn(`OFFLINE PATH: the node image ${pinned.split('@')[0]} cannot be pulled`);
  warn('(no registry reachable); building everything locally from Debian packages and Go modules.');
  warn('='.repeat(72));
  return { offline: true };
}

export async function clusterUp(o: HarnessOptions): Promise<{ record: ClusterRecord; reused: boolean }> {
  if (o.images === 'upstream' && o.offline === 'on') throw new UsageError(upstreamNeedsRegistry('--offline=on pulls nothing: give one of them'));
  await step('Docker engine', ensureDockerEngine);
  const kind = await kindBinary(o);

  const exists = await clusterExists(kind, o.clusterName);
  let replaceReason: string | undefined;
  let brokenReason: string | undefined;
  if (exists) {
    const reason = await step('checking the existing cluster', () => unhealthyReason(o));
    brokenReason = reason;
    const record = readRecord(o.clusterName);
    const differs = record && requestMismatch(record, o);
    if (!reason && record && !differs) {
      info(`reusing healthy cluster "${o.clusterName}" (kubeconfig ${record.kubeconfigPath})`);
      // Re-applied so that a changed controller manifest takes effect (a no-op otherwise); the registry kept or made again.
      await step(`ingress controller (${record.ingress})`, () =>
        installIngress({ kubeconfig: record.kubeconfigPath, kind, clusterName: o.clusterName, rebuild: false }, record.ingress),
      );
      await startRegistry(kind, o.clusterName, registryImage(record.offline, o.rebuild), { offline: record.offline, images: o.images });
      return { record, reused: true };
    }
    replaceReason = reason ?? differs ?? 'it was created with other options';
  }

  // Everything that can fail before creating comes first, while an existing
  // cluster is still untouched: preflight, then the node image (maybe built).
  const choice = await chooseNodeImage(o);
  if (choice.offline && o.images === 'upstream') {
    throw new HarnessError(upstreamNeedsRegistry('the node image cannot be pulled here, so the cluster would be built offline: use --images=built (the default) where nothing can be pulled'));
  }
  const facts = await gatherHostFacts([...Object.values(PORTS), REGISTRY_HOST_PORT], exists);
  const pre = preflight(facts, o, choice.offline);
  for (const c of pre.checks) info(formatCheck(c));
  if (pre.blocking) throw new HarnessError(`preflight failed: ${pre.checks.filter((c) => c.status === 'fail').map((c) => c.message).join('; ')}`);
  const ingress = choice.offline && o.ingress === 'nginx' ? offlineIngress() : o.ingress;
  // Traefik's image (a build of minutes on a cold machine; every cluster runs
  // its Gateway provider) is made beside the node image and the cluster's
  // creation, which wait on much besides the CPU; installing the edges then finds it built.
  const traefik = buildTraefikImage(o.rebuild);
  traefik.catch(() => undefined); // its failure is reported where it is awaited
  const nodeImage = choice.offline ? await buildOffline(o) : choice.image!;
  // After the offline build, whose Debian base it shares.
  const registry = registryImage(choice.offline, o.rebuild);
  registry.catch(() => undefined); // its failure is reported where it is awaited
  if (replaceReason) {
    // A broken one (not merely made for other options) leaves its logs first.
    const logs = brokenReason ? `; ${await exportFailedClusterLogs(kind, o.clusterName)}` : '';
    warn(`recreating cluster "${o.clusterName}": ${replaceReason}${logs}`);
    await deleteCluster(kind, o.clusterName);
  }

  const dir = paths.cluster(o.clusterName);
  mkdirSync(dir, { recursive: true });
  rmSync(paths.identity(o.clusterName), { force: true });
  const configFile = `${dir}/kind-config.json`;
  const auditDir = `${dir}/audit`;
  mkdirSync(auditDir, { recursive: true });
  writeFileSync(`${auditDir}/${AUDIT.policyFile}`, AUDIT.policy);
  writeFileSync(
    configFile,
    kindConfigText({ clusterName: o.clusterName, kubernetesVersion: o.kubernetesVersion, proxyMode: pre.proxyMode, nodeImage, cgroupVersion: facts.cgroupVersion, auditDir, dockerConfig: choice.offline ? undefined : dockerLogin() }),
  );

  const kubeconfig = paths.kubeconfig(o.clusterName);
  const create = async () => {
    const log = `${paths.logs}/kind-create.log`;
    await step(`kind create cluster "${o.clusterName}" (log: ${log})`, () =>
      run(kind, ['create', 'cluster', '--config', configFile, '--kubeconfig', kubeconfig, '--retain=false'], { log }),
    );
    // The controller's CRDs, image and objects go in while the nodes come up:
    // its own wait for its pod covers their readiness.
    await Promise.all([
      step('nodes Ready', () => waitForNodes(kubeconfig, 300_000)).then(() => step('kube-proxy, CNI and CoreDNS ready', () => waitForSystemWorkloads(kubeconfig, 300_000))),
      traefik.then(() => step(`ingress controller (${ingress}) and Traefik's Gateway`, () => installIngress({ kubeconfig, kind, clusterName: o.clusterName, rebuild: false }, ingress))),
      startRegistry(kind, o.clusterName, registry, { offline: choice.offline, images: o.images }),
    ]);
  };
  // Ctrl-C or a failure while creating: delete what was made, so nothing
  // half-created is ever taken for a cluster (the identity file comes last).
  // `on`, not `once`: a Ctrl-C reaches us twice (from the terminal and relayed
  // by tsx), and a second, unhandled SIGINT would kill us before the cleanup.
  let onSignal = () => {};
  let signalled = false;
  const interrupted = new Promise<never>((_, reject) => {
    onSignal = () => {
      signalled = true;
      reject(new HarnessError('interrupted while creating the cluster; it was deleted'));
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await Promise.race([create(), interrupted]);
  } catch (err) {
    // A cluster that failed to come up leaves its logs first (not one the user
    // interrupted: Ctrl-C, also during the export, must stay quick), and the
    // error says where they are.
    const logs = signalled ? undefined : await Promise.race([exportFailedClusterLogs(kind, o.clusterName), interrupted.catch(() => undefined)]);
    warn(`deleting the half-created cluster "${o.clusterName}"${logs ? `; ${logs}` : ''}`);
    await deleteCluster(kind, o.clusterName);
    // Its registry too: left running, it would hold 127.0.0.1:5001 against the next cluster:up's preflight.
    await removeRegistry(o.clusterName);
    if (logs && err instanceof HarnessError) throw new HarnessError(`${err.message} (${logs})`, err.logFile);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const kc = loadKubeconfig(kubeconfig);
  const cluster = kc.getCurrentCluster()!;
  const record: ClusterRecord = {
    name: o.clusterName,
    kubeconfigPath: kubeconfig,
    context: kc.getCurrentContext(),
    server: cluster.server,
    caFingerprint: fingerprint(cluster.caData ?? ''),
    kubernetesVersion: o.kubernetesVersion,
    proxyMode: pre.proxyMode,
    ingress,
    requested: requestOf(o),
    offline: choice.offline,
    nodeImage,
    skips: pre.skips,
    createdAt: new Date().toISOString(),
  };
  writeFileSync(paths.identity(o.clusterName), JSON.stringify(record, null, 2) + '\n');
  info(`cluster "${o.clusterName}" is up; kubeconfig: ${kubeconfig}`);
  return { record, reused: false };
}

function requestOf(o: HarnessOptions): ClusterRecord['requested'] {
  return { kubernetesVersion: o.kubernetesVersion, proxyMode: o.proxyMode, ingress: o.ingress, kindVersion: o.kindVersion, images: o.images, layout: CLUSTER_LAYOUT };
}

/** Why a recorded cluster is not the one these options ask for; undefined when it is. */
export function requestMismatch(record: ClusterRecord, o: HarnessOptions): string | undefined {
  const asked = requestOf(o);
  // A cluster from before --images served the images built here.
  const had: Partial<ClusterRecord['requested']> = { ...record.requested, images: record.requested.images ?? 'built' };
  const names: Record<keyof ClusterRecord['requested'], string> = { kubernetesVersion: 'Kubernetes', proxyMode: 'kube-proxy mode', ingress: 'ingress controller', kindVersion: 'kind', images: "course images (--images)", layout: 'cluster layout (port mappings)' };
  for (const key of Object.keys(names) as (keyof ClusterRecord['requested'])[]) {
    if (had[key] === undefined) return `it was created by an older harness that did not record its ${names[key]} version`;
    if (had[key] !== asked[key]) return `it was created with ${names[key]} ${had[key]}, and ${asked[key]} is asked for`;
  }
  if (o.offline === 'on' && !record.offline) return 'it was created online, and --offline=on is asked for';
  if (o.offline === 'off' && record.offline) return 'it was built offline, and --offline=off is asked for';
  return undefined;
}

function offlineIngress(): IngressController {
  warn('ingress-nginx cannot be built offline (its nginx needs OpenResty modules from GitHub): using Traefik');
  return 'traefik';
}

/**
 * `kind export logs` of a cluster about to be deleted because it failed to come
 * up or was broken (node journals, kubelet, containerd, kube-proxy and pod
 * logs), into the harness's logs folder, which CI uploads. Says where, or why
 * it could not: it never throws, so the failure that led here stays the error.
 */
async function exportFailedClusterLogs(kind: string, name: string): Promise<string> {
  const dir = join(paths.logs, `failed-cluster-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  try {
    await step(`kind export logs of cluster "${name}" to ${dir}`, () => run(kind, ['export', 'logs', dir, '--name', name], { timeoutMs: 180_000 }));
    return `its logs are in ${dir}`;
  } catch (err) {
    return `its logs could not be exported: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function deleteCluster(kind: string, name: string): Promise<void> {
  rmSync(paths.identity(name), { force: true });
  await run(kind, ['delete', 'cluster', '--name', name, '--kubeconfig', paths.kubeconfig(name)]);
}

/** Docker's config.json when it holds a login (`docker login`, as the nightly does with its secrets); an anonymous one, or a credential helper's, is not passed on. */
function dockerLogin(): string | undefined {
  const file = join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  if (!existsSync(file)) return undefined;
  const auths = (JSON.parse(readFileSync(file, 'utf8')) as { auths?: Record<string, { auth?: string }> }).auths ?? {};
  return Object.values(auths).some((a) => a.auth) ? file : undefined;
}

/** The harness's registry beside the cluster, and the nodes told where each registry host's images come from (lib/cluster/registry.ts). */
async function startRegistry(kind: string, cluster: string, image: Promise<string>, mode: { offline: boolean; images: ImageSource }): Promise<void> {
  const nodes = (await run(kind, ['get', 'nodes', '--name', cluster])).split('\n').filter(Boolean);
  if (!nodes.length) throw new HarnessError(`kind lists no node of cluster ${cluster}`);
  await ensureRegistry(cluster, nodes, await image, mode);
}

export async function clusterDown(o: HarnessOptions): Promise<boolean> {
  if (!(await dockerReachable())) {
    info('no Docker engine answers, so no cluster is running');
    return false;
  }
  const kind = await kindBinary(o);
  // The registry goes with the cluster.
  await removeRegistry(o.clusterName);
  if (!(await clusterExists(kind, o.clusterName))) {
    rmSync(paths.identity(o.clusterName), { force: true });
    return false;
  }
  await step(`deleting cluster "${o.clusterName}"`, () => deleteCluster(kind, o.clusterName));
  return true;
}

