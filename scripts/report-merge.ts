// npm run report:merge -- DIR...: the class reports of several shards (each
// machine's reports/ after `npm test -- --submissions DIR --shard K/N`)
// merged into one: reports/class.html (class.zh.html), class.csv, class.json
// and every student's lab report.
import { mergeClassReports } from '../lib/grading/class-grading.ts';
import { writeClassPage } from '../lib/board/class-page.ts';
import { info, main } from '../lib/core/log.ts';
import { parseCommand } from '../lib/core/command-line.ts';
import { UsageError } from '../lib/core/options.ts';

main(async () => {
  const parsed = parseCommand('npm run report:merge --', { only: [], positional: "DIR... (each a shard's reports folder, with class.json)" });
  if (!parsed) return;
  const dirs = parsed.rest;
  if (!dirs.length) throw new UsageError('usage: npm run report:merge -- DIR... (each a shard\'s reports folder, with class.json)');
  const results = mergeClassReports(dirs, 'reports');
  writeClassPage('reports');
  info(`${results.length} student(s) from ${dirs.length} shard(s): reports/class.html (in Chinese class.zh.html), class.csv, class.json`);
});
