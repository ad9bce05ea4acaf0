// What the upstream conformance tests need, made here: e2e.test, the Ginkgo
// CLI that runs it on several workers, and agnhost, built from the
// k8s.io/kubernetes module of the cluster's version (cached by version); and
// the test images the specs run, built from Debian packages under the exact
// tags that version's e2e.test asks for (`e2e.test --list-images`).
import { join, resolve } from 'node:path';
import { baseImageId } from '../cluster/app-images.ts';
import { run } from '../core/exec.ts';
import { CACHED, info, step } from '../core/log.ts';
import { buildStep, debianImage } from '../offline/build.ts';
import { dockerBuild, hashDir, hashInputs, imageIsCurrent } from '../offline/docker-image.ts';
import { goBuild, goModuleSource } from '../offline/go-build.ts';
import { kubernetesLdflags, kubernetesStagingVersion } from '../offline/go-module.ts';
import { paths } from '../core/paths.ts';

const RECIPES = resolve(import.meta.dirname, '../../offline/test-images');

export interface ConformanceTools {
  e2eTest: string;
  ginkgo: string;
  agnhost: string;
  /** when they were built: an input of the agnhost image */
  stamp: string;
}

export async function buildConformanceTools(version: string, rebuild: boolean): Promise<ConformanceTools> {
  const { dir, stamp } = await buildStep('e2e.test, ginkgo and agnhost', 'conformance-tools', version, rebuild, async (out, log) => {
    const kubernetes = {
      module: 'k8s.io/kubernetes',
      version,
      ldflags: kubernetesLdflags(version, new Date().toISOString().replace(/\.\d+Z$/, 'Z')),
      localReplace: (m: string) => `${m} ${kubernetesStagingVersion(version)}`,
    };
    await goBuild({ ...kubernetes, packages: ['k8s.io/kubernetes/test/e2e'], test: true, binaryName: 'e2e.test' }, out, log);
    // Ginkgo's CLI at the version e2e.test was built with (the Kubernetes module's requirement).
    await goBuild({ ...kubernetes, packages: ['github.com/onsi/ginkgo/v2/ginkgo', 'k8s.io/kubernetes/test/images/agnhost'] }, out, log);
  });
  return { e2eTest: join(dir, 'e2e.test'), ginkgo: join(dir, 'ginkgo'), agnhost: join(dir, 'agnhost'), stamp };
}

/** The images this e2e.test runs, as it names them (registry/name:tag). */
async function listImages(e2eTest: string): Promise<string[]> {
  return (await run(e2eTest, ['--list-images'])).split('\n').map((l) => l.trim()).filter(Boolean);
}

/** The agnhost image this e2e.test runs its specs' pods with: the evidence checks' pods run it too. */
export async function agnhostImage(e2eTest: string): Promise<string> {
  const image = (await listImages(e2eTest)).find((t) => t.startsWith(`${E2E_REGISTRY}agnhost:`));
  if (!image) throw new Error(`${e2eTest} --list-images names no ${E2E_REGISTRY}agnhost image`);
  return image;
}

/** The test images built here, by their upstream name; the specs that need another image fail to pull it. */
const BUILT = ['agnhost', 'busybox', 'httpd', 'nginx', 'jessie-dnsutils'];
const E2E_REGISTRY = 'registry.k8s.io/e2e-test-images/';

export function imagesToBuild(listed: string[]): { tag: string; recipe: string }[] {
  return listed
    .filter((t) => t.startsWith(E2E_REGISTRY))
    .map((tag) => ({ tag, recipe: tag.slice(E2E_REGISTRY.length).split(':')[0] }))
    .filter((i) => BUILT.includes(i.recipe));
}

/** Builds the test images from Debian packages under their upstream tags and loads them into the nodes. */
export async function ensureTestImages(tools: ConformanceTools, kubernetesVersion: string, kind: string, clusterName: string, rebuild: boolean): Promise<void> {
  const log = join(paths.logs, 'conformance-images.log');
  const debian = await debianImage(false);
  const debianId = await baseImageId(debian, log);
  const agnhostSource = join(await goModuleSource('k8s.io/kubernetes', kubernetesVersion), 'test/images/agnhost/porter');
  const images = imagesToBuild(await listImages(tools.e2eTest));
  for (const image of images) {
    const recipe = join(RECIPES, image.recipe);
    const files: Record<string, string> =
      image.recipe === 'agnhost' ? { agnhost: tools.agnhost, 'localhost.crt': join(agnhostSource, 'localhost.crt'), 'localhost.key': join(agnhostSource, 'localhost.key') } : {};
    // The tag is an input: two tags of one recipe (httpd 2.4.38-4 and 2.4.39-4) are two images, as upstream.
    const input = hashInputs(hashDir(recipe), image.tag, debianId, image.recipe === 'agnhost' ? tools.stamp : '');
    await step(`image ${image.tag}`, async () => {
      if (!rebuild && (await imageIsCurrent(image.tag, input))) return CACHED;
      await dockerBuild({ tag: image.tag, recipe, files, buildArgs: { DEBIAN_IMAGE: debian }, input, log, noCache: rebuild });
    });
  }
  info(`  test images built here: ${images.length}; a spec that needs another fails to pull it`);
  await step('loading the test images into the nodes', () => run(kind, ['load', 'docker-image', '--name', clusterName, ...images.map((i) => i.tag)], { log }));
}
