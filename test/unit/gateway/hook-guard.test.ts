/**
 * The notifyHook guard end to end on loopback: hook URLs in every spelling through `checkHook`, the connect-time
 * lookup, and the callback delivery activity against a real local receiver, with an injected resolver so that a DNS
 * answer that changes between check and connection (rebinding) can be played exactly.
 */
import http from 'node:http';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { request } from 'undici';
import { createCallbackActivities } from '../../../src/gateway/callbacks/callback-activities';
import { GATEWAY_MEMO_KEY, type GatewayMemo } from '../../../src/gateway/tasks/gateway-memo';
import { UrlSigner } from '../../../src/gateway/tasks/image-urls';
import {
  checkHook,
  hookDispatcher,
  hookLookup,
  HookRefusedError,
  type HookResolver,
} from '../../../src/gateway/guards/hook-guard';
import type { DeliverCallbackInput } from '../../../src/workflows/callback/messages';

/** A resolver from a fixed table; unknown names fail like NXDOMAIN. */
function resolverOf(table: Record<string, string[]>): HookResolver {
  return async (host) => {
    const answer = table[host];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
}

const DNS = resolverOf({
  'metadata.google.internal': ['169.254.169.254'],
  'metadata.azure.internal': ['169.254.169.254'],
  localhost: ['127.0.0.1', '::1'],
  'localtest.me': ['127.0.0.1'],
  'nip.example': ['10.0.0.5'],
  'mixed.example': ['93.184.216.34', '10.0.0.5'],
  'v6private.example': ['2606:4700::1111', 'fd00::1'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'nat64.example': ['64:ff9b::a9fe:a9fe'],
  'teredo.example': ['2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  'sixtofour.example': ['2002:a9fe:a9fe::1'],
  'doc.example': ['192.0.2.10'],
  'empty.example': [],
  'hooks.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
});

describe('hook URLs', () => {
  const refused = (url: string) => checkHook(url, { allowPrivate: false, resolve: DNS });

  // Loopback, private and metadata targets in the spellings an attacker uses; all must stay refused.
  test.each([
    'http://127.0.0.1/',
    'http://127.0.0.1:8080/hook',
    'http://127.0.0.1./',
    'http://127.1/',
    'http://127.0.1/',
    'http://0x7f.1/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://017700000001/',
    'http://0177.0.0.1/',
    'http://0/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://[::1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::FFFF:7F00:1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[64:ff9b::8.8.8.8]/',
    'http://[2002:7f00:1::]/',
    'http://[2001::1]/',
    'http://[fe80::1]/',
    'http://[FD00:EC2::254]/latest/meta-data/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://100.100.100.200/latest/meta-data/',
    'http://169.254.169.254/latest/meta-data/',
    'http://169.254.170.2/v2/credentials',
    'http://0xa9fea9fe/',
    'http://2852039166/',
    'http://192.0.0.192/',
    'http://198.18.0.1/',
    'http://192.0.2.1/',
    'http://224.0.0.1/',
    'http://240.0.0.1/',
    'http://255.255.255.255/',
    'https://localhost/',
    'http://LOCALHOST:9/x',
    'http://localtest.me/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://metadata.azure.internal/',
    'http://nip.example/',
    'http://mixed.example/',
    'http://v6private.example/',
    'http://mapped.example/',
    'http://nat64.example/',
    'http://teredo.example/',
    'http://sixtofour.example/',
    'http://doc.example/',
  ])('%s is refused (public-address)', async (url) =>
    expect(await refused(url)).toMatchObject({
      rule: 'public-address',
      message: expect.stringMatching(/resolves to an address in \S+ \(/),
    })
  );

  test.each([
    ['http://[fe80::1%25eth0]/', 'url'],
    ['gopher://127.0.0.1/', 'url'],
    ['file:///etc/passwd', 'url'],
    ['not a url', 'url'],
    ['http://u:p@hooks.example/', 'no-credentials'],
    ['http://nowhere.example/', 'resolvable'],
    ['http://empty.example/', 'resolvable'],
  ])('%s is refused (%s)', async (url, rule) => expect(await refused(url)).toMatchObject({ rule }));

  test.each([
    'https://hooks.example/h',
    'http://8.8.8.8/',
    'http://[2606:4700::1111]:8443/h',
    'http://[::ffff:8.8.8.8]/',
  ])('%s passes', async (url) => expect(await refused(url)).toBeNull());

  test('the operator opt-in lets loopback through; it does not lift the URL rules or the allow-list', async () => {
    expect(await checkHook('http://127.0.0.1:9/x', { allowPrivate: true })).toBeNull();
    expect(await checkHook('http://localhost:9/x', { allowPrivate: true, resolve: DNS })).toBeNull();
    expect(await checkHook('ftp://127.0.0.1/', { allowPrivate: true })).toMatchObject({ rule: 'url' });
    expect(await checkHook('http://127.0.0.1/', { allowPrivate: true, allowList: ['hooks.example'] })).toMatchObject({
      rule: 'allow-list',
    });
  });
});

describe('connect-time lookup', () => {
  const lookupOnce = (resolve: HookResolver, host: string, options: LookupOptions) =>
    new Promise<{ err: Error | null; address: string | LookupAddress[]; family?: number }>((done) =>
      hookLookup({ allowPrivate: false, resolve })(host, options, (err, address, family) =>
        done({ err, address, family })
      )
    );

  test('answers every checked address in canonical text, or the one of the family asked for', async () => {
    const resolve = resolverOf({ h: ['93.184.216.34', '2606:4700:0::1111', '::FFFF:8.8.8.8'] });
    expect(await lookupOnce(resolve, 'h', { all: true })).toEqual({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700:0:0:0:0:0:1111', family: 6 },
        { address: '0:0:0:0:0:ffff:808:808', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookupOnce(resolve, 'h', { family: 6 })).toEqual({
      err: null,
      address: '2606:4700:0:0:0:0:0:1111',
      family: 6,
    });
    expect(await lookupOnce(resolve, 'h', { family: 'IPv4', all: true })).toEqual({
      err: null,
      address: [{ address: '93.184.216.34', family: 4 }],
      family: undefined,
    });
    const v4only = await lookupOnce(resolverOf({ h: ['93.184.216.34'] }), 'h', { family: 6 });
    expect(v4only.err).toMatchObject({ rule: 'resolvable' });
  });

  test('refuses the whole answer when one address is special-purpose', async () => {
    const { err } = await lookupOnce(resolverOf({ h: ['93.184.216.34', '127.0.0.1'] }), 'h', { all: true });
    expect(err).toBeInstanceOf(HookRefusedError);
    expect(err).toMatchObject({ rule: 'public-address', message: expect.stringContaining('loopback') });
  });
});

/** A loopback receiver that records what reaches it: TCP connections and requests. */
class Receiver {
  readonly got: { method?: string; url?: string; host?: string }[] = [];
  connections = 0;
  readonly server = http.createServer((req, res) => {
    this.got.push({ method: req.method, url: req.url, host: req.headers.host });
    req.resume();
    req.on('end', () => (this.answer ? this.answer(res) : res.writeHead(200).end('ok')));
  });
  answer?: (res: http.ServerResponse) => void;
  constructor() {
    this.server.on('connection', () => this.connections++);
  }
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
}

describe('delivery on loopback', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = new Receiver();
    await new Promise<void>((r) => receiver.server.listen(0, '127.0.0.1', () => r()));
  });
  afterEach(async () => {
    receiver.server.closeAllConnections();
    await new Promise<void>((r) => receiver.server.close(() => r()));
  });

  /** Answers a global address to the first question and loopback to every later one. */
  function rebinding(): { resolve: HookResolver; asked: () => number } {
    let calls = 0;
    return {
      resolve: async () => (calls++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']),
      asked: () => calls,
    };
  }

  const gatewayMemo: GatewayMemo = {
    v: 1,
    tenant: 't',
    taskId: '1712345678901123',
    action: 'IMAGINE',
    submitTime: 1,
    prompt: 'p',
    endpoint: 'imagine',
    notify: true,
  };
  const fakeClient = {
    workflow: { getHandle: () => ({ describe: async () => ({ memo: { [GATEWAY_MEMO_KEY]: gatewayMemo } }) }) },
  } as unknown as Client;

  function deliver(url: string, allowPrivateHooks: boolean, resolve: HookResolver) {
    const { deliverCallback } = createCallbackActivities({
      client: fakeClient,
      deploymentSecret: 's'.repeat(32),
      allowPrivateHooks,
      allowList: async () => undefined,
      keyGeneration: async () => 0,
      baseUrl: () => 'http://127.0.0.1:1',
      urls: new UrlSigner('u'.repeat(32), { ttlMs: 3_600_000 }),
      resolve,
      timeoutMs: 5_000,
    });
    const input: DeliverCallbackInput = {
      tenant: 't',
      taskId: gatewayMemo.taskId,
      jobWorkflowId: 'job',
      url,
      seq: 1,
      memo: { v: 1, phase: 'queued', kind: 'imagine', mode: 'FAST', submitTime: 1, prompt: 'p' },
    };
    const quiet = new DefaultLogger('ERROR', () => undefined);
    return new MockActivityEnvironment(undefined, { logger: quiet }).run(deliverCallback, input);
  }

  test('DNS rebinding: a host that was global at check time and loopback at connect time reaches nothing', async () => {
    const dns = rebinding();
    const url = `http://rebind.example:${receiver.port}/hook`;
    expect(await checkHook(url, { allowPrivate: false, resolve: dns.resolve })).toBeNull();
    const err = await deliver(url, false, dns.resolve).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'CallbackRejected', nonRetryable: true });
    expect((err as Error).message).toMatch(/public-address.*loopback/);
    expect(dns.asked()).toBe(2);
    expect(receiver.got).toEqual([]);
    expect(receiver.connections).toBe(0);
  });

  test('the dispatcher alone: a name resolving to loopback and loopback literals never connect', async () => {
    const dispatcher = hookDispatcher({ allowPrivate: false, resolve: resolverOf({ 'loop.example': ['127.0.0.1'] }) });
    try {
      for (const url of [
        `http://loop.example:${receiver.port}/`,
        `http://127.0.0.1:${receiver.port}/`,
        `http://0x7f.1:${receiver.port}/`,
        `http://[::ffff:127.0.0.1]:${receiver.port}/`,
      ]) {
        const err = await request(url, { dispatcher }).catch((e: unknown) => e);
        expect({ url, err }).toMatchObject({ url, err: { code: 'ERR_HOOK_REFUSED', rule: 'public-address' } });
      }
      expect(receiver.got).toEqual([]);
      expect(receiver.connections).toBe(0);
    } finally {
      await dispatcher.close();
    }
  });

  test('operator opt-in: the pinned lookup connects to the resolved address with the original Host', async () => {
    const result = await deliver(
      `http://hooks.internal:${receiver.port}/hook?token=x`,
      true,
      resolverOf({ 'hooks.internal': ['127.0.0.1'] })
    );
    expect(result).toMatchObject({ outcome: 'delivered', httpStatus: 200 });
    expect(receiver.got).toEqual([{ method: 'POST', url: '/hook?token=x', host: `hooks.internal:${receiver.port}` }]);
  });

  test('https: the TLS server name is the hook host, not the address connected to', async () => {
    // The server refuses every handshake after it has read the ClientHello's server name: no certificate needed.
    const names: string[] = [];
    const tlsServer = tls.createServer({
      SNICallback: (name, cb) => {
        names.push(name);
        cb(new Error('no certificate here'), undefined);
      },
    });
    tlsServer.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', () => r()));
    const port = (tlsServer.address() as AddressInfo).port;
    const dispatcher = hookDispatcher({ allowPrivate: true, resolve: resolverOf({ 'hooks.internal': ['127.0.0.1'] }) });
    try {
      const err = await request(`https://hooks.internal:${port}/h`, { dispatcher }).catch((e: unknown) => e);
      expect(String(err)).toMatch(/TLS/);
      expect(names).toEqual(['hooks.internal']);
    } finally {
      await dispatcher.close();
      await new Promise<void>((r) => tlsServer.close(() => r()));
    }
  });

  test('a redirect is not followed: 302 is a rejection and nothing else is asked', async () => {
    receiver.answer = (res) => res.writeHead(302, { location: `http://127.0.0.1:${receiver.port}/elsewhere` }).end();
    const err = await deliver(`http://127.0.0.1:${receiver.port}/hook`, true, DNS).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'CallbackRejected', message: 'notifyHook answered HTTP 302' });
    expect(receiver.got.map((g) => g.url)).toEqual(['/hook']);
  });

  test('a name that does not resolve at delivery is retried, not rejected', async () => {
    const err = await deliver(`http://gone.example:${receiver.port}/hook`, false, DNS).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'CallbackUnreachable', nonRetryable: false });
    expect(receiver.got).toEqual([]);
  });
});
