// The images the labs and suites run, built here (never pulled) and loaded
// into the cluster's nodes with `kind load`, on the online and offline paths
// alike. One Dockerfile per image; only the Debian base differs per path.
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { run } from './exec.ts';
import { CACHED, step } from './log.ts';
import { paths } from './paths.ts';
import { debianImage } from './offline/build.ts';
import { cached } from './offline/cache.ts';
import { dockerBuild, hashDir, hashInputs, imageIsCurrent } from './offline/docker-image.ts';
import { goBuildLocal } from './offline/go-build.ts';

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
}

export const APP_IMAGES: AppImage[] = [
  { tag: 'localhost/course-harness/echo:v1', app: 'echo', goBinary: 'echo' },
  { tag: 'localhost/course-harness/bookinfo:v1', app: 'bookinfo', goBinary: 'bookinfo' },
  { tag: 'localhost/course-harness/myblog:v1', app: 'myblog', debianBased: true, buildArgs: { VERSION: 'v1' } },
  { tag: 'localhost/course-harness/myblog:v2', app: 'myblog', debianBased: true, buildArgs: { VERSION: 'v2' } },
  { tag: 'localhost/course-harness/mariadb:10.11', app: 'mariadb', debianBased: true },
  { tag: 'localhost/course-harness/busybox:1.35', app: 'busybox', debianBased: true },
];

export async function ensureAppImages(kind: string, clusterName: string, offline: boolean, rebuild = false): Promise<void> {
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
  await step('loading app images into the nodes', () =>
    run(kind, ['load', 'docker-image', '--name', clusterName, ...APP_IMAGES.map((i) => i.tag)], { log }),
  );
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
