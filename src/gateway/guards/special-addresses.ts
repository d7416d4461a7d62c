/**
 * Which IP addresses an outbound request chosen by a caller may reach: only global unicast ones. The refused space is
 * one table, {@link SPECIAL_PURPOSE_BLOCKS}: every block of the IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890 and its updates), IPv4 multicast, and the IPv6 space outside global unicast `2000::/3`
 * (IANA IPv6 Address Space). {@link classifyAddress} reads an address in any spelling a resolver, a URL or an
 * attacker may use (`0x7f.1`, `2130706433`, `127.1`, `0177.0.0.1`, `[::FFFF:7F00:1]`, `fe80::1%eth0`, `::127.0.0.1`)
 * and names the most specific block that holds it.
 */

/**
 * The refused blocks with their registry names. `embedsIpv4` marks the one block judged by the IPv4 address inside
 * it (IPv4-mapped `::ffff:a.b.c.d` reaches that IPv4 address); every other block is refused whole, including those
 * that carry an IPv4 address (IPv4-compatible, NAT64, 6to4, Teredo) and those the registries call globally
 * reachable (anycast and AS112 services are no place for a callback).
 */
export const SPECIAL_PURPOSE_BLOCKS = [
  // IANA IPv4 Special-Purpose Address Registry
  { block: '0.0.0.0/8', name: 'this network' },
  { block: '0.0.0.0/32', name: 'this host on this network' },
  { block: '10.0.0.0/8', name: 'private-use' },
  { block: '100.64.0.0/10', name: 'shared address space (CGNAT)' },
  { block: '127.0.0.0/8', name: 'loopback' },
  { block: '169.254.0.0/16', name: 'link-local' },
  { block: '172.16.0.0/12', name: 'private-use' },
  { block: '192.0.0.0/24', name: 'IETF protocol assignments' },
  { block: '192.0.0.0/29', name: 'IPv4 service continuity prefix (DS-Lite)' },
  { block: '192.0.0.8/32', name: 'IPv4 dummy address' },
  { block: '192.0.0.9/32', name: 'Port Control Protocol anycast' },
  { block: '192.0.0.10/32', name: 'TURN anycast' },
  { block: '192.0.0.170/31', name: 'NAT64/DNS64 discovery' },
  { block: '192.0.2.0/24', name: 'documentation (TEST-NET-1)' },
  { block: '192.31.196.0/24', name: 'AS112-v4' },
  { block: '192.52.193.0/24', name: 'AMT' },
  { block: '192.88.99.0/24', name: 'deprecated 6to4 relay anycast' },
  { block: '192.168.0.0/16', name: 'private-use' },
  { block: '192.175.48.0/24', name: 'direct delegation AS112 service' },
  { block: '198.18.0.0/15', name: 'benchmarking' },
  { block: '198.51.100.0/24', name: 'documentation (TEST-NET-2)' },
  { block: '203.0.113.0/24', name: 'documentation (TEST-NET-3)' },
  { block: '240.0.0.0/4', name: 'reserved' },
  { block: '255.255.255.255/32', name: 'limited broadcast' },
  // IANA IPv4 Address Space
  { block: '224.0.0.0/4', name: 'multicast' },
  // IANA IPv6 Special-Purpose Address Registry
  { block: '::/128', name: 'unspecified address' },
  { block: '::1/128', name: 'loopback' },
  { block: '::ffff:0:0/96', name: 'IPv4-mapped', embedsIpv4: true },
  { block: '64:ff9b::/96', name: 'IPv4-IPv6 translation (NAT64)' },
  { block: '64:ff9b:1::/48', name: 'local-use IPv4/IPv6 translation' },
  { block: '100::/64', name: 'discard-only' },
  { block: '100:0:0:1::/64', name: 'dummy IPv6 prefix' },
  { block: '2001::/23', name: 'IETF protocol assignments' },
  { block: '2001::/32', name: 'Teredo' },
  { block: '2001:1::1/128', name: 'Port Control Protocol anycast' },
  { block: '2001:1::2/128', name: 'TURN anycast' },
  { block: '2001:1::3/128', name: 'DNS-SD service registration protocol anycast' },
  { block: '2001:2::/48', name: 'benchmarking' },
  { block: '2001:3::/32', name: 'AMT' },
  { block: '2001:4:112::/48', name: 'AS112-v6' },
  { block: '2001:10::/28', name: 'deprecated ORCHID' },
  { block: '2001:20::/28', name: 'ORCHIDv2' },
  { block: '2001:30::/28', name: 'drone remote ID entity tags' },
  { block: '2001:db8::/32', name: 'documentation' },
  { block: '2002::/16', name: '6to4' },
  { block: '2620:4f:8000::/48', name: 'direct delegation AS112 service' },
  { block: '3fff::/20', name: 'documentation' },
  { block: '5f00::/16', name: 'segment routing (SRv6) SIDs' },
  { block: 'fc00::/7', name: 'unique-local' },
  { block: 'fe80::/10', name: 'link-local' },
  // IANA IPv6 Address Space: everything outside global unicast 2000::/3, named where it has a use
  { block: '::/3', name: 'not global unicast' },
  { block: '::/96', name: 'IPv4-compatible (deprecated)' },
  { block: '4000::/2', name: 'not global unicast' },
  { block: '8000::/1', name: 'not global unicast' },
  { block: 'fec0::/10', name: 'site-local (deprecated)' },
  { block: 'ff00::/8', name: 'multicast' },
] as const satisfies readonly { block: string; name: string; embedsIpv4?: true }[];

/** An IP address as a number: 32 bits for IPv4, 128 for IPv6. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

/** What {@link classifyAddress} says: global unicast, or the block (most specific first) that refuses it. */
export type AddressClass =
  { global: true; address: IpAddress } | { global: false; address: IpAddress; block: string; name: string };

/**
 * One IPv4 part as `inet_aton` and the WHATWG URL parser read it: `0x` hex, leading-zero octal, else decimal.
 * Undefined when it is none of these.
 */
function ipv4Part(part: string): bigint | undefined {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0n : BigInt(part);
  if (/^0[0-7]*$/.test(part)) return BigInt(`0o${part}`);
  if (/^[1-9][0-9]*$/.test(part)) return BigInt(part);
  return undefined;
}

/** IPv4 in every spelling `inet_aton` takes: 1 to 4 parts, the last filling the remaining bytes (`127.1`). */
function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length < 1 || parts.length > 4) return undefined;
  const values = parts.map(ipv4Part);
  if (values.some((v) => v === undefined)) return undefined;
  const nums = values as bigint[];
  const last = nums.pop()!;
  if (nums.some((v) => v > 255n) || last >= 1n << BigInt(8 * (4 - nums.length))) return undefined;
  return nums.reduce((acc, v, i) => acc | (v << BigInt(24 - 8 * i)), last);
}

/** 16-bit groups of one side of `::`; a dotted IPv4 may stand last (`::ffff:127.0.0.1`). */
function ipv6Groups(side: string, last: boolean): bigint[] | undefined {
  if (side === '') return [];
  const out: bigint[] = [];
  const parts = side.split(':');
  for (const [i, g] of parts.entries()) {
    if (/^[0-9a-f]{1,4}$/.test(g)) out.push(BigInt(`0x${g}`));
    else if (last && i === parts.length - 1 && /^\d{1,3}(\.\d{1,3}){3}$/.test(g)) {
      const bytes = g.split('.').map(Number);
      if (bytes.some((b) => b > 255)) return undefined;
      out.push(BigInt((bytes[0]! << 8) | bytes[1]!), BigInt((bytes[2]! << 8) | bytes[3]!));
    } else return undefined;
  }
  return out;
}

/** IPv6 text, lower case, without brackets or zone id. */
function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = ipv6Groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? ipv6Groups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const words = [...head, ...Array<bigint>(fill).fill(0n), ...tail];
  return words.reduce((acc, w) => (acc << 16n) | w, 0n);
}

/**
 * An IP literal in any spelling (brackets, zone id, case, short or numeric IPv4), or undefined when the text is
 * not one (a host name).
 */
export function parseAddress(text: string): IpAddress | undefined {
  let s = text.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.includes(':')) {
    const value = parseIpv6(s.replace(/%.*$/, ''));
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(s);
  return value === undefined ? undefined : { family: 4, value };
}

/** `a.b.c.d/n` or `x::/n` as address and prefix length; throws on a malformed block (the table is checked at load). */
function parseBlock(block: string): { net: IpAddress; prefix: number } {
  const [addr, len] = block.split('/');
  const net = parseAddress(addr ?? '');
  const prefix = Number(len);
  const fits = net && Number.isInteger(prefix) && prefix >= 0 && prefix <= BITS[net.family];
  // The host bits must be zero: `10.0.0.1/8` is a typo, not a block.
  if (!net || !fits || (net.value & ((1n << BigInt(BITS[net.family] - prefix)) - 1n)) !== 0n)
    throw new Error(`bad special-purpose block ${block}`);
  return { net, prefix };
}

/** The table, parsed once, most specific block first (so the name given is the narrowest that applies). */
const BLOCKS = SPECIAL_PURPOSE_BLOCKS.map((b) => ({ ...b, ...parseBlock(b.block) })).sort(
  (a, b) => b.prefix - a.prefix
);

function contains(b: (typeof BLOCKS)[number], a: IpAddress): boolean {
  if (b.net.family !== a.family) return false;
  const shift = BigInt(BITS[a.family] - b.prefix);
  return a.value >> shift === b.net.value >> shift;
}

/** Global unicast, or the special-purpose block that holds the address; undefined when `text` is no IP literal. */
export function classifyAddress(text: string): AddressClass | undefined {
  const address = parseAddress(text);
  return address && classify(address);
}

function classify(address: IpAddress): AddressClass {
  const hit = BLOCKS.find((b) => contains(b, address));
  if (!hit) return { global: true, address };
  if ('embedsIpv4' in hit) {
    const inner = classify({ family: 4, value: address.value & 0xffffffffn });
    return inner.global ? { global: true, address } : { ...inner, address, name: `${hit.name} ${inner.name}` };
  }
  return { global: false, address, block: hit.block, name: hit.name };
}

/** The address in its usual text (dotted quad, or eight lower-case hex groups), for `net.connect`. */
export function formatAddress(a: IpAddress): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 0xffn)).join('.');
  return Array.from({ length: 8 }, (_, i) => ((a.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}
