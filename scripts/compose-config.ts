// Generates everything docker-compose.yml mounts from the git-ignored .local/ folder, and an env
// file with every variable it requires:
//
//   node scripts/compose-config.ts [--out DIR] [--server-name NAME] [--public-host HOST] ...
//   (npm run compose:config -- --server-name example.com ...)
//
//   .local/certs/internal/   ca.crt + ca.key (the internal CA) and NAME.crt + NAME.key for every
//                            internal certificate docker-compose.yml mounts
//   .local/certs/public/     fullchain.pem + privkey.pem for PUBLIC_HOST and MATRIX_HOST, signed
//                            by the internal CA until replaced by a real one (then left alone)
//   .local/compose/          homeserver.yaml, registration.yaml, .env, and the stored secrets
//                            (secrets.json, passwords.json)
//   .local/compose/workers/  with --synapse-workers N: one file per Synapse worker, and
//                            docker-compose.workers.yml beside .env (scripts/lib/compose-workers.ts)
//
// Idempotent: keys and secrets are made once and reused on every later run; certificates are
// reissued only when missing, expiring or naming other hosts. Settings (host names, JWT issuer,
// ...) come from the flags, else the environment, else the previous .env, else a default.
// docs/deployment.md, "Before the first `docker compose up`", tells the operator's side.
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { renderRegistration } from '../bridge/src/stack/registration.ts';
import { loadOrCreateSecrets, type LocalSecrets } from '../bridge/src/stack/secrets.ts';
import { renderTemplate } from '../bridge/src/stack/template.ts';
import { ensureCertificateAuthority, ensureServerCertificate, type Outcome } from './lib/certificates.ts';
import { composeWorkers, type ComposeService, type ComposeWorkers } from './lib/compose-workers.ts';

const ROOT = join(import.meta.dirname, '..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const HOMESERVER_TEMPLATE = join(ROOT, 'synapse-config', 'homeserver.compose.yaml.template');
/** docker-compose.yml mounts these from ./.local/; --out replaces that folder. */
const LOCAL_PREFIX = './.local/';
/** The uids of the containers that read a file as themselves (docs/deployment.md). */
const SYNAPSE_UID = 991;
const BRIDGE_UID = 1000;
/** The Compose override with the Synapse workers, in .local/compose/. */
const WORKERS_OVERRIDE = 'docker-compose.workers.yml';

interface ComposeFile {
  services: Record<string, ComposeService>;
}

// ---------------------------------------------------------------- the compose file

const composeText = readFileSync(COMPOSE_FILE, 'utf8');
const compose = parseYaml(composeText, { merge: true }) as ComposeFile;

/** Every `${NAME...}` of the compose file ($$ escapes excluded), in order, with whether it is required. */
function composeVariables(): Map<string, boolean> {
  const variables = new Map<string, boolean>();
  for (const match of composeText.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)(:?[-?])?/g)) {
    const name = match[1]!;
    const required = (match[2] ?? '').endsWith('?');
    variables.set(name, (variables.get(name) ?? false) || required);
  }
  return variables;
}

/** Host paths (relative to .local/) that the services bind-mount, with the services mounting each. */
function localMounts(services: Record<string, ComposeService>): Map<string, string[]> {
  const mounts = new Map<string, string[]>();
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0] ?? '';
      if (!source.startsWith(LOCAL_PREFIX)) continue;
      const relative = source.slice(LOCAL_PREFIX.length);
      mounts.set(relative, [...(mounts.get(relative) ?? []), name]);
    }
  }
  return mounts;
}

function bridgeEnvironment(): Record<string, string> {
  const bridge = compose.services['bridge-1'];
  if (!bridge) throw new Error('docker-compose.yml: no bridge-1 service');
  return Object.fromEntries(Object.entries(bridge.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
}

// ---------------------------------------------------------------- settings

const SERVER_NAME = /^[a-z0-9.-]+(:\d+)?$/;
const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

interface Setting {
  flag?: string;
  description: string;
  fallback?: (settings: Record<string, string>) => string;
  check?: (value: string) => string | undefined;
}

const matches = (pattern: RegExp, what: string) => (value: string) => (pattern.test(value) ? undefined : `expected ${what}`);

/** Non-secret settings, in the order their fallbacks need them. */
const SETTINGS: Record<string, Setting> = {
  SYNAPSE_SERVER_NAME: {
    flag: 'server-name',
    description: 'the Matrix server name',
    fallback: () => 'booking-chat.localhost',
    check: matches(SERVER_NAME, 'a DNS name, optionally with a port'),
  },
  PUBLIC_HOST: {
    flag: 'public-host',
    description: 'public DNS name of the chat API',
    fallback: (s) => `chat.${s.SYNAPSE_SERVER_NAME!.replace(/:\d+$/, '')}`,
    check: matches(DNS_NAME, 'a DNS name'),
  },
  MATRIX_HOST: {
    flag: 'matrix-host',
    description: "public DNS name of Synapse's client API (Element)",
    fallback: (s) => `matrix.${s.SYNAPSE_SERVER_NAME!.replace(/:\d+$/, '')}`,
    check: matches(DNS_NAME, 'a DNS name'),
  },
  ALLOWED_ORIGINS: {
    flag: 'allowed-origins',
    description: 'web app origins, comma-separated',
    fallback: (s) => `https://${s.PUBLIC_HOST}`,
  },
  JWT_ISSUER: { flag: 'jwt-issuer', description: "the app tokens' iss", fallback: () => 'booking-chat' },
  JWT_AUDIENCE: { flag: 'jwt-audience', description: "the app tokens' aud", fallback: () => 'booking-chat' },
  JWT_JWKS_URL: {
    flag: 'jwt-jwks-url',
    description: "the auth service's JWKS URL (instead of JWT_SECRET)",
    check: matches(/^https:\/\/\S+$/, 'an https URL'),
  },
  RETENTION_DAYS: {
    flag: 'retention-days',
    description: "Synapse's message retention in days",
    fallback: () => '365',
    check: matches(/^[1-9]\d{0,4}$/, 'a number of days'),
  },
  SYNAPSE_WORKERS: {
    flag: 'synapse-workers',
    description: 'Synapse event persisters besides the main process (0: one process)',
    fallback: () => '0',
    check: matches(/^(\d|1[0-6])$/, 'a number from 0 to 16'),
  },
  LOG_LEVEL: { description: "the bridges' log level" },
  BRIDGE_IMAGE_TAG: { description: "the bridge image's tag" },
};

/** `#   NAME=value` lines of the env file: the defaults of the run that wrote it. */
const DEFAULT_LINE = /^# {3}([A-Z][A-Z0-9_]*)=(.*)$/gm;

/** Values written into the env file: no quoting needed for these, single quotes for the rest. */
const PLAIN_VALUE = /^[A-Za-z0-9_.,:/@+=%-]*$/;

function envLine(name: string, value: string): string {
  if (PLAIN_VALUE.test(value)) return `${name}=${value}`;
  if (/['\n\r]/.test(value)) throw new Error(`${name}: a value with a quote or a line break cannot go into the env file`);
  return `${name}='${value}'`;
}

// ---------------------------------------------------------------- secrets

const SECRET_VARIABLES: Record<string, keyof LocalSecrets> = {
  AS_TOKEN: 'asToken',
  HS_TOKEN: 'hsToken',
  JWT_SECRET: 'jwtSecret',
  SERVICE_TOKEN: 'serviceToken',
};

interface ComposePasswords {
  synapseDbPassword: string;
  bridgeDbPassword: string;
  redisPassword: string;
}

const PASSWORD_VARIABLES: Record<string, keyof ComposePasswords> = {
  SYNAPSE_DB_PASSWORD: 'synapseDbPassword',
  BRIDGE_DB_PASSWORD: 'bridgeDbPassword',
  REDIS_PASSWORD: 'redisPassword',
};

const warnings: string[] = [];

function readJson(path: string): Record<string, string> {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
}

/**
 * A secret set in the environment is taken when none is stored yet (an operator bringing the
 * auth service's JWT_SECRET, say); a stored one is never replaced.
 */
function seedFromEnvironment(path: string, variables: Record<string, string>, check?: RegExp): void {
  const stored = readJson(path);
  let seeded = false;
  for (const [variable, key] of Object.entries(variables)) {
    const fromEnv = process.env[variable];
    if (!fromEnv) continue;
    if (check && !check.test(fromEnv)) throw new Error(`${variable}: must match ${check} (it ends up inside a URL)`);
    if (stored[key] === undefined) {
      stored[key] = fromEnv;
      seeded = true;
    } else if (stored[key] !== fromEnv) {
      warnings.push(`${variable} in the environment differs from the stored one in ${path}; the stored one is kept`);
    }
  }
  if (seeded) writeAtomically(path, `${JSON.stringify(stored, null, 2)}\n`, 0o600);
}

function loadOrCreatePasswords(dir: string): ComposePasswords {
  const path = join(dir, 'passwords.json');
  seedFromEnvironment(path, PASSWORD_VARIABLES, /^[A-Za-z0-9._~-]{16,}$/);
  const stored = readJson(path) as Partial<ComposePasswords>;
  const names = Object.values(PASSWORD_VARIABLES);
  // Hex: the passwords end up inside DATABASE_URL and REDIS_URL.
  const passwords = Object.fromEntries(
    names.map((name) => [name, stored[name] ?? randomBytes(32).toString('hex')]),
  ) as unknown as ComposePasswords;
  if (names.some((name) => stored[name] === undefined)) {
    writeAtomically(path, `${JSON.stringify(passwords, null, 2)}\n`, 0o600);
  }
  return passwords;
}

// ---------------------------------------------------------------- files

function writeAtomically(path: string, content: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}

/** Writes only when the content differs, so a re-run leaves files (and their owners) alone. */
function writeIfChanged(path: string, content: string, mode: number): 'created' | 'updated' | 'kept' {
  if (!existsSync(path)) {
    writeAtomically(path, content, mode);
    return 'created';
  }
  let existing: string | undefined;
  try {
    existing = readFileSync(path, 'utf8');
  } catch (error) {
    // Handed to a container's uid and unreadable to us: write it anew (the ownership note follows).
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
  }
  if (existing === content) return 'kept';
  writeAtomically(path, content, mode);
  return 'updated';
}

/**
 * The worker files and the Compose override with workers; without, removes any an earlier run
 * with more workers left (a stale override would start workers Synapse's config no longer names).
 * Returns the worker files written.
 */
function writeWorkerFiles(composeDir: string, workers: ComposeWorkers | undefined, report: string[]): string[] {
  const dir = join(composeDir, 'workers');
  const override = join(composeDir, WORKERS_OVERRIDE);
  const wanted = workers?.workerFiles ?? new Map<string, unknown>();
  for (const stale of existsSync(dir) ? readdirSync(dir).filter((file) => !wanted.has(file)) : []) {
    rmSync(join(dir, stale));
    report.push(`${'removed'.padEnd(8)} ${join(dir, stale)}`);
  }
  if (!workers) {
    if (existsSync(override)) {
      rmSync(override);
      report.push(`${'removed'.padEnd(8)} ${override}`);
    }
    return [];
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  for (const [file, content] of workers.workerFiles) {
    const path = join(dir, file);
    report.push(`${writeIfChanged(path, stringifyYaml(content), 0o600).padEnd(8)} ${path}`);
    written.push(path);
  }
  const header =
    '# Synapse workers, written by `npm run compose:config -- --synapse-workers N`: use it over\n' +
    '# docker-compose.yml (docker compose -f docker-compose.yml -f THIS_FILE ...); docs/deployment.md.\n';
  report.push(
    `${writeIfChanged(override, header + stringifyYaml(workers.override, { aliasDuplicateObjects: false }), 0o644).padEnd(8)} ${override}`,
  );
  return written;
}

// ---------------------------------------------------------------- main

function main(): void {
  const { values: flags } = parseArgs({
    options: {
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(
        Object.values(SETTINGS)
          .filter((s) => s.flag)
          .map((s) => [s.flag!, { type: 'string' as const }]),
      ),
    },
    strict: true,
  });
  if (flags.help) {
    const lines = Object.entries(SETTINGS).map(
      ([name, s]) => `  ${s.flag ? `--${s.flag} VALUE`.padEnd(26) : ''.padEnd(26)}${name}: ${s.description}`,
    );
    console.log(
      `usage: node scripts/compose-config.ts [--out DIR] [settings]\n` +
        `  --out DIR                 where to write (default: the repository's .local)\n` +
        `${lines.join('\n')}\n` +
        `Each setting comes from its flag, else the environment variable, else the previous .env, else a default.`,
    );
    return;
  }

  const out = resolve(typeof flags.out === 'string' ? flags.out : join(ROOT, '.local'));
  const composeDir = join(out, 'compose');
  const internalDir = join(out, 'certs', 'internal');
  const publicDir = join(out, 'certs', 'public');
  mkdirSync(composeDir, { recursive: true, mode: 0o700 });
  mkdirSync(internalDir, { recursive: true, mode: 0o755 });
  mkdirSync(publicDir, { recursive: true, mode: 0o755 });
  const envFile = join(composeDir, '.env');

  // Settings: flag, else environment, else the previous .env, else the fallback.
  const previousText = existsSync(envFile) ? readFileSync(envFile, 'utf8') : '';
  const previous = parseEnv(previousText);
  // A previous value that is still the default it was then is not a choice: recompute it (a new
  // --server-name moves the derived host names along).
  for (const [, name, value] of previousText.matchAll(DEFAULT_LINE)) {
    if (previous[name!] === value) delete previous[name!];
  }
  const settings: Record<string, string> = {};
  const defaulted: string[] = [];
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const flag = setting.flag ? (flags as Record<string, unknown>)[setting.flag] : undefined;
    let value = typeof flag === 'string' ? flag : process.env[name] || previous[name] || undefined;
    if (value === undefined && setting.fallback) {
      value = setting.fallback(settings);
      defaulted.push(`${name}=${value}`);
    }
    if (value === undefined) continue;
    const problem = setting.check?.(value);
    if (problem) throw new Error(`${name}=${value}: ${problem}`);
    settings[name] = value;
  }

  // Secrets, made once.
  seedFromEnvironment(join(composeDir, 'secrets.json'), SECRET_VARIABLES);
  const secrets = loadOrCreateSecrets(composeDir);
  const passwords = loadOrCreatePasswords(composeDir);

  let homeserver = renderTemplate(HOMESERVER_TEMPLATE, {
    SERVER_NAME: settings.SYNAPSE_SERVER_NAME!,
    PUBLIC_BASEURL: `https://${settings.MATRIX_HOST}/`,
    SYNAPSE_DB_PASSWORD: passwords.synapseDbPassword,
    REGISTRATION_SHARED_SECRET: secrets.registrationSharedSecret,
    MACAROON_SECRET_KEY: secrets.macaroonSecretKey,
    FORM_SECRET: secrets.formSecret,
    RETENTION_DAYS: settings.RETENTION_DAYS!,
  });
  const homeserverConfig = parseYaml(homeserver) as Record<string, unknown>; // fails here, not in the container, if a value broke the YAML
  // Synapse workers: the shared settings join homeserver.yaml, and their services mount files too.
  const workerCount = Number(settings.SYNAPSE_WORKERS);
  const workers =
    workerCount > 0
      ? composeWorkers(workerCount, compose.services, homeserverConfig.listeners as unknown[], {
          redisPassword: passwords.redisPassword,
          replicationSecret: secrets.replicationSecret,
        })
      : undefined;
  const services = { ...compose.services };
  if (workers) {
    // Re-rendered whole, so that the shared listeners replace the template's one listener.
    homeserver = `# Generated from synapse-config/homeserver.compose.yaml.template with --synapse-workers ${workerCount} (scripts/compose-config.ts).\n${stringifyYaml({ ...homeserverConfig, ...workers.shared })}`;
    for (const [name, service] of Object.entries(workers.override.services)) services[name] ??= service;
  }

  // Certificates: every internal one the services mount, named for the services mounting it.
  const mounts = localMounts(services);
  const report: string[] = [];
  const ca = ensureCertificateAuthority(internalDir, 'booking-chat internal CA');
  report.push(`${ca.outcome.padEnd(8)} ${ca.certFile}`);
  for (const [path, services] of mounts) {
    const match = /^certs\/internal\/([a-z0-9-]+)\.crt$/.exec(path);
    if (!match || match[1] === 'ca') continue;
    const name = match[1]!;
    // `localhost` too: the healthchecks call their own container by it.
    const outcome = ensureServerCertificate(ca, {
      certFile: join(internalDir, `${name}.crt`),
      keyFile: join(internalDir, `${name}.key`),
      dnsNames: [...services.sort(), 'localhost'],
    });
    report.push(`${outcome.padEnd(8)} ${join(internalDir, `${name}.crt`)} (${services.join(', ')}, localhost)`);
  }
  const publicOutcome: Outcome = ensureServerCertificate(
    ca,
    {
      certFile: join(publicDir, 'fullchain.pem'),
      keyFile: join(publicDir, 'privkey.pem'),
      dnsNames: [settings.PUBLIC_HOST!, settings.MATRIX_HOST!],
    },
    { keepForeign: true },
  );
  report.push(
    `${publicOutcome.padEnd(8)} ${join(publicDir, 'fullchain.pem')}` +
      (publicOutcome === 'foreign' ? ' (not issued by the internal CA: left as it is)' : ' (internal CA: replace with a public one)'),
  );

  // The appservice registration Synapse reads: the bridges' APPSERVICE_URL and tokens.
  const bridgeEnv = bridgeEnvironment();
  const registration = renderRegistration({
    appserviceUrl: bridgeEnv.APPSERVICE_URL ?? 'https://proxy:9000',
    asToken: secrets.asToken,
    hsToken: secrets.hsToken,
    botLocalpart: bridgeEnv.BOT_LOCALPART || 'bookingchat',
    serverName: settings.SYNAPSE_SERVER_NAME!,
  });
  const registrationFile = join(composeDir, 'registration.yaml');
  report.push(`${writeIfChanged(registrationFile, registration.yaml, 0o600).padEnd(8)} ${registrationFile}`);

  const homeserverFile = join(composeDir, 'homeserver.yaml');
  report.push(`${writeIfChanged(homeserverFile, homeserver, 0o600).padEnd(8)} ${homeserverFile}`);
  const workerFiles = writeWorkerFiles(composeDir, workers, report);

  // The env file: every variable docker-compose.yml names that has a value.
  const values: Record<string, string> = { ...settings };
  for (const [variable, key] of Object.entries(SECRET_VARIABLES)) values[variable] = secrets[key];
  for (const [variable, key] of Object.entries(PASSWORD_VARIABLES)) values[variable] = passwords[key];
  // The bridge prefers the JWKS URL; leave the shared secret out rather than hold two.
  if (settings.JWT_JWKS_URL) values.JWT_SECRET = '';
  const lines = [
    '# docker compose --env-file .local/compose/.env up -d   (from the repository root)',
    '# Written by `npm run compose:config`, rewritten on every run: change settings with its flags or',
    '# environment (or here; the next run keeps them). Secrets come from secrets.json and',
    '# passwords.json beside this file, which are never regenerated; change them there.',
  ];
  const missing: string[] = [];
  for (const [name, required] of composeVariables()) {
    const value = values[name] ?? process.env[name] ?? previous[name];
    if (value === undefined || (required && value === '')) {
      if (required) missing.push(name);
      continue;
    }
    lines.push(envLine(name, value));
  }
  if (missing.length > 0) throw new Error(`no value for ${missing.join(', ')}, which docker-compose.yml requires`);
  lines.push(
    "# Not read by docker-compose.yml: Synapse's retention, written into homeserver.yaml, and its",
    '# workers (docker-compose.workers.yml beside this file when above 0).',
    envLine('RETENTION_DAYS', settings.RETENTION_DAYS!),
    envLine('SYNAPSE_WORKERS', settings.SYNAPSE_WORKERS!),
  );
  if (defaulted.length > 0) {
    lines.push('# Defaults; the next run recomputes them unless changed above:', ...defaulted.map((d) => `#   ${d}`));
  }
  report.push(`${writeIfChanged(envFile, `${lines.join('\n')}\n`, 0o600).padEnd(8)} ${envFile}`);

  // Every file docker-compose.yml mounts from .local/ is now in place.
  const absent = [...mounts.keys()].filter((path) => !existsSync(join(out, path)));
  if (absent.length > 0) throw new Error(`still missing, though docker-compose.yml mounts them: ${absent.join(', ')}`);

  // Files a container reads as its own non-root uid.
  const owners: [string, number][] = [
    [homeserverFile, SYNAPSE_UID],
    [registrationFile, SYNAPSE_UID],
    ...workerFiles.map((path): [string, number] => [path, SYNAPSE_UID]),
    [join(internalDir, 'synapse.key'), SYNAPSE_UID],
    [join(internalDir, 'bridge.key'), BRIDGE_UID],
  ];
  const toChown: string[] = [];
  for (const [path, uid] of owners) {
    if (statSync(path).uid === uid) continue;
    if (process.getuid?.() === 0) chownSync(path, uid, uid);
    else toChown.push(`sudo chown ${uid}:${uid} ${path}`);
  }

  console.log(report.join('\n'));
  if (defaulted.length > 0) {
    console.log(`\nDefaults used (set them with flags or the environment and run again):\n  ${defaulted.join('\n  ')}`);
  }
  if (toChown.length > 0) {
    console.log(
      '\nSynapse (uid 991) and the bridges (uid 1000) read these as themselves, and they are mode 0600:\n  ' + toChown.join('\n  '),
    );
  }
  for (const warning of warnings) console.warn(`warning: ${warning}`);
  const overrideFlags = workers ? `-f docker-compose.yml -f ${join(composeDir, WORKERS_OVERRIDE)} ` : '';
  console.log(`\nThen, from ${ROOT}:\n  docker compose ${overrideFlags}--env-file ${envFile} up -d`);
}

try {
  main();
} catch (error) {
  console.error(`compose-config: ${(error as Error).message}`);
  process.exit(1);
}
