import { buttonsFor, gatewayAcceptsCustomId, gridButtons, planCustomId } from '../../../src/simulator/buttons';
import { makeVersion, parsePrompt } from '../../../src/simulator/prompt';

const HASH = '3dbbd469-36af-4a0f-8f02-df6c579e7011';
const ids = (kind: Parameters<typeof buttonsFor>[0], v: string, family: 'mj' | 'niji' = 'mj') =>
  buttonsFor(kind, makeVersion(family, v, '7'), HASH).map((b) => b.customId);

describe('button sets', () => {
  it('grid: U1–U4, reroll, V1–V4 with the job hash', () => {
    const grid = gridButtons(HASH);
    expect(grid.map((b) => b.label)).toEqual(['U1', 'U2', 'U3', 'U4', '', 'V1', 'V2', 'V3', 'V4']);
    expect(grid[1].customId).toBe(`MJ::JOB::upsample::2::${HASH}`);
    expect(grid[4]).toEqual({
      customId: `MJ::JOB::reroll::0::${HASH}::SOLO`,
      emoji: '🔄',
      label: '',
      type: 2,
      style: 2,
    });
  });

  it('upscale v6.1 and v7 use their own HD prefixes', () => {
    expect(ids('upscale', '6.1')).toContain(`MJ::JOB::upsample_v6r1_2x_subtle::1::${HASH}::SOLO`);
    expect(ids('upscale', '7')).toContain(`MJ::JOB::upsample_v7_2x_creative::1::${HASH}::SOLO`);
    expect(ids('upscale', '6', 'niji')).toContain(`MJ::JOB::upsample_v6_2x_subtle::1::${HASH}::SOLO`);
  });

  it('upscale v7 has vary, region, zoom, custom zoom, pans, animate and reroll', () => {
    const set = ids('upscale', '7');
    for (const id of [
      `MJ::JOB::low_variation::1::${HASH}::SOLO`,
      `MJ::JOB::high_variation::1::${HASH}::SOLO`,
      `MJ::Inpaint::1::${HASH}::SOLO`,
      `MJ::Outpaint::50::1::${HASH}::SOLO`,
      `MJ::Outpaint::75::1::${HASH}::SOLO`,
      `MJ::CustomZoom::${HASH}`,
      `MJ::JOB::pan_left::1::${HASH}::SOLO`,
      `MJ::JOB::animate_high::1::${HASH}::SOLO`,
      `MJ::JOB::reroll::0::${HASH}::SOLO`,
    ]) {
      expect(set).toContain(id);
    }
  });

  it('v8 has no HD upscale, zoom or pan', () => {
    const set = ids('upscale', '8').join(' ');
    expect(set).not.toMatch(/upsample_|Outpaint|CustomZoom|pan_/);
    expect(set).toMatch(/Inpaint/);
  });

  it('describe, shorten and video stages', () => {
    expect(ids('describe', '7')).toEqual([
      'MJ::Job::PicReader::1',
      'MJ::Job::PicReader::2',
      'MJ::Job::PicReader::3',
      'MJ::Job::PicReader::4',
      'MJ::Picread::Retry',
      'MJ::Job::PicReader::all',
    ]);
    expect(ids('shorten', '7')).toHaveLength(5);
    expect(buttonsFor('video', makeVersion('mj', '7', '7'), HASH, { batch: 2 }).map((b) => b.customId)).toEqual([
      `MJ::JOB::video_virtual_upscale::1::${HASH}`,
      `MJ::JOB::video_virtual_upscale::2::${HASH}`,
    ]);
    expect(buttonsFor('video-upscale', makeVersion('mj', '7', '7'), HASH, { index: 3 })[0].customId).toBe(
      `MJ::JOB::animate_high_extend::3::${HASH}`
    );
  });
});

describe("each version's button set, read from the prompt as the simulator reads it", () => {
  const ofPrompt = (stage: Parameters<typeof buttonsFor>[0], prompt: string) =>
    buttonsFor(stage, parsePrompt(prompt, '7').version, HASH).map((b) => b.customId);
  const hd = (stem: string) => [
    `MJ::JOB::${stem}_2x_subtle::1::${HASH}::SOLO`,
    `MJ::JOB::${stem}_2x_creative::1::${HASH}::SOLO`,
  ];
  const vary = [
    `MJ::JOB::low_variation::1::${HASH}::SOLO`,
    `MJ::JOB::high_variation::1::${HASH}::SOLO`,
    `MJ::Inpaint::1::${HASH}::SOLO`,
  ];
  const zoom = [`MJ::Outpaint::50::1::${HASH}::SOLO`, `MJ::Outpaint::75::1::${HASH}::SOLO`, `MJ::CustomZoom::${HASH}`];
  const pans = ['left', 'right', 'up', 'down'].map((d) => `MJ::JOB::pan_${d}::1::${HASH}::SOLO`);
  const animate = [`MJ::JOB::animate_high::1::${HASH}::SOLO`, `MJ::JOB::animate_low::1::${HASH}::SOLO`];
  const tail = [`MJ::BOOKMARK::${HASH}`, `MJ::JOB::reroll::0::${HASH}::SOLO`];

  it.each([
    ['a cat --v 6.1', '6.1', [...hd('upsample_v6r1'), ...vary, ...zoom, ...pans, ...animate, ...tail]],
    ['a cat --v 7', '7', [...hd('upsample_v7'), ...vary, ...zoom, ...pans, ...animate, ...tail]],
    // Draft mode: no proxy prints a draft-only button; a draft's buttons are its version's.
    ['a cat --v 7 --draft', '7', [...hd('upsample_v7'), ...vary, ...zoom, ...pans, ...animate, ...tail]],
    ['a cat --v 8', '8', [...vary, ...animate, ...tail]],
    ['a cat --v 8.1', '8.1', [...vary, ...animate, ...tail]],
    ['a cat --niji 6', '6', [...hd('upsample_v6'), ...vary, ...zoom, ...pans, ...animate, ...tail]],
    ['a cat --niji 7', '7', [...hd('upsample_v7'), ...vary, ...zoom, ...pans, ...animate, ...tail]],
  ])('%s: version %s, its upscaled image and the same without pans after an HD upscale', (prompt, n, upscaled) => {
    expect(parsePrompt(prompt, '7').version.number).toBe(n);
    expect(ofPrompt('upscale', prompt)).toEqual(upscaled);
    const afterHd = upscaled.filter((id) => !/::JOB::(upsample_|pan_)/.test(id));
    expect(ofPrompt('upscale-hd', prompt)).toEqual(afterHd);
    expect(ofPrompt('grid', prompt)).toEqual(gridButtons(HASH).map((b) => b.customId));
  });

  it.each(['a cat --v 6.1', 'a cat --v 7', 'a cat --v 8', 'a cat --niji 7'])('%s: the video stages', (prompt) => {
    expect(ofPrompt('video', prompt)).toEqual([1, 2, 3, 4].map((i) => `MJ::JOB::video_virtual_upscale::${i}::${HASH}`));
    expect(ofPrompt('video-upscale', prompt)).toEqual([
      `MJ::JOB::animate_high_extend::1::${HASH}`,
      `MJ::JOB::animate_low_extend::1::${HASH}`,
    ]);
  });

  it("labels its buttons as trueai's sets do", () => {
    const labels = buttonsFor('upscale', parsePrompt('a cat --v 7', '7').version, HASH).map((b) => b.label);
    expect(labels).toEqual(
      expect.arrayContaining(['Upscale (Subtle)', 'Vary (Region)', 'Custom Zoom', 'Animate (High motion)'])
    );
    const extend = buttonsFor('video-upscale', parsePrompt('a cat --v 7', '7').version, HASH).map((b) => b.label);
    expect(extend).toEqual(['Extend (High motion)', 'Extend (Low motion)']);
  });
});

describe('planCustomId', () => {
  it.each([
    [`MJ::JOB::upsample::3::${HASH}`, 'upscale', 'never'],
    [`MJ::JOB::variation::1::${HASH}`, 'variation', 'remix'],
    [`MJ::JOB::reroll::0::${HASH}::SOLO`, 'reroll', 'remix'],
    [`MJ::JOB::upsample_v7_2x_subtle::1::${HASH}::SOLO`, 'upscale-hd', 'never'],
    [`MJ::Inpaint::1::${HASH}::SOLO`, 'vary-region', 'always'],
    [`MJ::CustomZoom::${HASH}`, 'custom-zoom', 'always'],
    [`MJ::Outpaint::75::1::${HASH}::SOLO`, 'zoom', 'never'],
    [`MJ::JOB::pan_up::1::${HASH}::SOLO`, 'pan', 'remix'],
    [`MJ::JOB::animate_low::1::${HASH}::SOLO`, 'animate', 'remix'],
    [`MJ::JOB::animate_low_extend::2::${HASH}`, 'video-extend', 'remix'],
    ['MJ::Job::PicReader::2', 'describe-pick', 'always'],
    ['MJ::Picread::Retry', 'describe-retry', 'never'],
    ['MJ::Job::PromptAnalyzer::5', 'shorten-pick', 'remix'],
  ])('%s → %s (%s)', (customId, op, modal) => {
    expect(planCustomId(customId)).toMatchObject({ type: 'task', op, modal });
  });

  it('knows bookmark and imagine-all, and nothing else', () => {
    expect(planCustomId(`MJ::BOOKMARK::${HASH}`)).toEqual({ type: 'bookmark' });
    expect(planCustomId('MJ::Job::PicReader::all')).toEqual({ type: 'describe-all' });
    expect(planCustomId('MJ::JOB::teleport::1::x')).toBeUndefined();
  });
});

describe('gatewayAcceptsCustomId (new-api CoverPlusActionToNormalAction)', () => {
  it('accepts what new-api can name and refuses the rest', () => {
    expect(gatewayAcceptsCustomId(`MJ::JOB::upsample_v7_2x_subtle::1::${HASH}::SOLO`)).toBe(true);
    expect(gatewayAcceptsCustomId(`MJ::Inpaint::1::${HASH}::SOLO`)).toBe(true);
    expect(gatewayAcceptsCustomId(`MJ::CustomZoom::${HASH}`)).toBe(true);
    expect(gatewayAcceptsCustomId('MJ::Job::PicReader::1')).toBe(false);
    expect(gatewayAcceptsCustomId(`MJ::JOB::animate_high::1::${HASH}::SOLO`)).toBe(false);
  });
});
