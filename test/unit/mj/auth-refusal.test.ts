/** 401/403 refusals read as a wrong key or a banned account (src/mj/auth-refusal.ts), typed on MjAuthError. */
import { classifyAuthRefusal, MjAuthError } from '../../../src/mj';

describe('classifyAuthRefusal', () => {
  it.each([
    ['账号已禁用', 'banned-account'],
    ['/mj/submit/imagine: HTTP 403: 账号不可用', 'banned-account'],
    ['Your account suspended until further notice', 'banned-account'],
    ['Authorization header missing.', 'credentials'],
    ['未登录', 'credentials'],
    ['', 'credentials'],
  ])('%j is %s', (text, kind) => {
    expect(classifyAuthRefusal(text)).toBe(kind);
  });

  it('is set on MjAuthError from its message or its body', () => {
    expect(new MjAuthError('HTTP 401', { body: '账号已禁用' }).refusal).toBe('banned-account');
    expect(new MjAuthError('HTTP 401: 账号已禁用').refusal).toBe('banned-account');
    expect(new MjAuthError('HTTP 401', { body: { error: 'unauthorized' } }).refusal).toBe('credentials');
  });
});
