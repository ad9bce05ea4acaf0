// Builds Go programs from the Go module proxy. A module whose go.mod replaces
// its siblings with local paths (Kubernetes' staging repos, etcd's api/client
// modules) cannot be built with `go install module@version`; a generated
// wrapper module requires it and turns each local replace into a require of the
// published sibling module.

export interface GoModFacts {
  goDirective: string; // "1.24.0"
  godebug: string[]; // "default=go1.24"
  replaces: { from: string; to: string }[];
  requires: string[]; // module paths
  excludes: string[]; // "module version"
}

export function parseGoMod(text: string): GoModFacts {
  const goDirective = /^go\s+(\S+)/m.exec(text)?.[1] ?? '1.22';
  const godebug = [...text.matchAll(/^godebug\s+(\S+)/gm)].map((m) => m[1]);
  const replaces: GoModFacts['replaces'] = [];
  const addLine = (line: string) => {
    const m = /^\s*(\S+)(?:\s+\S+)?\s+=>\s+(.+?)\s*$/.exec(line.replace(/\/\/.*$/, ''));
    if (m) replaces.push({ from: m[1], to: m[2] });
  };
  for (const block of text.matchAll(/^replace\s*\(([\s\S]*?)^\)/gm)) block[1].split('\n').forEach(addLine);
  for (const single of text.matchAll(/^replace\s+([^(\n].*)$/gm)) addLine(single[1]);
  const excludes = [...text.matchAll(/^exclude\s+([^(\s]\S*\s+\S+)/gm)].map((m) => m[1]);
  const requires = [
    ...[...text.matchAll(/^require\s*\(([\s\S]*?)^\)/gm)].flatMap((b) => [...b[1].matchAll(/^\s*([^\s/]\S*)\s+v\S+/gm)].map((m) => m[1])),
    ...[...text.matchAll(/^require\s+([^(\s]\S*)\s+v\S+/gm)].map((m) => m[1]),
  ];
  return { goDirective, godebug, replaces, requires, excludes };
}

/**
 * The wrapper module's go.mod. `localReplace(modulePath)` gives the new right
 * hand side for a module the target replaces with a local path: by default the
 * published module at the target's version ("k8s.io/api v0.34.0"), or a folder
 * of the wrapper ("./ext"). Local replaces of modules that do not exist
 * upstream (etcd's FORBIDDEN_DEPENDENCY) are dropped. Excludes are kept: only
 * the main module's count.
 */
export function wrapperGoMod(
  target: { module: string; version: string; goMod: string },
  localReplace: (modulePath: string) => string = (m) => `${m} ${target.version}`,
): string {
  const facts = parseGoMod(target.goMod);
  const requires = [`${target.module} ${target.version}`];
  const replaces: string[] = [];
  for (const { from, to } of facts.replaces) {
    if (to.startsWith('.') || to.startsWith('/')) {
      if (to.includes('FORBIDDEN')) continue;
      const published = localReplace(from);
      replaces.push(`\t${from} => ${published}`);
      // Required at its published version too (when the target requires it):
      // Kubernetes requires its siblings as v0.0.0, and Go's build cache keys
      // each package by its module's selected version, so only then do other
      // builds of that version (kindnet-lite's client-go) reuse this one's.
      if (published.startsWith(`${from} v`) && facts.requires.includes(from)) requires.push(published);
    } else {
      replaces.push(`\t${from} => ${to}`);
    }
  }
  const lines = [`module harness.local/build/${target.module.replace(/[^a-zA-Z0-9]+/g, '-')}`, '', `go ${facts.goDirective}`, ''];
  for (const d of facts.godebug) lines.push(`godebug ${d}`);
  lines.push('', 'require (', ...requires.map((r) => `\t${r}`), ')', '', 'replace (', ...replaces, ')', '');
  for (const e of facts.excludes) lines.push(`exclude ${e}`);
  return lines.join('\n') + (facts.excludes.length ? '\n' : '');
}

/** Kubernetes publishes its staging modules as v0.MINOR.PATCH for v1.MINOR.PATCH. */
export function kubernetesStagingVersion(kubernetesVersion: string): string {
  return kubernetesVersion.replace(/^v1\./, 'v0.');
}

/** -ldflags for Kubernetes binaries: kubeadm reads its own version from these. */
export function kubernetesLdflags(version: string, buildDate: string): string {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const vars = { gitVersion: version, gitMajor: major, gitMinor: minor, gitTreeState: 'clean', buildDate };
  const x = Object.entries(vars).flatMap(([k, v]) => [
    `-X k8s.io/component-base/version.${k}=${v}`,
    `-X k8s.io/client-go/pkg/version.${k}=${v}`,
  ]);
  return ['-s', '-w', ...x].join(' ');
}
