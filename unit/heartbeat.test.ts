import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { execa } from 'execa';
import { tempDir } from './temp.ts';

// A step that runs a command printing a line and then working silently: its
// heartbeat names the step, the elapsed seconds and the command's last line.
test('heartbeat: a long step prints its elapsed time and the last line of its log as plain lines when not on a terminal', async () => {
  const dir = tempDir('heartbeat-');
  const script = join(dir, 'step.mts');
  const lib = join(process.cwd(), 'scripts/lib');
  writeFileSync(
    script,
    `import { step } from '${lib}/log.ts';\nimport { run } from '${lib}/exec.ts';\n` +
      `await step('building foo', () => run('sh', ['-c', 'echo "\\u001b[32mcompiling foo.go\\u001b[0m"; sleep 1.5'], { log: '${dir}/foo.log' }));\n`,
  );
  const { stdout } = await execa('npx', ['tsx', script], { env: { HARNESS_HEARTBEAT_MS: '400' } });
  const lines = stdout.split('\n');
  expect(lines[0]).toMatch(/^\[\s*[\d.]+s\] > building foo$/);
  const beats = lines.filter((l) => l.includes('building foo: ') && !l.includes('done in'));
  expect(beats.length).toBeGreaterThanOrEqual(2);
  for (const b of beats) expect(b).toMatch(/^\[\s*[\d.]+s\]  {2}building foo: \ds · compiling foo\.go$/);
  expect(lines[lines.length - 1]).toMatch(/building foo: done in 1\.\ds$/);
});
