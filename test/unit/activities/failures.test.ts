import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { makeRedactor, toApplicationFailure } from '../../../src/activities/failures';
import { AssetNotFoundError } from '../../../src/assets';
import {
  MjAuthError,
  MjConnectionError,
  MjQueueFullError,
  MjRateLimitedError,
  MjTaskNotFoundError,
  MjValidationError,
} from '../../../src/mj';

const HOOK = 'https://hooks.example.com/webhook/mj/s3cr3t-token-0123456789?sig=another-secret-value';

describe('toApplicationFailure', () => {
  it('maps an MjError to its name, retryability, Retry-After and redacted details', () => {
    const f = toApplicationFailure(
      new MjRateLimitedError('slow down', { status: 429, upstreamCode: 30, retryAfterMs: 12_000, body: 'secret body' })
    ) as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f).toMatchObject({ type: 'MjRateLimitedError', nonRetryable: false, nextRetryDelay: 12_000 });
    expect(f.details).toEqual([{ code: 'MJ_RATE_LIMITED', status: 429, upstreamCode: 30, retryAfterMs: 12_000 }]);
    expect(JSON.stringify(f.details)).not.toContain('secret body');
  });

  it('marks terminal errors non-retryable and a submit that may have landed as outcome unknown', () => {
    expect(toApplicationFailure(new MjAuthError('HTTP 401', { status: 401 }))).toMatchObject({
      nonRetryable: true,
      type: 'MjAuthError',
    });
    const reset = toApplicationFailure(
      new MjConnectionError('reset', 'ECONNRESET', { outcomeUnknown: true })
    ) as ApplicationFailure;
    expect(reset.details?.[0]).toMatchObject({ code: 'MJ_CONNECTION', outcomeUnknown: true });
    const full = toApplicationFailure(new MjQueueFullError('queue full', { upstreamCode: 23 })) as ApplicationFailure;
    expect(full.details?.[0]).not.toHaveProperty('outcomeUnknown');
  });

  it('marks a missing task as a benign "not yet"', () => {
    const f = toApplicationFailure(new MjTaskNotFoundError('123')) as ApplicationFailure;
    expect(f.category).toBe(ApplicationFailureCategory.BENIGN);
    expect(toApplicationFailure(new MjQueueFullError('full')) as ApplicationFailure).toHaveProperty(
      'category',
      undefined
    );
  });

  it('passes cancellations and ApplicationFailures through untouched', () => {
    const cancelled = new CancelledFailure('cancelled');
    const app = ApplicationFailure.create({ type: 'X', message: 'y' });
    expect(toApplicationFailure(cancelled)).toBe(cancelled);
    expect(toApplicationFailure(app)).toBe(app);
  });

  it('makes a missing asset non-retryable and anything else a retryable failure of the same name', () => {
    expect(toApplicationFailure(new AssetNotFoundError('masks/x.png'))).toMatchObject({
      type: 'AssetNotFoundError',
      nonRetryable: true,
    });
    const other = toApplicationFailure(new TypeError('line one\nline two')) as ApplicationFailure;
    expect(other).toMatchObject({ type: 'TypeError', nonRetryable: false, message: 'line one' });
  });

  it('never lets the hook URL or its token into a failure', () => {
    const redact = makeRedactor([HOOK]);
    for (const text of [
      `notifyHook ${HOOK} rejected`,
      'token s3cr3t-token-0123456789 leaked',
      `encoded ${encodeURIComponent(HOOK)}`,
      'query another-secret-value too',
    ]) {
      const f = toApplicationFailure(new MjValidationError(text), redact) as ApplicationFailure;
      expect(f.message).not.toMatch(/s3cr3t|another-secret/);
      expect(f.message).toContain('[redacted]');
      expect(JSON.stringify(f)).not.toMatch(/s3cr3t|another-secret/);
    }
    const plain = toApplicationFailure(new Error(`boom ${HOOK}`), redact) as ApplicationFailure;
    expect(plain.message).not.toContain('s3cr3t');
  });

  it('leaves ordinary words alone', () => {
    const redact = makeRedactor([HOOK]);
    expect(redact('the webhook of mj at hooks.example.com')).toBe('the webhook of mj at hooks.example.com');
    expect(makeRedactor([undefined])('nothing to hide')).toBe('nothing to hide');
  });
});
