import { checkModalInput, isAlwaysModal, modalNeeds, normaliseModalInput } from '../../../src/shared/modal-input-rule';
import type { AssetRef } from '../../../src/shared/types';

const mask: AssetRef = { key: 'masks/ab.png', sha256: 'a'.repeat(64), size: 1234, contentType: 'image/png' };

describe('modalNeeds and isAlwaysModal', () => {
  it('asks for a mask only for Vary (Region)', () => {
    expect(modalNeeds({ kind: 'vary-region' })).toEqual(['prompt', 'mask']);
    expect(modalNeeds({ kind: 'custom-zoom' })).toEqual(['prompt']);
    expect(modalNeeds(undefined)).toEqual(['prompt']);
  });

  it('marks Vary (Region), Custom Zoom and describe picks as always modal', () => {
    expect(isAlwaysModal({ kind: 'vary-region' })).toBe(true);
    expect(isAlwaysModal({ kind: 'custom-zoom' })).toBe(true);
    expect(isAlwaysModal({ kind: 'describe-pick', index: 2 })).toBe(true);
    expect(isAlwaysModal({ kind: 'variation', index: 1 })).toBe(false);
    expect(isAlwaysModal(undefined)).toBe(false);
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
    ['not an object', 'a fox', undefined, 'modal', 'type'],
    ['an empty prompt', { prompt: '   ' }, undefined, 'prompt', 'required'],
    ['a missing prompt', {}, undefined, 'prompt', 'required'],
    ['an over-long prompt', { prompt: 'x'.repeat(6_001) }, undefined, 'prompt', 'max-length'],
    [
      'a JPEG mask',
      { prompt: 'p', mask: { ...mask, contentType: 'image/jpeg' } },
      { kind: 'vary-region' },
      'mask',
      'png',
    ],
    [
      'a mask without sha256',
      { prompt: 'p', mask: { ...mask, sha256: 'nope' } },
      { kind: 'vary-region' },
      'mask',
      'asset-ref',
    ],
    ['vary region without a mask', { prompt: 'p' }, { kind: 'vary-region' }, 'mask', 'required'],
    ['custom zoom without --zoom', { prompt: 'cat --ar 1:1' }, { kind: 'custom-zoom' }, 'prompt', 'zoom-required'],
    ['custom zoom outside 1..2', { prompt: 'cat --zoom 3' }, { kind: 'custom-zoom' }, 'prompt', 'zoom-range'],
  ])('rejects %s with field and rule', (_name, input, intent, field, rule) => {
    const p = checkModalInput(input as never, intent as never);
    expect(p).toMatchObject({ field, rule });
    expect(p?.message.startsWith(field)).toBe(true);
  });

  it('checks only the given needs, but every field present', () => {
    expect(checkModalInput({}, { kind: 'describe-pick', index: 1 }, [])).toBeNull();
    expect(checkModalInput({ mask: { ...mask, contentType: 'image/gif' } }, undefined, [])).toMatchObject({
      rule: 'png',
    });
  });

  it('normalises to the fields the upstream takes', () => {
    const extra = { prompt: '  hat ', mask: { ...mask, url: 'x' }, secret: 1 } as never;
    expect(normaliseModalInput(extra)).toEqual({ prompt: 'hat', mask });
  });
});
