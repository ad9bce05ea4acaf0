import { mkdirSync, writeFileSync } from 'node:fs';
import { tempDir } from './temp.ts';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { scanForSecrets, secretForms, zipEntries } from '../lib/report/secret-scan.ts';
import { selfSignedCertificate } from '../lib/cluster/tls.ts';

/** A zip with one deflated entry, laid out as the format says (local header, data, central directory, end record). */
function zip(name: string, content: string): Buffer {
  const data = deflateRawSync(Buffer.from(content));
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(n.length, 28);
  central.writeUInt32LE(0, 42);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(30 + n.length + data.length, 16);
  return Buffer.concat([local, n, data, central, n, end]);
}

test('secretForms: plain, JSON-escaped, base64 and each PEM body line; short forms are not searched', async () => {
  const { key } = await selfSignedCertificate('scan.test');
  const forms = secretForms(key).map((f) => f.form);
  expect(forms.slice(0, 3)).toEqual(['plain', 'JSON-escaped', 'base64']);
  expect(forms.filter((f) => f.startsWith('PEM body line')).length).toBeGreaterThan(10);
  expect(secretForms('s3cr3t-passw0rd').map((f) => f.form)).toEqual(['plain', 'base64']);
  expect(secretForms('root')).toEqual([]);
});

test('scanForSecrets: finds a value in a file, its base64 in another, a PEM line inside the HTML report\'s embedded zip; names the Secret, never the value', async () => {
  const { key } = await selfSignedCertificate('scan.test');
  const root = tempDir('scan-');
  mkdirSync(join(root, 'html'));
  writeFileSync(join(root, 'junit.xml'), '<testcase>password is s3cr3t-passw0rd</testcase>');
  writeFileSync(join(root, 'evidence.txt'), `token ${Buffer.from('tok-0123456789').toString('base64')}`);
  const reportJson = JSON.stringify({ error: `oops ${key.split('\n')[3]}` });
  writeFileSync(join(root, 'html', 'index.html'), `<script>window.playwrightReportBase64 = "data:application/zip;base64,${zip('report.json', reportJson).toString('base64')}";</script>`);
  writeFileSync(join(root, 'clean.txt'), 'nothing here');
  // A JSON report carries attachments as base64: a leak inside one is found once decoded.
  writeFileSync(join(root, 'report.json'), JSON.stringify({ attachments: [{ name: 'evidence.txt', body: Buffer.from(`## logs\nDB_PASSWORD=s3cr3t-passw0rd\n`).toString('base64') }] }));
  expect(zipEntries(zip('a.json', '{"x":1}'))).toEqual([{ name: 'a.json', data: Buffer.from('{"x":1}') }]);
  const leaks = scanForSecrets(root, [
    { where: 'luffy/db MYSQL_PASSWD', value: 's3cr3t-passw0rd' },
    { where: 't-1/api token', value: 'tok-0123456789' },
    { where: 'luffy/tls-myblog tls.key', value: key },
  ]);
  expect(leaks).toEqual([
    { file: 'evidence.txt', where: 't-1/api token', form: 'base64' },
    { file: 'html/index.html!report.json', where: 'luffy/tls-myblog tls.key', form: 'PEM body line 3' },
    { file: 'junit.xml', where: 'luffy/db MYSQL_PASSWD', form: 'plain' },
    { file: 'report.json#attachment-1', where: 'luffy/db MYSQL_PASSWD', form: 'plain' },
  ]);
  expect(JSON.stringify(leaks)).not.toContain('s3cr3t');
});
