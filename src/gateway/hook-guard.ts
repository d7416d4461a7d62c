/**
 * The notifyHook SSRF guard: a hook must be http(s), resolve only to public addresses (no loopback, private,
 * link-local, CGNAT, multicast or unspecified ranges) unless the operator allows private targets, and match the
 * tenant's allow-list when it has one. Checked at submit and again before every delivery (DNS may change).
 */
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface HookRules {
  allowPrivate: boolean;
  /** Hosts allowed (`example.com`, `*.example.com`); undefined = any public host. */
  allowList?: readonly string[];
  /** @default dns.lookup (all addresses) */
  resolve?: (host: string) => Promise<string[]>;
}

/** Why a hook is refused (`rule` is stable), or null when it may be called. */
export async function checkHook(url: string, rules: HookRules): Promise<{ rule: string; message: string } | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { rule: 'url', message: 'must be an absolute http(s) URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return { rule: 'url', message: 'must be an absolute http(s) URL' };
  if (u.username || u.password) return { rule: 'no-credentials', message: 'must not carry user:password' };
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (rules.allowList && !rules.allowList.some((r) => (r.startsWith('*.') ? host.endsWith(r.slice(1)) : host === r)))
    return { rule: 'allow-list', message: `host ${host} is not in the tenant's notifyHook allow-list` };
  if (rules.allowPrivate) return null;
  let addresses: string[];
  try {
    addresses = isIP(host)
      ? [host]
      : await (rules.resolve ?? ((h) => lookup(h, { all: true }).then((a) => a.map((x) => x.address))))(host);
  } catch {
    return { rule: 'resolvable', message: `host ${host} does not resolve` };
  }
  if (addresses.length === 0 || addresses.some(isPrivateAddress))
    return { rule: 'public-address', message: `host ${host} resolves to a loopback, private or link-local address` };
  return null;
}
