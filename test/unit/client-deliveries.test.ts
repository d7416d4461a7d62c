/** What the delivery log shows of a notifyHook: where it goes, never a token carried in it. */
import { redactHook } from '../../src/client/deliveries';

describe('redactHook', () => {
  it('keeps scheme, host and path; drops query, fragment and credentials', () => {
    expect(redactHook('https://hooks.example.com:8443/mj/cb')).toBe('https://hooks.example.com:8443/mj/cb');
    expect(redactHook('https://hooks.example.com/cb?token=s3cret&x=1')).toBe('https://hooks.example.com/cb?…');
    expect(redactHook('https://user:pa55@hooks.example.com/cb#frag')).toBe('https://hooks.example.com/cb');
    for (const url of ['https://user:pa55@h.example/cb?token=s3cret#frag']) {
      const shown = redactHook(url);
      for (const secret of ['pa55', 's3cret', 'user', 'frag']) expect(shown).not.toContain(secret);
    }
  });

  it('an unparsable value is not echoed', () => {
    expect(redactHook('not a url token=s3cret')).toBe('(unparsable URL)');
  });
});
