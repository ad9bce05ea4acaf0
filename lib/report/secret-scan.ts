// Proof that no Secret value reaches a report: every file under reports/ is
// searched for every Secret value a run saw, in each form a leak can take
// (the value itself, JSON-escaped, base64-encoded, and for a PEM block each
// line of its body). Playwright's HTML report keeps its data in a zip inside
// index.html: that is opened and searched too. Leaks are named by Secret and
// key, never by value.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface SecretValue {
  /** "namespace/name key" */
  where: string;
  value: string;
}

export interface Leak {
  file: string;
  where: string;
  form: string;
}

/** Values shorter than this are not searched: "root" or "123456" would match anywhere. */
export const MIN_SCANNED_LENGTH = 8;

/** The texts a leaked value may appear as. */
export function secretForms(value: string): { form: string; text: string }[] {
  if (value.length < MIN_SCANNED_LENGTH) return [];
  const forms = [
    { form: 'plain', text: value },
    { form: 'JSON-escaped', text: JSON.stringify(value).slice(1, -1) },
    { form: 'base64', text: Buffer.from(value).toString('base64') },
  ];
  const pem = /-----BEGIN [^-]+-----([\s\S]*?)-----END/.exec(value);
  if (pem) {
    const lines = pem[1].split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 32);
    forms.push(...lines.map((text, i) => ({ form: `PEM body line ${i + 1}`, text })));
  }
  const seen = new Set<string>();
  return forms.filter((f) => f.text.length >= MIN_SCANNED_LENGTH && !seen.has(f.text) && seen.add(f.text));
}

/** The entries of a zip archive (stored or deflated), by name. */
export function zipEntries(zip: Buffer): { name: string; data: Buffer }[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return [];
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: { name: string; data: Buffer }[] = [];
  for (let i = 0; i < count && zip.readUInt32LE(at) === 0x02014b50; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    if (method === 0 || method === 8) entries.push({ name, data: method === 8 ? inflateRawSync(raw) : raw });
    at += 46 + skip;
  }
  return entries;
}

/**
 * A file's contents to search: the file itself, and what it embeds: the HTML
 * report's zip, zip archives, and attachments that JSON reports carry as
 * base64 ("body": "...").
 */
function contents(file: string, data: Buffer): { file: string; data: Buffer }[] {
  const out = [{ file, data }];
  const nested = (name: string, inner: Buffer) => out.push(...contents(`${file}!${name}`, inner));
  if (file.endsWith('.zip')) for (const e of zipEntries(data)) nested(e.name, e.data);
  if (file.endsWith('.html')) {
    const embedded = /data:application\/zip;base64,([A-Za-z0-9+/=]+)/.exec(data.toString('latin1'));
    if (embedded) for (const e of zipEntries(Buffer.from(embedded[1], 'base64'))) nested(e.name, e.data);
  }
  if (file.endsWith('.json')) {
    let i = 0;
    for (const m of data.toString('utf8').matchAll(/"body"\s*:\s*"([A-Za-z0-9+/]{16,}={0,2})"/g)) out.push({ file: `${file}#attachment-${++i}`, data: Buffer.from(m[1], 'base64') });
  }
  return out;
}

/** Every file under `root`, searched for every form of every value. */
export function scanForSecrets(root: string, secrets: SecretValue[]): Leak[] {
  const needles = secrets.flatMap((s) => secretForms(s.value).map((f) => ({ ...f, where: s.where, bytes: Buffer.from(f.text) })));
  const leaks: Leak[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
      });
  for (const path of walk(root)) {
    for (const { file, data } of contents(relative(root, path), readFileSync(path))) {
      for (const n of needles) if (data.includes(n.bytes)) leaks.push({ file, where: n.where, form: n.form });
    }
  }
  return leaks;
}
