// npm run check:online: what the online path (the nightly workflow) would
// fetch, as a bill of materials, resolved without pulling anything: the kind
// node image by digest, the ingress-nginx manifest by URL and sha256 and the
// images it names by digest, the Debian base of the app images by digest,
// and the Go modules built from source. Where the pinned manifest was
// downloaded before, its images are compared with the pins.
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { APP_IMAGES, ONLINE_DEBIAN_BASE, UPSTREAM_IMAGES } from '../lib/cluster/app-images.ts';
import { ONLINE_NODE_IMAGES } from '../lib/cluster/cluster.ts';
import { cachedManifestFile, INGRESS_NGINX, manifestImages } from '../lib/cluster/ingress.ts';
import { parseManifests } from '../lib/kube/apply.ts';
import { HarnessError, main } from '../lib/core/log.ts';
import { TRAEFIK_VERSION } from '../lib/offline/build.ts';
import { parseCommandLine } from '../lib/core/command-line.ts';

const pinned = (ref: string) => /@sha256:[0-9a-f]{64}$/.test(ref);

main(async () => {
  const o = parseCommandLine('npm run check:online --');
  if (!o) return;
  const node = ONLINE_NODE_IMAGES[o.kubernetesVersion];
  if (!node) throw new HarnessError(`no pinned online node image for Kubernetes ${o.kubernetesVersion} (pinned: ${Object.keys(ONLINE_NODE_IMAGES).join(', ')})`);
  const rows: [string, string, string][] = [
    ['container image', node, `kind node image, Kubernetes ${o.kubernetesVersion}`],
    ['manifest', `${INGRESS_NGINX.url} sha256:${INGRESS_NGINX.sha256}`, `ingress-nginx ${INGRESS_NGINX.version}, kind provider (--ingress=nginx)`],
    ...INGRESS_NGINX.images.map((i): [string, string, string] => ['container image', i, 'named by the ingress-nginx manifest']),
    ['container image', ONLINE_DEBIAN_BASE, `base of ${APP_IMAGES.filter((i) => i.debianBased).map((i) => i.tag.split('/').pop()).join(', ')}`],
    ['Go module', `sigs.k8s.io/kind@${o.kindVersion}`, 'kind, built here'],
    ['Go module', `github.com/traefik/traefik/v3@${TRAEFIK_VERSION}`, 'Traefik, built here (--ingress=traefik)'],
    ['Go module', 'the apps/ echo and bookinfo go.mod dependencies', 'built here (standard library only)'],
    ['npm packages', 'package-lock.json', 'npm ci'],
    // By the course's own tags (the course pins no digest), and only when asked for.
    ...UPSTREAM_IMAGES.map((i): [string, string, string] => ['course image', i, 'pulled by the nodes with --images=upstream only (by default the images built here answer under this name)']),
  ];
  console.log('# What the online path fetches (nothing was pulled to print this)\n');
  console.log('| kind | reference | what for |\n|---|---|---|');
  for (const [kind, ref, why] of rows) console.log(`| ${kind} | \`${ref}\` | ${why} |`);
  const problems = rows.filter(([kind, ref]) => kind === 'container image' && !pinned(ref)).map(([, ref]) => `${ref} is not pinned by digest`);
  const file = cachedManifestFile();
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    const sum = createHash('sha256').update(text).digest('hex');
    if (sum !== INGRESS_NGINX.sha256) problems.push(`the cached manifest ${file} has sha256 ${sum}, not the pinned one`);
    const named = manifestImages(parseManifests(text, file));
    if (named.join(' ') !== [...INGRESS_NGINX.images].sort().join(' ')) problems.push(`the manifest names ${named.join(', ')}, not the pinned images`);
    console.log(`\nThe cached manifest (${file}) matches its sha256 and names exactly the pinned images: ${problems.length ? 'NO' : 'yes'}.`);
  } else {
    console.log('\nThe manifest was never downloaded on this machine: its images are the pins above, checked against the manifest when the online path downloads it.');
  }
  for (const p of problems) console.error(`error: ${p}`);
  return problems.length ? 1 : 0;
});
