// The board as a web page: one section per lab in the course's order, one
// list item per check with its state in words (never colour alone), its
// cause and its hint, in one language. The page opens an event stream and
// replaces its main part and its status line when the board is judged again.
import type { BoardLab, RowState } from './rows.ts';
import { colon, type Lang, type Words } from '../course/words.ts';
import { escapeHtml as esc } from '../core/html.ts';

/** What the board knows besides its rows: what it checks, when it last judged, what went wrong. */
export interface BoardStatus {
  /** the API server and context checked */
  target: string;
  /** each judgement creates and deletes a probe pod in course-probe: the one write */
  probePod?: boolean;
  /** the last judgement's end, ISO time */
  judgedAt?: string;
  seconds?: number;
  /** a judgement is running now */
  running: boolean;
  /** why the last judgement or the watch could not be done (no cluster, a refused read) */
  problem?: string;
}

const UI = {
  heading: { zh: '课程实验进度', en: 'Course labs' },
  check: { zh: '立即检查', en: 'Check now' },
  checking: { zh: '正在检查…', en: 'checking…' },
  never: { zh: '尚未检查', en: 'not judged yet' },
  judged: { zh: (t: string, s: string) => `最近一次检查：${t}（用时 ${s} 秒）`, en: (t: string, s: string) => `last judged at ${t} (${s} s)` },
  target: { zh: '检查对象', en: 'checking' },
  readOnly: { zh: '只读：只做 get、list、watch，不写入集群；集群中的对象变化时自动重新检查', en: 'read-only: get, list and watch, nothing written; judged again when the cluster\'s objects change' },
  probe: { zh: '只读，除了探测 Pod：每次检查在 course-probe 中创建并删除一个 busybox Pod；集群中的对象变化时自动重新检查', en: 'read-only but for the probe: each judgement creates and deletes a busybox pod in course-probe; judged again when the cluster\'s objects change' },
  chapter: { zh: '对应章节', en: 'course chapter' },
  hint: { zh: '提示', en: 'hint' },
  other: { zh: 'English', en: '中文' },
  problem: { zh: '问题', en: 'problem' },
} as const;

const STATE: Record<RowState, Words> = {
  pass: { zh: '通过', en: 'passing' },
  fail: { zh: '未通过', en: 'failing' },
  'not-started': { zh: '未开始', en: 'not started' },
  'n/a': { zh: '不适用', en: 'not applicable' },
  'not-judged': { zh: '未评判', en: 'not judged' },
};

/** The boards' style: states in words on badges whose colours keep WCAG AA contrast. */
export const STYLE = `body{font-family:sans-serif;margin:1.5em;color:#1f2328;background:#fff;max-width:70em}
header{display:flex;flex-wrap:wrap;gap:1em;align-items:baseline}
h1{margin:0 0 .3em}
#status{color:#1f2328;margin:.3em 0 1em}
button{font-size:1em;padding:.3em 1em}
.lab{border:1px solid #d0d7de;border-radius:6px;margin:0 0 1em;padding:.3em 1em}
.lab h2{font-size:1.15em}
ul{list-style:none;padding:0}
.row{padding:.4em 0;border-top:1px solid #eaeef2}
.badge{display:inline-block;min-width:5.5em;text-align:center;border-radius:4px;padding:0 .4em;font-weight:bold;font-size:.9em}
[data-state=pass]>.badge,.lab[data-state=pass] h2 .badge{background:#dafbe1;color:#0a3622}
[data-state=fail]>.badge,.lab[data-state=fail] h2 .badge{background:#ffebe9;color:#6e0b10}
[data-state=not-started]>.badge,.lab[data-state=not-started] h2 .badge{background:#eaeef2;color:#1f2328}
[data-state="n/a"]>.badge,[data-state=not-judged]>.badge,.lab[data-state="n/a"] h2 .badge,.lab[data-state=not-judged] h2 .badge{background:#fff8c5;color:#3b2300}
.detail,.hint,.chapter{margin:.2em 0 0 6.5em;color:#1f2328}
.problem{color:#6e0b10;font-weight:bold}
`;

const slug = (s: string) => s.replace(/[^a-z0-9]+/gi, '-');

/** The page's main part: the labs and their rows. */
export function boardMain(labs: BoardLab[], lang: Lang): string {
  if (!labs.length) return `<p class="empty">${esc(UI.never[lang])}</p>`;
  return labs
    .map((lab) => {
      const rows = lab.rows
        .map((r) => {
          const detail = r.detail[lang] ? `<p class="detail">${esc(r.detail[lang])}</p>` : '';
          const hint = r.hint ? `<p class="hint"><strong>${esc(UI.hint[lang])}${colon(lang)}</strong>${esc(r.hint[lang])}</p>` : '';
          return `<li class="row" data-state="${r.state}" data-check="${esc(r.check)}"><span class="badge">${esc(STATE[r.state][lang])}</span> <span class="title">${esc(r.title[lang])}</span>${detail}${hint}</li>`;
        })
        .join('');
      const chapter = lab.state === 'pass' || lab.state === 'n/a' ? '' : `<p class="chapter">${esc(UI.chapter[lang])}${colon(lang)}${esc(lab.chapter[lang])}</p>`;
      return `<section class="lab" data-lab="${esc(lab.id)}" data-state="${lab.state}" aria-labelledby="lab-${slug(lab.id)}"><h2 id="lab-${slug(lab.id)}">${esc(lab.id === 'cluster' ? '' : `${lab.id} · `)}${esc(lab.title[lang])} <span class="badge">${esc(STATE[lab.state][lang])}</span></h2>${chapter}<ul>${rows}</ul></section>`;
    })
    .join('\n');
}

/** The status line: what is checked, the last judgement, a judgement running, a problem. */
export function boardStatus(s: BoardStatus, lang: Lang): string {
  const when = s.judgedAt ? UI.judged[lang](new Date(s.judgedAt).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB'), (s.seconds ?? 0).toFixed(0)) : UI.never[lang];
  const problem = s.problem ? ` <span class="problem">${esc(UI.problem[lang])}${colon(lang)}${esc(s.problem)}</span>` : '';
  return `${esc(UI.target[lang])} ${esc(s.target)} · ${esc(when)}${s.running ? ` · ${esc(UI.checking[lang])}` : ''}${problem}`;
}

export function boardPage(labs: BoardLab[], status: BoardStatus, lang: Lang): string {
  const other: Lang = lang === 'zh' ? 'en' : 'zh';
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(UI.heading[lang])}</title>
<style>
${STYLE}</style></head>
<body>
<header><h1>${esc(UI.heading[lang])}</h1><button id="check" type="button">${esc(UI.check[lang])}</button> <a href="?lang=${other}" lang="${other === 'zh' ? 'zh-CN' : 'en'}">${esc(UI.other[lang])}</a></header>
<p>${esc((status.probePod ? UI.probe : UI.readOnly)[lang])}</p>
<p id="status" role="status" aria-live="polite">${boardStatus(status, lang)}</p>
<main id="board">${boardMain(labs, lang)}</main>
<script>
const lang = ${JSON.stringify(lang)};
const events = new EventSource('/events?lang=' + lang);
events.addEventListener('board', (e) => {
  const { main, status } = JSON.parse(e.data);
  document.getElementById('board').innerHTML = main;
  document.getElementById('status').innerHTML = status;
});
document.getElementById('check').addEventListener('click', () => fetch('/check', { method: 'POST' }));
</script>
</body></html>
`;
}
