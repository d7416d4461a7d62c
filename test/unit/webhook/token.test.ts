import { tokenMatches } from '../../../src/webhook/token';

describe('tokenMatches', () => {
  const token = 'tok_3f9a2c71e4b85d06a1c94e7f';

  it('accepts the exact token only', () => {
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(token, token.slice(0, -1))).toBe(false);
    expect(tokenMatches(token, `${token}x`)).toBe(false);
    expect(tokenMatches(token, token.toUpperCase())).toBe(false);
    expect(tokenMatches(token, '')).toBe(false);
  });

  it('compares guesses of any length without throwing (timingSafeEqual needs equal lengths: digests give them)', () => {
    for (const guess of ['a', 'x'.repeat(10_000), '☃', token.slice(0, 12)]) {
      expect(() => tokenMatches(token, guess)).not.toThrow();
      expect(tokenMatches(token, guess)).toBe(false);
    }
  });
});
