import { TypedSearchAttributes } from '@temporalio/common';
import { escapeHtml, html } from '../../../src/console/html';
import { SessionSealer, tokensEqual, parseCookies, cookie } from '../../../src/console/session';
import {
  MJ_TENANT,
  quoteQueryValue,
  rootWorkflowId,
  startSummary,
  StaticTenantKeys,
  tenantStartInterceptor,
} from '../../../src/console/tenancy';
import { MJ_MODE } from '../../../src/shared/search-attributes';

describe('html', () => {
  test('escapes every interpolated value, including attribute quotes', () => {
    const evil = `<img src=x onerror="alert('x')">&`;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>'
    );
  });
  test('nested templates are not escaped twice; arrays join; null, undefined and false render nothing', () => {
    const inner = html`<b>${'a<b'}</b>`;
    expect(html`<div>${inner}${[html`<i>1</i>`, '<2>']}${null}${undefined}${false}${0}</div>`.value).toBe(
      '<div><b>a&lt;b</b><i>1</i>&lt;2&gt;0</div>'
    );
    expect(escapeHtml('"\'')).toBe('&quot;&#39;');
  });
});

describe('sessions', () => {
  const exp = Date.now() + 60_000;
  test('a sealed session opens with the same secret only, and never shows the key', () => {
    const secret = Buffer.alloc(32, 7);
    const { value: sealed, session } = new SessionSealer(secret).create('acme', 'acme-key-0123456789', exp);
    expect(sealed).not.toContain('acme');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(session.apiKey);
    expect(new SessionSealer(secret).open(sealed)).toEqual(session);
    expect(new SessionSealer(Buffer.alloc(32, 8)).open(sealed)).toBeNull();
  });
  test('the CSRF token is bound to the session: another session of the same tenant has another', () => {
    const s = new SessionSealer(Buffer.alloc(32, 7));
    const a = s.create('acme', 'acme-key-0123456789', exp).session;
    const b = s.create('acme', 'acme-key-0123456789', exp).session;
    expect(a.csrf).not.toBe(b.csrf);
    expect(a.sid).not.toBe(b.sid);
    // The sign-in form's token fits its own cookie only.
    const pre = s.createSignIn(exp);
    expect(s.signInToken(pre.value)).toBe(pre.token);
    expect(s.signInToken(s.createSignIn(exp).value)).not.toBe(pre.token);
    expect(s.signInToken(pre.value, exp + 1)).toBeNull();
    expect(new SessionSealer(Buffer.alloc(32, 8)).signInToken(pre.value)).toBeNull();
  });
  test('tampered, truncated and expired cookies are refused', () => {
    const s = new SessionSealer();
    const { value: sealed } = s.create('acme', 'acme-key-0123456789', exp);
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[flipped.length - 1]! ^= 1;
    expect(s.open(flipped.toString('base64url'))).toBeNull();
    expect(s.open(sealed.slice(0, 20))).toBeNull();
    expect(s.open(undefined)).toBeNull();
    expect(s.open(sealed, exp + 1)).toBeNull();
  });
  test('a session secret must be 32 bytes', () => {
    expect(() => new SessionSealer(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
  test('tokens compare in constant time and an empty one never matches', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('', '')).toBe(false);
    expect(tokensEqual(undefined, 'abc')).toBe(false);
  });
  test('cookies are HttpOnly and SameSite=Strict; Secure on request', () => {
    expect(cookie('a', 'b', { path: '/console', maxAgeS: 5, secure: false })).toBe(
      'a=b; Path=/console; HttpOnly; SameSite=Strict; Max-Age=5'
    );
    expect(cookie('a', 'b', { path: '/', maxAgeS: 5, secure: true })).toMatch(/; Secure$/);
    expect(parseCookies('x=1; mjc_session=abc=; y')).toEqual({ x: '1', mjc_session: 'abc=' });
  });
});

describe('tenancy', () => {
  test('keys are compared by digest; unknown keys and bad tenants are refused', async () => {
    const keys = new StaticTenantKeys({ acme: 'acme-key-0123456789', globex: 'globex-key-0123456789' });
    await expect(keys.authenticate('acme-key-0123456789')).resolves.toBe('acme');
    await expect(keys.authenticate('globex-key-0123456789')).resolves.toBe('globex');
    await expect(keys.authenticate('acme-key-012345678')).resolves.toBeNull();
    expect(() => keys.add('Bad Tenant', 'x'.repeat(20))).toThrow(/tenant/);
    expect(() => keys.add('short', 'x')).toThrow(/16 characters/);
  });
  test('a child job belongs to the root workflow of its id', () => {
    expect(rootWorkflowId('mj-pipeline-x/ups/U2')).toBe('mj-pipeline-x');
    expect(rootWorkflowId('mj-job-1')).toBe('mj-job-1');
  });
  test('query values cannot widen a visibility query', () => {
    expect(quoteQueryValue('a" OR MjTenant = "b')).toBe('"a\\" OR MjTenant = \\"b"');
    expect(quoteQueryValue('a\\')).toBe('"a\\\\"');
  });
  test('the Web UI summary of what the console starts: the job request, the pipeline steps, the batch size', () => {
    const imagine = { request: { kind: 'imagine', prompt: 'a *bold* cat' } };
    expect(startSummary('mjJobWorkflow', imagine)).toBe('imagine: a \\*bold\\* cat');
    const pipeline = { name: 'cat', steps: [{ id: 'grid' }, { id: 'ups' }] };
    expect(startSummary('pipelineWorkflow', pipeline)).toBe('pipeline cat: grid → ups');
    expect(startSummary('batchWorkflow', { items: [{}, {}, {}] })).toBe('batch of 3 jobs');
    expect(startSummary('batchWorkflow', { items: [{}] })).toBe('batch of 1 job');
    expect(startSummary('otherWorkflow', imagine)).toBeUndefined();
    expect(startSummary('mjJobWorkflow', undefined)).toBeUndefined();
  });

  test('the start interceptor tags every start with the tenant, replacing one the caller set', async () => {
    const i = tenantStartInterceptor('acme');
    let seen: unknown;
    const next = async (input: unknown) => {
      seen = input;
      return 'run-id';
    };
    await i.start!(
      {
        workflowType: 'mjJobWorkflow',
        headers: {},
        options: {
          workflowId: 'w',
          taskQueue: 'q',
          typedSearchAttributes: new TypedSearchAttributes([
            { key: MJ_MODE, value: 'FAST' },
            { key: MJ_TENANT, value: 'globex' },
          ]),
        },
      } as never,
      next as never
    );
    const attrs = (seen as { options: { typedSearchAttributes: { key: { name: string }; value: string }[] } }).options
      .typedSearchAttributes;
    expect(attrs.map((a) => [a.key.name, a.value])).toEqual([
      ['MjMode', 'FAST'],
      ['MjTenant', 'acme'],
    ]);
  });
});
