// npm run test:repeat -- N [npm test options]: runs `npm test` N times on the
// same cluster (kept between runs), each with its reports in
// reports/repeat/run-K/ (a run empties its own report folder, so each has
// one of its own), then prints each check's pass count, the checks that
// failed at least once (flaky) first, also in reports/repeat/summary.txt.
// Exit 1 when any check failed.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readJsonReport, testEntries, type TestEntry } from '../lib/report/playwright-json.ts';
import { info, main } from '../lib/core/log.ts';
import { UsageError } from '../lib/core/options.ts';
import { passCounts } from '../lib/report/repeat.ts';
import { spawn } from '../lib/core/exec.ts';

main(async () => {
  const [count, ...rest] = process.argv.slice(2);
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new UsageError('usage: npm run test:repeat -- N [npm test options] (N from 1 to 50)');
  if (rest.includes('--no-keep-cluster')) throw new UsageError('test:repeat keeps the cluster between runs; --no-keep-cluster does not apply');
  rmSync('reports/repeat', { recursive: true, force: true });
  mkdirSync('reports/repeat', { recursive: true });
  const runs: TestEntry[][] = [];
  for (let k = 1; k <= n; k++) {
    info(`run ${k} of ${n}`);
    const started = Date.now();
    const dir = `reports/repeat/run-${k}`;
    const result = await spawn('npx', ['tsx', 'scripts/test.ts', ...rest], { stdio: 'inherit', env: { HARNESS_REPORT_DIR: dir } });
    const report = readJsonReport(`${dir}/results.json`);
    runs.push(report ? testEntries(report) : []); // none: the run ended before its report (its checks count as missing)
    info(`run ${k}: exit ${result.exitCode}, ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    if (result.exitCode === 130) break; // interrupted: stop repeating
  }
  const rows = passCounts(runs);
  const table = [
    `passed/runs  check (${runs.length} runs)`,
    ...rows.map((r) => `${`${r.passed}/${runs.length}`.padEnd(11)}  ${r.file} › ${r.name}${r.failed ? `  FLAKY: failed ${r.failed}` : ''}${r.skipped ? `  (skipped ${r.skipped})` : ''}${r.missing ? `  (missing ${r.missing})` : ''}`),
  ];
  console.log(`\n${table.join('\n')}`);
  writeFileSync('reports/repeat/summary.txt', table.join('\n') + '\n');
  info('reports: reports/repeat/run-K/ (each run\'s reports: JUnit, HTML, lab report), reports/repeat/summary.txt');
  return rows.some((r) => r.failed > 0) ? 1 : 0;
});
