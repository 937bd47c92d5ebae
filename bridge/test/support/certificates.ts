// A throwaway certificate authority and a server certificate for 127.0.0.1/localhost, made with
// openssl in a temporary folder (never committed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'bookingchat-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=booking-chat test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  const server = issueCertificate(dir, 'server', ['DNS:localhost', 'IP:127.0.0.1']);
  return { dir, caFile: file('ca.pem'), certFile: server.certFile, keyFile: server.keyFile, ca: readFileSync(file('ca.pem')) };
}

/** A server certificate for these names (`DNS:…`, `IP:…`), signed by the test CA in `dir`: `<name>.key` and `<name>.pem`. */
export function issueCertificate(dir: string, name: string, altNames: string[]): { keyFile: string; certFile: string } {
  const file = (suffix: string) => join(dir, `${name}.${suffix}`);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const commonName = altNames[0]!.replace(/^\w+:/, '');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`, '-keyout', file('key'), '-out', file('csr'));
  writeFileSync(file('ext'), `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('csr'),
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file('ext'),
    '-out',
    file('pem'),
  );
  return { keyFile: file('key'), certFile: file('pem') };
}
