// --strict keeps its promise, whatever host the run is on: a strict run ends
// with nothing skipped. The kube-proxy suite is run by a nested Playwright
// under facts given to it (lib/config/applicability.ts RunConfig):
// - a host that cannot run the ipvs check (its reason given as a fact, so the
//   proof runs on a host with IP_VS too): with --strict the check fails with
//   the host's reason, without it the check skips with it;
// - this run's own facts: on a host without IP_VS the same, with the host's
//   real reason; where the cluster runs ipvs, the check passes;
// - a configuration the ipvs check does not apply to (iptables asked for): it
//   is not registered at all, neither skipped nor failed, and the lab report
//   lists it as not applicable with the reason.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, runFacts, test } from '../fixtures/cluster.ts';
import { CONDITIONAL, type RunConfig } from '../lib/config/applicability.ts';
import type { LabRow } from '../lib/report/lab-report.ts';
import { annotation, readJsonReport, testEntries } from '../lib/report/playwright-json.ts';
import { attempt } from '../lib/core/exec.ts';

/** The kube-proxy suite run by a nested Playwright with these facts; its outcomes by title, and its lab report's rows. */
async function kubeProxySuite(strict: boolean, config: RunConfig) {
  const work = mkdtempSync(join(tmpdir(), 'strict-'));
  try {
    const r = await attempt('npx', ['playwright', 'test', '--project=e2e', '--no-deps', 'suites/kube-proxy.spec.ts'], { env: { HARNESS_STRICT: String(strict), HARNESS_RUN_CONFIG: JSON.stringify(config), HARNESS_REPORT_DIR: work } });
    const all = testEntries(readJsonReport(join(work, 'results.json')) ?? { suites: [] }).map((t) => ({ ...t, skip: annotation(t, 'skip') }));
    const rows = (JSON.parse(readFileSync(join(work, 'labs.json'), 'utf8')) as { rows: LabRow[] }).rows;
    return { exitCode: r.exitCode, byTitle: new Map(all.map((o) => [o.title, o])), all, rows };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test('--strict: a check the host cannot run fails with its reason and nothing is skipped; without --strict it skips; for another configuration it is not registered, and the report says why', async ({ cluster }) => {
  // A guard against a hang, not a speed bound: three Playwright runs of its own.
  test.setTimeout(8 * 60_000);
  const facts = runFacts(cluster);
  const asked = { ...facts, requestedProxyMode: 'ipvs' as const };

  // A host without IP_VS, given as a fact: the proof holds on every host, the nightly's (which has IP_VS) too.
  const noIpvs = { ...asked, hostSkips: { ...asked.hostSkips, 'kube-proxy ipvs': 'rehearsed: this host has no IP_VS' } };
  const strict = await kubeProxySuite(true, noIpvs);
  expect(strict.all.filter((o) => o.status === 'skipped').map((o) => o.title), 'a strict run skips nothing').toEqual([]);
  expect(strict.byTitle.get(CONDITIONAL.ipvsTable.title)).toMatchObject({ status: 'failed', message: expect.stringContaining('strict mode: this check cannot run: kube-proxy ipvs: rehearsed: this host has no IP_VS') });
  expect(strict.exitCode, 'a strict run with a check the host cannot run fails').not.toBe(0);
  const lenient = await kubeProxySuite(false, noIpvs);
  expect(lenient.byTitle.get(CONDITIONAL.ipvsTable.title)).toMatchObject({ status: 'skipped', skip: 'kube-proxy ipvs: rehearsed: this host has no IP_VS' });
  expect(lenient.exitCode, 'a skip alone does not fail a run without --strict').toBe(0);

  // This host, as it is.
  const here = await kubeProxySuite(true, asked);
  const ipvs = here.byTitle.get(CONDITIONAL.ipvsTable.title);
  const hostReason = facts.hostSkips['kube-proxy ipvs'];
  if (hostReason) expect(ipvs).toMatchObject({ status: 'failed', message: expect.stringContaining(`strict mode: this check cannot run: kube-proxy ipvs: ${hostReason}`) });
  else expect(ipvs?.status, `${ipvs?.message} (the cluster runs kube-proxy ${facts.proxyMode})`).toBe('passed');

  // Another configuration: the check is not registered, and the lab report lists it with the reason.
  const other = await kubeProxySuite(true, { ...facts, requestedProxyMode: 'iptables' });
  expect(other.byTitle.has(CONDITIONAL.ipvsTable.title), 'the ipvs check is not registered when iptables was asked for').toBe(false);
  expect(other.byTitle.get(CONDITIONAL.proxyModeOnNodes.title)?.status).toBe('passed');
  expect(other.rows.find((r) => r.check === CONDITIONAL.ipvsTable.title)).toMatchObject({ result: 'n/a', detail: 'not applicable: kube-proxy mode iptables was asked for (--proxy-mode=ipvs checks ipvs)' });
  expect(other.exitCode).toBe(0);
});
