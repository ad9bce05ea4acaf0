// The kernel's IPVS table as /proc/net/ip_vs prints it (net/netfilter/ipvs/
// ip_vs_ctl.c), read on a node with `cat`: every node image has cat, not
// every one has ipvsadm (kind's own does not). Addresses and ports are hex.
//
//   IP Virtual Server version 1.2.1 (size=4096)
//   Prot LocalAddress:Port Scheduler Flags
//     -> RemoteAddress:Port Forward Weight ActiveConn InActConn
//   TCP  0A600001:01BB rr
//     -> AC120003:192B      Masq    1      0          0

export interface VirtualServer {
  protocol: string;
  /** "10.96.0.1:443", "[fd00::1]:443", or "fwmark 0x1" */
  address: string;
  scheduler: string;
  /** "10.244.1.3:6443", with the forwarding method and weight */
  reals: { address: string; forward: string; weight: number }[];
}

const ipv4 = (hex: string) => [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
const port = (hex: string) => parseInt(hex, 16);

/** "[fd00:0000:...:0001]" (as %pI6 prints it) in its short form. */
function ipv6(bracketed: string): string {
  const groups = bracketed.replace(/^\[|\]$/g, '').split(':').map((g) => g.replace(/^0+(?=.)/, ''));
  const text = groups.join(':');
  // The longest run of zero groups (two or more) becomes "::".
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort((a, b) => b[0].length - a[0].length);
  return `[${runs.length ? text.replace(runs[0][0], '::') : text}]`;
}

function endpoint(text: string): string | undefined {
  let m = /^([0-9A-F]{8}):([0-9A-F]{4})$/i.exec(text);
  if (m) return `${ipv4(m[1])}:${port(m[2])}`;
  m = /^(\[[0-9a-f:]+\]):([0-9A-F]{4})$/i.exec(text);
  if (m) return `${ipv6(m[1])}:${port(m[2])}`;
  return undefined;
}

/** Parses /proc/net/ip_vs; lines it does not know are ignored. */
export function parseIpVs(text: string): VirtualServer[] {
  const servers: VirtualServer[] = [];
  for (const line of text.split('\n')) {
    const real = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)\s+\d+\s+\d+\s*$/.exec(line);
    if (real && servers.length) {
      const address = endpoint(real[1]);
      if (address) servers.at(-1)!.reals.push({ address, forward: real[2], weight: Number(real[3]) });
      continue;
    }
    const service = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)/.exec(line);
    if (service) {
      const address = endpoint(service[2]);
      if (address) servers.push({ protocol: service[1], address, scheduler: service[3], reals: [] });
      continue;
    }
    const fwmark = /^FWM\s+([0-9A-F]{8})\s+(\S+)/i.exec(line);
    if (fwmark) servers.push({ protocol: 'FWM', address: `fwmark 0x${parseInt(fwmark[1], 16).toString(16)}`, scheduler: fwmark[2], reals: [] });
  }
  return servers;
}

interface ServiceLike {
  metadata?: { name?: string; namespace?: string };
  spec?: { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
}
interface SliceLike {
  metadata?: { labels?: Record<string, string>; namespace?: string };
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
  ports?: { name?: string; port?: number }[];
}

const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/**
 * What kube-proxy in ipvs mode should have made of each Service and is not in
 * the table: per ClusterIP port, a virtual server whose real servers (weight
 * above 0) are the Service's Ready endpoints on the EndpointSlice port of the
 * same name. One line per Service port, in the Service's names; empty when
 * all agree.
 */
export function ipvsMismatches(services: ServiceLike[], slices: SliceLike[], table: VirtualServer[]): string[] {
  const problems: string[] = [];
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const name = `${s.metadata?.namespace}/${s.metadata?.name}`;
    const own = slices.filter((x) => x.metadata?.namespace === s.metadata?.namespace && x.metadata?.labels?.['kubernetes.io/service-name'] === s.metadata?.name);
    for (const p of s.spec?.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      const vip = hostPort(ip, p.port);
      const server = table.find((v) => v.protocol === protocol && v.address === vip);
      if (!server) {
        problems.push(`Service ${name} ${protocol} ${vip} is not an IPVS virtual server`);
        continue;
      }
      const want = own
        .flatMap((x) => {
          const target = x.ports?.find((sp) => (sp.name ?? '') === (p.name ?? ''))?.port;
          // An endpoint without a ready condition is ready (the EndpointSlice API's nil).
          return target === undefined ? [] : (x.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses.map((a) => hostPort(a, target)));
        })
        .sort();
      // Weight 0: a gone endpoint kube-proxy keeps until its connections end (graceful termination), not one it sends to.
      const got = server.reals.filter((r) => r.weight > 0).map((r) => r.address).sort();
      if (want.join(' ') !== got.join(' ')) problems.push(`Service ${name} ${protocol} ${vip}: real servers ${got.join(', ') || 'none'}, not its Ready endpoints ${want.join(', ') || '(none)'}`);
    }
  }
  return problems;
}
