// npm run rehearse -- [harness flags] [--ipvs-kernel=yes|no] [--brief]
// A run rehearsed without a cluster (scripts/lib/rehearsal.ts): the facts the
// configuration gives, every expectation derived from them, the checks it
// registers, those it leaves out and why. Exits 1 when a registered check
// needs a fact the configuration lacks, or (--strict) the host cannot run one.
// --ipvs-kernel: whether the host has IP_VS (default: this host's kernel);
// the nightly's runners load it (.github/workflows/nightly.yml).
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { ipvsSupported } from './lib/preflight.ts';
import { main } from './lib/log.ts';
import { parseArgs, usage, UsageError } from './lib/options.ts';
import { rehearsalText, rehearse, rehearsedConfig } from './lib/rehearsal.ts';

main(async () => {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(`${usage('npm run rehearse --')}\n  --ipvs-kernel=yes|no     whether the host has IP_VS (default: this host's)\n  --brief                  without the list of registered checks`);
    return 0;
  }
  const { options, rest } = parseArgs(argv, process.env, { '--ipvs-kernel': 'value', '--brief': 'bare' });
  let ipvs = ipvsSupported({ procNetIpVs: existsSync('/proc/net/ip_vs'), ipVsModuleAvailable: existsSync(`/lib/modules/${release()}/kernel/net/netfilter/ipvs`) } as Parameters<typeof ipvsSupported>[0]);
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split('=');
    if (flag === '--brief') continue;
    const value = inline ?? rest[++i];
    if (flag !== '--ipvs-kernel' || !['yes', 'no'].includes(value)) throw new UsageError(`unexpected argument ${rest[i]} (see --help; --ipvs-kernel takes yes or no)`);
    ipvs = value === 'yes';
  }
  const { config, notes } = rehearsedConfig(options, { ipvs, kernelRelease: release() });
  const r = await rehearse(config, options);
  console.log(rehearsalText(r, { all: !rest.includes('--brief'), notes }));
  return r.problems.length ? 1 : 0;
});
