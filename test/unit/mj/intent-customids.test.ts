/**
 * The customIds trueai prints and reads, copied literally from its source (the files are named per button in
 * docs/mj-contract.md §7), read by the catalogue and printed back by it; and how Animate and Pan with a prompt find
 * the button they press.
 */
import { findPress, MjButtonNotFoundError, parseIntent } from '../../../src/mj';
import { customIdOf, intentOfCustomId, intentRemixVariant, type IntentSpec } from '../../../src/mj/intents';
import type { MjButton } from '../../../src/mj/types';
import { buttonTextsOf } from '../../../src/shared/intent-text';
import { buttonsFor } from '../../../src/simulator/buttons';
import { makeVersion } from '../../../src/simulator/prompt';

/** [literal customId, what it reads as, the print context that prints it back (null: read only)]. */
const LITERALS: [string, IntentSpec, { hash: string; clip?: number; hdStem?: string } | null][] = [
  [
    'MJ::JOB::upsample::2::898416ec-7c18-4762-bf03-8e428fee1860',
    { kind: 'upscale', index: 2 },
    { hash: '898416ec-7c18-4762-bf03-8e428fee1860' },
  ],
  [
    'MJ::JOB::variation::2::898416ec-7c18-4762-bf03-8e428fee1860',
    { kind: 'variation', index: 2 },
    { hash: '898416ec-7c18-4762-bf03-8e428fee1860' },
  ],
  [
    'MJ::JOB::reroll::0::898416ec-7c18-4762-bf03-8e428fee1860::SOLO',
    { kind: 'reroll' },
    { hash: '898416ec-7c18-4762-bf03-8e428fee1860' },
  ],
  [
    'MJ::JOB::upsample_v6_2x_subtle::1::7af96d1a-67c7-4d74-b173-8430c98c7631::SOLO',
    { kind: 'upscale-hd', variant: 'subtle' },
    { hash: '7af96d1a-67c7-4d74-b173-8430c98c7631', hdStem: 'upsample_v6' },
  ],
  [
    'MJ::JOB::upsample_v6_2x_creative::1::7af96d1a-67c7-4d74-b173-8430c98c7631::SOLO',
    { kind: 'upscale-hd', variant: 'creative' },
    { hash: '7af96d1a-67c7-4d74-b173-8430c98c7631', hdStem: 'upsample_v6' },
  ],
  [
    'MJ::JOB::high_variation::1::7af96d1a-67c7-4d74-b173-8430c98c7631::SOLO',
    { kind: 'vary-strong' },
    { hash: '7af96d1a-67c7-4d74-b173-8430c98c7631' },
  ],
  [
    'MJ::JOB::low_variation::1::7af96d1a-67c7-4d74-b173-8430c98c7631::SOLO',
    { kind: 'vary-subtle' },
    { hash: '7af96d1a-67c7-4d74-b173-8430c98c7631' },
  ],
  [
    'MJ::Outpaint::50::1::7af96d1a-67c7-4d74-b173-8430c98c7631::SOLO',
    { kind: 'zoom-out', factor: 2 },
    { hash: '7af96d1a-67c7-4d74-b173-8430c98c7631' },
  ],
  [
    'MJ::JOB::pan_left::1::7af96d1a-67c7-4d74-b173-8430c98c7631::SOLO',
    { kind: 'pan', direction: 'left' },
    { hash: '7af96d1a-67c7-4d74-b173-8430c98c7631' },
  ],
  [
    'MJ::CustomZoom::439f8670-52e8-4f57-afaa-fa08f6d6c751',
    { kind: 'custom-zoom' },
    { hash: '439f8670-52e8-4f57-afaa-fa08f6d6c751' },
  ],
  // trueai's synthetic sets print Custom Zoom with a "1::" before the id.
  ['MJ::CustomZoom::1::439f8670-52e8-4f57-afaa-fa08f6d6c751', { kind: 'custom-zoom' }, null],
  [
    'MJ::Inpaint::1::da2b1fda-0455-4952-9f0e-d4cb891f8b1e::SOLO',
    { kind: 'vary-region' },
    { hash: 'da2b1fda-0455-4952-9f0e-d4cb891f8b1e' },
  ],
  [
    'MJ::JOB::animate_low::1::a6b09718-e1f6-4f31-9a42-c6dd7d8f1c83::SOLO',
    { kind: 'animate', motion: 'low' },
    { hash: 'a6b09718-e1f6-4f31-9a42-c6dd7d8f1c83' },
  ],
  [
    'MJ::JOB::video_virtual_upscale::1::708fed1c-1358-41ce-8d3c-8ba20097b9b6',
    { kind: 'video-upscale', index: 1 },
    { hash: '708fed1c-1358-41ce-8d3c-8ba20097b9b6' },
  ],
  [
    'MJ::JOB::animate_high_extend::4::2a284b14-2894-4d52-99b5-0d31b9ee0c1b',
    { kind: 'video-extend', motion: 'high' },
    { hash: '2a284b14-2894-4d52-99b5-0d31b9ee0c1b', clip: 4 },
  ],
  [
    'MJ::JOB::animate_low_extend::1::89c5a507-2391-498f-9d42-4721794cdecb',
    { kind: 'video-extend', motion: 'low' },
    { hash: '89c5a507-2391-498f-9d42-4721794cdecb', clip: 1 },
  ],
  // trueai's synthetic "Auto Low Motion" and "Manual High Motion" buttons (CreateVideo, vid_1.1_i2v_480).
  [
    'MJ::JOB::video::low::a6b09718-e1f6-4f31-9a42-c6dd7d8f1c83::vid_1.1_i2v_480::auto',
    { kind: 'animate', motion: 'low' },
    null,
  ],
  [
    'MJ::JOB::video::high::a6b09718-e1f6-4f31-9a42-c6dd7d8f1c83::vid_1.1_i2v_480::manual',
    { kind: 'animate-prompt', motion: 'high' },
    { hash: 'a6b09718-e1f6-4f31-9a42-c6dd7d8f1c83' },
  ],
  [
    'MJ::JOB::video::low::a6b09718-e1f6-4f31-9a42-c6dd7d8f1c83::vid_1.1_i2v_720::manual',
    { kind: 'animate-prompt', motion: 'low' },
    null,
  ],
  ['MJ::Job::PicReader::1', { kind: 'describe-pick', index: 1 }, { hash: '' }],
  ['MJ::Job::PicReader::4', { kind: 'describe-pick', index: 4 }, { hash: '' }],
  ['MJ::Job::PicReader::all', { kind: 'describe-imagine-all' }, { hash: '' }],
  ['MJ::Picread::Retry', { kind: 'describe-retry' }, { hash: '' }],
  ['MJ::Job::PromptAnalyzer::3', { kind: 'shorten-pick', index: 3 }, { hash: '' }],
  // A hosted provider's documentation spells it "JOB"; trueai only takes the last part.
  ['MJ::JOB::PromptAnalyzer::1', { kind: 'shorten-pick', index: 1 }, null],
];

describe("trueai's literal customIds", () => {
  it.each(LITERALS)('%s reads as the intent', (customId, spec) => {
    expect(intentOfCustomId(customId)).toEqual(spec);
  });

  it.each(LITERALS.filter(([, , at]) => at !== null))('%s prints back', (customId, spec, at) => {
    expect(customIdOf(spec, at!)).toBe(customId);
  });

  it("reads MidJourney's modal customIds (never a button) as no intent", () => {
    for (const id of [
      'MJ::PanModal::left::f58e98cb-e76b-4ffa-9ed2-74f0c3fefa5c::1',
      'MJ::AnimateModal::b8803f08-fc00-43e6-97a8-bade18e41231::1::high::1',
      'MJ::RemixModal::new_prompt',
      'MJ::OutpaintCustomZoomModal::prompt',
    ]) {
      expect(intentOfCustomId(id).kind).toBe('unknown');
    }
  });
});

describe('Animate and Pan with a prompt', () => {
  const HASH = 'f58e98cb-e76b-4ffa-9ed2-74f0c3fefa5c';
  const upscaled = (v: string): MjButton[] => buttonsFor('upscale', makeVersion('mj', v, '7'), HASH);

  it.each([
    ['animate with a prompt high', { kind: 'animate-prompt', motion: 'high' }],
    ['animate-prompt low', { kind: 'animate-prompt', motion: 'low' }],
    ['manual high motion', { kind: 'animate-prompt', motion: 'high' }],
    ['pan-prompt left', { kind: 'pan-prompt', direction: 'left' }],
    ['pan up with a prompt', { kind: 'pan-prompt', direction: 'up' }],
    ['pan left', { kind: 'pan', direction: 'left' }],
    ['animate high', { kind: 'animate', motion: 'high' }],
  ] as const)('"%s" parses', (text, spec) => {
    expect(parseIntent(text)).toEqual(spec);
  });

  it('press the plain button under Remix where the task has no button of their own', () => {
    expect(findPress(upscaled('7'), 'pan-prompt left')).toEqual({
      button: expect.objectContaining({ customId: `MJ::JOB::pan_left::1::${HASH}::SOLO` }),
      remix: true,
    });
    expect(findPress(upscaled('8'), 'animate-prompt low')).toEqual({
      button: expect.objectContaining({ customId: `MJ::JOB::animate_low::1::${HASH}::SOLO` }),
      remix: true,
    });
    // The plain buttons stay plain.
    expect(findPress(upscaled('7'), 'pan left').remix).toBe(false);
  });

  it("press trueai's own Manual button, without Remix, where the task has one", () => {
    const manual = `MJ::JOB::video::high::${HASH}::vid_1.1_i2v_480::manual`;
    const buttons = [...upscaled('7'), { customId: manual, emoji: '', label: 'Manual High Motion', type: 2, style: 2 }];
    expect(findPress(buttons, 'animate-prompt high')).toEqual({
      button: expect.objectContaining({ customId: manual }),
      remix: false,
    });
  });

  it('are refused where the plain button is missing (v8 has no pan)', () => {
    expect(() => findPress(upscaled('8'), 'pan-prompt left')).toThrow(MjButtonNotFoundError);
    expect(() => findPress(upscaled('8'), 'pan-prompt left')).toThrow(/pan-prompt left is not available/);
  });

  it('are the Remix variants of animate and pan, and only of them', () => {
    expect(intentRemixVariant({ kind: 'pan', direction: 'down' })).toEqual({ kind: 'pan-prompt', direction: 'down' });
    expect(intentRemixVariant({ kind: 'animate', motion: 'low' })).toEqual({ kind: 'animate-prompt', motion: 'low' });
    expect(intentRemixVariant({ kind: 'variation', index: 1 })).toBeNull();
    expect(intentRemixVariant({ kind: 'video-extend', motion: 'low' })).toBeNull();
  });

  it("count the plain button as theirs when the job checks the parent's buttons", () => {
    expect(buttonTextsOf({ kind: 'pan-prompt', direction: 'left' })).toEqual(['pan-prompt left', 'pan left']);
    expect(buttonTextsOf({ kind: 'pan', direction: 'left' })).toEqual(['pan left']);
  });
});
