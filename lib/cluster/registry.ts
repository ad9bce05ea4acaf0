// The harness's registry, kept with the cluster (kind's local-registry
// pattern): a Distribution registry built from Debian's docker-registry, on
// the kind network beside the nodes, published on 127.0.0.1:5001 for pushes
// from the host (as a student pushes). Each node's containerd is told, per
// registry host, where to pull from (/etc/containerd/certs.d/<host>/hosts.toml;
// config_path is set in the kind config), so that names are mapped, never
// routed: the course's registry 172.21.51.143:5000 is this registry on every
// path (no packet ever goes to that address), and offline docker.io is too
// (mysql:5.7 and istio's bookinfo are the stand-ins built here). Online,
// docker.io is this registry first, then Docker Hub, with --images=built, and
// Docker Hub alone with --images=upstream. A second container serves the same
// store read-only behind a login and TLS (its CA made at run time, given to
// containerd): the private registry of the pull-secret lab.
import { randomBytes, X509Certificate } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attempt, run } from '../core/exec.ts';
import { HarnessError, step, warn } from '../core/log.ts';
import type { ImageSource } from '../core/options.ts';
import { paths } from '../core/paths.ts';
import { onNode } from './nodes.ts';
import { signedCertificate } from './tls.ts';

/** The course's own registries (the seed's 172.21.51.143:5000, once 10.211.55.27:5000): they exist only in the course's classroom. */
export const CLASS_REGISTRIES = ['172.21.51.143:5000', '10.211.55.27:5000'];

/** The port the registries listen on, on the kind network. */
export const REGISTRY_PORT = 5000;
/** The open registry's port on 127.0.0.1: where the host pushes. */
export const REGISTRY_HOST_PORT = 5001;

/** The registries' containers (their names are their hosts on the kind network) and the store they share. */
export const registryNames = (cluster: string) => ({ open: `${cluster}-registry`, private: `${cluster}-registry-auth`, volume: `${cluster}-registry` });

/** The private registry's host (as an image names it) and the login its pull secret carries. */
export interface PrivateRegistry {
  host: string;
  username: string;
  password: string;
  /** the CA that signed its certificate (PEM) */
  ca: string;
}

const privateFile = (cluster: string) => join(paths.cluster(cluster), 'registry', 'private.json');

/** The private registry of the cluster (after ensureRegistry). */
export function privateRegistry(cluster: string): PrivateRegistry {
  const file = privateFile(cluster);
  if (!existsSync(file)) throw new HarnessError(`no private registry recorded for cluster ${cluster} (npm run cluster:up starts it)`);
  return JSON.parse(readFileSync(file, 'utf8')) as PrivateRegistry;
}

/** Containerd's name for a reference: Docker Hub's short names in full (mysql:5.7 is docker.io/library/mysql:5.7). */
export function qualified(ref: string): string {
  const [first, ...rest] = ref.split('/');
  if (!rest.length) return `docker.io/library/${ref}`;
  return first === 'localhost' || /[.:]/.test(first) ? ref : `docker.io/${ref}`;
}

/** Where a name lives in the harness's registry: its path without the registry host (docker.io/library/mysql:5.7 is library/mysql:5.7). */
export const registryPath = (name: string) => qualified(name).split('/').slice(1).join('/');

/** A hosts.toml: pull from `hosts` in order, then `server`. */
export function hostsToml(why: string, server: string, hosts: { url: string; ca?: string }[]): string {
  return [
    `# Written by the course harness: ${why}`,
    `server = "${server}"`,
    ...hosts.flatMap((h) => ['', `[host."${h.url}"]`, '  capabilities = ["pull", "resolve"]', ...(h.ca ? [`  ca = "${h.ca}"`] : [])]),
    '',
  ].join('\n');
}

/**
 * The files of each node's /etc/containerd/certs.d: which registry each host
 * namespace pulls from. A host with no file pulls from itself.
 */
export function nodeRegistryFiles(cluster: string, { offline, images }: { offline: boolean; images: ImageSource }, ca: string): Record<string, string> {
  const { open, private: priv } = registryNames(cluster);
  const ours = `http://${open}:${REGISTRY_PORT}`;
  const files: Record<string, string> = {};
  for (const host of CLASS_REGISTRIES) files[`${host}/hosts.toml`] = hostsToml(`the course's registry ${host} is the harness's (the name is mapped; nothing is sent to ${host.split(':')[0]})`, ours, [{ url: ours }]);
  if (offline) files['docker.io/hosts.toml'] = hostsToml("offline: docker.io is the harness's registry (the course's public names are the stand-ins built here)", ours, [{ url: ours }]);
  else if (images === 'built') files['docker.io/hosts.toml'] = hostsToml("the course's public names are the stand-ins built here, in the harness's registry; any other name from Docker Hub", 'https://registry-1.docker.io', [{ url: ours }]);
  const privUrl = `https://${priv}:${REGISTRY_PORT}`;
  const caPath = `/etc/containerd/certs.d/${priv}:${REGISTRY_PORT}/ca.crt`;
  files[`${priv}:${REGISTRY_PORT}/hosts.toml`] = hostsToml('the private registry of the pull-secret lab (its CA made at run time)', privUrl, [{ url: privUrl, ca: caPath }]);
  files[`${priv}:${REGISTRY_PORT}/ca.crt`] = ca;
  return files;
}

const REGISTRY_LOG = join(paths.logs, 'registry.log');
const docker = (args: string[], input?: string, env?: Record<string, string>) => run('docker', args, { log: REGISTRY_LOG, input, env });

/** The container's image ID and whether it runs; undefined when there is no such container. */
async function containerState(name: string): Promise<{ image: string; running: boolean } | undefined> {
  const r = await attempt('docker', ['inspect', '--format', '{{.Image}} {{.State.Running}}', name]);
  if (r.exitCode !== 0) return undefined;
  const [image, running] = String(r.stdout).trim().split(' ');
  return { image, running: running === 'true' };
}

/** Runs `name` from `image` with `args` (`env`: variables passed by name, so that no value reaches the log), unless it already runs from that image (`fresh`: even then). */
async function ensureContainer(name: string, image: string, args: string[], env: Record<string, string> = {}, fresh = false): Promise<void> {
  const imageId = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', image]);
  const state = await containerState(name);
  if (state?.running && state.image === imageId && !fresh) return;
  if (state) await docker(['rm', '-f', name]);
  await docker(['run', '-d', '--name', name, '--network', 'kind', '--restart', 'unless-stopped', ...Object.keys(env).flatMap((k) => ['-e', k]), ...args, image], undefined, env);
}

/** Whether a PEM certificate expires within a week (the private registry's are made for 30 days, and kept with the cluster). */
const expiresSoon = (pem: string) => Date.parse(new X509Certificate(pem).validTo) - Date.now() < 7 * 24 * 3600_000;

/** Waits until the open registry answers its API on 127.0.0.1 (it starts in well under a second; 30 s is a broken one). */
async function waitForRegistry(container: string): Promise<void> {
  const { request } = await import('undici');
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await request(`http://127.0.0.1:${REGISTRY_HOST_PORT}/v2/`, { headersTimeout: 2000, bodyTimeout: 2000 });
      await res.body.dump();
      if (res.statusCode === 200) return;
      last = `HTTP ${res.statusCode}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new HarnessError(`the harness's registry does not answer on 127.0.0.1:${REGISTRY_HOST_PORT}/v2/: ${last} (docker logs ${container})`);
}

/**
 * The registries running beside the cluster (made or kept), and every node
 * told where to pull each registry host from. `image` is the registry image
 * built here.
 */
export async function ensureRegistry(cluster: string, nodes: string[], image: string, mode: { offline: boolean; images: ImageSource }): Promise<void> {
  const names = registryNames(cluster);
  const dir = join(paths.cluster(cluster), 'registry');
  mkdirSync(dir, { recursive: true });
  // The private registry's login and certificate: made once per cluster, at run time, never committed; made
  // anew a week before the certificate expires (its container is then recreated with them).
  if (!existsSync(privateFile(cluster)) || expiresSoon(privateRegistry(cluster).ca)) {
    await attempt('docker', ['rm', '-f', names.private]);
    const { ca, server } = await signedCertificate([names.private]);
    writeFileSync(join(dir, 'tls.crt'), server.cert);
    writeFileSync(join(dir, 'tls.key'), server.key, { mode: 0o600 });
    const record: PrivateRegistry = { host: `${names.private}:${REGISTRY_PORT}`, username: 'student', password: randomBytes(12).toString('base64url'), ca: ca.cert };
    writeFileSync(privateFile(cluster), JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
  }
  const priv = privateRegistry(cluster);
  await step(`registry ${names.open} (127.0.0.1:${REGISTRY_HOST_PORT}) and ${names.private}`, async () => {
    await docker(['volume', 'create', names.volume]);
    const start = async (fresh: boolean) => {
      await ensureContainer(names.open, image, ['-p', `127.0.0.1:${REGISTRY_HOST_PORT}:${REGISTRY_PORT}`, '-v', `${names.volume}:/var/lib/docker-registry`, '--label', `course-harness.cluster=${cluster}`], {}, fresh);
      await ensureContainer(names.private, image, [
        '-v', `${names.volume}:/var/lib/docker-registry:ro`,
        '-v', `${dir}:/certs:ro`,
        '-e', 'REGISTRY_CONFIG=private.yml',
        '--label', `course-harness.cluster=${cluster}`,
      ], { AUTH_USER: priv.username, AUTH_PASSWORD: priv.password }, fresh);
    };
    await start(false);
    try {
      await waitForRegistry(names.open);
    } catch (err) {
      // Seen after a Docker restart with the cluster recreated: the registry kept from before (restarted by its
      // policy) accepted on its port and closed every connection. Its log goes to the registry's; then made anew, once.
      appendFileSync(REGISTRY_LOG, `\n$ docker logs --tail 50 ${names.open}\n${(await attempt('docker', ['logs', '--tail', '50', names.open])).all}\n`);
      warn(`${(err as Error).message}; starting ${names.open} and ${names.private} anew`);
      await start(true);
      await waitForRegistry(names.open);
    }
  });
  // Rewritten each time: containerd reads hosts.toml at each pull, no restart needed.
  const files = nodeRegistryFiles(cluster, mode, priv.ca);
  await step(`registry hosts on the nodes' containerd (${Object.keys(files).filter((f) => f.endsWith('hosts.toml')).map((f) => f.split('/')[0]).join(', ')})`, async () => {
    for (const node of nodes) {
      const script = ['rm -rf /etc/containerd/certs.d', ...Object.keys(files).map((f) => `mkdir -p "/etc/containerd/certs.d/${f.split('/')[0]}"`)].join(' && ');
      await onNode(node, ['sh', '-c', script], { log: REGISTRY_LOG });
      for (const [file, text] of Object.entries(files)) await onNode(node, ['sh', '-c', `cat > "/etc/containerd/certs.d/${file}"`], { input: text, log: REGISTRY_LOG });
    }
  });
}

/** Pushes `image` (built here) to the open registry under each of `names` (course names: their registry path), from the host. */
export async function pushToRegistry(image: string, names: string[]): Promise<void> {
  for (const path of [...new Set(names.map(registryPath))]) {
    const ref = `127.0.0.1:${REGISTRY_HOST_PORT}/${path}`;
    await docker(['tag', image, ref]);
    await docker(['push', ref]);
  }
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * Whether the open registry holds `ref`, a pinned name as a node reports it
 * (`172.21.51.143:5000/myblog@sha256:...`, `docker.io/library/mysql@sha256:...`):
 * asked by digest on its published port, whatever host the name gives.
 */
export async function registryHolds(ref: string): Promise<boolean> {
  const [name, digest] = ref.split('@');
  if (!digest) return false;
  const { request } = await import('undici');
  const res = await request(`http://127.0.0.1:${REGISTRY_HOST_PORT}/v2/${registryPath(name)}/manifests/${digest}`, { method: 'HEAD', headers: { accept: MANIFEST_TYPES }, headersTimeout: 10_000 });
  await res.body.dump();
  return res.statusCode === 200;
}

/** The registries and their store, gone (with the cluster). */
export async function removeRegistry(cluster: string): Promise<void> {
  const names = registryNames(cluster);
  await attempt('docker', ['rm', '-f', names.open, names.private]);
  await attempt('docker', ['volume', 'rm', '-f', names.volume]);
  rmSync(join(paths.cluster(cluster), 'registry'), { recursive: true, force: true });
}

/** Why the cluster's registries are not healthy; undefined when both run and the open one answers. */
export async function registryTrouble(cluster: string): Promise<string | undefined> {
  const names = registryNames(cluster);
  for (const name of [names.open, names.private]) {
    const state = await containerState(name);
    if (!state) return `no container ${name} (npm run cluster:up starts it)`;
    if (!state.running) return `container ${name} is not running (docker logs ${name})`;
  }
  return waitForRegistry(names.open).then(
    () => undefined,
    (err: Error) => err.message,
  );
}

/** One request the registry logged: what was asked, by whom, and the answer. */
export interface RegistryRequest {
  time: string;
  method: string;
  uri: string;
  status: number;
  /** the client's address (a node's, on the kind network; the host's through the published port) */
  from: string;
  /** the error code of a failed request ("manifest unknown", "unauthorized") */
  error?: string;
}

/**
 * The requests in a registry's log (logrus text): one "response completed"
 * line per request, and for a request refused a login, which Distribution
 * answers 401 without that line, its "error authorizing context" warning.
 */
export function parseRegistryLog(text: string): RegistryRequest[] {
  const field = (line: string, key: string) => new RegExp(`(?:^|\\s)${key.replace(/\./g, '\\.')}=(?:"((?:[^"\\\\]|\\\\.)*)"|(\\S+))`).exec(line)?.slice(1).find((x) => x !== undefined);
  const refused = (l: string) => /msg="error authorizing context/.test(l);
  return text
    .split('\n')
    .filter((l) => (/msg="response completed/.test(l) || refused(l)) && /http\.request\.uri=/.test(l))
    .map((l) => ({
      time: field(l, 'time') ?? '',
      method: field(l, 'http.request.method') ?? '',
      // containerd asks a mirror with ?ns=<the registry it stands for>: the path is what was asked for.
      uri: (field(l, 'http.request.uri') ?? '').split('?')[0],
      status: refused(l) ? 401 : Number(field(l, 'http.response.status') ?? 0),
      from: (field(l, 'http.request.remoteaddr') ?? '').replace(/:\d+$/, ''),
      ...(refused(l) ? { error: 'unauthorized' } : field(l, 'err.code') ? { error: field(l, 'err.code') } : {}),
    }));
}

/** The requests a registry container logged since `since`. */
export async function registryRequests(container: string, since: Date): Promise<RegistryRequest[]> {
  const r = await attempt('docker', ['logs', '--since', since.toISOString(), container]);
  if (r.exitCode !== 0) throw new HarnessError(`docker logs ${container}: ${String(r.all).trim().split('\n').pop()}`);
  return parseRegistryLog(String(r.all));
}

/** A request as the rows quote it: `GET /v2/myblog/manifests/v1 404 (manifest unknown) from 172.18.0.3`. */
export const requestLine = (r: RegistryRequest) => `${r.method} ${r.uri} ${r.status}${r.error ? ` (${r.error})` : ''} from ${r.from}`;
