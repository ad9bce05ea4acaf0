// Reading Playwright's JUnit report: one entry per test case, with its
// outcome and its annotations (Playwright writes them as properties).
import { existsSync, readFileSync } from 'node:fs';

export interface TestCase {
  name: string;
  file: string;
  status: 'passed' | 'failed' | 'skipped';
  /** annotations: [type, description] */
  properties: [string, string][];
  /** a failed case's error: from its first "…Error:" line to the first blank line, at most 600 characters */
  failure?: string;
}

const unescape = (t: string) => t.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export function parseJUnit(xml: string): TestCase[] {
  return [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => {
    const body = m[4] ?? '';
    return {
      name: unescape(m[1]),
      file: unescape(m[2]),
      status: /<(failure|error)\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed',
      properties: [...body.matchAll(/<property name="([^"]*)" value="([^"]*)"/g)].map((p) => [unescape(p[1]), unescape(p[2])] as [string, string]),
      failure: failureText(body),
    };
  });
}

// The error Playwright writes in the failure's CDATA, without colours: what a CI log's last lines must show.
function failureText(body: string): string | undefined {
  const m = /<(?:failure|error)\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:failure|error)>)/.exec(body);
  if (!m) return undefined;
  const text = (m[1] ?? '').replace(/^\s*<!\[CDATA\[|\]\]>\s*$/g, '').replace(/\u001b\[[0-9;]*m/g, '');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /\b\w*Error\b[^:]*:/.test(l));
  if (start < 0) return text.trim().slice(0, 600) || undefined;
  const end = lines.findIndex((l, i) => i > start && !l.trim());
  return lines.slice(start, end < 0 ? undefined : end).map((l) => l.trim()).join(' ').slice(0, 600);
}

export function readJUnit(file: string): TestCase[] | undefined {
  return existsSync(file) ? parseJUnit(readFileSync(file, 'utf8')) : undefined;
}
