// The offline path: builds kind, Kubernetes, every image the cluster runs and
// the kind node image on this machine, from Debian packages and Go modules.
// Each step is cached by component and version; a second run rebuilds nothing.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { attempt, run } from '../core/exec.ts';
import { CACHED, HarnessError, info, step } from '../core/log.ts';
import type { HarnessOptions } from '../core/options.ts';
import { paths } from '../core/paths.ts';
import { artifactDir, cached } from './cache.ts';
import { checkCorednsPlugins } from './coredns.ts';
import { dockerBuild, hashDir, hashInputs, imageIsCurrent, INPUT_LABEL } from './docker-image.ts';
import { goBuild, goBuildLocal, goModuleSource } from './go-build.ts';
import { shellRecipe } from './shell.ts';
import { kubernetesLdflags, kubernetesStagingVersion } from './go-module.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RECIPES = join(ROOT, 'offline');

/** crictl speaks the stable CRI v1 API; one version serves every supported minor. */
const CRICTL_VERSION = 'v1.34.0';
const DEBIAN_IMAGE = 'localhost/course-harness/debian:bookworm';
const KINDNET_IMAGE = 'localhost/course-harness/kindnet-lite:v1';
export const TRAEFIK_VERSION = 'v3.7.9';
export const TRAEFIK_IMAGE = `localhost/course-harness/traefik:${TRAEFIK_VERSION}`;
const DEBIAN_MIRROR = process.env.HARNESS_DEBIAN_MIRROR || 'http://deb.debian.org/debian';

const logFile = (name: string) => join(paths.logs, `offline-${name}.log`);

/** Runs a cached build step, naming its log on screen. */
export async function buildStep(title: string, component: string, version: string, rebuild: boolean, build: (dir: string, log: string) => Promise<void>) {
  const log = logFile(component);
  const dir = artifactDir(component, version);
  await step(`${title} ${version}`, async () => {
    const r = await cached(component, version, rebuild, async (tmp) => {
      rmSync(log, { force: true });
      info(`  building (log: ${log})`);
      await build(tmp, log);
    });
    return r.built ? undefined : CACHED;
  });
  return { dir, stamp: readFileSync(join(dir, '.complete'), 'utf8').trim() };
}

export async function buildKind(version: string, rebuild: boolean): Promise<string> {
  const { dir } = await buildStep('kind', 'kind', version, rebuild, (out, log) =>
    goBuild({ module: 'sigs.k8s.io/kind', version, packages: ['sigs.k8s.io/kind'] }, out, log),
  );
  return join(dir, 'kind');
}

/** Builds everything the node image holds; returns the node image's tag. */
export async function buildOffline(o: HarnessOptions): Promise<string> {
  const rebuild = o.rebuild;
  const version = o.kubernetesVersion;

  const kubernetes = buildStep('Kubernetes', 'kubernetes', version, rebuild, (out, log) =>
    goBuild(
      {
        module: 'k8s.io/kubernetes',
        version,
        packages: ['kubeadm', 'kubelet', 'kubectl', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map(
          (c) => `k8s.io/kubernetes/cmd/${c}`,
        ),
        ldflags: kubernetesLdflags(version, new Date().toISOString().replace(/\.\d+Z$/, 'Z')),
        localReplace: (m) => `${m} ${kubernetesStagingVersion(version)}`,
      },
      out,
      log,
    ),
  );
  const buildEtcd = (v: string) =>
    buildStep('etcd', 'etcd', v, rebuild, (out, log) =>
      goBuild({ module: 'go.etcd.io/etcd/server/v3', version: v, packages: ['go.etcd.io/etcd/server/v3'], binaryName: 'etcd', ldflags: '-s -w' }, out, log),
    );
  // Our own main (offline/coredns): the plugins a cluster's Corefile uses, not upstream's every plugin.
  const corednsMain = join(RECIPES, 'coredns');
  const buildCoredns = (v: string) =>
    buildStep('CoreDNS', 'coredns', `${v}-${hashDir(corednsMain)}`, rebuild, (out, log) =>
      goBuild(
        {
          module: 'github.com/coredns/coredns',
          version: v,
          packages: ['./coredns'],
          ldflags: '-s -w',
          localModules: { coredns: Object.fromEntries(readdirSync(corednsMain).map((f) => [f, readFileSync(join(corednsMain, f), 'utf8')])) },
        },
        out,
        log,
      ),
    );
  // Beside Kubernetes' build, the longest, what needs none of its binaries:
  // on two cores its last minutes (linking) leave CPU for them. etcd's and
  // CoreDNS's versions are kubeadm's defaults, read from its source here;
  // the kubeadm built names the images after, and a version it names
  // otherwise is built then.
  const guessing = goModuleSource('k8s.io/kubernetes', version)
    .then((dir) => {
      const constants = join(dir, 'cmd/kubeadm/app/constants/constants.go');
      return kubeadmDefaults(existsSync(constants) ? readFileSync(constants, 'utf8') : '');
    })
    .catch(() => ({ etcd: undefined, coredns: undefined })); // no guess: both are built after Kubernetes
  const beside = (async () => {
    const crictl = await buildStep('crictl', 'crictl', CRICTL_VERSION, rebuild, (out, log) =>
      goBuild(
        {
          module: 'sigs.k8s.io/cri-tools',
          version: CRICTL_VERSION,
          packages: ['sigs.k8s.io/cri-tools/cmd/crictl'],
          ldflags: `-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=${CRICTL_VERSION}`,
        },
        out,
        log,
      ),
    );
    const guess = await guessing;
    const etcd = guess.etcd ? await buildEtcd(guess.etcd) : undefined;
    const coredns = guess.coredns ? await buildCoredns(guess.coredns) : undefined;
    const pauseSource = join(RECIPES, 'images/pause');
    const pause = await buildStep('pause', 'pause', hashDir(pauseSource), rebuild, (out, log) =>
      run('gcc', ['-static', '-O2', '-Wall', '-o', join(out, 'pause'), join(pauseSource, 'pause.c')], { log }).then(() => undefined),
    );
    const kindnetSource = join(RECIPES, 'kindnet-lite');
    const kindnet = await buildStep('kindnet-lite', 'kindnet-lite', hashDir(kindnetSource), rebuild, (out, log) =>
      goBuildLocal(kindnetSource, join(out, 'kindnet-lite'), log),
    );
    return { crictl, etcd, coredns, pause, kindnet, debian: await debianImage(rebuild) };
  })();
  const [k8s, built, guess] = await Promise.all([kubernetes, beside, guessing]);
  const { crictl, pause, kindnet, debian } = built;
  const required = await requiredImages(join(k8s.dir, 'kubeadm'), version);
  const etcdVersion = imageVersion(required.etcd);
  const etcd = built.etcd && etcdVersion === guess.etcd ? built.etcd : await buildEtcd(etcdVersion);
  const corednsVersion = imageVersion(required.coredns);
  const coredns = built.coredns && corednsVersion === guess.coredns ? built.coredns : await buildCoredns(corednsVersion);
  await checkCorednsPlugins(join(k8s.dir, 'kubeadm'), version, join(coredns.dir, 'coredns'));

  const kindFiles = await goModuleSource('sigs.k8s.io/kind', o.kindVersion); // for images/base/files
  // kind's containerd config names its own sandbox image, besides kubeadm's pause tag.
  const containerdConfig = readFileSync(join(kindFiles, 'images/base/files/etc/containerd/config.toml'), 'utf8');
  const sandboxImage = /sandbox_image\s*=\s*"([^"]+)"/.exec(containerdConfig)?.[1];
  if (!sandboxImage) throw new HarnessError(`no sandbox_image in kind ${o.kindVersion}'s containerd config`);
  const images: { tag: string; extraTags?: string[]; recipe: string; files: Record<string, string>; args?: Record<string, string>; stamp: string }[] = [
    ...(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const).map((c) => ({
      tag: required[c],
      recipe: 'static-binary',
      files: { [c]: join(k8s.dir, c) },
      args: { BINARY: c },
      stamp: k8s.stamp,
    })),
    { tag: required.etcd, recipe: 'static-binary', files: { etcd: join(etcd.dir, 'etcd') }, args: { BINARY: 'etcd' }, stamp: etcd.stamp },
    { tag: required['kube-proxy'], recipe: 'kube-proxy', files: { 'kube-proxy': join(k8s.dir, 'kube-proxy') }, args: { DEBIAN_IMAGE: debian }, stamp: k8s.stamp + debian },
    { tag: required.coredns, recipe: 'coredns', files: { coredns: join(coredns.dir, 'coredns') }, stamp: coredns.stamp },
    { tag: required.pause, extraTags: sandboxImage === required.pause ? [] : [sandboxImage], recipe: 'pause', files: { pause: join(pause.dir, 'pause') }, stamp: pause.stamp },
    { tag: KINDNET_IMAGE, recipe: 'kindnet-lite', files: { 'kindnet-lite': join(kindnet.dir, 'kindnet-lite') }, args: { DEBIAN_IMAGE: debian }, stamp: kindnet.stamp + debian },
  ];
  const inputs: string[] = [];
  for (const image of images) {
    const recipe = join(RECIPES, 'images', image.recipe);
    const input = hashInputs(hashDir(recipe), image.stamp, JSON.stringify(image.args ?? {}), image.tag, ...(image.extraTags ?? []));
    inputs.push(input);
    await step(`image ${image.tag}`, async () => {
      if (!rebuild && (await imageIsCurrent(image.tag, input))) return CACHED;
      await dockerBuild({ tag: image.tag, extraTags: image.extraTags, recipe, files: image.files, buildArgs: image.args, input, log: logFile('images'), noCache: rebuild });
    });
  }

  return buildNodeImage({
    version,
    kindVersion: o.kindVersion,
    kindFiles,
    binaries: { kubeadm: join(k8s.dir, 'kubeadm'), kubelet: join(k8s.dir, 'kubelet'), kubectl: join(k8s.dir, 'kubectl'), crictl: join(crictl.dir, 'crictl') },
    stamps: [k8s.stamp, crictl.stamp, debian],
    images: images.flatMap((i) => [i.tag, ...(i.extraTags ?? [])]),
    imagesInput: hashInputs(...inputs),
    debian,
    rebuild,
  });
}

/** An image's version as its source module tags it: etcd:3.6.4-0 is v3.6.4, coredns:v1.12.1 is v1.12.1. */
export function imageVersion(image: string): string {
  const tag = image.slice(image.lastIndexOf(':') + 1);
  return tag.startsWith('v') ? tag : `v${tag.replace(/-\d+$/, '')}`;
}

/** etcd's and CoreDNS's versions in kubeadm's constants.go, as imageVersion gives them; undefined where it names none. */
export function kubeadmDefaults(constantsGo: string): { etcd?: string; coredns?: string } {
  const constant = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]+)"`).exec(constantsGo)?.[1];
  const etcd = constant('DefaultEtcdVersion');
  const coredns = constant('CoreDNSVersion');
  return { etcd: etcd && imageVersion(`etcd:${etcd}`), coredns: coredns && imageVersion(`coredns:${coredns}`) };
}

/** The images kubeadm will ask for, from the kubeadm just built. */
async function requiredImages(kubeadm: string, version: string) {
  const list = (await run(kubeadm, ['config', 'images', 'list', '--kubernetes-version', version])).split('\n');
  const find = (name: string) => {
    const image = list.find((l) => l.split(':')[0].endsWith('/' + name));
    if (!image) throw new HarnessError(`kubeadm ${version} does not list a ${name} image (got: ${list.join(', ')})`);
    return image.trim();
  };
  return {
    'kube-apiserver': find('kube-apiserver'),
    'kube-controller-manager': find('kube-controller-manager'),
    'kube-scheduler': find('kube-scheduler'),
    'kube-proxy': find('kube-proxy'),
    etcd: find('etcd'),
    coredns: find('coredns'),
    pause: find('pause'),
  };
}

/** Debian bookworm from debootstrap, imported as a base image; returns its tag. */
export async function debianImage(rebuild: boolean): Promise<string> {
  const input = hashInputs('bookworm', 'minbase', DEBIAN_MIRROR, 'security-updates-v1');
  await step('image Debian bookworm (debootstrap)', async () => {
    if (!rebuild && (await imageIsCurrent(DEBIAN_IMAGE, input))) return CACHED;
    const log = logFile('debian');
    if (!existsSync('/usr/sbin/debootstrap')) {
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'debootstrap'], { log, env: { DEBIAN_FRONTEND: 'noninteractive' } });
    }
    const rootfs = mkdtempSync(join(tmpdir(), 'harness-debian-'));
    try {
      info(`  debootstrap (log: ${log})`);
      await run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, DEBIAN_MIRROR], { log });
      const mirror = DEBIAN_MIRROR.replace(/\/debian\/?$/, '');
      writeFileSync(
        join(rootfs, 'etc/apt/sources.list'),
        [`deb ${mirror}/debian bookworm main`, `deb ${mirror}/debian bookworm-updates main`, `deb ${mirror}/debian-security bookworm-security main`, ''].join('\n'),
      );
      for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
        await run('find', [join(rootfs, d), '-type', 'f', '-delete']);
      }
      await run('tar', ['-C', rootfs, '-cf', `${rootfs}.tar`, '.'], { log });
      await run('docker', ['import', '--change', `LABEL ${INPUT_LABEL}=${input}`, `${rootfs}.tar`, DEBIAN_IMAGE], { log });
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
      rmSync(`${rootfs}.tar`, { force: true });
    }
  });
  return DEBIAN_IMAGE;
}

interface NodeImageInput {
  version: string;
  kindVersion: string;
  /** kind's module source, for images/base/files */
  kindFiles: string;
  binaries: Record<string, string>;
  stamps: string[];
  images: string[];
  imagesInput: string;
  debian: string;
  rebuild: boolean;
}

/**
 * The node image: a base image built like kind's (kind's own images/base files
 * from its Go module, Debian packages), then the cluster images imported into
 * its containerd and the container committed, as `kind build node-image` does
 * (which cannot run here: it pulls every image it did not build).
 */
async function buildNodeImage(n: NodeImageInput): Promise<string> {
  const recipe = join(RECIPES, 'node');
  const baseInput = hashInputs(hashDir(recipe), n.kindVersion, n.version, ...n.stamps);
  const base = `localhost/course-harness/node-base:${n.version}`;
  const input = hashInputs(baseInput, n.imagesInput);
  const tag = `localhost/course-harness/node:${n.version}-${input.slice(0, 12)}`;
  const log = logFile('node-image');

  await step(`node base image ${n.version}`, async () => {
    if (!n.rebuild && (await imageIsCurrent(base, baseInput))) return CACHED;
    const extra = mkdtempSync(join(tmpdir(), 'harness-kind-extra-'));
    try {
      mkdirSync(join(extra, 'manifests'));
      writeFileSync(join(extra, 'version'), n.version + '\n');
      writeFileSync(join(extra, 'manifests/default-cni.yaml'), readFileSync(join(recipe, 'default-cni.yaml')));
      await dockerBuild({
        tag: base,
        recipe,
        files: { 'kind-base': join(n.kindFiles, 'images/base/files'), 'kind-extra': extra, ...Object.fromEntries(Object.entries(n.binaries).map(([k, v]) => [`bin/${k}`, v])) },
        buildArgs: { DEBIAN_IMAGE: n.debian },
        input: baseInput,
        log,
        noCache: n.rebuild,
      });
    } finally {
      rmSync(extra, { recursive: true, force: true });
    }
  });

  await step(`node image ${tag} (preloading ${n.images.length} images)`, async () => {
    if (!n.rebuild && (await imageIsCurrent(tag, input))) {
      await removeSupersededImages(tag); // those a running cluster held when they were superseded
      return CACHED;
    }
    const name = `course-harness-node-build-${process.pid}`;
    // A container of the base image runs containerd; the images are imported into it, and the container committed.
    await shellRecipe(log, async ($) => {
      const stale = (await $`docker ps -aq --filter name=^course-harness-node-build-`).stdout.split('\n').filter(Boolean);
      if (stale.length) await $`docker rm -f ${stale}`;
      await $`docker run -d --name ${name} --entrypoint sleep --security-opt seccomp=unconfined ${base} infinity`;
      try {
        const inNode = (script: string) => $`docker exec ${name} bash -c ${script}`;
        await inNode('nohup containerd > /var/log/containerd-build.log 2>&1 &');
        await inNode('for i in $(seq 1 50); do ctr version >/dev/null 2>&1 && exit 0; sleep 0.2; done; ctr version');
        const dir = mkdtempSync(join(tmpdir(), 'harness-images-'));
        try {
          await $`docker save -o ${join(dir, 'images.tar')} ${n.images}`;
          await $`docker cp ${join(dir, 'images.tar')} ${name}:/images.tar`;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        await inNode('ctr --namespace=k8s.io images import --all-platforms --no-unpack /images.tar && rm /images.tar');
        const listed = (await $`docker exec ${name} ctr --namespace=k8s.io images list -q`).stdout.split('\n');
        const missing = n.images.filter((i) => !listed.some((l) => normalize(l) === normalize(i)));
        if (missing.length) throw new HarnessError(`images missing from the node's containerd after import: ${missing.join(', ')}`, log);
        await $`docker exec ${name} pkill containerd`;
        await $`docker commit --change ${'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]'} --change ${`LABEL ${INPUT_LABEL}=${input}`} ${name} ${tag}`;
      } finally {
        await $`docker rm -f -v ${name}`.nothrow();
      }
    });
    await removeSupersededImages(tag);
  });
  return tag;
}

/**
 * Older node images of the same Kubernetes version (1.3 GB each) and dangling
 * harness images are removed; images in use by a container (a cluster's node)
 * stay, and go on a later run.
 */
async function removeSupersededImages(current: string): Promise<void> {
  const prefix = current.replace(/-[^-:]+$/, '-'); // .../node:v1.34.0-
  const tags = (await run('docker', ['images', current.split(':')[0], '--format', '{{.Repository}}:{{.Tag}}'])).split('\n');
  for (const old of tags.filter((t) => t.startsWith(prefix) && t !== current)) await attempt('docker', ['rmi', old]);
  await attempt('docker', ['image', 'prune', '-f', '--filter', `label=${INPUT_LABEL}`]);
}

/** docker.io/library/x and x name the same image. */
function normalize(ref: string): string {
  return ref.replace(/^docker\.io\/(library\/)?/, '');
}

/**
 * Traefik, with its kubernetesIngressNGINX provider. Its go.mod replaces the
 * module github.com/traefik/traefik/dynamic/ext with a folder of its repository
 * that the module proxy does not serve; upstream that folder declares two empty
 * extension points, which the wrapper module declares the same way.
 */
export async function buildTraefikImage(rebuild: boolean): Promise<string> {
  const ext = 'github.com/traefik/traefik/dynamic/ext';
  const stub = (file: string) => readFileSync(join(RECIPES, 'traefik', file), 'utf8');
  const provider = (pkg: string, name: string) => {
    const source = stub('provider.go').replace(/^package stub$/m, `package ${pkg}`).replace(/^const ProviderName = "stub"$/m, `const ProviderName = "${name}"`);
    if (!source.includes(`package ${pkg}\n`) || !source.includes(`"${name}"`)) throw new HarnessError('offline/traefik/provider.go no longer has the lines buildTraefikImage writes in');
    return source;
  };
  // What the harness never configures, built from stubs (offline/traefik; the cache key is their hash): lego's
  // DNS-01 registry (about 390 DNS providers), Traefik's providers for ECS, Docker, Consul, Nomad, key-value
  // stores and Knative, and its plugins (Yaegi, wazero). They were 58% of the build's CPU time (user 8m35s, now 3m34s).
  const stubs = {
    'github.com/go-acme/lego/v5': { 'providers/dns': stub('lego-dns.go') },
    'github.com/traefik/traefik/v3': {
      'pkg/provider/ecs': provider('ecs', 'ecs'),
      'pkg/provider/docker': stub('docker.go'), // two providers, and two fields the static configuration corrects
      'pkg/provider/consulcatalog': provider('consulcatalog', 'consulcatalog'),
      'pkg/provider/nomad': provider('nomad', 'nomad'),
      'pkg/provider/kv/consul': provider('consul', 'consul'),
      'pkg/provider/kv/etcd': provider('etcd', 'etcd'),
      'pkg/provider/kv/redis': provider('redis', 'redis'),
      'pkg/provider/kv/zk': provider('zk', 'zookeeper'),
      'pkg/provider/kubernetes/knative': provider('knative', 'knative'),
      'pkg/plugins': stub('plugins.go'),
    },
  };
  const traefik = await buildStep('Traefik', 'traefik', `${TRAEFIK_VERSION}-${hashInputs(JSON.stringify(stubs))}`, rebuild, (out, log) =>
    goBuild(
      {
        module: 'github.com/traefik/traefik/v3',
        version: TRAEFIK_VERSION,
        packages: ['github.com/traefik/traefik/v3/cmd/traefik'],
        ldflags: `-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${TRAEFIK_VERSION}`,
        localReplace: (m) => (m === ext ? './ext' : `${m} ${TRAEFIK_VERSION}`),
        localModules: {
          ext: {
            'go.mod': `module ${ext}\n\ngo 1.22\n`,
            'ext.go': 'package ext\n\n// HTTP is a dynamic.HTTP extension.\ntype HTTP struct{}\n\n// Router is a dynamic.Router extension.\ntype Router struct{}\n',
          },
        },
        stubs,
      },
      out,
      log,
    ),
  );
  const recipe = join(RECIPES, 'images/traefik');
  const input = hashInputs(hashDir(recipe), traefik.stamp);
  await step(`image ${TRAEFIK_IMAGE}`, async () => {
    if (!rebuild && (await imageIsCurrent(TRAEFIK_IMAGE, input))) return CACHED;
    await dockerBuild({ tag: TRAEFIK_IMAGE, recipe, files: { traefik: join(traefik.dir, 'traefik') }, input, log: logFile('images'), noCache: rebuild });
  });
  return TRAEFIK_IMAGE;
}
