// npm run rehearse -- [harness flags] [--ipvs-kernel=yes|no] [--brief]
// A run rehearsed without a cluster (lib/report/rehearsal.ts): the facts the
// configuration gives, every expectation derived from them, the checks it
// registers, those it leaves out and why. Exits 1 when a registered check
// needs a fact the configuration lacks, or (--strict) the host cannot run one.
// --ipvs-kernel: whether the host has IP_VS (default: this host's kernel);
// the nightly's runners load it (.github/workflows/nightly.yml).
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { ipvsSupported } from '../lib/cluster/preflight.ts';
import { main } from '../lib/core/log.ts';
import { parseCommand } from '../lib/core/command-line.ts';
import { rehearsalText, rehearse, rehearsedConfig } from '../lib/report/rehearsal.ts';

main(async () => {
  const parsed = parseCommand('npm run rehearse --', {
    own: {
      '--ipvs-kernel': { arg: 'yes|no', help: "whether the host has IP_VS (default: this host's)", check: (raw) => (['yes', 'no'].includes(raw) ? undefined : `"${raw}" is not yes or no`) },
      '--brief': { help: 'without the list of registered checks' },
    },
  });
  if (!parsed) return 0;
  const { options, own } = parsed;
  const given = own['--ipvs-kernel']?.at(-1);
  const ipvs = given ? given === 'yes' : ipvsSupported({ procNetIpVs: existsSync('/proc/net/ip_vs'), ipVsModuleAvailable: existsSync(`/lib/modules/${release()}/kernel/net/netfilter/ipvs`) } as Parameters<typeof ipvsSupported>[0]);
  const { config, notes } = rehearsedConfig(options, { ipvs, kernelRelease: release() });
  const r = await rehearse(config, options);
  console.log(rehearsalText(r, { all: !own['--brief'], notes }));
  return r.problems.length ? 1 : 0;
});
