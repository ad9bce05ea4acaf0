// The images the labs and suites run, built here (never pulled) and loaded
// into the cluster's nodes with `kind load`, on the online and offline paths
// alike. One Dockerfile per image; only the Debian base differs per path.
// Each is also named in the nodes' containerd as the course names it
// (mysql:5.7, the class registry's myblog, istio's bookinfo), so that a
// student's manifests written as the course writes them run here unchanged:
// with the default pull policy of a tagged image (IfNotPresent) the node
// finds the image and pulls nothing. With --images=upstream the course's
// public images are not served by ours: the nodes pull the real ones.
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { run } from './exec.ts';
import { CACHED, HarnessError, step } from './log.ts';
import type { ImageSource } from './options.ts';
import { paths } from './paths.ts';
import { debianImage } from './offline/build.ts';
import { cached } from './offline/cache.ts';
import { dockerBuild, hashDir, hashInputs, imageIsCurrent } from './offline/docker-image.ts';
import { goBuildLocal } from './offline/go-build.ts';

const APPS = resolve(import.meta.dirname, '../../apps');

/** The course's own registry (the seed's `172.21.51.143:5000/myblog:v1`, once `10.211.55.27:5000`): it exists only in the course's classroom. */
const CLASS_REGISTRIES = ['172.21.51.143:5000', '10.211.55.27:5000'];

/**
 * The Debian base of the Debian-based app images on the online path, pinned
 * by digest (the manifest list of debian:bookworm-slim), so that two machines
 * build from the same bytes and a new pin rebuilds the images. To move it:
 * `docker buildx imagetools inspect debian:bookworm-slim` and take the digest
 * of the index.
 */
export const ONLINE_DEBIAN_BASE = 'debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c';

export interface AppImage {
  tag: string;
  /** folder under apps/ with the Dockerfile (and, for Go apps, the source) */
  app: string;
  /** Go binary built from the app folder and put in the context under this name */
  goBinary?: string;
  /** Dockerfile takes BASE_IMAGE: a Debian base chosen per path */
  debianBased?: boolean;
  buildArgs?: Record<string, string>;
  /** the names the course gives this image: it has them in the nodes too */
  course?: string[];
  /** the course's names are public images (pulled instead with --images=upstream); otherwise the class's own registry, which exists nowhere else */
  upstream?: boolean;
}

export const APP_IMAGES: AppImage[] = [
  { tag: 'localhost/course-harness/echo:v1', app: 'echo', goBinary: 'echo' },
  { tag: 'localhost/course-harness/bookinfo:v1', app: 'bookinfo', goBinary: 'bookinfo' },
  // istio's images need no SERVICE: these two have theirs built in.
  { tag: 'localhost/course-harness/bookinfo:details', app: 'bookinfo', goBinary: 'bookinfo', buildArgs: { SERVICE: 'details' }, course: ['docker.io/istio/examples-bookinfo-details-v1:1.16.2'], upstream: true },
  {
    tag: 'localhost/course-harness/bookinfo:reviews',
    app: 'bookinfo',
    goBinary: 'bookinfo',
    buildArgs: { SERVICE: 'reviews' },
    course: ['v1', 'v2', 'v3'].map((v) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.16.2`),
    upstream: true,
  },
  { tag: 'localhost/course-harness/myblog:v1', app: 'myblog', debianBased: true, buildArgs: { VERSION: 'v1' }, course: CLASS_REGISTRIES.map((r) => `${r}/myblog:v1`) },
  { tag: 'localhost/course-harness/myblog:v2', app: 'myblog', debianBased: true, buildArgs: { VERSION: 'v2' }, course: CLASS_REGISTRIES.map((r) => `${r}/myblog:v2`) },
  { tag: 'localhost/course-harness/mariadb:10.11', app: 'mariadb', debianBased: true, course: ['mysql:5.7'], upstream: true },
  // Not under busybox's own name: Debian's busybox wget crashes on every request, and the course's `image: busybox` (latest) is always pulled.
  { tag: 'localhost/course-harness/busybox:1.35', app: 'busybox', debianBased: true },
];

/** A reference as containerd names it: Docker Hub's short names in full (mysql:5.7 is docker.io/library/mysql:5.7). */
export function qualified(ref: string): string {
  const [first, ...rest] = ref.split('/');
  if (!rest.length) return `docker.io/library/${ref}`;
  return first === 'localhost' || /[.:]/.test(first) ? ref : `docker.io/${ref}`;
}

/** The names of the course's images this cluster serves with ours (with --images=upstream, the class registry's only). */
export function courseNames(images: ImageSource): { name: string; image: string }[] {
  return APP_IMAGES.filter((i) => images === 'built' || !i.upstream).flatMap((i) => (i.course ?? []).map((name) => ({ name, image: i.tag })));
}

/** Whether `image` is the course's myblog: ours, or under a name the course gives it. */
export function isCourseMyblog(image: string): boolean {
  return APP_IMAGES.filter((i) => i.app === 'myblog').some((i) => i.tag.replace(/:[^:]+$/, ':') === image.replace(/:[^:/]+$/, ':') || (i.course ?? []).includes(image));
}

/**
 * For pods that cannot pull their image on the offline path: which names
 * this cluster runs, or why a name it runs was pulled all the same (the
 * pod's imagePullPolicy Always). Undefined when no cause is a pull failure.
 */
export function pullHint(causes: string[], offline: boolean): string | undefined {
  const failed = causes.filter((c) => /ErrImagePull|ImagePullBackOff/.test(c));
  if (!offline || !failed.length) return undefined;
  const served = courseNames('built').map((c) => c.name);
  const pulledAnyway = served.filter((n) => failed.some((c) => c.includes(`"${qualified(n)}"`) || c.includes(`"${n}"`)));
  if (pulledAnyway.length) return `this cluster runs ${pulledAnyway.join(', ')} without a pull, but the pod's imagePullPolicy Always makes the node pull it, and nothing can be pulled here (offline): leave the policy out (IfNotPresent)`;
  return `this cluster pulls no image (offline); of the course's images it runs ${served.join(', ')}`;
}

/** The course's public images, which --images=upstream has the nodes pull. */
export const UPSTREAM_IMAGES = APP_IMAGES.filter((i) => i.upstream).flatMap((i) => i.course ?? []);

/** Why --images=upstream cannot be: `why` (a usage error, or the cluster would be offline). */
export const upstreamNeedsRegistry = (why: string) => `--images=upstream has the nodes pull ${UPSTREAM_IMAGES.join(', ')}; ${why}`;

export async function ensureAppImages(kind: string, clusterName: string, offline: boolean, rebuild = false, images: ImageSource = 'built'): Promise<void> {
  const log = join(paths.logs, 'app-images.log');
  const base = offline ? await debianImage(false) : ONLINE_DEBIAN_BASE;
  // The base's image ID is part of every input: a rebuilt (offline) or re-pinned (online) base rebuilds the images on it.
  const baseId = await baseImageId(base, log);
  for (const image of APP_IMAGES) {
    const source = join(APPS, image.app);
    const sourceHash = hashDir(source);
    const buildArgs = { ...image.buildArgs, ...(image.debianBased ? { BASE_IMAGE: base } : {}) };
    const input = hashInputs(sourceHash, image.tag, JSON.stringify(buildArgs), image.debianBased ? baseId : '');
    await step(`image ${image.tag}`, async () => {
      if (!rebuild && (await imageIsCurrent(image.tag, input))) return CACHED;
      const files: Record<string, string> = {};
      if (image.goBinary) {
        const { dir } = await cached(`app-${image.app}`, sourceHash, rebuild, (out) => goBuildLocal(source, join(out, image.goBinary!), log));
        files[image.goBinary] = join(dir, image.goBinary);
      }
      await dockerBuild({ tag: image.tag, recipe: source, files, buildArgs, input, log, noCache: rebuild });
    });
  }
  await step('loading app images into the nodes', () => run(kind, ['load', 'docker-image', '--name', clusterName, ...APP_IMAGES.map((i) => i.tag)], { log }));
  // Named in the nodes, not in Docker: a real mysql:5.7 of the user's stays theirs. Again each run: a rebuilt image moves its names.
  const served = courseNames(images);
  await step(`the course's image names on the nodes (${served.length})`, async () => {
    const nodes = (await run(kind, ['get', 'nodes', '--name', clusterName])).split('\n').filter(Boolean);
    if (!nodes.length) throw new HarnessError(`kind lists no node of cluster ${clusterName}`);
    for (const node of nodes) {
      for (const image of APP_IMAGES) {
        const names = served.filter((s) => s.image === image.tag).map((s) => qualified(s.name));
        if (names.length) await run('docker', ['exec', node, 'ctr', '-n', 'k8s.io', 'images', 'tag', '--force', qualified(image.tag), ...names], { log });
      }
    }
  });
}

/** The local image ID of the base, pulling a pinned online base first when it is not here. */
export async function baseImageId(base: string, log: string): Promise<string> {
  const inspect = () => execa('docker', ['image', 'inspect', '--format', '{{.Id}}', base], { reject: false });
  let r = await inspect();
  if (r.exitCode !== 0) {
    await run('docker', ['pull', base], { log });
    r = await inspect();
  }
  return String(r.stdout).trim();
}
