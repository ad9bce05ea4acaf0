// npm run report:merge -- DIR...: the class reports of several shards (each
// machine's reports/ after `npm test -- --submissions DIR --shard K/N`)
// merged into one: reports/class.html, class.csv, class.json and every
// student's lab report.
import { mergeClassReports } from './lib/class-grading.ts';
import { info, main } from './lib/log.ts';
import { UsageError } from './lib/options.ts';

main(async () => {
  const dirs = process.argv.slice(2);
  if (!dirs.length || dirs.some((d) => d.startsWith('-'))) throw new UsageError('usage: npm run report:merge -- DIR... (each a shard\'s reports folder, with class.json)');
  const results = mergeClassReports(dirs, 'reports');
  info(`${results.length} student(s) from ${dirs.length} shard(s): reports/class.html, class.csv, class.json`);
});
