// The class board as a web page: the students by labs (each cell the lab's
// score, its state in a colour and in the score's words, the lost checks on
// hover, a link to the student's lab report), the class's mean per lab, and
// the checks the class loses most with their common causes. Every column
// sorts (a button in its header; aria-sort says how it is sorted).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml as esc } from '../core/html.ts';
import { colon, type Lang } from '../course/words.ts';
import { classView, readClassReport, type ClassView } from './class-view.ts';
import { STYLE } from './page.ts';

const UI = {
  heading: { zh: '班级实验成绩', en: 'Class results' },
  other: { zh: 'English', en: '中文' },
  summary: {
    zh: (n: number, g: number, file: string) => `${n} 名学生，已评分 ${g} 名（读自 ${file}，不重新评分）。每格是该实验的得分：满分、部分得分、零分；鼠标停留可看失分的检查，点击打开该学生的实验报告。点击列标题排序。`,
    en: (n: number, g: number, file: string) => `${n} student(s), ${g} graded (read from ${file}, not graded again). Each cell is the lab's score: full, partial, none; hover for the checks lost, click for the student's lab report. Click a column's heading to sort by it.`,
  },
  students: { zh: '学生', en: 'Students' },
  student: { zh: '学生', en: 'student' },
  total: { zh: '总分', en: 'total' },
  mean: { zh: '班级平均（按已评判的分数）', en: 'class mean (of the points judged)' },
  notGraded: { zh: '未评分：评分被中断或没有开始', en: 'not graded: the grading was interrupted or did not start' },
  notJudged: { zh: (n: number) => `有 ${n} 分测试框架无法评判，未计入总分`, en: (n: number) => `${n} point(s) the harness could not judge, left out of the total` },
  checks: { zh: '全班失分的检查', en: 'Where the class loses points' },
  lab: { zh: '实验', en: 'lab' },
  check: { zh: '检查', en: 'check' },
  failed: { zh: '失分人数', en: 'students who lost it' },
  points: { zh: '分值', en: 'points' },
  causes: { zh: '常见原因', en: 'common causes' },
  none: { zh: '全班都通过了每一项检查。', en: 'The class passed every check.' },
  notInReport: { zh: '目录中有、报告中没有（尚未评分）：', en: 'in the folder but not in the report (not graded yet): ' },
  notInFolder: { zh: '报告中有、目录中没有：', en: 'in the report but not in the folder: ' },
} as const;

const th = (label: string, sort: string = 'none') => `<th scope="col" aria-sort="${sort}"><button type="button">${label}</button></th>`;
const fixed = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/**
 * The page; `other` is where the other language is (the board: the same page with ?lang=;
 * a file: class.html, the class report in English).
 */
export function classPage(view: ClassView, lang: Lang, source: string, other = `?lang=${lang === 'zh' ? 'en' : 'zh'}`): string {
  const otherLang: Lang = lang === 'zh' ? 'en' : 'zh';
  const graded = view.students.filter((s) => s.graded);
  const head = `<tr>${th(esc(UI.student[lang]))}${th(esc(UI.total[lang]))}${view.labs.map((l) => th(`${esc(l.id)}<br><small>${esc(l.title[lang])}</small>`)).join('')}</tr>`;
  const body = view.students
    .map((s) => {
      const name = `<th scope="row" data-value="${esc(s.name)}"><a href="students/${encodeURIComponent(s.name)}/${lang === 'zh' ? 'labs.zh.html' : 'labs.html'}">${esc(s.name)}</a></th>`;
      if (!s.graded) return `<tr data-student="${esc(s.name)}">${name}<td colspan="${view.labs.length + 1}">${esc(UI.notGraded[lang])}</td></tr>`;
      const total = `<td data-value="${s.points ? s.earned / s.points : 0}"${s.notJudged ? ` title="${esc(UI.notJudged[lang](s.notJudged))}"` : ''}><strong>${s.earned}/${s.points}</strong>${s.notJudged ? '*' : ''}</td>`;
      const cells = view.labs.map((l) => {
        const c = s.labs[l.id];
        return `<td data-lab="${esc(l.id)}" data-state="${c.state}" data-value="${c.points ? c.earned / c.points : ''}" title="${esc(c.lost.join('\n'))}">${c.earned}/${c.points}</td>`;
      });
      return `<tr data-student="${esc(s.name)}">${name}${total}${cells.join('')}</tr>`;
    })
    .join('\n');
  const maxTotal = view.labs.reduce((n, l) => n + l.points, 0);
  const foot = `<tr><th scope="row">${esc(UI.mean[lang])}</th><td>${view.meanTotal === undefined ? '' : `${fixed(view.meanTotal)}/${maxTotal}`}</td>${view.labs.map((l) => `<td data-lab="${esc(l.id)}">${l.mean === undefined ? '' : `${fixed(l.mean)}/${l.points}`}</td>`).join('')}</tr>`;

  const lost = view.checks.filter((c) => c.failed.length).sort((a, b) => b.failed.length - a.failed.length || b.points - a.points);
  const checkRows = lost
    .map((c) => {
      const causes = c.causes.map((x) => `<li>${esc(x.cause[lang])} <span class="who">(${x.students.length}${colon(lang)}${esc(x.students.join(', '))})</span></li>`).join('');
      return `<tr data-check="${esc(`${c.lab} ${c.check}`)}"><td data-value="${esc(c.lab)}">${esc(c.lab)}</td><td data-value="${esc(c.title[lang])}">${esc(c.title[lang])}</td><td data-value="${c.failed.length}">${c.failed.length}/${c.judged}</td><td data-value="${c.points}">${c.points}</td><td><ul>${causes}</ul></td></tr>`;
    })
    .join('\n');
  const checks = lost.length
    ? `<table class="sortable" id="checks"><thead><tr>${th(esc(UI.lab[lang]))}${th(esc(UI.check[lang]))}${th(esc(UI.failed[lang]), 'descending')}${th(esc(UI.points[lang]))}<th scope="col">${esc(UI.causes[lang])}</th></tr></thead><tbody>${checkRows}</tbody></table>`
    : `<p>${esc(UI.none[lang])}</p>`;
  const warnings = [
    view.notInReport.length ? `<p class="problem">${esc(UI.notInReport[lang])}${esc(view.notInReport.join(', '))}</p>` : '',
    view.notInFolder.length ? `<p class="problem">${esc(UI.notInFolder[lang])}${esc(view.notInFolder.join(', '))}</p>` : '',
  ].join('');

  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(UI.heading[lang])}</title>
<style>${STYLE}
body{max-width:none}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #d0d7de;padding:.3em .6em;text-align:center;vertical-align:top}
tbody th,#checks td:nth-child(2),#checks td:last-child{text-align:left}
th button{font:inherit;font-weight:bold;background:none;border:0;padding:0;cursor:pointer;color:#1f2328}
th[aria-sort=ascending] button::after{content:" ▲"}
th[aria-sort=descending] button::after{content:" ▼"}
td[data-state=pass]{background:#dafbe1;color:#0a3622}
td[data-state=partial]{background:#fff8c5;color:#3b2300}
td[data-state=fail]{background:#ffebe9;color:#6e0b10}
#checks ul{margin:0;padding-left:1.2em}
.who{color:#1f2328}
</style></head>
<body>
<header><h1>${esc(UI.heading[lang])}</h1><a href="${esc(other)}" lang="${otherLang === 'zh' ? 'zh-CN' : 'en'}">${esc(UI.other[lang])}</a></header>
<p>${esc(UI.summary[lang](view.students.length, graded.length, source))}</p>
${warnings}
<main>
<h2 id="students-heading">${esc(UI.students[lang])}</h2>
<table class="sortable" id="students" aria-labelledby="students-heading"><thead>${head}</thead><tbody>${body}</tbody><tfoot>${foot}</tfoot></table>
<h2 id="checks-heading">${esc(UI.checks[lang])}</h2>
${checks}
</main>
<script>
// Sorts a table by the column whose heading was clicked: numbers as numbers, empty cells last.
for (const table of document.querySelectorAll('table.sortable')) {
  const heads = [...table.tHead.rows[0].cells];
  heads.forEach((head, i) => head.querySelector('button')?.addEventListener('click', () => {
    const order = head.getAttribute('aria-sort') === 'descending' ? 'ascending' : 'descending';
    for (const h of heads) if (h.hasAttribute('aria-sort')) h.setAttribute('aria-sort', 'none');
    head.setAttribute('aria-sort', order);
    const value = (row) => (row.cells.length > i ? row.cells[i].dataset.value ?? '' : '');
    const rows = [...table.tBodies[0].rows].sort((a, b) => {
      const x = value(a), y = value(b);
      if (x === '' || y === '') return (x === '') - (y === '');
      const c = isNaN(x) || isNaN(y) ? x.localeCompare(y) : x - y;
      return order === 'ascending' ? c : -c;
    });
    table.tBodies[0].append(...rows);
  }));
}
</script>
</body></html>
`;
}

/** class.zh.html beside class.html: the class report in Chinese, as the class board shows it (a file: it sorts without a server). */
export function writeClassPage(reportDir: string): void {
  const view = classView(readClassReport(join(reportDir, 'class.json')), []);
  writeFileSync(join(reportDir, 'class.zh.html'), classPage({ ...view, notInFolder: [] }, 'zh', 'class.json', 'class.html'));
}
