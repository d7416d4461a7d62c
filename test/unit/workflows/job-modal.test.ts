import { checkModalInput, modalNeeds } from '../../../src/workflows/job-modal';
import type { AssetRef } from '../../../src/shared/types';

const mask: AssetRef = { key: 'masks/ab.png', sha256: 'a'.repeat(64), size: 1234, contentType: 'image/png' };

describe('modalNeeds', () => {
  it('asks for a mask only for Vary (Region)', () => {
    expect(modalNeeds({ kind: 'vary-region' })).toEqual(['prompt', 'mask']);
    expect(modalNeeds({ kind: 'custom-zoom' })).toEqual(['prompt']);
    expect(modalNeeds(undefined)).toEqual(['prompt']);
  });
});

describe('checkModalInput', () => {
  it.each([
    ['a remix prompt', { prompt: 'a red fox' }, { kind: 'variation', index: 1 }],
    ['vary region with a PNG mask', { prompt: 'add a hat', mask }, { kind: 'vary-region' }],
    ['custom zoom with --zoom in range', { prompt: 'cat --ar 1:1 --zoom 1.5' }, { kind: 'custom-zoom' }],
  ])('accepts %s', (_name, input, intent) => {
    expect(checkModalInput(input, intent as never)).toBeNull();
  });

  it.each([
    ['an empty prompt', { prompt: '   ' }, undefined, /non-empty/],
    ['a missing prompt', {}, undefined, /non-empty/],
    ['an over-long prompt', { prompt: 'x'.repeat(6_001) }, undefined, /longer than/],
    [
      'a JPEG mask',
      { prompt: 'p', mask: { ...mask, contentType: 'image/jpeg' } },
      { kind: 'vary-region' },
      /image\/png/,
    ],
    [
      'a mask without sha256',
      { prompt: 'p', mask: { ...mask, sha256: 'nope' } },
      { kind: 'vary-region' },
      /image\/png/,
    ],
    ['vary region without a mask', { prompt: 'p' }, { kind: 'vary-region' }, /needs a mask/],
    ['custom zoom without --zoom', { prompt: 'cat --ar 1:1' }, { kind: 'custom-zoom' }, /--zoom/],
    ['custom zoom outside 1..2', { prompt: 'cat --zoom 3' }, { kind: 'custom-zoom' }, /outside/],
  ])('rejects %s', (_name, input, intent, why) => {
    expect(checkModalInput(input as never, intent as never)).toMatch(why);
  });
});
