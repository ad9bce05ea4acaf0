// --strict keeps its promise: a strict run ends with nothing skipped. The
// kube-proxy suite is run by a nested Playwright three ways: as asked for
// with --strict (a check the host cannot run fails with the host's reason),
// without it (the same check skips with that reason), and for a
// configuration the ipvs check does not apply to (it is not registered at
// all, so it is neither skipped nor failed).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, test } from '../fixtures/cluster.ts';
import { CONDITIONAL, runConfig, type RunConfig } from '../scripts/lib/applicability.ts';
import { harnessOptions } from '../fixtures/cluster.ts';

type JsonResult = { status: string; error?: { message?: string }; annotations?: { type: string; description?: string }[] };
type JsonSuite = { specs?: { title: string; tests: { results: JsonResult[]; annotations?: { type: string; description?: string }[] }[] }[]; suites?: JsonSuite[] };

const outcomes = (suite: JsonSuite): { title: string; status: string; message: string; skip: string }[] => [
  ...(suite.specs ?? []).flatMap((s) =>
    s.tests.map((t) => ({
      title: s.title,
      status: t.results.at(-1)?.status ?? 'none',
      message: t.results.at(-1)?.error?.message ?? '',
      skip: [...(t.annotations ?? []), ...(t.results.at(-1)?.annotations ?? [])].find((a) => a.type === 'skip')?.description ?? '',
    })),
  ),
  ...(suite.suites ?? []).flatMap(outcomes),
];

/** The kube-proxy suite run by a nested Playwright with these settings; its outcomes, by title. */
async function kubeProxySuite(strict: boolean, config: RunConfig) {
  const work = mkdtempSync(join(tmpdir(), 'strict-'));
  try {
    const r = await execa('npx', ['playwright', 'test', '--project=e2e', '--no-deps', 'suites/kube-proxy.spec.ts', '--reporter=json', `--output=${join(work, 'results')}`], {
      env: { HARNESS_STRICT: String(strict), HARNESS_RUN_CONFIG: JSON.stringify(config), PLAYWRIGHT_JSON_OUTPUT_NAME: join(work, 'report.json') },
      reject: false,
    });
    const all = outcomes(JSON.parse(readFileSync(join(work, 'report.json'), 'utf8')) as JsonSuite);
    return { exitCode: r.exitCode, byTitle: new Map(all.map((o) => [o.title, o])), all };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test('--strict: a check the host cannot run fails with its reason and nothing is skipped; without --strict it skips; for another configuration it is not registered', async ({ cluster }) => {
  test.setTimeout(3 * 60_000);
  const config = runConfig(harnessOptions(), cluster.record)!;
  const asked = { ...config, requestedProxyMode: 'ipvs' as const };
  const hostReason = cluster.record?.skips['kube-proxy ipvs'];

  const strict = await kubeProxySuite(true, asked);
  expect(strict.all.filter((o) => o.status === 'skipped'), 'a strict run skips nothing').toEqual([]);
  const ipvs = strict.byTitle.get(CONDITIONAL.ipvsTable.title);
  if (cluster.record?.proxyMode !== 'ipvs') {
    // The cluster runs another mode (this host has no IP_VS, say): under --strict the check fails, naming why.
    const why = hostReason ? `kube-proxy ipvs: ${hostReason}` : `the cluster runs kube-proxy in ${cluster.record?.proxyMode} mode`;
    expect(ipvs?.status).toBe('failed');
    expect(ipvs?.message).toContain(`strict mode: this check cannot run: ${why}`);
    expect(strict.exitCode).not.toBe(0);

    const lenient = await kubeProxySuite(false, asked);
    expect(lenient.byTitle.get(CONDITIONAL.ipvsTable.title)).toMatchObject({ status: 'skipped', skip: expect.stringContaining(why) });
  } else {
    expect(ipvs?.status, ipvs?.message).toBe('passed');
  }

  const other = await kubeProxySuite(true, { ...config, requestedProxyMode: 'iptables' });
  expect(other.byTitle.has(CONDITIONAL.ipvsTable.title), 'the ipvs check is not registered when iptables was asked for').toBe(false);
  expect(other.byTitle.get(CONDITIONAL.proxyModeOnNodes.title)?.status).toBe('passed');
  expect(other.exitCode).toBe(0);
});
