// npm run offline:build: builds every offline artifact (kind, Kubernetes, the
// cluster images, the node image) without creating a cluster.
import { ensureDockerEngine } from './lib/docker-engine.ts';
import { main, info } from './lib/log.ts';
import { parseCommandLine } from './lib/options.ts';
import { buildOffline } from './lib/offline/build.ts';

main(async () => {
  const options = parseCommandLine('npm run offline:build --');
  if (!options) return;
  await ensureDockerEngine();
  const result = await buildOffline(options);
  info(`node image: ${result.nodeImage}`);
  info(`kind: ${result.kind}`);
});
