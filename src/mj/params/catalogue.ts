/**
 * The prompt parameters this service reads, declared once: each canonical name with the spellings MidJourney
 * accepts (the first is the one the printer writes), the shape of its value and the documentation page that
 * defines it. The typed parameter object ({@link PromptParams}) derives from this table. Workflow-safe.
 */
import type { MjDocPage } from './docs';

/**
 * Value shapes: `flag` takes none; `number` one number (bounds and integer-ness in the entry); `ratio` `W:H` of
 * whole numbers; `word` one of `values`; `list` a comma-separated list (`--no`); `refs` space-separated URLs or codes;
 * `opt-refs` the same or nothing (`--p`); `opt-word` a word or nothing (`--niji`).
 */
export const PARAM_KINDS = ['flag', 'number', 'ratio', 'word', 'list', 'refs', 'opt-refs', 'opt-word'] as const;
export type ParamKind = (typeof PARAM_KINDS)[number];

interface ParamSpecBase {
  readonly names: readonly string[];
  readonly kind: ParamKind;
  readonly doc: MjDocPage;
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly values?: readonly (string | number)[];
}

export const PARAM_SPECS = {
  aspect: { names: ['ar', 'aspect'], kind: 'ratio', doc: 'aspectRatio' },
  chaos: { names: ['chaos', 'c'], kind: 'number', doc: 'chaos', min: 0, max: 100, integer: true },
  stylize: { names: ['stylize', 's'], kind: 'number', doc: 'stylize', min: 0, max: 1000, integer: true },
  weird: { names: ['weird', 'w'], kind: 'number', doc: 'weird', min: 0, max: 3000, integer: true },
  quality: { names: ['quality', 'q'], kind: 'number', doc: 'quality', values: [0.25, 0.5, 1, 2, 4] },
  version: { names: ['v', 'version'], kind: 'word', doc: 'version' },
  niji: { names: ['niji'], kind: 'opt-word', doc: 'version' },
  style: { names: ['style'], kind: 'word', doc: 'raw', values: ['raw', 'cute', 'expressive', 'original', 'scenic'] },
  raw: { names: ['raw'], kind: 'flag', doc: 'raw' },
  no: { names: ['no'], kind: 'list', doc: 'no' },
  seed: { names: ['seed'], kind: 'number', doc: 'seeds', min: 0, max: 4294967295, integer: true },
  sref: { names: ['sref'], kind: 'refs', doc: 'styleReference' },
  sw: { names: ['sw'], kind: 'number', doc: 'styleReference', min: 0, max: 1000, integer: true },
  sv: { names: ['sv'], kind: 'number', doc: 'styleReference', min: 1, max: 7, integer: true },
  oref: { names: ['oref'], kind: 'refs', doc: 'omniReference' },
  ow: { names: ['ow'], kind: 'number', doc: 'omniReference', min: 1, max: 1000, integer: true },
  cref: { names: ['cref'], kind: 'refs', doc: 'characterReference' },
  cw: { names: ['cw'], kind: 'number', doc: 'characterReference', min: 0, max: 100, integer: true },
  personalize: { names: ['p', 'personalize'], kind: 'opt-refs', doc: 'personalization' },
  draft: { names: ['draft'], kind: 'flag', doc: 'draft' },
  tile: { names: ['tile'], kind: 'flag', doc: 'tile' },
  repeat: { names: ['repeat', 'r'], kind: 'number', doc: 'repeat', min: 1, max: 40, integer: true },
  stop: { names: ['stop'], kind: 'number', doc: 'legacy', min: 10, max: 100, integer: true },
  exp: { names: ['exp'], kind: 'number', doc: 'parameterList', min: 0, max: 100, integer: true },
  iw: { names: ['iw'], kind: 'number', doc: 'imagePrompts', min: 0, max: 3 },
  fast: { names: ['fast'], kind: 'flag', doc: 'gpuSpeed' },
  relax: { names: ['relax'], kind: 'flag', doc: 'gpuSpeed' },
  turbo: { names: ['turbo'], kind: 'flag', doc: 'gpuSpeed' },
  video: { names: ['video'], kind: 'flag', doc: 'video' },
  motion: { names: ['motion'], kind: 'word', doc: 'video', values: ['low', 'high'] },
  loop: { names: ['loop'], kind: 'flag', doc: 'video' },
  end: { names: ['end'], kind: 'refs', doc: 'video' },
  bs: { names: ['bs'], kind: 'number', doc: 'video', values: [1, 2, 4] },
  hd: { names: ['hd'], kind: 'flag', doc: 'video' },
  zoom: { names: ['zoom'], kind: 'number', doc: 'zoomOut', min: 1, max: 2 },
} as const satisfies Record<string, ParamSpecBase>;

export type ParamName = keyof typeof PARAM_SPECS;
export type ParamSpec = ParamSpecBase;

/** The canonical names in the printer's order. */
export const PARAM_NAMES = Object.keys(PARAM_SPECS) as ParamName[];

type ValueOfKind<K extends ParamKind> = K extends 'flag'
  ? true
  : K extends 'number'
    ? number
    : K extends 'list' | 'refs'
      ? readonly string[]
      : K extends 'opt-refs'
        ? true | readonly string[]
        : K extends 'opt-word'
          ? true | string
          : string;

/** A prompt's parameters by canonical name, each typed by its kind. */
export type PromptParams = {
  -readonly [N in ParamName]?: ValueOfKind<(typeof PARAM_SPECS)[N]['kind']>;
};

/** One value of any parameter. */
export type ParamValue = NonNullable<PromptParams[ParamName]>;

const BY_NAME: ReadonlyMap<string, ParamName> = new Map(
  PARAM_NAMES.flatMap((n) => PARAM_SPECS[n].names.map((alias) => [alias, n] as const))
);

/** The canonical name of a spelling (`ar` → `aspect`, `S` → `stylize`), or undefined for an unknown parameter. */
export function canonicalParam(written: string): ParamName | undefined {
  return BY_NAME.get(written.toLowerCase());
}

export function paramSpec(name: ParamName): ParamSpec {
  return PARAM_SPECS[name];
}

/** How the printer writes a parameter: `--ar`, `--stylize`. */
export function printedName(name: ParamName): string {
  return `--${PARAM_SPECS[name].names[0]}`;
}
