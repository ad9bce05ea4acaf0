// The board's rows: a live run's lab report rows (lib/report/lab-report.ts),
// one row per check, grouped by lab in the course's order, each with its
// state and its words in both languages. A lab whose objects are all missing
// is "not started", not a wall of failures: its failing rows say so; one with
// some of them is under way, and its rows fail with their causes.
import { worded, type LabRow } from '../report/lab-report.ts';
import { LABS, rowWords, type Words } from '../course/words.ts';

export type RowState = 'pass' | 'fail' | 'not-started' | 'n/a' | 'not-judged';

export interface BoardRow {
  /** the check's English title, as the lab report has it: the row's identity */
  check: string;
  state: RowState;
  title: Words;
  /** the cause (failing), the reason (not applicable, not judged) or what it measured (passing) */
  detail: Words;
  hint?: Words;
}

export interface BoardLab {
  id: string;
  title: Words;
  chapter: Words;
  state: RowState;
  rows: BoardRow[];
}

/** "Live cluster: lab 30-services" → 30-services; "Live cluster: cluster" → cluster. */
const labOf = (topic: string) => topic.replace(/^[^:]*: /, '').replace(/^lab /, '');

/** The lab's objects row (or the namespace's) says every one of them is missing: the lab has not been started. */
function nothingThere(r: LabRow): boolean {
  if (r.result !== 'fail') return false;
  const missing = r.detail.split(/ · |\n/).filter((p) => /not found( in namespace \S+)?$/.test(p.trim())).length;
  if (/^namespace \S+ exists$/.test(r.check)) return missing > 0;
  const objects = /^the cluster has (.+)$/.exec(r.check)?.[1].split(', ').length;
  return objects !== undefined && missing === objects;
}

export function boardLabs(rows: LabRow[]): BoardLab[] {
  const byLab = new Map<string, LabRow[]>();
  for (const r of rows) byLab.set(labOf(r.topic), [...(byLab.get(labOf(r.topic)) ?? []), r]);
  const known = LABS.filter((l) => byLab.has(l.id));
  const others = [...byLab.keys()].filter((id) => !LABS.some((l) => l.id === id)).map((id) => ({ id, title: { zh: id, en: id }, chapter: { zh: id, en: id } }));
  return [...known, ...others].map((lab) => {
    const list = byLab.get(lab.id)!;
    const notStarted = list.some(nothingThere);
    const boardRows = list.map((r): BoardRow => {
      const words = rowWords(r.check);
      const state: RowState = r.result === 'pass' ? 'pass' : r.result === 'fail' ? (notStarted ? 'not-started' : 'fail') : r.result === 'n/a' ? 'n/a' : 'not-judged';
      // The title and the cause, reason or measurement in the lab report's own words.
      const zh = worded(r, 'zh');
      // A hint that only says the reason again is left out.
      const hint = state === 'pass' || (state === 'n/a' && r.detail === `not applicable: ${words?.hint.en}`) ? undefined : words?.hint;
      return { check: r.check, state, title: { en: r.check, zh: zh.check }, detail: { en: r.detail, zh: zh.detail }, hint };
    });
    const states = boardRows.map((r) => r.state);
    const state: RowState = notStarted ? 'not-started' : states.includes('fail') ? 'fail' : states.includes('pass') ? 'pass' : states.includes('not-judged') ? 'not-judged' : 'n/a';
    return { ...lab, state, rows: boardRows };
  });
}

