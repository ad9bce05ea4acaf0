// npm run bench:test [-- npm test options]: runs `npm test` (warm: the cluster
// reused, the images built) and writes reports/bench-test.json: the run's
// wall time, each project's (first test's start to last test's end), each
// file's (its span, its tests' seconds, the seconds it ran with no other
// file's test running: the exclusive tail, and whatever was left last; the
// seconds its tests waited at measurement windows) and the ten slowest tests,
// read from Playwright's JSON report. Measured, never
// asserted: the figures go in notes and docs/running.md (Benchmarks).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { HarnessError, info, main } from '../lib/core/log.ts';
import { testTimings } from '../lib/report/test-timings.ts';
import { spawn } from '../lib/core/exec.ts';

const REPORTS = process.env.HARNESS_REPORT_DIR || 'reports'; // as playwright.config.ts

main(async () => {
  rmSync(`${REPORTS}/results.json`, { force: true }); // never another run's figures
  const started = Date.now();
  const result = await spawn('npx', ['tsx', 'scripts/test.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
  const wallSeconds = Math.round((Date.now() - started) / 1000);
  if (!existsSync(`${REPORTS}/results.json`)) throw new HarnessError(`npm test wrote no ${REPORTS}/results.json (exit ${result.exitCode})`);
  const { projects, files, slowest } = testTimings(JSON.parse(readFileSync(`${REPORTS}/results.json`, 'utf8')));
  writeFileSync(`${REPORTS}/bench-test.json`, JSON.stringify({ measuredAt: new Date().toISOString(), args: process.argv.slice(2), exitCode: result.exitCode, wallSeconds, projects, files, slowest }, null, 2) + '\n');
  console.log(`\nnpm test: ${(wallSeconds / 60).toFixed(1)} min wall, exit ${result.exitCode}`);
  console.log('project       wall (s)  tests');
  for (const p of projects) console.log(`${p.project.padEnd(13)} ${String(p.seconds).padStart(8)}  ${p.tests}`);
  const e2e = files.filter((f) => f.project === 'e2e');
  const total = (k: 'alone' | 'windowWait') => e2e.reduce((sum, f) => sum + f[k], 0).toFixed(0);
  console.log(`\ne2e files: span, tests' seconds, alone (no other file's test running), waited at measurement windows; ${total('alone')} s alone, ${total('windowWait')} s waited in all`);
  for (const f of e2e) console.log(`${[f.span, f.testSeconds, f.alone, f.windowWait].map((n) => String(n).padStart(7)).join(' ')}  ${f.file}`);
  console.log('\nslowest tests (s)');
  for (const t of slowest) console.log(`${String(t.seconds).padStart(7)}  [${t.project}] ${t.file} › ${t.title}${t.status === 'passed' ? '' : ` (${t.status})`}`);
  info(`${REPORTS}/bench-test.json`);
  return result.exitCode ?? 1;
});
