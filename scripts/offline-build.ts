// npm run offline:build: builds every offline artifact (kind, Kubernetes, the
// cluster images, the node image, Traefik) without creating a cluster.
import { ensureDockerEngine } from '../lib/cluster/docker-engine.ts';
import { main, info } from '../lib/core/log.ts';
import { parseCommandLine } from '../lib/core/command-line.ts';
import { buildKind, buildOffline, buildTraefikImage } from '../lib/offline/build.ts';

main(async () => {
  const options = parseCommandLine('npm run offline:build --');
  if (!options) return;
  await ensureDockerEngine();
  const kind = await buildKind(options.kindVersion, options.rebuild);
  const nodeImage = await buildOffline(options);
  const traefik = await buildTraefikImage(options.rebuild);
  info(`kind: ${kind}`);
  info(`node image: ${nodeImage}`);
  info(`ingress controller image: ${traefik}`);
});
