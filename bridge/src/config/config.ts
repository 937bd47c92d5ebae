// The only reader of process.env: environment → validated, typed Config.
// A config file (CONFIG_FILE, YAML) may add settings; the environment wins over it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FAULT_STEPS, type FaultStep } from './fault-steps.ts';
import { DEFAULT_WEBPUSH_ALLOWED_HOSTS, HOST_PATTERN } from './push-hosts.ts';
import { parseRateLimit, type RateLimit, type RateLimitKind } from './rate-limits.ts';

/** The shipped filter configuration (operators edit it, or point FILTER_CONFIG_FILE elsewhere). */
const DEFAULT_FILTER_CONFIG = resolve(import.meta.dirname, '..', '..', '..', 'config', 'filters.yaml');

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);
const url = z.url({ protocol: /^(https?|wss?)$/ });
const dbUrl = z.url({ protocol: /^postgres(ql)?$/ });
const rateLimit = z.string().transform((text, ctx) => {
  const limit = parseRateLimit(text);
  if (!limit) {
    ctx.addIssue({ code: 'custom', message: 'a rate such as 20/10s, 10/1m or 5/1h' });
    return z.NEVER;
  }
  return limit;
});

/** Every setting the service reads, with its default. Names are the documented contract. */
const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: port.default(8080),
    PUBLIC_URL: url.optional(),
    DATA_DIR: z.string().min(1).default('.local'),
    DATABASE_URL: dbUrl.optional(),
    EMBEDDED_POSTGRES_PORT: port.default(5439),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    SYNAPSE_URL: url.optional(),
    // 49: with `@app_`, `:` and an escaped user id of up to 200 (protocol/user-ids.ts), Matrix's 255.
    SYNAPSE_SERVER_NAME: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?$/, 'a DNS name, optionally with a port')
      .max(49, "at most 49 characters: every user id must fit Matrix's 255")
      .default('booking-chat.localhost'),
    SYNAPSE_PORT: port.default(8008),
    SYNAPSE_DATABASE_URL: dbUrl.optional(),
    SYNAPSE_WORKERS: z.coerce.number().int().min(0).max(16).default(0),
    SYNAPSE_ADMIN_TOKEN: z.string().min(1).optional(),
    APPSERVICE_HOST: z.string().min(1).default('127.0.0.1'),
    APPSERVICE_PORT: port.default(9000),
    APPSERVICE_URL: url.optional(),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_PORT: port.default(9464),
    AS_TOKEN: z.string().min(16).optional(),
    HS_TOKEN: z.string().min(16).optional(),
    BOT_LOCALPART: z
      .string()
      .regex(/^[a-z0-9._=/-]+$/)
      .default('bookingchat'),
    JWT_SECRET: z.string().min(32, 'at least 32 characters (HS256 needs 256 bits)').optional(),
    JWT_JWKS_URL: url.optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    SERVICE_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    TLS_TERMINATED_BY_PROXY: bool.default(false),
    ALLOWED_ORIGINS: z.string().optional(),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    MESSAGE_MAX_LENGTH: z.coerce.number().int().min(1).max(65536).default(4000),
    IMAGE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    IMAGE_MAX_PIXELS: z.coerce.number().int().min(10_000).max(200_000_000).default(40_000_000),
    MEDIA_DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    FCM_SERVICE_ACCOUNT_FILE: z.string().min(1).optional(),
    FCM_SERVICE_ACCOUNT_JSON: z.string().min(2).optional(),
    WEBPUSH_VAPID_PUBLIC_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{80,100}$/, 'a URL-safe base64 P-256 public key')
      .optional(),
    WEBPUSH_VAPID_PRIVATE_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{40,50}$/, 'a URL-safe base64 P-256 private key')
      .optional(),
    WEBPUSH_SUBJECT: z
      .string()
      .regex(/^(mailto:|https:)/, 'a mailto: or https: contact')
      .optional(),
    WEBPUSH_ALLOWED_HOSTS: z
      .string()
      .transform((text) =>
        text
          .split(',')
          .map((host) => host.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(HOST_PATTERN, 'host patterns such as *.push.apple.com or push.internal:8443')).min(1))
      .default(DEFAULT_WEBPUSH_ALLOWED_HOSTS),
    PUSH_PREVIEWS: bool.default(true),
    PUSH_TTL_SECONDS: z.coerce.number().int().min(0).max(2_419_200).default(3600),
    FILTER_CONFIG_FILE: z.string().min(1).default(DEFAULT_FILTER_CONFIG),
    MEDIA_URL_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86400)
      .default(3600),
    RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(365),
    // Fractions are allowed (tests close a chat a few seconds after the booking ends).
    CHAT_CLOSE_AFTER_HOURS: z.coerce.number().min(0).max(876_000).default(72),
    ROOM_POOL_SIZE: z.coerce.number().int().min(0).max(1000).default(8),
    MESSAGE_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
    RECONCILIATION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
    RECONCILIATION_MAX_ROOMS: z.coerce.number().int().min(0).max(1_000_000).default(1000),
    FAULT_PAUSE_AT: z.enum(FAULT_STEPS).optional(),
    SUPPORT_STAFF: z
      .string()
      .regex(/^\s*(@[^:\s,]+:[^\s,]+\s*(,\s*@[^:\s,]+:[^\s,]+\s*)*)?$/, 'comma-separated Matrix user ids')
      .default(''),
    RATE_LIMIT_MESSAGES: rateLimit.default({ points: 30, windowMs: 10_000 }),
    RATE_LIMIT_UPLOADS: rateLimit.default({ points: 10, windowMs: 60_000 }),
    RATE_LIMIT_REPORTS: rateLimit.default({ points: 10, windowMs: 3_600_000 }),
    RATE_LIMIT_CONNECTIONS: rateLimit.default({ points: 30, windowMs: 60_000 }),
    RATE_LIMIT_READS: rateLimit.default({ points: 300, windowMs: 60_000 }),
    RATE_LIMIT_SIGNALS: rateLimit.default({ points: 120, windowMs: 10_000 }),
    RATE_LIMIT_BLOCKS: rateLimit.default({ points: 20, windowMs: 60_000 }),
    RATE_LIMIT_SETTINGS: rateLimit.default({ points: 30, windowMs: 60_000 }),
    PUSH_MAX_DEVICES: z.coerce.number().int().min(1).max(1000).default(10),
    BLOCKS_MAX: z.coerce.number().int().min(1).max(100_000).default(500),
    MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(10),
    IMAGE_DECODE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    IMAGE_DECODE_QUEUE: z.coerce.number().int().min(0).max(1000).default(8),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) {
      ctx.addIssue({ code: 'custom', path: ['TLS_KEY_FILE'], message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' });
    }
    if (env.APPSERVICE_URL?.startsWith('https:') && !env.TLS_CERT_FILE) {
      ctx.addIssue({ code: 'custom', path: ['APPSERVICE_URL'], message: 'https needs TLS_CERT_FILE and TLS_KEY_FILE' });
    }
    if (Boolean(env.WEBPUSH_VAPID_PUBLIC_KEY) !== Boolean(env.WEBPUSH_VAPID_PRIVATE_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBPUSH_VAPID_PRIVATE_KEY'],
        message: 'WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY go together',
      });
    }
    if (env.FCM_SERVICE_ACCOUNT_FILE && env.FCM_SERVICE_ACCOUNT_JSON) {
      ctx.addIssue({
        code: 'custom',
        path: ['FCM_SERVICE_ACCOUNT_JSON'],
        message: 'set FCM_SERVICE_ACCOUNT_FILE or FCM_SERVICE_ACCOUNT_JSON, not both',
      });
    }
    if (env.SYNAPSE_WORKERS > 0) {
      // Synapse's workers share one database (PostgreSQL only) and replicate through Redis.
      const missing = [
        env.SYNAPSE_DATABASE_URL ? undefined : 'SYNAPSE_DATABASE_URL (workers need PostgreSQL for Synapse)',
        env.REDIS_URL ? undefined : 'REDIS_URL (workers replicate through Redis)',
      ].filter(Boolean);
      if (env.SYNAPSE_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['SYNAPSE_WORKERS'],
          message: 'applies to the bundled Synapse only: unset SYNAPSE_URL, or scale that homeserver yourself',
        });
      }
      for (const what of missing) ctx.addIssue({ code: 'custom', path: ['SYNAPSE_WORKERS'], message: `needs ${what}` });
    }
    if (env.SYNAPSE_URL && (!env.AS_TOKEN || !env.HS_TOKEN)) {
      ctx.addIssue({
        code: 'custom',
        path: ['AS_TOKEN'],
        message: 'SYNAPSE_URL names a running homeserver: AS_TOKEN and HS_TOKEN must match its registration',
      });
    }
    if (env.NODE_ENV === 'production') {
      if (!env.TLS_CERT_FILE && !env.TLS_TERMINATED_BY_PROXY) {
        ctx.addIssue({
          code: 'custom',
          path: ['TLS_CERT_FILE'],
          message: 'production needs TLS: set TLS_CERT_FILE and TLS_KEY_FILE, or TLS_TERMINATED_BY_PROXY=true',
        });
      }
      for (const name of ['JWT_SECRET', 'SERVICE_TOKEN', 'DATABASE_URL'] as const) {
        if (name === 'JWT_SECRET' ? !env.JWT_SECRET && !env.JWT_JWKS_URL : !env[name]) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'required in production' });
        }
      }
      // A shared secret may be known to more than one service: iss and aud keep a token minted
      // for another of them (or another environment) from opening a socket here (RFC 8725 §3.9).
      for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
        if (env.JWT_SECRET && !env[name]) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'required in production with JWT_SECRET' });
        }
      }
      if (!env.ALLOWED_ORIGINS || env.ALLOWED_ORIGINS.trim() === '*') {
        ctx.addIssue({ code: 'custom', path: ['ALLOWED_ORIGINS'], message: "production needs the web apps' origins, not *" });
      }
    }
  });

export type Env = z.output<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Where the embedded PGlite listens when there is no DATABASE_URL. */
  embeddedPostgresPort: number;
  redisUrl: string | undefined;
  synapse: {
    url: string | undefined;
    serverName: string;
    port: number;
    databaseUrl: string | undefined;
    /** Event persisters of the bundled Synapse besides its main process (0: one process). */
    workers: number;
    /** A server admin's access token (media deletion, account deactivation); the local stack provisions one for the bundled Synapse. */
    adminToken: string | undefined;
  };
  appservice: {
    host: string;
    port: number;
    url: string;
    asToken: string | undefined;
    hsToken: string | undefined;
    botLocalpart: string;
  };
  /** Prometheus scrapes /metrics here, never on the public listener. */
  metrics: { host: string; port: number };
  jwt: { secret: string | undefined; jwksUrl: string | undefined; issuer: string | undefined; audience: string | undefined };
  serviceToken: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  tlsTerminatedByProxy: boolean;
  allowedOrigins: string[] | '*';
  logLevel: Env['LOG_LEVEL'];
  limits: { messageMaxLength: number };
  retentionDays: number;
  /** Hours after a booking is completed or cancelled until its chat closes (0: at once). */
  chatCloseAfterHours: number;
  /** Booking rooms kept ready for new bookings (0: each new booking's PUT creates its room). */
  roomPoolSize: number;
  /** Read-model rows kept in memory for history and catch-up (0: none). */
  messageCacheSize: number;
  /** Which bookings are compared with the homeserver at start-up and when it comes back. */
  reconciliation: { days: number; maxRooms: number };
  /** A testing aid: the step of a message's way at which the process stops (observability/fault-points.ts). */
  faultPauseAt: FaultStep | undefined;
  mediaUrlTtlSeconds: number;
  filterConfigFile: string;
  push: {
    fcmServiceAccount: { file: string } | { json: string } | undefined;
    webPush: { publicKey: string; privateKey: string; subject: string } | undefined;
    /** Host patterns a Web Push endpoint must match. */
    webPushAllowedHosts: string[];
    previews: boolean;
    ttlSeconds: number;
  };
  /** downloadTimeoutMs: how long Synapse may take to start a media download, or pause in one. */
  images: { maxBytes: number; maxPixels: number; thumbnailSize: number; downloadTimeoutMs: number };
  supportStaff: string[];
  rateLimits: Record<RateLimitKind, RateLimit>;
  /** Caps per user (the oldest device goes; a block over the cap is refused) and on concurrent image decodes. */
  caps: { pushDevices: number; blocks: number; socketsPerUser: number; imageDecodes: number; imageDecodesWaiting: number };
}

export class ConfigError extends Error {}

function readConfigFile(path: string): Record<string, string> {
  const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`CONFIG_FILE ${path}: expected a mapping of SETTING: value`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/** Builds the Config from an environment (process.env by default); throws ConfigError naming the bad setting. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = source.CONFIG_FILE ? readConfigFile(source.CONFIG_FILE) : {};
  const merged = { ...fromFile, ...withoutEmpty(source) };
  const result = envSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const env = result.data;
  const scheme = env.TLS_CERT_FILE ? 'https' : 'http';
  const localHost = env.HOST === '0.0.0.0' ? 'localhost' : env.HOST;
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl: env.PUBLIC_URL ?? `${scheme}://${localHost}:${env.PORT}`,
    dataDir: resolve(env.DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    embeddedPostgresPort: env.EMBEDDED_POSTGRES_PORT,
    redisUrl: env.REDIS_URL,
    synapse: {
      url: env.SYNAPSE_URL,
      serverName: env.SYNAPSE_SERVER_NAME,
      port: env.SYNAPSE_PORT,
      databaseUrl: env.SYNAPSE_DATABASE_URL,
      workers: env.SYNAPSE_WORKERS,
      adminToken: env.SYNAPSE_ADMIN_TOKEN,
    },
    appservice: {
      host: env.APPSERVICE_HOST,
      port: env.APPSERVICE_PORT,
      url: env.APPSERVICE_URL ?? `http://127.0.0.1:${env.APPSERVICE_PORT}`,
      asToken: env.AS_TOKEN,
      hsToken: env.HS_TOKEN,
      botLocalpart: env.BOT_LOCALPART,
    },
    metrics: { host: env.METRICS_HOST, port: env.METRICS_PORT },
    jwt: { secret: env.JWT_SECRET, jwksUrl: env.JWT_JWKS_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
    serviceToken: env.SERVICE_TOKEN,
    tls: env.TLS_CERT_FILE && env.TLS_KEY_FILE ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE } : undefined,
    tlsTerminatedByProxy: env.TLS_TERMINATED_BY_PROXY,
    allowedOrigins: parseOrigins(env.ALLOWED_ORIGINS),
    logLevel: env.LOG_LEVEL,
    limits: { messageMaxLength: env.MESSAGE_MAX_LENGTH },
    retentionDays: env.RETENTION_DAYS,
    chatCloseAfterHours: env.CHAT_CLOSE_AFTER_HOURS,
    roomPoolSize: env.ROOM_POOL_SIZE,
    messageCacheSize: env.MESSAGE_CACHE_SIZE,
    reconciliation: { days: env.RECONCILIATION_DAYS, maxRooms: env.RECONCILIATION_MAX_ROOMS },
    faultPauseAt: env.FAULT_PAUSE_AT,
    mediaUrlTtlSeconds: env.MEDIA_URL_TTL_SECONDS,
    filterConfigFile: resolve(env.FILTER_CONFIG_FILE),
    push: {
      fcmServiceAccount: env.FCM_SERVICE_ACCOUNT_FILE
        ? { file: env.FCM_SERVICE_ACCOUNT_FILE }
        : env.FCM_SERVICE_ACCOUNT_JSON
          ? { json: env.FCM_SERVICE_ACCOUNT_JSON }
          : undefined,
      webPush:
        env.WEBPUSH_VAPID_PUBLIC_KEY && env.WEBPUSH_VAPID_PRIVATE_KEY
          ? {
              publicKey: env.WEBPUSH_VAPID_PUBLIC_KEY,
              privateKey: env.WEBPUSH_VAPID_PRIVATE_KEY,
              subject: env.WEBPUSH_SUBJECT ?? `mailto:support@${env.SYNAPSE_SERVER_NAME.split(':')[0]}`,
            }
          : undefined,
      webPushAllowedHosts: env.WEBPUSH_ALLOWED_HOSTS,
      previews: env.PUSH_PREVIEWS,
      ttlSeconds: env.PUSH_TTL_SECONDS,
    },
    images: {
      maxBytes: env.IMAGE_MAX_BYTES,
      maxPixels: env.IMAGE_MAX_PIXELS,
      thumbnailSize: 320,
      downloadTimeoutMs: env.MEDIA_DOWNLOAD_TIMEOUT_MS,
    },
    supportStaff: env.SUPPORT_STAFF.split(',')
      .map((id) => id.trim())
      .filter(Boolean),
    caps: {
      pushDevices: env.PUSH_MAX_DEVICES,
      blocks: env.BLOCKS_MAX,
      socketsPerUser: env.MAX_SOCKETS_PER_USER,
      imageDecodes: env.IMAGE_DECODE_CONCURRENCY,
      imageDecodesWaiting: env.IMAGE_DECODE_QUEUE,
    },
    rateLimits: {
      message: env.RATE_LIMIT_MESSAGES,
      upload: env.RATE_LIMIT_UPLOADS,
      report: env.RATE_LIMIT_REPORTS,
      connection: env.RATE_LIMIT_CONNECTIONS,
      read: env.RATE_LIMIT_READS,
      signal: env.RATE_LIMIT_SIGNALS,
      block: env.RATE_LIMIT_BLOCKS,
      setting: env.RATE_LIMIT_SETTINGS,
    },
  };
}

function withoutEmpty(source: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((e): e is [string, string] => Boolean(e[1])));
}

function parseOrigins(value: string | undefined): string[] | '*' {
  if (!value || value.trim() === '*') return '*';
  return value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}
