import {
  isMjError,
  MjAuthError,
  MjConnectionError,
  MjInputError,
  MjResponseError,
  MjServerError,
  MjTaskNotFoundError,
  MjTimeoutError,
} from '../../../src/mj';
import { MAX_ERROR_BODY_BYTES, truncateUtf8 } from '../../../src/mj/errors';

describe('MjError', () => {
  test('literal name equals the class name; stable code; stack header names the class', () => {
    const cases = [
      [new MjAuthError('x'), 'MjAuthError', 'MJ_AUTH', false],
      [new MjTaskNotFoundError('42'), 'MjTaskNotFoundError', 'MJ_TASK_NOT_FOUND', true],
      [new MjServerError('x'), 'MjServerError', 'MJ_UPSTREAM_5XX', true],
      [new MjTimeoutError('x', 'UND_ERR_HEADERS_TIMEOUT'), 'MjTimeoutError', 'MJ_TIMEOUT', true],
      [new MjResponseError('id: required'), 'MjResponseError', 'MJ_BAD_RESPONSE', false],
      [new MjInputError('state', 'must be at most 255 characters'), 'MjInputError', 'MJ_INVALID_INPUT', false],
    ] as const;
    for (const [err, name, code, retryable] of cases) {
      expect(err.name).toBe(name);
      expect(err.constructor.name).toBe(name);
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(retryable);
      expect(err.outcomeUnknown).toBe(false);
      expect(err.stack?.split('\n')[0]).toBe(`${name}: ${err.message}`);
      expect(err).toBeInstanceOf(Error);
    }
  });

  test('isMjError recognises the marker, and a copy from another module instance by name and code', () => {
    expect(isMjError(new MjAuthError('x'))).toBe(true);
    const foreign = Object.assign(new Error('x'), { name: 'MjQueueFullError', code: 'MJ_QUEUE_FULL' });
    expect(isMjError(foreign)).toBe(true);
    const marked = Object.assign(new Error('x'), { [Symbol.for('mj.error')]: true });
    expect(isMjError(marked)).toBe(true);
    expect(isMjError(new Error('x'))).toBe(false);
    expect(isMjError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isMjError(null)).toBe(false);
    expect(isMjError('MjAuthError')).toBe(false);
  });

  test('endpoint keeps the path only', () => {
    const err = new MjAuthError('x', { endpoint: '/mj/task/1/fetch?token=abc#frag' });
    expect(err.endpoint).toBe('/mj/task/1/fetch');
  });

  test('bodies are kept truncated to 1 KB and never in the message', () => {
    const body = 'é'.repeat(5000);
    const err = new MjServerError('GET /mj/task/1/fetch: HTTP 502', { body, status: 502 });
    expect(Buffer.byteLength(err.body!)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
    expect(err.body!.startsWith('éé')).toBe(true);
    expect(err.message).not.toContain('é');
    expect(new MjServerError('x', { body: { a: 1 } }).body).toBe('{"a":1}');
    expect(truncateUtf8('short')).toBe('short');
  });

  test('toJSON is bounded and leaves out the cause', () => {
    const cause = Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' });
    const err = new MjConnectionError('POST /mj/submit/imagine: connection failed (UND_ERR_SOCKET)', 'UND_ERR_SOCKET', {
      cause,
      endpoint: '/mj/submit/imagine',
      outcomeUnknown: true,
    });
    expect(err.cause).toBe(cause);
    const json = JSON.parse(JSON.stringify(err));
    expect(json).toEqual({
      name: 'MjConnectionError',
      code: 'MJ_CONNECTION',
      message: 'POST /mj/submit/imagine: connection failed (UND_ERR_SOCKET)',
      retryable: true,
      outcomeUnknown: true,
      endpoint: '/mj/submit/imagine',
      causeCode: 'UND_ERR_SOCKET',
    });
  });

  test('MjInputError message names the field and the rule, with an optional operation', () => {
    const err = new MjInputError('base64Array', 'must hold 2–5 images (got 1)', 'blend');
    expect(err.message).toBe('blend: base64Array must hold 2–5 images (got 1)');
    expect([err.field, err.rule]).toEqual(['base64Array', 'must hold 2–5 images (got 1)']);
  });
});
