// kube-proxy's iptables mode, as `iptables-save -t nat` shows it and the
// course reads it: a KUBE-SERVICES rule per Service port sends its ClusterIP
// to a KUBE-SVC-* chain, which picks one KUBE-SEP-* chain per Ready endpoint
// with `statistic --mode random` probabilities 1/n, 1/(n-1), ..., 1 (the
// last has none), and each KUBE-SEP-* DNATs to the pod's IP and port.

export interface ServiceRules {
  clusterIP: string;
  port: number;
  chain: string;
  /** in rule order: the endpoint chain, its probability (none for the last) and where it DNATs to */
  endpoints: { chain: string; probability?: number; to?: string }[];
}

/** The rules of Service ns/name's port `port`, or undefined when KUBE-SERVICES has none. */
export function serviceRules(save: string, ns: string, name: string, port: number): ServiceRules | undefined {
  const lines = save.split('\n').filter((l) => l.startsWith('-A '));
  const entry = lines.find(
    (l) => l.startsWith('-A KUBE-SERVICES ') && l.includes(`--comment "${ns}/${name}`) && l.includes(`--dport ${port} `) && / -j KUBE-SVC-\S+$/.test(l),
  );
  if (!entry) return undefined;
  const chain = / -j (KUBE-SVC-\S+)$/.exec(entry)![1];
  const clusterIP = / -d ([\d.]+)\/32 /.exec(entry)?.[1] ?? '';
  const endpoints = lines
    .filter((l) => l.startsWith(`-A ${chain} `) && / -j KUBE-SEP-\S+$/.test(l))
    .map((l) => {
      const sep = / -j (KUBE-SEP-\S+)$/.exec(l)![1];
      const probability = / --probability ([\d.]+) /.exec(l)?.[1];
      const dnat = lines.find((x) => x.startsWith(`-A ${sep} `) && x.includes(' -j DNAT '));
      return { chain: sep, probability: probability === undefined ? undefined : Number(probability), to: / --to-destination (\S+)/.exec(dnat ?? '')?.[1] };
    });
  return { clusterIP, port, chain, endpoints };
}

/** What is wrong with the rules against the Ready endpoints ("ip:port"), one line each; empty when they match. */
export function rulesProblems(rules: ServiceRules | undefined, endpoints: string[], what: string): string[] {
  if (!rules) return [`no KUBE-SERVICES rule for ${what}`];
  const problems: string[] = [];
  const n = rules.endpoints.length;
  if (n !== endpoints.length) problems.push(`${rules.chain} has ${n} KUBE-SEP chains for ${endpoints.length} Ready endpoints`);
  rules.endpoints.forEach((e, i) => {
    const expected = i === n - 1 ? undefined : 1 / (n - i);
    const ok = expected === undefined ? e.probability === undefined : e.probability !== undefined && Math.abs(e.probability - expected) < 1e-6;
    if (!ok) problems.push(`${e.chain} (rule ${i + 1} of ${n}) has probability ${e.probability ?? 'none'}, not ${expected === undefined ? 'none (the last takes the rest)' : `1/${n - i}`}`);
  });
  const targets = rules.endpoints.map((e) => e.to ?? '(no DNAT)').sort();
  if (targets.join(' ') !== [...endpoints].sort().join(' ')) problems.push(`the KUBE-SEP chains DNAT to ${targets.join(', ')}, the Ready endpoints are ${[...endpoints].sort().join(', ')}`);
  return problems;
}
