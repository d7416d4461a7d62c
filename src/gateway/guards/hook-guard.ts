/**
 * The notifyHook SSRF guard. A hook must be an http(s) URL without credentials, match the tenant's allow-list when it
 * has one, and reach only global unicast addresses (every block of `special-addresses.ts` is refused) unless the
 * operator allows private targets (`MJ_GATEWAY_ALLOW_PRIVATE_HOOKS`, for local receivers and tests; tenants cannot
 * set it).
 *
 * Submit checks the hook with {@link checkHook} for a clear 400. A delivery sends through {@link hookDispatcher},
 * which resolves the host once at connect time, checks every address it got and connects only to those, with the
 * original Host header and TLS server name: what was checked is what is reached, so a DNS answer that changes
 * between a check and the connection (rebinding) reaches nothing. The socket's remote address is checked again once
 * connected. Redirects are never followed (undici's `request` does not, and the delivery treats 3xx as a refusal).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { classifyAddress, formatAddress } from './special-addresses';

/** Every address a host name resolves to. */
export type HookResolver = (host: string) => Promise<string[]>;

export interface AddressRules {
  /** Operator's opt-in: any address may be reached (loopback receivers, tests). */
  allowPrivate: boolean;
  /** @default dns.lookup (all addresses) */
  resolve?: HookResolver;
}

export interface HookRules extends AddressRules {
  /** Hosts allowed (`example.com`, `*.example.com`); undefined = any public host. */
  allowList?: readonly string[];
}

/** Why a hook is refused: `rule` is stable (`url`, `no-credentials`, `allow-list`, `resolvable`, `public-address`). */
export interface HookRefusal {
  rule: string;
  message: string;
}

/** A refusal thrown where a value is expected (the connect-time lookup); `code` lets callers tell it from I/O errors. */
export class HookRefusedError extends Error implements HookRefusal {
  readonly code = 'ERR_HOOK_REFUSED';
  constructor(
    readonly rule: string,
    message: string
  ) {
    super(message);
    this.name = 'HookRefusedError';
  }
}

/** True unless the address is global unicast (also for text that is no IP address). */
export function isPrivateAddress(address: string): boolean {
  return classifyAddress(address)?.global !== true;
}

const defaultResolve: HookResolver = async (host) => (await dnsLookup(host, { all: true })).map((a) => a.address);

/** The refusal of one address `host` resolved (or is) to, or undefined when it may be reached. */
function addressRefusal(host: string, address: string | undefined, rules: AddressRules): HookRefusedError | undefined {
  if (rules.allowPrivate) return undefined;
  const c = address === undefined ? undefined : classifyAddress(address);
  if (c?.global) return undefined;
  const what = c ? `an address in ${c.block} (${c.name})` : 'no IP address';
  return new HookRefusedError(
    'public-address',
    `host ${host} resolves to ${what}; only global unicast addresses are allowed (no loopback, private, ` +
      'link-local or other special-purpose target)'
  );
}

/**
 * The addresses `host` (a name or an IP literal) may be reached at, each checked, in the usual text for
 * `net.connect`; throws {@link HookRefusedError} when the host does not resolve or any address is refused.
 */
export async function checkedAddresses(host: string, rules: AddressRules): Promise<LookupAddress[]> {
  let answers: string[];
  try {
    answers = classifyAddress(host) ? [host] : await (rules.resolve ?? defaultResolve)(host);
  } catch {
    throw new HookRefusedError('resolvable', `host ${host} does not resolve`);
  }
  if (answers.length === 0) throw new HookRefusedError('resolvable', `host ${host} does not resolve`);
  return answers.map((answer) => {
    const bad = addressRefusal(host, answer, rules);
    if (bad) throw bad;
    const c = classifyAddress(answer);
    if (!c) throw new HookRefusedError('resolvable', `host ${host} resolves to ${answer}, not an IP address`);
    return { address: formatAddress(c.address), family: c.address.family };
  });
}

/** The URL rules that need no DNS: scheme, credentials, the tenant's allow-list. Returns the host, brackets removed. */
export function checkHookUrl(url: string, rules: Pick<HookRules, 'allowList'>): HookRefusal | { host: string } {
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
  return { host };
}

/** Why a hook is refused (`rule` is stable), or null when it may be called (checked again when it is). */
export async function checkHook(url: string, rules: HookRules): Promise<HookRefusal | null> {
  const ok = checkHookUrl(url, rules);
  if ('rule' in ok) return ok;
  if (rules.allowPrivate) return null;
  try {
    await checkedAddresses(ok.host, rules);
    return null;
  } catch (err) {
    if (err instanceof HookRefusedError) return { rule: err.rule, message: err.message };
    throw err;
  }
}

/** A `net.connect` lookup that answers only checked addresses, resolving once per connection. */
export function hookLookup(rules: AddressRules): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    checkedAddresses(hostname, rules).then(
      (found) => {
        const f = options.family;
        const wanted = f === 4 || f === 'IPv4' ? 4 : f === 6 || f === 'IPv6' ? 6 : undefined;
        const list = wanted ? found.filter((a) => a.family === wanted) : found;
        if (list.length === 0)
          callback(new HookRefusedError('resolvable', `host ${hostname} has no IPv${wanted} address`), '', 0);
        else if (options.all) callback(null, list);
        else callback(null, list[0]!.address, list[0]!.family);
      },
      (err: Error) => callback(err, '', 0)
    );
  };
}

/**
 * An undici dispatcher that reaches only what the guard allows: IP literals are checked before connecting (net
 * skips the lookup for them), names through {@link hookLookup}, and the connected socket's remote address once more.
 */
export function hookDispatcher(rules: AddressRules & { connectTimeoutMs?: number }): Agent {
  const connect = buildConnector({ lookup: hookLookup(rules), timeout: rules.connectTimeoutMs ?? 10_000 });
  return new Agent({
    connect: (opts, callback) => {
      const early = classifyAddress(opts.hostname) && addressRefusal(opts.hostname, opts.hostname, rules);
      if (early) return callback(early, null);
      connect(opts, (err, socket) => {
        if (err) return callback(err, null);
        const late = addressRefusal(opts.hostname, socket.remoteAddress, rules);
        if (!late) return callback(null, socket);
        socket.destroy();
        callback(late, null);
      });
    },
  });
}
