// Web Push endpoints come from clients: only the push services' hosts, never an address inside.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBPUSH_ALLOWED_HOSTS } from '../../../src/config/push-hosts.ts';
import { isPublicAddress, PushEndpointPolicy } from '../../../src/push/push-endpoints.ts';

const resolvesTo = (table: Record<string, string[]>) => async (host: string) => table[host] ?? [];
const policy = new PushEndpointPolicy(
  DEFAULT_WEBPUSH_ALLOWED_HOSTS,
  resolvesTo({
    'fcm.googleapis.com': ['142.250.74.106'],
    'web.push.apple.com': ['17.188.182.11', '2620:149:a44::10'],
    'rebound.push.apple.com': ['17.188.182.11', '10.1.2.3'],
    'inside.push.services.mozilla.com': ['::ffff:127.0.0.1'],
  }),
);
const refusal = (endpoint: string) =>
  policy.check(endpoint).then(
    () => 'allowed',
    (error: { code: string; message: string }) => error.message,
  );

describe('Web Push endpoints', () => {
  it("allows the browsers' push services", async () => {
    await expect(policy.check('https://fcm.googleapis.com/fcm/send/abc')).resolves.toBeUndefined();
    await expect(policy.check('https://web.push.apple.com/QGx')).resolves.toBeUndefined();
  });

  it.each([
    ['http://fcm.googleapis.com/fcm/send/abc', /https/],
    ['https://push.example/x', /not a known push service/],
    ['https://push.apple.com/x', /not a known push service/],
    ['https://evilpush.apple.com/x', /not a known push service/],
    ['https://fcm.googleapis.com.evil.example/x', /not a known push service/],
    ['https://rebound.push.apple.com/x', /not a public address/],
    ['https://inside.push.services.mozilla.com/x', /not a public address/],
    ['https://gone.push.apple.com/x', /does not resolve/],
  ])('refuses %s', async (endpoint, why) => {
    expect(await refusal(endpoint)).toMatch(why);
  });

  it("allows only https's own port unless a pattern names another", async () => {
    expect(await refusal('https://web.push.apple.com:6379/x')).toMatch(/not a known push service/);
    expect(await refusal('https://web.push.apple.com:443/x')).toBe('allowed');
  });

  it('refuses, on connecting, a name that resolves inside, unless that host is listed exactly', async () => {
    const lookUp = (policy: PushEndpointPolicy, all: boolean) =>
      new Promise<unknown>((resolve) =>
        policy.lookup('localhost', { all }, (err, address) => resolve(err ? (err as { code?: string }).code : address)),
      );
    const strict = new PushEndpointPolicy(['*.localhost']);
    expect(await lookUp(strict, true)).toBe('EACCES');
    expect(await lookUp(strict, false)).toBe('EACCES');
    const listed = new PushEndpointPolicy(['localhost:8443']);
    expect(await lookUp(listed, false)).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(await lookUp(listed, true)).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.any(String) })]));
  });

  it('allows a private address only when that exact host (and port) is listed', async () => {
    const internal = new PushEndpointPolicy(
      ['push.internal:8443', '127.0.0.1:9443', '*.example.net'],
      resolvesTo({ 'push.internal': ['10.0.0.7'], 'a.example.net': ['10.0.0.8'] }),
    );
    await expect(internal.check('https://push.internal:8443/x')).resolves.toBeUndefined();
    await expect(internal.check('https://127.0.0.1:9443/x')).resolves.toBeUndefined();
    await expect(internal.check('https://127.0.0.1:9000/x')).rejects.toThrow(/not a known push service/);
    await expect(internal.check('https://push.internal/x')).rejects.toThrow(/not a known push service/);
    await expect(internal.check('https://a.example.net/x')).rejects.toThrow(/not a public address/);
  });

  it('reads no address of a private, loopback, link-local or reserved range as public', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const inside = fc.oneof(
      fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`),
      fc.tuple(octet, octet, octet).map(([b, c, d]) => `127.${b}.${c}.${d}`),
      fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => `172.${b}.${c}.${d}`),
      fc.tuple(octet, octet).map(([c, d]) => `192.168.${c}.${d}`),
      fc.tuple(octet, octet).map(([c, d]) => `169.254.${c}.${d}`),
      fc.tuple(fc.integer({ min: 224, max: 255 }), octet, octet, octet).map((parts) => parts.join('.')),
      fc.tuple(octet, octet).map(([c, d]) => `::ffff:192.168.${c}.${d}`),
      fc.integer({ min: 0, max: 0xffff }).map((n) => `fe80::${n.toString(16)}`),
      fc.integer({ min: 0, max: 0xffff }).map((n) => `fd00::${n.toString(16)}`),
    );
    fc.assert(
      fc.property(inside, (address) => !isPublicAddress(address)),
      { numRuns: 2000 },
    );
    expect(['1.1.1.1', '142.250.74.106', '2620:149:a44::10'].every(isPublicAddress)).toBe(true);
  });
});
