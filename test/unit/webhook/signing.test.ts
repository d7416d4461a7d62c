import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook } from '../../../src/webhook/signing';

describe('caller webhook signatures', () => {
  const secret = 'whsec_0b8e6c1f9a2d4e7b';
  const body = '{"jobId":"mj-job-1","status":"SUCCESS"}';

  it('signs "t.body" with HMAC-SHA256 in the documented header format', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    const mac = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${mac}`);
  });

  it('verifies a fresh signature and rejects tampering, staleness and garbage', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    expect(verifyWebhook(secret, header, body, { nowSec: 1_700_000_060 })).toEqual({
      ok: true,
      timestampSec: 1_700_000_000,
    });
    expect(verifyWebhook(secret, header, `${body} `, { nowSec: 1_700_000_060 })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhook('other-secret', header, body, { nowSec: 1_700_000_060 })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhook(secret, header, body, { nowSec: 1_700_001_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhook(secret, 'nonsense', body)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyWebhook(secret, undefined, body)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts any of several v1 entries (secret rotation)', () => {
    const oldSig = signWebhook('old-secret', body, 1_700_000_000);
    const newSig = signWebhook(secret, body, 1_700_000_000).split(',')[1];
    expect(verifyWebhook(secret, `${oldSig},${newSig}`, body, { nowSec: 1_700_000_000 }).ok).toBe(true);
  });
});
