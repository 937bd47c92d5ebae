import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

const secret = 'x'.repeat(32);

describe('configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.synapse.url).toBeUndefined();
    expect(config.allowedOrigins).toBe('*');
  });

  it('reads the documented variables', () => {
    const config = loadConfig({
      PORT: '9443',
      PUBLIC_URL: 'https://chat.example.com',
      DATABASE_URL: 'postgres://u:p@db:5432/chat',
      REDIS_URL: 'redis://redis:6379',
      SYNAPSE_URL: 'http://synapse:8008',
      AS_TOKEN: 'a'.repeat(20),
      HS_TOKEN: 'h'.repeat(20),
      JWT_SECRET: secret,
      SERVICE_TOKEN: 's'.repeat(20),
      TLS_CERT_FILE: '/c.pem',
      TLS_KEY_FILE: '/k.pem',
      ALLOWED_ORIGINS: 'https://app.example.com, https://admin.example.com',
    });
    expect(config).toMatchObject({
      port: 9443,
      publicUrl: 'https://chat.example.com',
      redisUrl: 'redis://redis:6379',
      tls: { certFile: '/c.pem', keyFile: '/k.pem' },
      allowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
    });
  });

  it('closes chats 72 hours after a booking ends, or as set (fractions too, 0 at once)', () => {
    expect(loadConfig({}).chatCloseAfterHours).toBe(72);
    expect(loadConfig({ CHAT_CLOSE_AFTER_HOURS: '0.25' }).chatCloseAfterHours).toBe(0.25);
    expect(loadConfig({ CHAT_CLOSE_AFTER_HOURS: '0' }).chatCloseAfterHours).toBe(0);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ TLS_CERT_FILE: '/c.pem' }, 'TLS_KEY_FILE'],
    [{ SYNAPSE_URL: 'http://synapse:8008' }, 'AS_TOKEN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CHAT_CLOSE_AFTER_HOURS: '-1' }, 'CHAT_CLOSE_AFTER_HOURS'],
    [{ CHAT_CLOSE_AFTER_HOURS: 'soon' }, 'CHAT_CLOSE_AFTER_HOURS'],
  ])('stops on a malformed setting and names it: %o', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  const productionEnv = {
    NODE_ENV: 'production',
    JWT_SECRET: secret,
    JWT_ISSUER: 'https://auth.example',
    JWT_AUDIENCE: 'booking-chat',
    ALLOWED_ORIGINS: 'https://app.example',
    SERVICE_TOKEN: 's'.repeat(20),
    DATABASE_URL: 'postgres://db/chat',
  };

  it('refuses production without TLS unless a proxy terminates it', () => {
    const production = productionEnv;
    expect(() => loadConfig(production)).toThrow(/TLS_CERT_FILE: production needs TLS/);
    expect(loadConfig({ ...production, TLS_TERMINATED_BY_PROXY: 'true' }).tlsTerminatedByProxy).toBe(true);
    expect(loadConfig({ ...production, TLS_CERT_FILE: '/c', TLS_KEY_FILE: '/k' }).tls).toBeDefined();
  });

  it.each(['JWT_ISSUER', 'JWT_AUDIENCE', 'ALLOWED_ORIGINS'])('refuses production with a shared secret and no %s', (name) => {
    const production = { ...productionEnv, TLS_TERMINATED_BY_PROXY: 'true' };
    expect(loadConfig(production).env).toBe('production');
    expect(() => loadConfig({ ...production, [name]: '' })).toThrow(new RegExp(`${name}: `));
  });

  it('refuses production with every origin allowed', () => {
    expect(() => loadConfig({ ...productionEnv, TLS_TERMINATED_BY_PROXY: 'true', ALLOWED_ORIGINS: '*' })).toThrow(
      /ALLOWED_ORIGINS: production/,
    );
  });
});
