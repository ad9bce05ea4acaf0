// The class board's own logic (lib/board/class-view.ts, class-page.ts) on a
// class report of the shape a grading writes: counts, means, causes grouped
// across students, the students graded or not, the page's words. The
// Chromium check on a real class's report is in suites/class-grading.spec.ts.
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { causeKey, classView, type ClassReport } from '../lib/board/class-view.ts';
import { classPage, writeClassPage } from '../lib/board/class-page.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from './temp.ts';
import { loadRubric } from '../lib/grading/rubric.ts';
import { MANIFESTS } from '../lib/course/labs.ts';
import { checkZh } from '../lib/course/words.ts';
import type { LabScore, StudentScore } from '../lib/grading/rubric.ts';

const rubric = {
  '30-services': { chapter: 'Service', checks: [{ check: 'the folder defines', points: 1 }, { check: 'Service myblog serves the blog list', points: 2 }] },
  '40-ingress-myblog': { chapter: 'Ingress', checks: [{ check: 'SNI myblog.luffy.com gets the certificate', points: 2 }] },
};

/** A student's score with the given checks lost (cause) or not judged; the rest passed. */
function student(name: string, lost: Record<string, string> = {}, notJudged: string[] = []): ClassReport['results'][number] {
  const labs: LabScore[] = Object.entries(rubric).map(([lab, spec]) => {
    const checks = spec.checks.map((c) => {
      const cause = lost[c.check];
      if (notJudged.includes(c.check)) return { check: c.check, points: c.points, earned: 0, outcome: 'not judged' as const, cause: 'not judged: the harness could not' };
      return cause ? { check: c.check, points: c.points, earned: 0, outcome: cause.startsWith('not run') ? ('not run' as const) : ('fail' as const), cause } : { check: c.check, points: c.points, earned: c.points, outcome: 'pass' as const, cause: '' };
    });
    const judged = checks.filter((c) => c.outcome !== 'not judged');
    return { lab, chapter: spec.chapter, checks, earned: judged.reduce((n, c) => n + c.earned, 0), points: judged.reduce((n, c) => n + c.points, 0), notJudged: checks.reduce((n, c) => n + (c.outcome === 'not judged' ? c.points : 0), 0) };
  });
  const score: StudentScore = { labs, earned: labs.reduce((n, l) => n + l.earned, 0), points: labs.reduce((n, l) => n + l.points, 0), notJudged: labs.reduce((n, l) => n + l.notJudged, 0), unscored: [] };
  return { name, score, rows: [{}] };
}

/** One lab "lab", scored earned of points judged. */
const scored = (name: string, earned: number, points: number): ClassReport['results'][number] => ({
  name,
  rows: [{}],
  score: { labs: [{ lab: 'lab', chapter: '', earned, points, notJudged: 3 - points, checks: [] }], earned, points, notJudged: 3 - points, unscored: [] },
});

const report: ClassReport = {
  rubric,
  results: [
    student('ann'),
    student('bob', { 'Service myblog serves the blog list': 'Service myblog does not serve: Service myblog selects app=myblg: no pod matches (pods have app=myblog)' }),
    student('cat', { 'Service myblog serves the blog list': 'Service myblog does not serve: Service myblog selects app=myblg: no pod matches (pods have app=myblog)', 'SNI myblog.luffy.com gets the certificate': 'not run: an earlier step failed' }),
    student('dan', { 'Service myblog serves the blog list': 'Service myblog does not serve: pod myblog-5d8f7c9b6d-x2x9q answered HTTP 500' }, ['SNI myblog.luffy.com gets the certificate']),
    { ...student('eve'), rows: [] },
  ],
};

test('the class view: per check, who lost it and the causes grouped across students; a lab mean of the graded; the not judged and the not graded charged to no one', () => {
  const view = classView(report, ['ann', 'bob', 'cat', 'dan', 'eve', 'fay']);
  const serves = view.checks.find((c) => c.check === 'Service myblog serves the blog list')!;
  expect(serves.failed).toEqual(['bob', 'cat', 'dan']);
  expect(serves.judged).toBe(4);
  expect(serves.causes.map((c) => [c.cause.en, c.students])).toEqual([
    ['Service myblog does not serve: Service myblog selects app=myblg: no pod matches (pods have app=myblog)', ['bob', 'cat']],
    ['Service myblog does not serve: pod myblog-… answered HTTP 500', ['dan']],
  ]);
  expect(serves.causes[0].cause.zh).toBe('Service myblog 无法访问：Service myblog 的选择器 app=myblg 匹配不到任何 Pod（现有 Pod 的标签：app=myblog）');
  const sni = view.checks.find((c) => c.lab === '40-ingress-myblog')!;
  expect(sni.failed, 'a check not run because an earlier step failed is lost; one the harness could not judge is not').toEqual(['cat']);
  expect(sni.judged).toBe(3);
  // 30-services: ann 3, bob 1, cat 1, dan 1 → 1.5 of 3; 40: ann 2, bob 2, cat 0 (dan's not judged: out of the mean) → 4/3.
  expect(view.labs.map((l) => [l.id, l.points, l.mean!.toFixed(3)])).toEqual([['30-services', 3, '1.500'], ['40-ingress-myblog', 2, (4 / 3).toFixed(3)]]);
  expect(view.students.find((s) => s.name === 'eve')!.graded).toBe(false);
  expect(view.students.find((s) => s.name === 'dan')!.labs['40-ingress-myblog']).toMatchObject({ earned: 0, points: 0, state: 'none' });
  expect(view.notInReport).toEqual(['fay']);
  // A student with every judged point (1 of 1, 2 not judged) counts as full marks in the mean, as one with 3 of 3.
  const share = classView({ rubric: { lab: { chapter: '', checks: [{ check: 'a', points: 2 }, { check: 'b', points: 1 }] } }, results: [scored('full', 3, 3), scored('judged-part', 1, 1)] }, []);
  expect(share.labs[0].mean).toBe(3);
  // A check with no row in a student's run costs its points: it is counted lost, with its cause.
  const missing = classView({ rubric: { lab: { chapter: '', checks: [{ check: 'a', points: 2 }] } }, results: [{ name: 'x', rows: [{}], score: { labs: [{ lab: 'lab', chapter: '', earned: 0, points: 2, notJudged: 0, checks: [{ check: 'a', points: 2, earned: 0, outcome: 'missing', cause: 'no such check in this run' }] }], earned: 0, points: 2, notJudged: 0, unscored: [] } }] }, []);
  expect(missing.checks[0]).toMatchObject({ failed: ['x'], judged: 1 });
  expect(missing.students[0].labs.lab.lost).toEqual(['a: no such check in this run']);
  expect(classView(report, ['ann', 'bob', 'cat', 'dan']).notInFolder).toEqual(['eve']);
});

test('causeKey: what differs between students for the same mistake (pod names, template hashes, addresses, durations) is left out, the rest kept', () => {
  expect(causeKey('pod mysql-7d9f8c6b5-abcde on node-1: Ready again after 93 s, 10.244.1.7:3306 refused')).toBe('pod mysql-… on node-1: Ready again after … s, … refused');
  expect(causeKey('Service myblog selects app=myblg: no pod matches (pods have app=myblog,pod-template-hash=7cc869d99d)')).toBe('Service myblog selects app=myblg: no pod matches (pods have app=myblog,pod-template-hash=…)');
});

test('the class page: students by labs with scores and states, the class mean, the checks lost with counts and causes, in the language asked for, text escaped', () => {
  const view = classView({ ...report, results: [...report.results, student('<x>')] }, []);
  const zh = classPage(view, 'zh', 'reports/class.json');
  expect(zh).toContain('<html lang="zh-CN">');
  expect(zh).toContain('<h1>班级实验成绩</h1>');
  expect(zh).toContain('<td data-lab="30-services" data-state="partial" data-value="0.3333333333333333"');
  expect(zh).toContain('<th scope="row">班级平均（按已评判的分数）</th>');
  expect(zh).toContain('<td data-lab="30-services">1.8/3</td>');
  expect(zh).toContain('<td data-value="3">3/5</td>');
  expect(zh).toContain('未评分：评分被中断或没有开始');
  expect(zh).toContain('Service myblog 在命名空间内能提供博客列表');
  expect(zh).toContain('&lt;x&gt;');
  expect(zh).not.toContain('<x>');
  const en = classPage(view, 'en', 'reports/class.json');
  expect(en).toContain('<h2 id="checks-heading">Where the class loses points</h2>');
  expect(en).toContain('(2: bob, cat)');
});

test("every check of the course's rubric has its Chinese title", () => {
  const checks = Object.values(loadRubric(join(MANIFESTS, 'rubric.yaml'))).flatMap((l) => l.checks.map((c) => c.check));
  expect(checks.length).toBeGreaterThan(15);
  expect(checks.filter((c) => !checkZh(c))).toEqual([]);
});

test('class.zh.html: the class report in Chinese as a file beside class.html, linking it and the students\' Chinese reports', () => {
  const dir = tempDir('class-zh-');
  writeFileSync(join(dir, 'class.json'), JSON.stringify(report));
  writeClassPage(dir);
  const page = readFileSync(join(dir, 'class.zh.html'), 'utf8');
  expect(page).toContain('<h1>班级实验成绩</h1><a href="class.html" lang="en">English</a>');
  expect(page).toContain('<a href="students/bob/labs.zh.html">bob</a>');
  expect(page).not.toContain('报告中有、目录中没有');
});
