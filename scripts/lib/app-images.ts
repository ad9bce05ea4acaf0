// The images the labs and suites run, built here (never pulled) and loaded
// into the cluster's nodes with `kind load`, on the online and offline paths alike.
import { join, resolve } from 'node:path';
import { run } from './exec.ts';
import { CACHED, step } from './log.ts';
import { paths } from './paths.ts';
import { cached } from './offline/cache.ts';
import { dockerBuild, hashDir, hashInputs, imageIsCurrent } from './offline/docker-image.ts';
import { goBuildLocal } from './offline/go-build.ts';

const APPS = resolve(import.meta.dirname, '../../apps');

export interface AppImage {
  tag: string;
  /** folder under apps/ with the Dockerfile (and, for Go apps, the source) */
  app: string;
  /** Go binary built from the app folder and put in the context under this name */
  goBinary?: string;
}

export const APP_IMAGES: AppImage[] = [{ tag: 'localhost/course-harness/echo:v1', app: 'echo', goBinary: 'echo' }];

export async function ensureAppImages(kind: string, clusterName: string, rebuild = false): Promise<void> {
  const log = join(paths.logs, 'app-images.log');
  for (const image of APP_IMAGES) {
    const source = join(APPS, image.app);
    const sourceHash = hashDir(source);
    const input = hashInputs(sourceHash, image.tag);
    await step(`image ${image.tag}`, async () => {
      if (!rebuild && (await imageIsCurrent(image.tag, input))) return CACHED;
      const files: Record<string, string> = {};
      if (image.goBinary) {
        const { dir } = await cached(`app-${image.app}`, sourceHash, rebuild, (out) => goBuildLocal(source, join(out, image.goBinary!), log));
        files[image.goBinary] = join(dir, image.goBinary);
      }
      await dockerBuild({ tag: image.tag, recipe: source, files, input, log, noCache: rebuild });
    });
  }
  await step('loading app images into the nodes', () =>
    run(kind, ['load', 'docker-image', '--name', clusterName, ...APP_IMAGES.map((i) => i.tag)], { log }),
  );
}
