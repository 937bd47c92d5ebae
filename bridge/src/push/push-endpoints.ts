// Which Web Push endpoints the push worker may POST to. Endpoints come from clients, so without
// a check the worker would POST wherever a client points it: the appservice port, a cloud
// metadata address, anything on the internal network (SSRF). An endpoint must be https on a
// host that matches WEBPUSH_ALLOWED_HOSTS, and must not be (or resolve to) a private, loopback
// or link-local address, unless that exact host is listed (a push service on the internal
// network, or the tests' stand-in).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../protocol/errors.ts';

// Addresses a push service never has (RFC 6890 special-purpose registries, in short).
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is the IPv4 address it carries.
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  if (mapped) return isPublicAddress(mapped);
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );

export class PushEndpointPolicy {
  private readonly patterns: string[];
  private readonly resolve: Resolve;

  constructor(patterns: string[], resolve: Resolve = resolveAll) {
    this.patterns = patterns.map((p) => p.toLowerCase());
    this.resolve = resolve;
  }

  /**
   * Throws `invalid` unless the worker may POST to this endpoint. `resolve: false` skips the DNS
   * look-up (at send time, where the agent's `lookup` refuses private answers on connecting).
   */
  async check(endpoint: string, { resolve = true } = {}): Promise<void> {
    const url = new URL(endpoint);
    if (url.protocol !== 'https:') throw refused('a Web Push endpoint must be https');
    const host = url.hostname.toLowerCase();
    const port = url.port || '443';
    if (!this.patterns.some((pattern) => matches(pattern, host, port))) {
      throw refused(`${host} is not a known push service (WEBPUSH_ALLOWED_HOSTS)`);
    }
    if (this.listedExactly(host, port)) return;
    const literal = host.replace(/^\[|\]$/g, '');
    if (!isIP(literal) && !resolve) return;
    const addresses = isIP(literal) ? [literal] : await this.resolve(host).catch(() => []);
    if (addresses.length === 0) throw refused(`${host} does not resolve`);
    if (!addresses.every(isPublicAddress)) throw refused(`${host} is not a public address`);
  }

  /**
   * A DNS lookup for the push worker's connections that refuses private answers, so a name
   * that resolved to a public address when checked cannot be re-pointed inward before the
   * POST (DNS rebinding). Exactly listed hosts are looked up as they are.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const exact = this.patterns.some((pattern) => !pattern.startsWith('*.') && partsOf(pattern).host === hostname.toLowerCase());
      const usable = exact ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0) return callback(Object.assign(new Error(`${hostname} is not a public address`), { code: 'EACCES' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };

  private listedExactly(host: string, port: string): boolean {
    return this.patterns.some((pattern) => !pattern.startsWith('*.') && matches(pattern, host, port));
  }
}

/** A pattern's host and port; without a port only https's own (443) is meant. */
function partsOf(pattern: string): { host: string; port: string } {
  const portAt = pattern.lastIndexOf(':');
  const hasPort = portAt > pattern.lastIndexOf(']') && /^\d+$/.test(pattern.slice(portAt + 1));
  return hasPort ? { host: pattern.slice(0, portAt), port: pattern.slice(portAt + 1) } : { host: pattern, port: '443' };
}

function matches(pattern: string, host: string, port: string): boolean {
  const parts = partsOf(pattern);
  if (parts.port !== port) return false;
  if (parts.host.startsWith('*.')) return host.endsWith(parts.host.slice(1));
  return host === parts.host;
}

const refused = (message: string) => new AppError('invalid', message);
