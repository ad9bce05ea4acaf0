import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { tempDir } from './temp.ts';
import { run } from '../lib/core/exec.ts';

/** Runs `body` (a module using step, doing and run from lib/core) with a fast heartbeat; its stdout. `DIR` in body is a temporary folder. */
async function stepsOutput(body: string): Promise<string> {
  const dir = tempDir('heartbeat-');
  const script = join(dir, 'steps.mts');
  const lib = join(process.cwd(), 'lib/core');
  writeFileSync(script, `import { doing, step } from '${lib}/log.ts';\nimport { run } from '${lib}/exec.ts';\n` + body.replaceAll('DIR', dir));
  return run('npx', ['tsx', script], { env: { HARNESS_HEARTBEAT_MS: '400' } });
}

// A step that runs a command printing a line and then working silently: its
// heartbeat names the step, the elapsed seconds and the command's last line.
test('heartbeat: a long step prints its elapsed time and the last line of its log as plain lines when not on a terminal', async () => {
  const stdout = await stepsOutput(`await step('building foo', () => run('sh', ['-c', 'echo "\\u001b[32mcompiling foo.go\\u001b[0m"; sleep 2'], { log: 'DIR/foo.log' }));\n`);
  const lines = stdout.split('\n');
  expect(lines[0]).toMatch(/^\[\s*[\d.]+s\] > building foo$/);
  // Timing on a busy machine decides how many beats come before the command's first line: not asserted.
  const beats = lines.filter((l) => / {3}building foo: \d+s( · |$)/.test(l));
  expect(beats.length, stdout).toBeGreaterThanOrEqual(2);
  expect(beats.filter((b) => /^\[\s*[\d.]+s\] {3}building foo: \ds · compiling foo\.go$/.test(b)).length, stdout).toBeGreaterThanOrEqual(1);
  expect(lines[lines.length - 1]).toMatch(/ {3}building foo: done in \d+\.\ds$/);
});

test('heartbeat: a nested step beats for itself; once it ends, the outer step shows its own activity again', async () => {
  const stdout = await stepsOutput(
    `await step('outer', async () => {\n  doing('preparing the outer thing');\n` +
      `  await step('inner', () => run('sh', ['-c', 'echo inner line; sleep 1'], { log: 'DIR/inner.log' }));\n` +
      `  await new Promise((r) => setTimeout(r, 1200));\n});\n`,
  );
  const lines = stdout.split('\n');
  const innerDone = lines.findIndex((l) => / {3}inner: done in /.test(l));
  expect(innerDone, stdout).toBeGreaterThan(0);
  expect(lines.slice(0, innerDone).some((l) => / {3}inner: \d+s · inner line$/.test(l)), stdout).toBe(true);
  const after = lines.slice(innerDone + 1).filter((l) => / {3}outer: \d+s/.test(l));
  expect(after.length, stdout).toBeGreaterThanOrEqual(1);
  for (const l of after) expect(l).toMatch(/ {3}outer: \d+s · preparing the outer thing$/);
});

// Traefik's build runs beside the node image's: each step's commands report to
// that step, and the beat shows both.
test('heartbeat: steps side by side each show their own activity on the one line', async () => {
  const stdout = await stepsOutput(
    `const a = step('left', () => run('sh', ['-c', 'echo left line; sleep 2'], { log: 'DIR/left.log' }));\n` +
      `await new Promise((r) => setTimeout(r, 300));\n` +
      `await Promise.all([a, step('right', () => run('sh', ['-c', 'echo right line; sleep 1.5'], { log: 'DIR/right.log' }))]);\n`,
  );
  expect(stdout.split('\n').some((l) => / {3}left: \d+s · left line \| {2}right: \d+s · right line$/.test(l)), stdout).toBe(true);
  expect(stdout).not.toMatch(/left: \d+s · right line|right: \d+s · left line/);
});
