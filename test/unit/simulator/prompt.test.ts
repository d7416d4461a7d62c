import { findBannedWord, parsePrompt, stripSpeedFlags } from '../../../src/simulator/prompt';

describe('parsePrompt', () => {
  it.each([
    ['a cat --v 6.1', 'v 6.1', 'upsample_v6r1', true],
    ['a cat --v 7.0', 'v 7', 'upsample_v7', true],
    ['a cat --version 8', 'v 8', null, false],
    ['a cat --v 5.2', 'v 5.2', 'upsample_v5', true],
    ['a cat --niji', 'niji 6', 'upsample_v6', true],
    ['a cat --niji 7', 'niji 7', 'upsample_v7', true],
    ['a cat', 'v 7', 'upsample_v7', true],
    ['a cat --v 99', 'v 7', 'upsample_v7', true],
    // The grammar of src/mj/params reads the version: every version it declares from V5 on, its spellings and dashes.
    ['a cat --v 8.2', 'v 8.2', null, false],
    ['a cat --V 8.1', 'v 8.1', null, false],
    ['a cat \u2014v 6.1', 'v 6.1', 'upsample_v6r1', true],
    ['a cat --version 6.1 --ar 3:2', 'v 6.1', 'upsample_v6r1', true],
    ['a cat --niji 7.0 --s 100', 'niji 7', 'upsample_v7', true],
    // Versions the simulator does not model fall back to the default of their line.
    ['a cat --v 4', 'v 7', 'upsample_v7', true],
    ['a cat --niji 4', 'niji 6', 'upsample_v6', true],
  ])('%s → %s', (prompt, label, stem, zoomPan) => {
    const { version } = parsePrompt(prompt, '7');
    expect(version.label).toBe(label);
    expect(version.hdStem).toBe(stem);
    expect(version.zoomPan).toBe(zoomPan);
  });

  it('uses the default version and niji bot type when the prompt names none', () => {
    expect(parsePrompt('a cat', '8').version.label).toBe('v 8');
    expect(parsePrompt('a cat', '7', true).version.label).toBe('niji 6');
  });

  it('reads the last speed flag', () => {
    expect(parsePrompt('a cat --relax', '7').speedFlag).toBe('RELAX');
    expect(parsePrompt('a cat --fast --turbo', '7').speedFlag).toBe('TURBO');
    expect(parsePrompt('a cat --fastest', '7').speedFlag).toBeUndefined();
  });

  it('reads markers and removes them from the echoed prompt', () => {
    const p = parsePrompt('a cat --sim-fail invalid-link --sim-duration 2.5 --ar 1:1 --sim-timeout', '7');
    expect(p.markers).toEqual({ fail: 'invalid-link', durationMs: 2500, timeout: true });
    expect(p.echo).toBe('a cat --ar 1:1');
  });

  it('keeps the word after --sim-timeout in the prompt', () => {
    expect(parsePrompt('--sim-timeout cat', '7').echo).toBe('cat');
  });

  it('refuses unknown marker arguments with a message naming them', () => {
    expect(() => parsePrompt('a --sim-fail meteor', '7')).toThrow(/meteor/);
    expect(() => parsePrompt('a --sim-duration soon', '7')).toThrow(/--sim-duration/);
  });
});

describe('stripSpeedFlags', () => {
  it('removes --fast, --relax and --turbo only', () => {
    expect(stripSpeedFlags('a cat --relax --ar 1:1 --turbo')).toBe('a cat --ar 1:1');
  });
});

describe('findBannedWord', () => {
  const banned = ['bannedword', 'nsfw-test'];
  it('matches whole words case-insensitively', () => {
    expect(findBannedWord('A BannedWord here', banned)).toBe('bannedword');
    expect(findBannedWord('try nsfw-test, please', banned)).toBe('nsfw-test');
  });
  it('ignores words that only contain a banned word', () => {
    expect(findBannedWord('unbannedwordy', banned)).toBeUndefined();
    expect(findBannedWord('nsfw-testing', banned)).toBeUndefined();
  });
});
