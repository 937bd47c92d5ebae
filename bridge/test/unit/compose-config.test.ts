// scripts/compose-config.ts (`npm run compose:config`) generates everything docker-compose.yml
// mounts from .local/, and an env file with every variable it requires. This runs it into a
// temporary folder and holds the result against docker-compose.yml itself, the bridge's config
// loader, Synapse's template for the bundled homeserver, and openssl.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { renderTemplate } from '../../src/stack/template.ts';
import { composeSpecErrors } from '../support/compose-spec.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'compose-config.ts');

interface Service {
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  ports?: unknown[];
  entrypoint?: string[];
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };

/** Every variable the generator reads, so that the caller's environment cannot leak in. */
const SETTINGS = [
  'SYNAPSE_SERVER_NAME',
  'PUBLIC_HOST',
  'MATRIX_HOST',
  'ALLOWED_ORIGINS',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_JWKS_URL',
  'JWT_SECRET',
  'RETENTION_DAYS',
  'LOG_LEVEL',
  'BRIDGE_IMAGE_TAG',
  'AS_TOKEN',
  'HS_TOKEN',
  'SERVICE_TOKEN',
  'SYNAPSE_DB_PASSWORD',
  'BRIDGE_DB_PASSWORD',
  'REDIS_PASSWORD',
  'SYNAPSE_WORKERS',
];

function run(out: string, extraEnv: Record<string, string> = {}, args: string[] = []): string {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  for (const name of SETTINGS) if (!(name in extraEnv)) delete env[name];
  const result = spawnSync(process.execPath, [SCRIPT, '--out', out, ...args], { env, encoding: 'utf8' });
  expect(result.stderr, 'compose-config stderr').toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

/** Host sources under ./.local/ mounted by the services (docker-compose.yml's), and their targets, per service. */
function localMounts(services: Record<string, Service> = compose.services): { service: string; source: string; target: string }[] {
  return Object.entries(services).flatMap(([service, svc]) =>
    (svc.volumes ?? [])
      .map((volume) => volume.split(':'))
      .filter(([source]) => source?.startsWith('./.local/'))
      .map(([source, target]) => ({ service, source: source!.slice('./.local/'.length), target: target! })),
  );
}

/** Compose's own interpolation, for the forms docker-compose.yml uses. */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Z][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind?: string, rest?: string) => {
    const found = env[name];
    if (found) return found;
    if (kind === '?') throw new Error(`${name} is required: ${rest}`);
    return kind === '-' ? (rest ?? '') : '';
  });
}

/** Every file under a folder, relative path → content. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), readFileSync(path, 'utf8'));
  }
  return files;
}

const SERVER_NAME = 'chat-test.example.org';
const PUBLIC_HOST = 'api.chat-test.example.org';

describe('npm run compose:config', () => {
  let out: string;
  let env: Record<string, string | undefined>;
  let homeserver: Record<string, any>;
  let registration: Record<string, any>;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'booking-chat-compose-'));
    run(out, { SYNAPSE_SERVER_NAME: SERVER_NAME }, ['--public-host', PUBLIC_HOST]);
    env = parseEnv(readFileSync(join(out, 'compose', '.env'), 'utf8'));
    homeserver = parse(readFileSync(join(out, 'compose', 'homeserver.yaml'), 'utf8'));
    registration = parse(readFileSync(join(out, 'compose', 'registration.yaml'), 'utf8'));
  });

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('makes every file docker-compose.yml mounts from .local/', () => {
    const mounts = localMounts();
    expect(mounts.length).toBeGreaterThan(10);
    for (const { service, source } of mounts) {
      expect(statSync(join(out, source)).isFile(), `${service}: ${source}`).toBe(true);
    }
  });

  it('defines every variable docker-compose.yml requires, in the env file', () => {
    const required = [...composeText.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*):\?/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(5);
    for (const name of required) expect(env[name], name).toMatch(/\S/);
    expect(env.SYNAPSE_SERVER_NAME).toBe(SERVER_NAME);
    expect(env.PUBLIC_HOST).toBe(PUBLIC_HOST);
    expect(env.MATRIX_HOST).toBe(`matrix.${SERVER_NAME}`);
    expect(env.JWT_SECRET || env.JWT_JWKS_URL).toBeTruthy();
  });

  it('gives the bridges an environment their configuration accepts', () => {
    const raw = compose.services['bridge-1']?.environment ?? {};
    const bridgeEnv = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v ?? ''), env)]));
    const config = loadConfig(bridgeEnv);
    expect(config.env).toBe('production');
    expect(config.synapse.serverName).toBe(SERVER_NAME);
    expect(config.publicUrl).toBe(`https://${PUBLIC_HOST}`);
    // The passwords survive the trip through the URLs unchanged.
    expect(decodeURIComponent(new URL(config.databaseUrl!).password)).toBe(env.BRIDGE_DB_PASSWORD);
    expect(decodeURIComponent(new URL(config.redisUrl!).password)).toBe(env.REDIS_PASSWORD);
  });

  it("writes Synapse's homeserver.yaml for the container: TLS listener, PostgreSQL over verify-full, the registration", () => {
    const synapseMounts = new Map(
      localMounts()
        .filter((m) => m.service === 'synapse')
        .map((m) => [m.target, m.source]),
    );
    expect(homeserver.server_name).toBe(SERVER_NAME);
    expect(homeserver.public_baseurl).toBe(`https://matrix.${SERVER_NAME}/`);
    expect(homeserver.listeners).toEqual([expect.objectContaining({ port: 8448, tls: true, x_forwarded: true, type: 'http' })]);
    expect(homeserver.listeners[0].resources.flatMap((r: { names: string[] }) => r.names)).toContain('client');
    expect(synapseMounts.get(homeserver.tls_certificate_path)).toBe('certs/internal/synapse.crt');
    expect(synapseMounts.get(homeserver.tls_private_key_path)).toBe('certs/internal/synapse.key');

    const postgres = compose.services.postgres?.environment ?? {};
    expect(homeserver.database.name).toBe('psycopg2');
    expect(homeserver.database.args).toMatchObject({
      host: 'postgres',
      user: postgres.POSTGRES_USER,
      dbname: postgres.POSTGRES_DB,
      password: env.SYNAPSE_DB_PASSWORD,
      sslmode: 'verify-full',
    });
    expect(synapseMounts.get(homeserver.database.args.sslrootcert)).toBe('certs/internal/ca.crt');

    expect(homeserver.app_service_config_files).toEqual(['/config/registration.yaml']);
    expect(synapseMounts.get('/config/registration.yaml')).toBe('compose/registration.yaml');
    expect(synapseMounts.get(compose.services.synapse?.environment?.SYNAPSE_CONFIG_PATH as string)).toBe('compose/homeserver.yaml');
    expect(homeserver.signing_key_path).toMatch(/^\/data\//);
    expect(homeserver.media_store_path).toMatch(/^\/data\//);
    expect(homeserver.retention.default_policy.max_lifetime).toBe('365d');
  });

  it('keeps the shared settings of the two homeserver templates together', () => {
    const values = {
      SERVER_NAME,
      PUBLIC_BASEURL: 'https://x/',
      DATA_DIR: '/d',
      PORT: 8008,
      BIND_ADDRESS: '127.0.0.1',
      DATABASE: '  name: sqlite3',
      REGISTRATION_SHARED_SECRET: 'r',
      MACAROON_SECRET_KEY: 'm',
      FORM_SECRET: 'f',
      REGISTRATION_FILE: '/r.yaml',
      RETENTION_DAYS: 365,
      SYNAPSE_DB_PASSWORD: 'p',
    };
    const specific = [
      'pid_file',
      'listeners',
      'tls_certificate_path',
      'tls_private_key_path',
      'database',
      'log_config',
      'media_store_path',
      'signing_key_path',
      'app_service_config_files',
    ];
    const shared = (template: string) => {
      const config = parse(renderTemplate(join(ROOT, 'synapse-config', template), values)) as Record<string, unknown>;
      for (const key of specific) delete config[key];
      return config;
    };
    expect(shared('homeserver.compose.yaml.template')).toEqual(shared('homeserver.yaml.template'));
  });

  it("writes the registration with the bridges' APPSERVICE_URL and tokens", () => {
    expect(registration.url).toBe(compose.services['bridge-1']?.environment?.APPSERVICE_URL);
    expect(registration.url).toBe('https://proxy:9000');
    expect(registration.as_token).toBe(env.AS_TOKEN);
    expect(registration.hs_token).toBe(env.HS_TOKEN);
    const regex = new RegExp(registration.namespaces.users[0].regex);
    expect(regex.test(`@app_guest1:${SERVER_NAME}`)).toBe(true);
    expect(regex.test(`@app_guest1:${SERVER_NAME}.evil`)).toBe(false);
  });

  it('issues the certificates from the internal CA, for the names each is used under', () => {
    const internal = join(out, 'certs', 'internal');
    const expected: [string, string[]][] = [
      [join(internal, 'postgres.crt'), ['postgres']],
      [join(internal, 'redis.crt'), ['redis']],
      [join(internal, 'synapse.crt'), ['synapse']],
      [join(internal, 'proxy.crt'), ['proxy']],
      [join(internal, 'bridge.crt'), ['bridge-1', 'bridge-2', 'localhost']],
      [join(out, 'certs', 'public', 'fullchain.pem'), [PUBLIC_HOST, `matrix.${SERVER_NAME}`]],
    ];
    const caFile = join(internal, 'ca.crt');
    const verified = execFileSync('openssl', ['verify', '-CAfile', caFile, ...expected.map(([file]) => file)], {
      encoding: 'utf8',
    });
    expect(verified.trim().split('\n')).toEqual(expected.map(([file]) => `${file}: OK`));
    for (const [file, names] of expected) {
      const cert = new X509Certificate(readFileSync(file));
      const sans = (cert.subjectAltName ?? '').split(', ').map((entry) => entry.replace(/^DNS:/, ''));
      for (const name of names) expect(sans, file).toContain(name);
      const keyFile = file.endsWith('fullchain.pem') ? file.replace('fullchain.pem', 'privkey.pem') : file.replace(/\.crt$/, '.key');
      expect(cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile))), keyFile).toBe(true);
      expect(statSync(file).mode & 0o777, file).toBe(0o644);
      expect(statSync(keyFile).mode & 0o777, keyFile).toBe(0o600);
    }
    expect(new X509Certificate(readFileSync(caFile)).ca).toBe(true);
  });

  it('keeps secret files private', () => {
    for (const file of ['.env', 'homeserver.yaml', 'registration.yaml', 'secrets.json', 'passwords.json']) {
      expect(statSync(join(out, 'compose', file)).mode & 0o077, file).toBe(0);
    }
    expect(statSync(join(out, 'certs', 'internal', 'ca.key')).mode & 0o077).toBe(0);
  });

  it('changes nothing when run again: no new secret, key or certificate', () => {
    const before = snapshot(out);
    // No settings this time: they come back from the previous .env.
    run(out);
    expect(snapshot(out)).toEqual(before);
  });
});

describe('npm run compose:config -- --synapse-workers 2', () => {
  let out: string;
  let env: Record<string, string | undefined>;
  let homeserver: Record<string, any>;
  let override: { services: Record<string, Service> };
  const workerFile = (name: string) => parse(readFileSync(join(out, 'compose', 'workers', `${name}.yaml`), 'utf8'));
  const WORKERS = ['synapse-persister1', 'synapse-persister2', 'synapse-appservice1'];

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'booking-chat-compose-workers-'));
    run(out, { SYNAPSE_SERVER_NAME: SERVER_NAME }, ['--synapse-workers', '2']);
    env = parseEnv(readFileSync(join(out, 'compose', '.env'), 'utf8'));
    homeserver = parse(readFileSync(join(out, 'compose', 'homeserver.yaml'), 'utf8'));
    override = parse(readFileSync(join(out, 'compose', 'docker-compose.workers.yml'), 'utf8'));
  });

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes a valid Compose override with a service per worker: no published port, a healthcheck on its own name', () => {
    expect(composeSpecErrors(override)).toBe('');
    const added = Object.keys(override.services).filter((name) => !compose.services[name]);
    expect(added.sort()).toEqual([...WORKERS].sort());
    const synapse = compose.services.synapse as Service & { image: string };
    for (const name of WORKERS) {
      const svc = override.services[name] as Service & { image: string; networks: string[] };
      expect(svc.image, name).toBe(synapse.image);
      expect(svc.ports, name).toBeUndefined();
      expect(svc.networks, name).toEqual(['backend']);
      expect(svc.entrypoint, name).toEqual(
        expect.arrayContaining(['synapse.app.generic_worker', '/config/homeserver.yaml', '/config/worker.yaml']),
      );
      expect(svc.healthcheck?.test?.join(' '), name).toContain(`https://${name}:8448/health`);
      expect(svc.depends_on?.synapse?.condition, name).toBe('service_healthy');
      // The signing key is read from main's volume, never written.
      expect(svc.volumes, name).toContain('synapse_data:/data:ro');
    }
    for (const { service, source } of localMounts(override.services)) {
      expect(statSync(join(out, source)).isFile(), `${service}: ${source}`).toBe(true);
    }
  });

  it("writes each worker's config: its worker_app and name, TLS listeners", () => {
    for (const [name, resources] of [
      ['persister1', ['client', 'replication']],
      ['persister2', ['client', 'replication']],
      ['appservice1', ['health']],
    ] as const) {
      const worker = workerFile(name);
      expect(worker.worker_app).toBe('synapse.app.generic_worker');
      expect(worker.worker_name).toBe(name);
      const listeners = worker.worker_listeners as { tls: boolean; resources: { names: string[] }[] }[];
      expect(listeners.flatMap((l) => l.resources.flatMap((r) => r.names))).toEqual(resources);
      for (const listener of listeners) expect(listener.tls, name).toBe(true);
      const mounted = localMounts(override.services).find((m) => m.service === `synapse-${name}` && m.target === '/config/worker.yaml');
      expect(mounted?.source).toBe(`compose/workers/${name}.yaml`);
    }
  });

  it('gives homeserver.yaml the shared settings: instance_map by service name over TLS, stream_writers, Redis, one replication secret', () => {
    expect(homeserver.stream_writers).toEqual({ events: ['persister1', 'persister2'] });
    expect(homeserver.notify_appservices_from_worker).toBe('appservice1');
    expect(homeserver.instance_map).toEqual({
      main: { host: 'synapse', port: 9093, tls: true },
      persister1: { host: 'synapse-persister1', port: 9093, tls: true },
      persister2: { host: 'synapse-persister2', port: 9093, tls: true },
    });
    // Each writer listens for replication where instance_map says, over TLS.
    const replicationPorts = (listeners: { port: number; tls: boolean; resources: { names: string[] }[] }[]) =>
      listeners.filter((l) => l.tls && l.resources.some((r) => r.names.includes('replication'))).map((l) => l.port);
    expect(replicationPorts(homeserver.listeners)).toEqual([9093]);
    expect(replicationPorts(workerFile('persister1').worker_listeners)).toEqual([9093]);
    expect(homeserver.listeners[0]).toMatchObject({ port: 8448, tls: true, x_forwarded: true });

    expect(homeserver.redis).toMatchObject({ enabled: true, host: 'redis', port: 6379, use_tls: true, password: env.REDIS_PASSWORD });
    const secrets = JSON.parse(readFileSync(join(out, 'compose', 'secrets.json'), 'utf8')) as Record<string, string>;
    expect(homeserver.worker_replication_secret).toBe(secrets.replicationSecret);
    // Shared: every process reads the same homeserver.yaml and certificates.
    for (const name of ['synapse', ...WORKERS]) {
      const mounts = localMounts({ [name]: { ...compose.services[name], ...override.services[name] } });
      expect(mounts.find((m) => m.target === '/config/homeserver.yaml')?.source, name).toBe('compose/homeserver.yaml');
      expect(mounts.find((m) => m.target === homeserver.redis.ca_file)?.source, name).toBe('certs/internal/ca.crt');
      expect(mounts.find((m) => m.target === homeserver.tls_certificate_path)?.source, name).toBe('certs/internal/synapse.crt');
    }
    const sans = new X509Certificate(readFileSync(join(out, 'certs', 'internal', 'synapse.crt'))).subjectAltName ?? '';
    for (const name of ['synapse', ...WORKERS]) expect(sans).toContain(`DNS:${name}`);
  });

  it('routes the bridges through the proxy, which lists the persisters over HTTPS', () => {
    const proxy = override.services.proxy?.environment ?? {};
    expect(String(proxy.SYNAPSE_WORKER_UPSTREAMS).split(' ')).toEqual([
      'https://synapse-persister1:8448',
      'https://synapse-persister2:8448',
    ]);
    for (const bridge of ['bridge-1', 'bridge-2']) {
      expect(override.services[bridge]?.environment).toEqual({ SYNAPSE_URL: 'https://proxy:8448' });
      const merged = { ...compose.services[bridge]?.environment, ...override.services[bridge]?.environment };
      const config = loadConfig(Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, interpolate(String(v ?? ''), env)])));
      expect(config.synapse.url).toBe('https://proxy:8448');
    }
    expect(env.SYNAPSE_WORKERS).toBe('2');
  });

  it('removes the workers again with --synapse-workers 0', () => {
    run(out, {}, ['--synapse-workers', '0']);
    expect(existsSync(join(out, 'compose', 'docker-compose.workers.yml'))).toBe(false);
    expect(readdirSync(join(out, 'compose', 'workers'))).toEqual([]);
    const single = parse(readFileSync(join(out, 'compose', 'homeserver.yaml'), 'utf8'));
    expect(single.instance_map).toBeUndefined();
    expect(single.listeners).toHaveLength(1);
  });
});
