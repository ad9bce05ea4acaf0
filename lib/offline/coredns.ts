// CoreDNS is built here with our own main (offline/coredns/main.go) and only
// the plugins a cluster's Corefile uses. kubeadm writes that Corefile; a
// kubeadm that starts using another plugin would leave CoreDNS unable to start
// ("no action found for directive"). This check fails the build first,
// naming the plugin.
import { loadAll } from 'js-yaml';
import { run } from '../core/exec.ts';
import { HarnessError } from '../core/log.ts';

/** The directives of every `{ }` server block of a Corefile (the plugins it uses), in order, once each; kubeadm's form (no imports or snippets). */
export function corefileDirectives(corefile: string): string[] {
  const found: string[] = [];
  let depth = 0;
  // One brace per line, so that a block opened or closed mid-line is counted where it is.
  const lines = corefile.split('\n').map((l) => l.replace(/#.*$/, '').replace(/{/g, '{\n').replace(/}/g, '\n}\n'));
  for (const raw of lines.join('\n').split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (depth === 1 && line !== '}') {
      const word = /^[a-z0-9_]+/.exec(line)?.[0];
      if (word && !found.includes(word)) found.push(word);
    }
    depth += (line.match(/{/g) ?? []).length - (line.match(/}/g) ?? []).length;
  }
  if (!found.length) throw new HarnessError('no plugin found in the Corefile: is it in a { } server block?');
  return found;
}

/** The Corefile in kubeadm's CoreDNS addon manifests (`kubeadm init phase addon coredns --print-manifest`). */
export function kubeadmCorefile(manifests: string): string {
  for (const doc of loadAll(manifests) as { kind?: string; data?: { Corefile?: string } }[]) {
    if (doc?.kind === 'ConfigMap' && doc.data?.Corefile) return doc.data.Corefile;
  }
  throw new HarnessError('kubeadm printed no ConfigMap with a Corefile for its CoreDNS addon');
}

/** The plugins the Corefile uses that a CoreDNS binary's `-plugins` (one name a line) does not list. */
export function missingPlugins(corefile: string, pluginsOutput: string): string[] {
  const built = new Set(pluginsOutput.split('\n').map((l) => l.trim()));
  return corefileDirectives(corefile).filter((d) => !built.has(d));
}

/** Fails when the CoreDNS binary lacks a plugin kubeadm's Corefile uses. */
export async function checkCorednsPlugins(kubeadm: string, version: string, coredns: string): Promise<void> {
  const manifests = await run(kubeadm, ['init', 'phase', 'addon', 'coredns', '--print-manifest', '--kubernetes-version', version]);
  const missing = missingPlugins(kubeadmCorefile(manifests), await run(coredns, ['-plugins']));
  if (missing.length) {
    throw new HarnessError(`kubeadm ${version}'s Corefile uses CoreDNS plugin(s) ${missing.join(', ')}, which offline/coredns/main.go does not import: add them there`);
  }
}
