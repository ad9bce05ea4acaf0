// npm run audit [-- --manifests DIR]: checks manifests before they are
// applied, one line per finding (file:line: message); with the harness
// cluster up, also a server-side dry-run of every object. Exits 1 on findings.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { auditPath, dryRunPath, formatFinding, missingObjects } from './lib/audit.ts';
import { readRecord } from './lib/cluster.ts';
import { loadKubeconfig, apiGet } from './lib/kube.ts';
import { info, main } from './lib/log.ts';
import { DEFAULTS, UsageError } from './lib/options.ts';
import { loadLabs, MANIFESTS } from './lib/labs.ts';

main(async () => {
  const args = process.argv.slice(2);
  let dir = MANIFESTS;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--manifests' && args[i + 1]) dir = args[++i];
    else if (args[i].startsWith('--manifests=')) dir = args[i].slice('--manifests='.length);
    else throw new UsageError(`unknown argument ${args[i]} (usage: npm run audit -- [--manifests DIR])`);
  }
  if (!existsSync(dir)) throw new UsageError(`--manifests: ${dir} does not exist`);
  const findings = auditPath(dir);
  // A submitted folder must hold every object of the reference labs.
  if (resolve(dir) !== MANIFESTS) findings.push(...missingObjects(dir, loadLabs()));
  const record = readRecord(process.env.HARNESS_CLUSTER_NAME || DEFAULTS.clusterName);
  const kc = record ? loadKubeconfig(record.kubeconfigPath) : undefined;
  if (kc && (await apiGet(kc, '/readyz').catch(() => undefined)) === 'ok') {
    info(`server-side dry-run against the harness cluster "${record!.name}"`);
    findings.push(...(await dryRunPath(kc, dir)));
  } else {
    info('no harness cluster answers: static checks only (npm run cluster:up adds the server-side dry-run)');
  }
  for (const f of findings) console.log(formatFinding(f));
  info(`${findings.length} finding(s) in ${dir}`);
  return findings.length ? 1 : 0;
});
