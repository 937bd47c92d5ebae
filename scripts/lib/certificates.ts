// A small internal certificate authority, made with the openssl CLI: one CA, and server
// certificates signed by it. Idempotent: a key, once made, is kept for good; a certificate is
// reissued (with the same key) only when it is missing, does not match its key, was not issued
// by the CA, names other hosts, or expires within RENEW_BEFORE_DAYS.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CA_DAYS = 3650;
const LEAF_DAYS = 825;
const RENEW_BEFORE_DAYS = 30;

export type Outcome = 'created' | 'reissued' | 'kept' | 'foreign';

export interface CertificateAuthority {
  certFile: string;
  keyFile: string;
  outcome: Outcome;
}

export interface ServerCertificate {
  certFile: string;
  keyFile: string;
  /** DNS names for the subjectAltName; the first is also the common name. */
  dnsNames: string[];
}

function openssl(args: string[], input?: string): string {
  const result = spawnSync('openssl', args, { input, encoding: 'utf8' });
  if (result.error) throw new Error(`openssl: ${result.error.message} (is the openssl CLI installed?)`);
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Written beside the target and renamed over it, so a reader never sees half a file. */
function writeAtomically(path: string, content: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}

function readIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Like readIfPresent, but a key handed to a container's uid (chown) may be unreadable to us. */
function readKeyIfPresent(path: string): string | undefined | 'unreadable' {
  try {
    return readIfPresent(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EACCES') return 'unreadable';
    throw error;
  }
}

/** An existing key is never replaced; a missing one is an EC P-256 key, mode 0600. */
function ensureKey(keyFile: string): { pem: string; created: boolean } {
  const existing = readKeyIfPresent(keyFile);
  if (existing === 'unreadable') {
    throw new Error(`${keyFile}: cannot read it (owned by a container's uid?): run as root, or chown it back`);
  }
  if (existing !== undefined) return { pem: existing, created: false };
  const pem = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  writeAtomically(keyFile, pem, 0o600);
  return { pem, created: true };
}

function withConfig<T>(config: string, use: (configFile: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'booking-chat-openssl-'));
  try {
    const file = join(dir, 'openssl.cnf');
    writeFileSync(file, config, { mode: 0o600 });
    return use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A positive 127-bit serial, as openssl's -set_serial takes it. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return `0x${bytes.toString('hex')}`;
}

function expiresSoon(cert: X509Certificate): boolean {
  return new Date(cert.validTo).getTime() - Date.now() < RENEW_BEFORE_DAYS * 86_400_000;
}

function matchesKey(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** The subjectAltName DNS names of a certificate, sorted. */
export function dnsNamesOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4))
    .sort();
}

export function isIssuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

const REQ_CONFIG = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n';

export function ensureCertificateAuthority(dir: string, commonName: string): CertificateAuthority {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  const key = ensureKey(keyFile);
  const existing = readIfPresent(certFile);
  if (existing !== undefined && !key.created) {
    const cert = new X509Certificate(existing);
    if (cert.ca && matchesKey(cert, key.pem) && !expiresSoon(cert)) return { certFile, keyFile, outcome: 'kept' };
  }
  const config =
    REQ_CONFIG +
    '[v3_ca]\n' +
    'basicConstraints = critical,CA:TRUE,pathlen:0\n' +
    'keyUsage = critical,keyCertSign,cRLSign\n' +
    'subjectKeyIdentifier = hash\n';
  const pem = withConfig(config, (configFile) =>
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-sha256',
      '-days',
      String(CA_DAYS),
      '-set_serial',
      serial(),
      '-subj',
      `/CN=${commonName}`,
      '-config',
      configFile,
      '-extensions',
      'v3_ca',
    ]),
  );
  writeAtomically(certFile, pem, 0o644);
  return { certFile, keyFile, outcome: existing === undefined ? 'created' : 'reissued' };
}

export interface EnsureOptions {
  /**
   * Leave a certificate that the CA did not issue alone (`foreign`): one the operator put in
   * place, such as a public certificate from a real authority.
   */
  keepForeign?: boolean;
}

export function ensureServerCertificate(ca: CertificateAuthority, target: ServerCertificate, options: EnsureOptions = {}): Outcome {
  const caCert = new X509Certificate(readFileSync(ca.certFile));
  const wanted = [...new Set(target.dnsNames)].sort();
  const existing = readIfPresent(target.certFile);
  if (existing !== undefined) {
    const cert = new X509Certificate(existing);
    const ours = isIssuedBy(cert, caCert);
    if (!ours && options.keepForeign) return 'foreign';
    const keyPem = readKeyIfPresent(target.keyFile);
    if (
      ours &&
      keyPem !== undefined &&
      // A key we may no longer read was handed to its container; trust that it still matches.
      (keyPem === 'unreadable' || matchesKey(cert, keyPem)) &&
      !expiresSoon(cert) &&
      dnsNamesOf(cert).join() === wanted.join()
    ) {
      return 'kept';
    }
  }
  const key = ensureKey(target.keyFile);
  const config =
    REQ_CONFIG +
    '[v3_leaf]\n' +
    'basicConstraints = critical,CA:FALSE\n' +
    'keyUsage = critical,digitalSignature\n' +
    'extendedKeyUsage = serverAuth\n' +
    `subjectAltName = ${target.dnsNames.map((name) => `DNS:${name}`).join(',')}\n` +
    'subjectKeyIdentifier = hash\n' +
    'authorityKeyIdentifier = keyid,issuer\n';
  const pem = withConfig(config, (configFile) => {
    const request = openssl(['req', '-new', '-key', target.keyFile, '-subj', `/CN=${target.dnsNames[0]}`, '-config', configFile]);
    return openssl(
      [
        'x509',
        '-req',
        '-sha256',
        '-days',
        String(LEAF_DAYS),
        '-set_serial',
        serial(),
        '-CA',
        ca.certFile,
        '-CAkey',
        ca.keyFile,
        '-extfile',
        configFile,
        '-extensions',
        'v3_leaf',
      ],
      request,
    );
  });
  if (!matchesKey(new X509Certificate(pem), key.pem)) throw new Error(`${target.certFile}: issued for another key`);
  writeAtomically(target.certFile, pem, 0o644);
  return existing === undefined ? 'created' : 'reissued';
}
