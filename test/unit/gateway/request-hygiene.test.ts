/**
 * The rules behind the gateway's request hygiene, each on its own: where absolute URLs come from (public-url.ts),
 * the options that configure it (errors naming the variable), the JSON content-type rule, the one prompt rule both
 * the gateway and `MjJobsClient` apply, and the byte-sized takes of the rate limiter the storage quota uses.
 */
import type http from 'node:http';
import { checkPrompt } from '../../../src/client/validation';
import { checkPromptText, isBlankText } from '../../../src/mj/prompt-rule';
import { GatewayError } from '../../../src/gateway/errors';
import { prompt } from '../../../src/gateway/routes/fields';
import { checkJsonContentType } from '../../../src/gateway/http-io';
import { addDefaults, gatewayOptionsFromEnv } from '../../../src/config/gateway';
import { callbackBaseUrl, configuredBaseUrl, requestBaseUrl } from '../../../src/gateway/public-url';
import { RateLimiter } from '../../../src/gateway/guards/rate-limit';
import { imagineRequestSchema } from '../../../src/mj/schemas';
import { promptSchema } from '../../../src/pipeline/schemas';
import { MjInputError } from '../../../src/mj/errors';

const SECRET = 's'.repeat(32);
const LISTEN = 'http://127.0.0.1:8090';
const req = (headers: http.IncomingHttpHeaders) => ({ headers }) as http.IncomingMessage;
const SPOOF = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

describe('absolute URLs', () => {
  test('no public URL, no trusted proxy: the listen address, whatever the headers say', () => {
    const o = addDefaults({ secret: SECRET });
    expect(requestBaseUrl(o, LISTEN, req(SPOOF))).toBe(LISTEN);
    expect(configuredBaseUrl(o, LISTEN)).toBe(LISTEN);
  });

  test('a public URL wins over headers, trusted proxy or not, and over a memo', () => {
    for (const trustProxy of [false, true]) {
      const o = addDefaults({ secret: SECRET, publicBaseUrl: 'https://mj.example.com/', trustProxy });
      expect(requestBaseUrl(o, LISTEN, req(SPOOF))).toBe('https://mj.example.com');
      expect(callbackBaseUrl(o, LISTEN, 'http://evil.example')).toBe('https://mj.example.com');
    }
  });

  test('a trusted proxy: its forwarded host and proto; a malformed host falls back to the listen address', () => {
    const o = addDefaults({ secret: SECRET, trustProxy: true });
    expect(requestBaseUrl(o, LISTEN, req(SPOOF))).toBe('https://evil.example');
    expect(requestBaseUrl(o, LISTEN, req({ host: 'gw.internal:8090' }))).toBe('http://gw.internal:8090');
    for (const host of ['a.example/@x', 'a b', 'x.example#', ''])
      expect(requestBaseUrl(o, LISTEN, req({ 'x-forwarded-host': host, host }))).toBe(LISTEN);
    expect(callbackBaseUrl(o, LISTEN, 'https://cdn.example.org')).toBe('https://cdn.example.org');
  });

  test("callbacks ignore a memo's baseUrl unless a proxy is trusted (old memos held a caller's Host)", () => {
    expect(callbackBaseUrl(addDefaults({ secret: SECRET }), LISTEN, 'http://evil.example')).toBe(LISTEN);
  });
});

describe('options', () => {
  test.each([
    'ftp://x.example',
    'not a url',
    'https://u:p@x.example',
    'https://x.example/?q=1',
    'https://x.example/#f',
  ])('MJ_GATEWAY_PUBLIC_URL=%s is refused naming the variable', (v) => {
    expect(() => addDefaults(gatewayOptionsFromEnv({ MJ_GATEWAY_PUBLIC_URL: v }, SECRET))).toThrow(
      /MJ_GATEWAY_PUBLIC_URL/
    );
  });

  test('MJ_GATEWAY_TRUST_PROXY and MJ_GATEWAY_STORAGE_BYTES_PER_DAY: typed, defaulted, errors naming them', () => {
    const d = addDefaults({ secret: SECRET });
    expect(d).toMatchObject({ trustProxy: false, storageBytesPerDay: 1024 * 1024 * 1024 });
    expect(gatewayOptionsFromEnv({ MJ_GATEWAY_TRUST_PROXY: 'true' }, SECRET).trustProxy).toBe(true);
    expect(gatewayOptionsFromEnv({ MJ_GATEWAY_TRUST_PROXY: '0' }, SECRET).trustProxy).toBe(false);
    expect(() => gatewayOptionsFromEnv({ MJ_GATEWAY_TRUST_PROXY: 'yes' }, SECRET)).toThrow(/MJ_GATEWAY_TRUST_PROXY/);
    expect(gatewayOptionsFromEnv({ MJ_GATEWAY_STORAGE_BYTES_PER_DAY: '1000' }, SECRET).storageBytesPerDay).toBe(1000);
    expect(() => addDefaults({ secret: SECRET, storageBytesPerDay: 1.5 })).toThrow(/MJ_GATEWAY_STORAGE_BYTES_PER_DAY/);
    expect(() => gatewayOptionsFromEnv({ MJ_GATEWAY_STORAGE_BYTES_PER_DAY: '-1' }, SECRET)).toThrow(
      /MJ_GATEWAY_STORAGE_BYTES_PER_DAY/
    );
  });
});

describe('JSON content type', () => {
  test.each(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON;charset="UTF-8"'])(
    '%s passes',
    (t) => expect(() => checkJsonContentType({ 'content-type': t }, true)).not.toThrow()
  );

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1', ''])(
    '%j is a 415 naming content-type',
    (t) => {
      const err = (() => {
        try {
          checkJsonContentType({ 'content-type': t });
        } catch (e) {
          return e;
        }
      })() as GatewayError;
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ status: 415, code: 4, extra: { field: 'content-type' } });
    }
  );

  test('none at all: allowed before the body is read, refused once a body came', () => {
    expect(() => checkJsonContentType({})).not.toThrow();
    expect(() => checkJsonContentType({}, true)).toThrow(GatewayError);
  });
});

describe('one prompt rule', () => {
  const invisible = [
    '\u200b',
    '\u200c\u200d',
    '\ufeff',
    '\u200e\u200f',
    '\u202a\u202e',
    '\u2066\u2069',
    '\u00ad',
    '\u3164',
    ' \t\n\u00a0\u3000',
  ];

  test.each(
    invisible.map((s) => [[...s].map((c) => `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`).join(' '), s])
  )('%s alone is blank', (_n, s) => {
    expect(isBlankText(s)).toBe(true);
    expect(checkPromptText(s)).toMatchObject({ ok: false });
  });

  test('the gateway and the typed client refuse the same prompts, naming the field', () => {
    const blank = invisible.join('');
    expect(() => prompt({ prompt: blank })).toThrow(
      expect.objectContaining({ extra: expect.objectContaining({ field: 'prompt' }) })
    );
    expect(() => checkPrompt(blank)).toThrow(MjInputError);
    expect(() => checkPrompt(blank)).toThrow(/prompt must be a non-empty string/);
    expect(prompt({ prompt: ' \u200bcat ' })).toBe('\u200bcat');
    expect(checkPrompt(' \u200bcat ')).toBe('\u200bcat');
    // Pipeline and batch files (parsed by the client) and MjClient's request schemas follow it too.
    expect(promptSchema.safeParse(blank).success).toBe(false);
    expect(imagineRequestSchema.safeParse({ prompt: blank }).success).toBe(false);
  });
});

describe('rate limiter', () => {
  test('takes a cost (bytes) from a bucket and says how long until it fits', () => {
    const l = new RateLimiter(() => 0);
    expect(l.take('b', 10, 100, 60)).toBe(0);
    expect(l.take('b', 10, 100, 60)).toBe(2); // 40 left, 20 more at 10/s
    expect(l.take('b', 10, 100, 40)).toBe(0);
  });
});
