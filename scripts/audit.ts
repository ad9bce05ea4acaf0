// npm run audit [-- --manifests DIR|FILE]: checks manifests before they are
// applied, one line per finding (file:line: message); with the harness
// cluster up, also a server-side dry-run of every object. Exits 1 on findings.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { auditPath, dryRunPath, formatFinding, missingObjects } from '../lib/grading/audit.ts';
import { readRecord } from '../lib/cluster/cluster.ts';
import { loadKubeconfig, apiGet } from '../lib/kube/kube.ts';
import { info, main } from '../lib/core/log.ts';
import { DEFAULTS, UsageError } from '../lib/core/options.ts';
import { parseCommand } from '../lib/core/command-line.ts';
import { loadLabs, MANIFESTS } from '../lib/course/labs.ts';

main(async () => {
  // Its own --manifests: a folder or one file, from the command line only (not HARNESS_MANIFESTS, grading's).
  const parsed = parseCommand('npm run audit --', { only: [], own: { '--manifests': { arg: 'DIR|FILE', help: 'the manifests to audit: a folder or one file (default the course labs, manifests/)' } } });
  if (!parsed) return 0;
  const dir = parsed.own['--manifests']?.at(-1) ?? MANIFESTS;
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
