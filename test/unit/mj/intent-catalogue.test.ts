/**
 * The tables derived from the intent catalogue equal the hand-written tables they replaced (copied below as they
 * were), except for the three disagreements the catalogue settled: zoom-out's proxy action, describe-pick's modal
 * needs in pipelines, and the one list of buttons that exist only on an upscaled image.
 */
import { featuresOf, pricedActionOf } from '../../../src/activities/route-request';
import { isGridTask } from '../../../src/activities/capture-images';
import { buttonText, inputNeedsZoom, maskIntentName } from '../../../src/console/pages/format';
import { ACTION_BY_INTENT } from '../../../src/gateway/routes/proxy-actions';
import {
  classifyButton,
  findButton,
  formatIntent,
  INTENT_FORMS,
  MjButtonNotFoundError,
  parseIntent,
} from '../../../src/mj';
import {
  INTENT_KINDS,
  INTENTS,
  customIdOf,
  intentDisplayName,
  intentOfCustomId,
  type IntentKind,
  type IntentSpec,
  type OutputStage,
} from '../../../src/mj/intents';
import { intentNeeds, offeredBy, stageAfter, stageOffers, toPipelineIntent } from '../../../src/pipeline/intents';
import { isAlwaysModal, modalNeeds } from '../../../src/shared/modal-input-rule';
import type { JobRequest, TaskSnapshot } from '../../../src/shared/types';
import { buttonsFor, type ResultKind } from '../../../src/simulator/buttons';
import { makeVersion } from '../../../src/simulator/prompt';

const parseVersion = (v: string) => makeVersion('mj', v, '7');

const HASH = '0ddb91a0-af46-4ae9-8e8e-c271074eb6e6';

/** At least one spec of every kind (a kind missing here fails to compile), with every parameter value. */
const SAMPLES: Record<IntentKind, IntentSpec[]> = {
  upscale: ([1, 2, 3, 4] as const).map((index) => ({ kind: 'upscale', index })),
  variation: ([1, 2, 3, 4] as const).map((index) => ({ kind: 'variation', index })),
  reroll: [{ kind: 'reroll' }],
  'upscale-hd': (['subtle', 'creative', '2x', '4x'] as const).map((variant) => ({ kind: 'upscale-hd', variant })),
  'vary-subtle': [{ kind: 'vary-subtle' }],
  'vary-strong': [{ kind: 'vary-strong' }],
  'vary-region': [{ kind: 'vary-region' }],
  'zoom-out': [
    { kind: 'zoom-out', factor: 2 },
    { kind: 'zoom-out', factor: 1.5 },
  ],
  'custom-zoom': [{ kind: 'custom-zoom' }],
  pan: (['left', 'right', 'up', 'down'] as const).map((direction) => ({ kind: 'pan', direction })),
  animate: (['high', 'low'] as const).map((motion) => ({ kind: 'animate', motion })),
  'animate-prompt': (['high', 'low'] as const).map((motion) => ({ kind: 'animate-prompt', motion })),
  'pan-prompt': (['left', 'right', 'up', 'down'] as const).map((direction) => ({ kind: 'pan-prompt', direction })),
  'video-upscale': ([1, 2, 3, 4] as const).map((index) => ({ kind: 'video-upscale', index })),
  'video-extend': (['high', 'low'] as const).map((motion) => ({ kind: 'video-extend', motion })),
  'describe-pick': ([1, 2, 3, 4] as const).map((index) => ({ kind: 'describe-pick', index })),
  'describe-retry': [{ kind: 'describe-retry' }],
  'describe-imagine-all': [{ kind: 'describe-imagine-all' }],
  'shorten-pick': [1, 2, 3, 4, 5].map((index) => ({ kind: 'shorten-pick', index })),
  bookmark: [{ kind: 'bookmark' }],
  unknown: [{ kind: 'unknown', customId: 'MJ::Something::new' }],
};
const ALL = Object.values(SAMPLES).flat();
const action = (intent: IntentSpec): JobRequest => ({ kind: 'action', parentTaskId: 't1', intent }) as JobRequest;

describe('the catalogue round-trips its own forms', () => {
  it.each(ALL.map((s) => [formatIntent(s), s] as const))('%s: customId → intent', (_t, spec) => {
    // Pan with a prompt has no button of its own: it prints the pan button it presses under Remix.
    const expected = spec.kind === 'pan-prompt' ? { ...spec, kind: 'pan' } : spec;
    for (const hdStem of ['upsample_v5', 'upsample_v6r1', 'upsample_v7']) {
      expect(intentOfCustomId(customIdOf(spec, { hash: HASH, hdStem }))).toEqual(expected);
    }
  });

  it.each(ALL.filter((s) => s.kind !== 'unknown').map((s) => [formatIntent(s), s] as const))(
    '%s: text → intent',
    (text, spec) => expect(parseIntent(text)).toEqual(spec)
  );

  it('lists one human form per kind with a text form, in catalogue order', () => {
    expect(INTENT_FORMS).toEqual([
      'U1–U4',
      'V1–V4',
      'reroll',
      'upscale-hd subtle|creative|2x|4x',
      'vary-subtle',
      'vary-strong',
      'vary-region',
      'zoom-out 2|1.5',
      'custom-zoom',
      'pan left|right|up|down',
      'animate high|low',
      'animate-prompt high|low',
      'pan-prompt left|right|up|down',
      'video-upscale 1–4',
      'video-extend high|low',
      'describe-pick 1–4',
      'describe-retry',
      'describe-imagine-all',
      'shorten-pick 1–5',
      'bookmark',
    ]);
  });
});

describe('the simulator prints the catalogue forms', () => {
  const stages: ResultKind[] = ['grid', 'upscale', 'upscale-hd', 'describe', 'shorten', 'video', 'video-upscale'];

  it.each(['5.2', '6.1', '7', '8', '8.1'])(
    'every button of version %s reads back as an intent offered on its stage',
    (v) => {
      const version = parseVersion(v);
      for (const stage of stages) {
        for (const b of buttonsFor(stage, version, HASH)) {
          const spec = classifyButton(b);
          expect(spec.kind).not.toBe('unknown');
          expect(INTENTS[spec.kind].appearsOn).toContain(stage);
        }
      }
    }
  );

  it('prints the customIds real proxies report (§7)', () => {
    const ids = buttonsFor('upscale', parseVersion('6.1'), HASH).map((b) => b.customId);
    expect(ids).toEqual(
      expect.arrayContaining([
        `MJ::JOB::upsample_v6r1_2x_subtle::1::${HASH}::SOLO`,
        `MJ::JOB::low_variation::1::${HASH}::SOLO`,
        `MJ::Inpaint::1::${HASH}::SOLO`,
        `MJ::Outpaint::50::1::${HASH}::SOLO`,
        `MJ::Outpaint::75::1::${HASH}::SOLO`,
        `MJ::CustomZoom::${HASH}`,
        `MJ::JOB::pan_left::1::${HASH}::SOLO`,
        `MJ::JOB::animate_high::1::${HASH}::SOLO`,
        `MJ::BOOKMARK::${HASH}`,
        `MJ::JOB::reroll::0::${HASH}::SOLO`,
      ])
    );
    expect(buttonsFor('video-upscale', parseVersion('7'), HASH, { index: 3 }).map((b) => b.customId)).toEqual([
      `MJ::JOB::animate_high_extend::3::${HASH}`,
      `MJ::JOB::animate_low_extend::3::${HASH}`,
    ]);
  });
});

/** The tables as they were written by hand before the catalogue. */
const OLD = {
  proxyAction: {
    upscale: 'UPSCALE',
    variation: 'VARIATION',
    reroll: 'REROLL',
    'upscale-hd': 'UPSCALE',
    'vary-subtle': 'VARIATION',
    'vary-strong': 'VARIATION',
    'vary-region': 'INPAINT',
    'zoom-out': 'OUTPAINT',
    'custom-zoom': 'CUSTOM_ZOOM',
    pan: 'PAN',
    animate: 'VIDEO',
    'video-upscale': 'UPSCALE',
    'video-extend': 'VIDEO',
    'describe-pick': 'IMAGINE',
    'describe-retry': 'DESCRIBE',
    'describe-imagine-all': 'IMAGINE',
    'shorten-pick': 'IMAGINE',
    bookmark: 'ACTION',
    unknown: 'ACTION',
  } as Record<IntentKind, string>,
  pricedAction: {
    upscale: 'UPSCALE',
    'upscale-hd': 'UPSCALE',
    'video-upscale': 'UPSCALE',
    variation: 'VARIATION',
    'vary-subtle': 'VARIATION',
    'vary-strong': 'VARIATION',
    reroll: 'REROLL',
    'zoom-out': 'ZOOM',
    'custom-zoom': 'CUSTOM_ZOOM',
    pan: 'PAN',
    'vary-region': 'INPAINT',
    animate: 'VIDEO',
    'video-extend': 'VIDEO',
  } as Partial<Record<IntentKind, string>>,
  feature: {
    'vary-region': 'vary-region',
    'custom-zoom': 'custom-zoom',
    pan: 'pan',
    animate: 'video',
    'video-extend': 'video',
    'video-upscale': 'video',
  } as Partial<Record<IntentKind, string>>,
  alwaysModal: ['vary-region', 'custom-zoom', 'describe-pick'],
  pipelineNeeds: (spec: IntentSpec): string[] =>
    spec.kind === 'vary-region' ? ['prompt', 'mask'] : spec.kind === 'custom-zoom' ? ['prompt'] : [],
  stageAfter: {
    upscale: 'upscale',
    'upscale-hd': 'upscale-hd',
    animate: 'video',
    'video-extend': 'video',
    'video-upscale': 'video-upscale',
    'describe-retry': 'describe',
  } as Partial<Record<IntentKind, OutputStage>>,
  singleImage: ['upscale-hd', 'vary-subtle', 'vary-strong', 'vary-region', 'zoom-out', 'custom-zoom', 'pan', 'animate'],
  label: (spec: IntentSpec): string => {
    switch (spec.kind) {
      case 'upscale':
        return `Upscale ${spec.index}`;
      case 'variation':
        return `Vary ${spec.index}`;
      case 'reroll':
        return 'Reroll';
      case 'upscale-hd':
        return `Upscale (${spec.variant})`;
      case 'vary-subtle':
        return 'Vary (Subtle)';
      case 'vary-strong':
        return 'Vary (Strong)';
      case 'vary-region':
        return 'Vary (Region)';
      case 'zoom-out':
        return `Zoom Out ${spec.factor}x`;
      case 'custom-zoom':
        return 'Custom Zoom';
      case 'pan':
        return `Pan ${spec.direction}`;
      case 'animate':
        return `Animate (${spec.motion} motion)`;
      case 'bookmark':
        return 'Bookmark';
      case 'unknown':
        return spec.customId.split('::').slice(1, 3).join(' ') || 'Button';
      default:
        return spec.kind.replace(/-/g, ' ');
    }
  },
};

/** What the catalogue says of the kinds added since the hand-written tables (Animate and Pan with a prompt). */
const ADDED = {
  proxyAction: { 'animate-prompt': 'VIDEO', 'pan-prompt': 'PAN' },
  pricedAction: { 'animate-prompt': 'VIDEO', 'pan-prompt': 'PAN' },
  // Both press another button under Remix, so routing also needs an upstream that offers Remix.
  features: { 'animate-prompt': ['video', 'remix'], 'pan-prompt': ['pan', 'remix'] },
  alwaysModal: ['animate-prompt', 'pan-prompt'],
  stageAfter: { 'animate-prompt': 'video' },
  singleImage: ['animate-prompt', 'pan-prompt'],
  label: (spec: IntentSpec): string | undefined =>
    spec.kind === 'animate-prompt'
      ? `Manual ${spec.motion === 'high' ? 'High' : 'Low'} Motion`
      : spec.kind === 'pan-prompt'
        ? `Pan ${spec.direction} with a prompt`
        : undefined,
} as const;
const addedOr = <T>(table: Partial<Record<string, T>>, kind: IntentKind, old: T): T => table[kind] ?? old;

describe('derived tables equal the hand-written ones they replaced', () => {
  it('proxy action: the same, except zoom-out, which plus and trueai report as ZOOM', () => {
    expect(ACTION_BY_INTENT).toEqual({ ...OLD.proxyAction, ...ADDED.proxyAction, 'zoom-out': 'ZOOM' });
  });

  it('priced action and upstream feature: the same (unlisted buttons a generic ACTION, no feature)', () => {
    for (const spec of ALL) {
      expect(pricedActionOf(action(spec))).toBe(
        addedOr<string>(ADDED.pricedAction, spec.kind, OLD.pricedAction[spec.kind] ?? 'ACTION')
      );
      const oldFeature = OLD.feature[spec.kind] ? [OLD.feature[spec.kind]!] : [];
      expect(featuresOf(action(spec))).toEqual(addedOr<readonly string[]>(ADDED.features, spec.kind, oldFeature));
    }
  });

  it('MODAL rule: the same always-modal kinds and needs', () => {
    for (const spec of ALL) {
      const always =
        OLD.alwaysModal.includes(spec.kind) || (ADDED.alwaysModal as readonly string[]).includes(spec.kind);
      expect(isAlwaysModal(spec)).toBe(always);
      // Pan with a prompt prints the plain pan button, which parks in MODAL only under Remix.
      expect(classifyButton(customIdOf(spec, { hash: HASH })).alwaysModal).toBe(always && spec.kind !== 'pan-prompt');
      expect(modalNeeds(spec)).toEqual(spec.kind === 'vary-region' ? ['prompt', 'mask'] : ['prompt']);
    }
    expect(modalNeeds(undefined)).toEqual(['prompt']);
  });

  it('pipeline needs: the same, except describe-pick, whose MODAL takes the chosen prompt', () => {
    for (const spec of ALL) {
      const added = (ADDED.alwaysModal as readonly string[]).includes(spec.kind);
      const expected = spec.kind === 'describe-pick' || added ? ['prompt'] : OLD.pipelineNeeds(spec);
      expect(intentNeeds(spec)).toEqual(expected);
    }
  });

  it('pipeline stages: the same stage after each intent, and the same refusals', () => {
    const after = { ...OLD.stageAfter, ...ADDED.stageAfter };
    for (const spec of ALL) expect(stageAfter(spec)).toBe(after[spec.kind] ?? 'grid');
    const refused = INTENT_KINDS.filter((k) => {
      const parsed = toPipelineIntent(k === 'unknown' ? 'MJ::x' : formatIntent(SAMPLES[k][0]!));
      return !parsed.ok && parsed.rule === 'intent-not-supported';
    });
    expect(refused).toEqual(['describe-imagine-all', 'bookmark']);
  });

  it('pipeline offers: the same kinds per stage as the old table', () => {
    const edits = ['vary-subtle', 'vary-strong', 'vary-region', 'zoom-out', 'custom-zoom', 'animate', 'animate-prompt'];
    const old: Record<OutputStage, string[]> = {
      grid: ['upscale', 'variation', 'reroll'],
      upscale: ['upscale-hd', ...edits, 'pan', 'pan-prompt', 'reroll', 'bookmark'],
      'upscale-hd': [...edits, 'reroll', 'bookmark'],
      describe: ['describe-pick', 'describe-retry', 'describe-imagine-all'],
      shorten: ['shorten-pick'],
      video: ['video-upscale'],
      'video-upscale': ['video-extend'],
    };
    for (const [stage, kinds] of Object.entries(old) as [OutputStage, string[]][]) {
      expect(new Set(offeredBy(new Set([stage])))).toEqual(new Set(kinds));
      for (const spec of ALL) expect(stageOffers(new Set([stage]), spec)).toBe(kinds.includes(spec.kind));
    }
  });

  it('console label: the same readable names', () => {
    for (const spec of ALL) {
      expect(intentDisplayName(spec)).toBe(ADDED.label(spec) ?? OLD.label(spec));
      const customId = customIdOf(spec, { hash: HASH });
      const shown = classifyButton(customId);
      expect(buttonText({ customId, label: '', emoji: '' } as never).label).toBe(
        ADDED.label(shown) ?? OLD.label(shown)
      );
    }
  });

  it('console input pages: the same title and --zoom hint per intent text', () => {
    for (const text of [...ALL.map(formatIntent), null, undefined, '']) {
      expect(maskIntentName(text) ?? text).toBe(text === 'vary-region' ? 'Vary (Region)' : text);
      expect(inputNeedsZoom(text)).toBe(text === 'custom-zoom');
    }
  });

  it('grid test: the same, except that a bookmark marks a single image too', () => {
    const snapshot = (kinds: IntentKind[], act = 'IMAGINE'): Pick<TaskSnapshot, 'action' | 'buttons' | 'videoUrl'> =>
      ({
        action: act,
        buttons: kinds.map((k) => ({ intent: SAMPLES[k][0]! })),
      }) as never;
    for (const kind of INTENT_KINDS) {
      const single =
        OLD.singleImage.includes(kind) ||
        (ADDED.singleImage as readonly string[]).includes(kind) ||
        kind === 'bookmark';
      const grid = kind === 'upscale' || kind === 'variation' || !single;
      expect([kind, isGridTask(snapshot([kind]))]).toEqual([kind, grid]);
    }
    expect(isGridTask(snapshot(['reroll'], 'UPSCALE'))).toBe(false);
  });
});

describe("findButton's stage in its message", () => {
  const stageOf = (stage: ResultKind, version = '7'): string => {
    try {
      findButton(buttonsFor(stage, parseVersion(version), HASH), 'bookmark');
      findButton(buttonsFor(stage, parseVersion(version), HASH), 'U1');
      return 'found';
    } catch (e) {
      return (e as MjButtonNotFoundError).message;
    }
  };

  it.each([
    ['grid', 'grid'],
    ['upscale', 'upscaled image'],
    ['upscale-hd', 'upscaled image'],
    ['describe', 'describe result'],
    ['shorten', 'shorten result'],
    ['video', 'video grid'],
    ['video-upscale', 'upscaled video'],
  ] as const)('names a %s "%s"', (stage, name) => {
    expect(stageOf(stage)).toContain(`(${name})`);
  });

  it('names an upscaled image by its pans or bookmark alone (the old list knew neither)', () => {
    const buttons = [{ kind: 'pan', direction: 'left' } as const, { kind: 'bookmark' } as const].map((s) => ({
      customId: customIdOf(s, { hash: HASH }),
      emoji: '',
      label: '',
      type: 2,
      style: 2,
    }));
    expect(() => findButton(buttons, 'U1')).toThrow('(upscaled image)');
    expect(() => findButton(buttons.slice(1), 'U1')).toThrow('(upscaled image)');
  });
});
