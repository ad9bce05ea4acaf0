// The certificate half of the TLS checks: what an edge presents for an SNI,
// three handshakes in a row, against the Secret the routing object names; a
// failure names every certificate seen, how often, and where each came from.
import { X509Certificate } from 'node:crypto';
import { NetworkingV1Api, type V1Secret } from '@kubernetes/client-node';
import { peerCertificate } from './http.ts';
import { consecutively, pollTimeout } from './poll.ts';
import { certificateNames, secretCertificate } from './diagnose-ingress.ts';
import type { Cluster } from './target.ts';
import { fail } from './verdict.ts';

/** The certificate an edge must present: the Secret's, in its namespace, and the object that names it. */
export interface ExpectedCertificate {
  namespace: string;
  secret: string;
  namedBy: string;
}

/** The SHA-256 fingerprint, as openssl prints it. */
const fingerprint = (cert: X509Certificate) => cert.fingerprint256;

/** Which Secret holds `cert`: one in ns, or one another namespace's Ingress names for `host`. */
async function certificateSource(cluster: Cluster, ns: string, host: string, cert: X509Certificate): Promise<string | undefined> {
  const same = (s: V1Secret) => {
    const c = secretCertificate(s).cert;
    return !!c && fingerprint(c) === fingerprint(cert);
  };
  // A live verifier may not list Secrets: the source is then left unnamed.
  const local = (await cluster.core.listNamespacedSecret({ namespace: ns }).then((l) => l.items, () => [])).find(same);
  if (local) return `Secret ${local.metadata?.name}`;
  const elsewhere = (await cluster.kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces().then((l) => l.items, () => [])).filter(
    (i) => i.metadata?.namespace !== ns && (i.spec?.tls ?? []).some((t) => t.hosts?.includes(host)),
  );
  for (const i of elsewhere) {
    for (const t of (i.spec?.tls ?? []).filter((x) => x.hosts?.includes(host) && x.secretName)) {
      const secret = await cluster.core.readNamespacedSecret({ name: t.secretName!, namespace: i.metadata!.namespace! }).catch(() => undefined);
      if (secret && same(secret)) return `Secret ${i.metadata?.namespace}/${t.secretName}, which Ingress ${i.metadata?.namespace}/${i.metadata?.name} names for ${host},`;
    }
  }
  return undefined;
}

/**
 * TLS with SNI `host` on address:port presents exactly the certificate
 * (same SHA-256 fingerprint) of the Secret the edge names, three handshakes
 * in a row, and it covers the host. Otherwise the failure names every
 * certificate seen, how often, and where each came from; `causes` (the
 * diagnosis) explain it.
 */
export async function expectCertificate(cluster: Cluster, host: string, { address, port }: { address: string; port: number }, tls: ExpectedCertificate, causes: string[] = []): Promise<void> {
  const what = `TLS for ${host} is wrong`;
  const secret = await cluster.core.readNamespacedSecret({ name: tls.secret, namespace: tls.namespace });
  const expected = secretCertificate(secret).cert!;
  // As routes, a certificate counts after three handshakes in a row present it (the controller reloads its configuration).
  const handshake = () => peerCertificate(port, host, address).then((p) => (p.raw ? new X509Certificate(p.raw) : undefined), () => undefined);
  const right = (c?: X509Certificate) => !!c && fingerprint(c) === fingerprint(expected) && !!c.checkHost(host);
  let seen: (X509Certificate | undefined)[];
  try {
    await consecutively(handshake, right, `TLS for ${host}`, { times: 3, timeoutMs: causes.length ? 10_000 : 30_000, describe: (c) => (c ? certificateNames(c) : 'no certificate') });
    return;
  } catch (err) {
    seen = pollTimeout<X509Certificate | undefined>(err).attempts;
  }
  // Every certificate presented, by fingerprint, in the order first seen: one that comes and goes is named beside the right one.
  const byPrint = new Map<string, { cert?: X509Certificate; times: number }>();
  for (const c of seen) {
    const key = c ? fingerprint(c) : 'none';
    byPrint.set(key, { cert: c, times: (byPrint.get(key)?.times ?? 0) + 1 });
  }
  const described = await Promise.all(
    [...byPrint.values()].map(async ({ cert, times }) => {
      const count = `${times} of ${seen.length} handshakes`;
      if (!cert) return `no certificate (${count})`;
      if (fingerprint(cert) === fingerprint(expected)) return `the right one, ${tls.secret}'s (${count})`;
      const source = await certificateSource(cluster, tls.namespace, host, cert);
      return `${source ? `the certificate of ${source}` : 'a certificate'} for ${certificateNames(cert)} (SHA-256 ${fingerprint(cert).slice(0, 23)}…; ${count})`;
    }),
  );
  fail(what, [
    ...causes,
    `SNI ${host} did not get the certificate in Secret ${tls.secret} that ${tls.namedBy} names (SHA-256 ${fingerprint(expected).slice(0, 23)}…) three handshakes in a row; it got ${described.join(', ')}`,
  ]);
}
