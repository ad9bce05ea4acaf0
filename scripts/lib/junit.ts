// Reading Playwright's JUnit report: one entry per test case, with its
// outcome and its annotations (Playwright writes them as properties).
import { existsSync, readFileSync } from 'node:fs';
import { errorCause } from './lab-report.ts';

export interface TestCase {
  name: string;
  file: string;
  status: 'passed' | 'failed' | 'skipped';
  /** annotations: [type, description] */
  properties: [string, string][];
  /** a failed case's error as one line (lab-report.ts' errorCause) */
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

// The error Playwright writes in a failure's CDATA, after its header line
// (project › file › title): what a CI log's last lines must show.
function failureText(body: string): string | undefined {
  const m = /<(?:failure|error)\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:failure|error)>)/.exec(body);
  const text = (m?.[1] ?? '').replace(/^\s*<!\[CDATA\[|\]\]>\s*$/g, '').replace(/^\s*\S[^\n]* › [^\n]*\n/, '');
  return errorCause(text) || undefined;
}

export function readJUnit(file: string): TestCase[] | undefined {
  return existsSync(file) ? parseJUnit(readFileSync(file, 'utf8')) : undefined;
}
