import {
  availableIntents,
  classifyButton,
  findButton,
  formatIntent,
  intentAlwaysModal,
  intentEquals,
  type IntentSpec,
  isMjError,
  type MjButton,
  MjButtonNotFoundError,
  MjInputError,
  type MjTask,
  parseIntent,
  parseTask,
} from '../../../src/mj';

const HASH = '0ddb91a0-af46-4ae9-8e8e-c271074eb6e6';

function button(customId: string, label = ''): MjButton {
  return { customId, emoji: '', label, type: 2, style: 2 };
}

/** Grid buttons as T/G report them (real order: U1–U4, reroll, V1–V4). */
function gridButtons(hash = HASH): MjButton[] {
  return [
    ...[1, 2, 3, 4].map((i) => button(`MJ::JOB::upsample::${i}::${hash}`, `U${i}`)),
    button(`MJ::JOB::reroll::0::${hash}::SOLO`),
    ...[1, 2, 3, 4].map((i) => button(`MJ::JOB::variation::${i}::${hash}`, `V${i}`)),
  ];
}

/** The single-image set of a v6.1 / v7 upscale (§7); `hd` is the version tag in the HD upscaler id. */
function upscaledButtons(hd: string, hash = HASH): MjButton[] {
  return [
    button(`MJ::JOB::upsample_${hd}_2x_subtle::1::${hash}::SOLO`, 'Upscale (Subtle)'),
    button(`MJ::JOB::upsample_${hd}_2x_creative::1::${hash}::SOLO`, 'Upscale (Creative)'),
    button(`MJ::JOB::low_variation::1::${hash}::SOLO`, 'Vary (Subtle)'),
    button(`MJ::JOB::high_variation::1::${hash}::SOLO`, 'Vary (Strong)'),
    button(`MJ::Inpaint::1::${hash}::SOLO`, 'Vary (Region)'),
    button(`MJ::Outpaint::50::1::${hash}::SOLO`, 'Zoom Out 2x'),
    button(`MJ::Outpaint::75::1::${hash}::SOLO`, 'Zoom Out 1.5x'),
    button(`MJ::CustomZoom::${hash}`, 'Custom Zoom'),
    button(`MJ::JOB::pan_left::1::${hash}::SOLO`),
    button(`MJ::JOB::pan_right::1::${hash}::SOLO`),
    button(`MJ::JOB::pan_up::1::${hash}::SOLO`),
    button(`MJ::JOB::pan_down::1::${hash}::SOLO`),
    button(`MJ::JOB::animate_high::1::${hash}::SOLO`, 'Animate (High motion)'),
    button(`MJ::JOB::animate_low::1::${hash}::SOLO`, 'Animate (Low motion)'),
  ];
}

/** v8 upscaled image: no HD upscale, zoom or pan (§7, §14.3). */
function v8UpscaledButtons(hash = HASH): MjButton[] {
  return [
    button(`MJ::JOB::low_variation::1::${hash}::SOLO`, 'Vary (Subtle)'),
    button(`MJ::JOB::high_variation::1::${hash}::SOLO`, 'Vary (Strong)'),
    button(`MJ::Inpaint::1::${hash}::SOLO`, 'Vary (Region)'),
    button(`MJ::JOB::animate_high::1::${hash}::SOLO`, 'Animate (High motion)'),
    button(`MJ::JOB::animate_low::1::${hash}::SOLO`, 'Animate (Low motion)'),
  ];
}

function task(action: string, buttons: MjButton[], status = 'SUCCESS'): MjTask {
  return parseTask({ id: '1748339029401828', action, status, buttons });
}

describe('classifyButton: §7 catalogue', () => {
  const rows: Array<[string, IntentSpec, boolean]> = [
    [`MJ::JOB::upsample::1::${HASH}`, { kind: 'upscale', index: 1 }, false],
    [`MJ::JOB::upsample::4::${HASH}`, { kind: 'upscale', index: 4 }, false],
    [`MJ::JOB::variation::2::${HASH}`, { kind: 'variation', index: 2 }, false],
    [`MJ::JOB::variation::3::${HASH}::SOLO`, { kind: 'variation', index: 3 }, false],
    [`MJ::JOB::reroll::0::${HASH}::SOLO`, { kind: 'reroll' }, false],
    [`MJ::JOB::upsample_v5_2x::1::${HASH}::SOLO`, { kind: 'upscale-hd', variant: '2x' }, false],
    [`MJ::JOB::upsample_v5_4x::1::${HASH}::SOLO`, { kind: 'upscale-hd', variant: '4x' }, false],
    [`MJ::JOB::upsample_v6_2x_subtle::1::${HASH}::SOLO`, { kind: 'upscale-hd', variant: 'subtle' }, false],
    [`MJ::JOB::upsample_v6_2x_creative::1::${HASH}::SOLO`, { kind: 'upscale-hd', variant: 'creative' }, false],
    [`MJ::JOB::upsample_v6r1_2x_subtle::1::${HASH}::SOLO`, { kind: 'upscale-hd', variant: 'subtle' }, false],
    [`MJ::JOB::upsample_v6r1_2x_creative::1::${HASH}::SOLO`, { kind: 'upscale-hd', variant: 'creative' }, false],
    [`MJ::JOB::upsample_v7_2x_subtle::1::${HASH}::SOLO`, { kind: 'upscale-hd', variant: 'subtle' }, false],
    [`MJ::JOB::upsample_v7_2x_creative::1::${HASH}::SOLO`, { kind: 'upscale-hd', variant: 'creative' }, false],
    [`MJ::JOB::low_variation::1::${HASH}::SOLO`, { kind: 'vary-subtle' }, false],
    [`MJ::JOB::high_variation::1::${HASH}::SOLO`, { kind: 'vary-strong' }, false],
    [`MJ::Inpaint::1::${HASH}::SOLO`, { kind: 'vary-region' }, true],
    [`MJ::Outpaint::50::1::${HASH}::SOLO`, { kind: 'zoom-out', factor: 2 }, false],
    [`MJ::Outpaint::75::1::${HASH}::SOLO`, { kind: 'zoom-out', factor: 1.5 }, false],
    [`MJ::CustomZoom::${HASH}`, { kind: 'custom-zoom' }, true],
    ['MJ::CustomZoom::1::1748339029401828', { kind: 'custom-zoom' }, true],
    [`MJ::JOB::pan_left::1::${HASH}::SOLO`, { kind: 'pan', direction: 'left' }, false],
    [`MJ::JOB::pan_right::1::${HASH}::SOLO`, { kind: 'pan', direction: 'right' }, false],
    [`MJ::JOB::pan_up::1::${HASH}::SOLO`, { kind: 'pan', direction: 'up' }, false],
    [`MJ::JOB::pan_down::1::${HASH}::SOLO`, { kind: 'pan', direction: 'down' }, false],
    [`MJ::JOB::animate_high::1::${HASH}::SOLO`, { kind: 'animate', motion: 'high' }, false],
    [`MJ::JOB::animate_low::1::${HASH}::SOLO`, { kind: 'animate', motion: 'low' }, false],
    [`MJ::JOB::video_virtual_upscale::1::${HASH}`, { kind: 'video-upscale', index: 1 }, false],
    [`MJ::JOB::video_virtual_upscale::3::${HASH}::SOLO`, { kind: 'video-upscale', index: 3 }, false],
    [`MJ::JOB::animate_high_extend::1::${HASH}`, { kind: 'video-extend', motion: 'high' }, false],
    [`MJ::JOB::animate_high_extend::4::${HASH}`, { kind: 'video-extend', motion: 'high' }, false],
    [`MJ::JOB::animate_low_extend::1::${HASH}`, { kind: 'video-extend', motion: 'low' }, false],
    ['MJ::Job::PicReader::1', { kind: 'describe-pick', index: 1 }, true],
    ['MJ::Job::PicReader::4', { kind: 'describe-pick', index: 4 }, true],
    ['MJ::Picread::Retry', { kind: 'describe-retry' }, false],
    ['MJ::Job::PicReader::all', { kind: 'describe-imagine-all' }, false],
    ['MJ::Job::PromptAnalyzer::3', { kind: 'shorten-pick', index: 3 }, false],
    ['MJ::Job::PromptAnalyzer::1::5', { kind: 'shorten-pick', index: 5 }, false],
    [`MJ::BOOKMARK::${HASH}`, { kind: 'bookmark' }, false],
  ];

  test.each(rows)('%s', (customId, spec, alwaysModal) => {
    const intent = classifyButton(button(customId));
    expect(intent).toEqual({ ...spec, alwaysModal });
    expect(intentAlwaysModal(intent)).toBe(alwaysModal);
    // A bare customId string classifies the same as a button object.
    expect(classifyButton(customId)).toEqual(intent);
  });

  test('matching is case-insensitive', () => {
    expect(classifyButton(`mj::job::UPSAMPLE::2::${HASH}`)).toMatchObject({ kind: 'upscale', index: 2 });
    expect(classifyButton(`MJ::inpaint::1::${HASH}::SOLO`)).toMatchObject({ kind: 'vary-region' });
    expect(classifyButton('mj::job::picreader::ALL')).toMatchObject({ kind: 'describe-imagine-all' });
  });

  test.each([
    `MJ::JOB::upsample::5::${HASH}`,
    `MJ::JOB::variation::0::${HASH}`,
    `MJ::Outpaint::60::1::${HASH}::SOLO`,
    'MJ::JOB::video::1::abc::manual',
    'something else entirely',
  ])('%s is unknown and keeps the raw id', (customId) => {
    expect(classifyButton(customId)).toEqual({ kind: 'unknown', customId, alwaysModal: false });
  });

  test.each([
    ['v6.1', 'v6r1'],
    ['v7', 'v7'],
  ])('every %s upscaled-image button classifies to a distinct known intent', (_label, tag) => {
    const intents = upscaledButtons(tag).map((b) => formatIntent(classifyButton(b)));
    expect(intents.filter((i) => i.startsWith('unknown'))).toEqual([]);
    expect(new Set(intents).size).toBe(intents.length);
  });

  test('T upscale template buttons classify once its placeholders are filled', () => {
    const template = [
      'MJ::JOB::upsample_{{version}}r1_2x_subtle::1::{{id}}::SOLO',
      'MJ::Outpaint::75::1::{{id}}::SOLO',
    ].map((id) => id.replace('{{version}}', 'v6').replace('{{id}}', HASH));
    expect(template.map((id) => formatIntent(classifyButton(id)))).toEqual(['upscale-hd subtle', 'zoom-out 1.5']);
  });
});

describe('parseIntent / formatIntent', () => {
  const specs: IntentSpec[] = [
    { kind: 'upscale', index: 2 },
    { kind: 'variation', index: 4 },
    { kind: 'reroll' },
    { kind: 'upscale-hd', variant: 'subtle' },
    { kind: 'upscale-hd', variant: 'creative' },
    { kind: 'upscale-hd', variant: '2x' },
    { kind: 'upscale-hd', variant: '4x' },
    { kind: 'vary-subtle' },
    { kind: 'vary-strong' },
    { kind: 'vary-region' },
    { kind: 'zoom-out', factor: 2 },
    { kind: 'zoom-out', factor: 1.5 },
    { kind: 'custom-zoom' },
    { kind: 'pan', direction: 'left' },
    { kind: 'pan', direction: 'down' },
    { kind: 'animate', motion: 'high' },
    { kind: 'animate', motion: 'low' },
    { kind: 'video-upscale', index: 1 },
    { kind: 'video-extend', motion: 'low' },
    { kind: 'describe-pick', index: 2 },
    { kind: 'describe-retry' },
    { kind: 'describe-imagine-all' },
    { kind: 'shorten-pick', index: 3 },
    { kind: 'bookmark' },
  ];

  test.each(specs.map((s) => [formatIntent(s), s] as const))('round-trips %s', (_text, spec) => {
    expect(parseIntent(formatIntent(spec))).toEqual(spec);
  });

  test('canonical short forms', () => {
    expect(formatIntent({ kind: 'upscale', index: 2 })).toBe('U2');
    expect(formatIntent({ kind: 'variation', index: 1 })).toBe('V1');
    expect(formatIntent({ kind: 'zoom-out', factor: 2 })).toBe('zoom-out 2');
    expect(formatIntent({ kind: 'pan', direction: 'left' })).toBe('pan left');
    expect(formatIntent({ kind: 'vary-region' })).toBe('vary-region');
  });

  test.each<[string, IntentSpec]>([
    ['U2', { kind: 'upscale', index: 2 }],
    ['u2', { kind: 'upscale', index: 2 }],
    ['upscale 2', { kind: 'upscale', index: 2 }],
    ['V3', { kind: 'variation', index: 3 }],
    ['variation 3', { kind: 'variation', index: 3 }],
    ['reroll', { kind: 'reroll' }],
    ['R', { kind: 'reroll' }],
    ['zoom-out 2', { kind: 'zoom-out', factor: 2 }],
    ['zoom-out 1.5', { kind: 'zoom-out', factor: 1.5 }],
    ['zoom out 2x', { kind: 'zoom-out', factor: 2 }],
    ['Zoom Out 1.5x', { kind: 'zoom-out', factor: 1.5 }],
    ['pan left', { kind: 'pan', direction: 'left' }],
    ['vary-region', { kind: 'vary-region' }],
    ['vary region', { kind: 'vary-region' }],
    ['Vary (Region)', { kind: 'vary-region' }],
    ['vary-subtle', { kind: 'vary-subtle' }],
    ['vary-strong', { kind: 'vary-strong' }],
    ['upscale-hd subtle', { kind: 'upscale-hd', variant: 'subtle' }],
    ['Upscale (Creative)', { kind: 'upscale-hd', variant: 'creative' }],
    ['custom-zoom', { kind: 'custom-zoom' }],
    ['animate high', { kind: 'animate', motion: 'high' }],
    ['video-upscale 1', { kind: 'video-upscale', index: 1 }],
    ['video-extend low', { kind: 'video-extend', motion: 'low' }],
    ['describe-pick 2', { kind: 'describe-pick', index: 2 }],
    ['describe-retry', { kind: 'describe-retry' }],
    ['describe-imagine-all', { kind: 'describe-imagine-all' }],
    ['shorten-pick 3', { kind: 'shorten-pick', index: 3 }],
    ['bookmark', { kind: 'bookmark' }],
    ['  U4  ', { kind: 'upscale', index: 4 }],
  ])('parses %j', (text, spec) => {
    expect(parseIntent(text)).toEqual(spec);
  });

  test.each(['U5', 'V0', 'zoom-out 3', 'pan sideways', 'upscale', '', 'describe-pick 5', 'hello'])(
    'rejects %j with an MjInputError on field intent listing the accepted forms',
    (text) => {
      let caught: unknown;
      try {
        parseIntent(text);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(MjInputError);
      const err = caught as MjInputError;
      expect(err.field).toBe('intent');
      expect(err.message).toContain('U1–U4');
      expect(err.message).toContain('zoom-out 2|1.5');
      expect(err.message).toContain(JSON.stringify(text.trim()));
    }
  );

  test('intentEquals compares kind and parameters only', () => {
    expect(intentEquals({ kind: 'upscale', index: 2 }, parseIntent('u2'))).toBe(true);
    expect(intentEquals({ kind: 'upscale', index: 2 }, { kind: 'upscale', index: 3 })).toBe(false);
    expect(intentEquals({ kind: 'upscale', index: 2 }, { kind: 'variation', index: 2 })).toBe(false);
    expect(intentEquals(classifyButton(`MJ::Inpaint::1::${HASH}::SOLO`), { kind: 'vary-region' })).toBe(true);
    expect(intentEquals({ kind: 'unknown', customId: 'a' }, { kind: 'unknown', customId: 'b' })).toBe(false);
  });
});

describe('findButton', () => {
  test('finds the button for an intent given as text or spec, on a task or a button list', () => {
    const grid = task('IMAGINE', gridButtons());
    expect(findButton(grid, 'U2').customId).toBe(`MJ::JOB::upsample::2::${HASH}`);
    expect(findButton(grid.buttons, { kind: 'variation', index: 4 }).customId).toBe(`MJ::JOB::variation::4::${HASH}`);
    expect(findButton(grid, 'reroll').customId).toBe(`MJ::JOB::reroll::0::${HASH}::SOLO`);
    const upscaled = task('UPSCALE', upscaledButtons('v7'));
    expect(findButton(upscaled, 'zoom out 1.5x').customId).toBe(`MJ::Outpaint::75::1::${HASH}::SOLO`);
    expect(findButton(upscaled, 'upscale-hd creative').customId).toBe(
      `MJ::JOB::upsample_v7_2x_creative::1::${HASH}::SOLO`
    );
  });

  test('vary-region on a grid lists what the grid offers, in canonical form', () => {
    const grid = task('IMAGINE', gridButtons());
    expect(() => findButton(grid, 'vary-region')).toThrow(
      'vary-region is not available on this task (IMAGINE grid); available: U1, U2, U3, U4, V1, V2, V3, V4, reroll'
    );
    try {
      findButton(grid, 'vary region');
    } catch (e) {
      expect(e).toBeInstanceOf(MjButtonNotFoundError);
      expect(isMjError(e)).toBe(true);
      const err = e as MjButtonNotFoundError;
      expect(err.code).toBe('MJ_BUTTON_NOT_FOUND');
      expect(err.retryable).toBe(false);
      expect(err.intent).toBe('vary-region');
      expect(err.available).toEqual(availableIntents(grid));
    }
  });

  test('v8 upscaled images have no zoom or pan', () => {
    const v8 = task('UPSCALE', v8UpscaledButtons());
    expect(() => findButton(v8, 'zoom-out 2')).toThrow(
      /zoom-out 2 is not available on this task \(UPSCALE upscaled image\); available: vary-subtle, vary-strong, vary-region, animate high, animate low$/
    );
    expect(() => findButton(v8, 'pan up')).toThrow(MjButtonNotFoundError);
    expect(findButton(v8, 'animate low').customId).toBe(`MJ::JOB::animate_low::1::${HASH}::SOLO`);
  });

  test('a task still running says it has no buttons yet', () => {
    const running = task('IMAGINE', [], 'IN_PROGRESS');
    expect(() => findButton(running, 'U1')).toThrow(
      'U1 is not available on this task (IMAGINE no buttons yet, status IN_PROGRESS); available: none'
    );
  });

  test('describe results offer picks, retry and imagine-all', () => {
    const described = task('DESCRIBE', [
      ...[1, 2, 3, 4].map((i) => button(`MJ::Job::PicReader::${i}`)),
      button('MJ::Picread::Retry'),
      button('MJ::Job::PicReader::all', 'Imagine all'),
    ]);
    expect(availableIntents(described)).toEqual([
      'describe-pick 1',
      'describe-pick 2',
      'describe-pick 3',
      'describe-pick 4',
      'describe-retry',
      'describe-imagine-all',
    ]);
    expect(() => findButton(described, 'U1')).toThrow(/\(DESCRIBE describe result\)/);
  });

  test('a bad intent text is an input error, not a missing button', () => {
    expect(() => findButton(task('IMAGINE', gridButtons()), 'U9')).toThrow(MjInputError);
  });
});
