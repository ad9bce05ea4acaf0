// npm run audit [-- --manifests DIR]: checks manifests before they are
// applied, one line per finding (file:line: message). Exits 1 on findings.
import { existsSync } from 'node:fs';
import { auditPath, formatFinding } from './lib/audit.ts';
import { info, main } from './lib/log.ts';
import { UsageError } from './lib/options.ts';
import { MANIFESTS } from './lib/labs.ts';

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
  for (const f of findings) console.log(formatFinding(f));
  info(`${findings.length} finding(s) in ${dir}`);
  return findings.length ? 1 : 0;
});
