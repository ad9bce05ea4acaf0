// npm run test:repeat -- N [npm test options]: runs `npm test` N times on the
// same cluster (kept between runs), keeps each run's JUnit report as
// reports/repeat/run-K.xml, then prints each check's pass count, the checks
// that failed at least once (flaky) first. Exit 1 when any check failed.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { execa } from 'execa';
import { readJUnit, type TestCase } from './lib/junit.ts';
import { info, main } from './lib/log.ts';
import { UsageError } from './lib/options.ts';
import { passCounts } from './lib/repeat.ts';

main(async () => {
  const [count, ...rest] = process.argv.slice(2);
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new UsageError('usage: npm run test:repeat -- N [npm test options] (N from 1 to 50)');
  if (rest.includes('--no-keep-cluster')) throw new UsageError('test:repeat keeps the cluster between runs; --no-keep-cluster does not apply');
  rmSync('reports/repeat', { recursive: true, force: true });
  mkdirSync('reports/repeat', { recursive: true });
  const runs: TestCase[][] = [];
  for (let k = 1; k <= n; k++) {
    info(`run ${k} of ${n}`);
    const started = Date.now();
    const result = await execa('npx', ['tsx', 'scripts/test.ts', ...rest], { stdio: 'inherit', reject: false });
    const cases = readJUnit('reports/junit.xml') ?? [];
    copyFileSync('reports/junit.xml', `reports/repeat/run-${k}.xml`);
    runs.push(cases);
    info(`run ${k}: exit ${result.exitCode}, ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    if (result.exitCode === 130) break; // interrupted: stop repeating
  }
  const rows = passCounts(runs);
  console.log(`\npassed/runs  check (${runs.length} runs)`);
  for (const r of rows) console.log(`${`${r.passed}/${runs.length}`.padEnd(11)}  ${r.file} › ${r.name}${r.failed ? `  FLAKY: failed ${r.failed}` : ''}${r.skipped ? `  (skipped ${r.skipped})` : ''}`);
  info('reports: reports/repeat/run-K.xml (JUnit of each run)');
  return rows.some((r) => r.failed > 0) ? 1 : 0;
});
