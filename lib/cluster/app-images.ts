// The images the labs and suites run, built here (never pulled) and loaded
// into the cluster's nodes with `kind load` under the harness's own names
// (localhost/course-harness/...), on the online and offline paths alike. One
// Dockerfile per image; only the Debian base differs per path. Those the
// course names (mysql:5.7, the class registry's myblog, istio's bookinfo)
// are also pushed to the harness's registry under the course's names
// (lib/cluster/registry.ts), which the nodes' containerd pulls them from: a
// student's manifests written as the course writes them run here unchanged,
// through a real pull. With --images=upstream the course's public images are
// not pushed: the nodes pull the real ones. The registry's own image is
// built here too.
import { join, resolve } from 'node:path';
import { attempt, run } from '../core/exec.ts';
import { CACHED, step } from '../core/log.ts';
import type { ImageSource } from '../core/options.ts';
import { paths } from '../core/paths.ts';
import { debianImage } from '../offline/build.ts';
import { cached } from '../offline/cache.ts';
import { dockerBuild, hashDir, hashInputs, imageIsCurrent } from '../offline/docker-image.ts';
import { goBuildLocal } from '../offline/go-build.ts';
import { CLASS_REGISTRIES, pushToRegistry, qualified } from './registry.ts';

export { qualified };

/** myblog as the course names it: the class registry's, which the harness's registry serves (the reference labs name it so). */
export const COURSE_MYBLOG = `${CLASS_REGISTRIES[0]}/myblog`;

const APPS = resolve(import.meta.dirname, '../../apps');

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

/** The names of the course's images this cluster serves with ours (with --images=upstream, the class registry's only). */
export function courseNames(images: ImageSource): { name: string; image: string }[] {
  return APP_IMAGES.filter((i) => images === 'built' || !i.upstream).flatMap((i) => (i.course ?? []).map((name) => ({ name, image: i.tag })));
}

/** Whether `image` is the course's myblog: ours, or under a name the course gives it. */
export function isCourseMyblog(image: string): boolean {
  return APP_IMAGES.filter((i) => i.app === 'myblog').some((i) => i.tag.replace(/:[^:]+$/, ':') === image.replace(/:[^:/]+$/, ':') || (i.course ?? []).includes(image));
}

/**
 * For pods that cannot pull their image on the offline path: which of the
 * course's names this cluster serves from its registry. Undefined when no
 * cause is a pull failure.
 */
export function pullHint(causes: string[], offline: boolean): string | undefined {
  const failed = causes.filter((c) => /ErrImagePull|ImagePullBackOff/.test(c));
  if (!offline || !failed.length) return undefined;
  const served = courseNames('built').map((c) => c.name);
  return `this cluster pulls from its own registry only (offline); of the course's images it serves ${served.join(', ')}`;
}

/** The course's public images, which --images=upstream has the nodes pull. */
export const UPSTREAM_IMAGES = APP_IMAGES.filter((i) => i.upstream).flatMap((i) => i.course ?? []);

/** Why --images=upstream cannot be: `why` (a usage error, or the cluster would be offline). */
export const upstreamNeedsRegistry = (why: string) => `--images=upstream has the nodes pull ${UPSTREAM_IMAGES.join(', ')}; ${why}`;

/** The Debian base of the Debian-based images on this path: the pinned one online, the debootstrap image built here offline. */
export async function appBaseImage(offline: boolean): Promise<string> {
  return offline ? debianImage(false) : ONLINE_DEBIAN_BASE;
}

/** Builds `image` unless the one in Docker has the same inputs (its source, tag, build arguments and base). */
async function buildImage(image: AppImage, base: string, baseId: string, rebuild: boolean, log: string): Promise<void> {
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

/** The registry's image (apps/registry: Debian's docker-registry), built here on both paths; it runs beside the nodes, not in them. */
export const REGISTRY_IMAGE: AppImage = { tag: 'localhost/course-harness/registry:2.8', app: 'registry', debianBased: true };

export async function registryImage(offline: boolean, rebuild = false): Promise<string> {
  const log = join(paths.logs, 'app-images.log');
  const base = await appBaseImage(offline);
  await buildImage(REGISTRY_IMAGE, base, await baseImageId(base, log), rebuild, log);
  return REGISTRY_IMAGE.tag;
}

export async function ensureAppImages(kind: string, clusterName: string, offline: boolean, rebuild = false, images: ImageSource = 'built'): Promise<void> {
  const log = join(paths.logs, 'app-images.log');
  const base = await appBaseImage(offline);
  // The base's image ID is part of every input: a rebuilt (offline) or re-pinned (online) base rebuilds the images on it.
  const baseId = await baseImageId(base, log);
  for (const image of APP_IMAGES) await buildImage(image, base, baseId, rebuild, log);
  await step('loading app images into the nodes', () => run(kind, ['load', 'docker-image', '--name', clusterName, ...APP_IMAGES.map((i) => i.tag)], { log }));
  // Under the course's names in the harness's registry, pushed from the host as a student pushes: the nodes pull them from there.
  const served = courseNames(images);
  await step(`the course's image names pushed to the harness's registry (${served.length})`, async () => {
    for (const image of APP_IMAGES) {
      const names = served.filter((s) => s.image === image.tag).map((s) => s.name);
      if (names.length) await pushToRegistry(image.tag, names);
    }
  });
}

/** The local image ID of the base, pulling a pinned online base first when it is not here. */
export async function baseImageId(base: string, log: string): Promise<string> {
  const inspect = () => attempt('docker', ['image', 'inspect', '--format', '{{.Id}}', base]);
  let r = await inspect();
  if (r.exitCode !== 0) {
    await run('docker', ['pull', base], { log });
    r = await inspect();
  }
  return String(r.stdout).trim();
}
