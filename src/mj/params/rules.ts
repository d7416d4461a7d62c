/**
 * Which parameters each model version takes, in what range, and which combinations MidJourney refuses: one table,
 * {@link PARAM_RULES}, each rule naming the documentation page it comes from (`MJ_DOCS`). The bounds and value sets
 * every version shares live with the parameter in the catalogue and are checked here too. Workflow-safe.
 */
import { PARAM_SPECS, paramSpec, printedName, type ParamName } from './catalogue';
import { MJ_DOCS, type MjDocPage } from './docs';
import type { ParsedPrompt } from './grammar';
import { isMjVersion, isNijiVersion, modelLabel, type ModelLine, type ModelVersion } from './versions';

/** Inclusive version bounds on one line; `Infinity` for "and later". */
type Span = readonly [number, number];
/** The versions of each line a rule covers; a line left out is not covered. */
type On = Partial<Record<ModelLine, Span>>;

const ALL_FROM_6: On = { mj: [6, Infinity], niji: [6, Infinity] };
const FROM_7: On = { mj: [7, Infinity], niji: [7, Infinity] };

/**
 * `only-on`: the parameter works on the versions of `on` only (unless the prompt makes a video and `video` is set).
 * `range-on`: on the versions of `on`, the value lies in `min`–`max`.
 * `values-on`: the values of `values` work on the versions of `on` only.
 * `needs`: the parameter needs `with` (or a video prompt). `excludes`: it cannot stand with any of `with`.
 */
export type ParamRule =
  | { id: string; kind: 'only-on'; param: ParamName; on: On; video?: true; doc: MjDocPage }
  | { id: string; kind: 'range-on'; param: ParamName; on: On; min: number; max: number; doc: MjDocPage }
  | { id: string; kind: 'values-on'; param: ParamName; on: On; values: readonly (string | number)[]; doc: MjDocPage }
  | { id: string; kind: 'needs'; param: ParamName; with: ParamName; doc: MjDocPage }
  | { id: string; kind: 'excludes'; param: ParamName; with: readonly ParamName[]; doc: MjDocPage };

export const PARAM_RULES: readonly ParamRule[] = [
  { id: 'sref-version', kind: 'only-on', param: 'sref', on: ALL_FROM_6, doc: 'styleReference' },
  { id: 'sw-version', kind: 'only-on', param: 'sw', on: ALL_FROM_6, doc: 'styleReference' },
  { id: 'sv-version', kind: 'only-on', param: 'sv', on: ALL_FROM_6, doc: 'styleReference' },
  {
    id: 'sv-range-v6',
    kind: 'range-on',
    param: 'sv',
    on: { mj: [6, 6.1], niji: [6, 6] },
    min: 1,
    max: 4,
    doc: 'styleReference',
  },
  {
    id: 'sv-range-v7',
    kind: 'range-on',
    param: 'sv',
    on: { mj: [7, 7], niji: [7, 7] },
    min: 1,
    max: 6,
    doc: 'styleReference',
  },
  { id: 'oref-version', kind: 'only-on', param: 'oref', on: { mj: [7, 7] }, doc: 'omniReference' },
  { id: 'ow-version', kind: 'only-on', param: 'ow', on: { mj: [7, 7] }, doc: 'omniReference' },
  { id: 'cref-version', kind: 'only-on', param: 'cref', on: { mj: [6, 6.1], niji: [6, 6] }, doc: 'characterReference' },
  { id: 'cw-version', kind: 'only-on', param: 'cw', on: { mj: [6, 6.1], niji: [6, 6] }, doc: 'characterReference' },
  { id: 'p-version', kind: 'only-on', param: 'personalize', on: ALL_FROM_6, doc: 'personalization' },
  { id: 'draft-version', kind: 'only-on', param: 'draft', on: { mj: [7, 7] }, doc: 'draft' },
  { id: 'exp-version', kind: 'only-on', param: 'exp', on: FROM_7, doc: 'parameterList' },
  { id: 'raw-version', kind: 'only-on', param: 'raw', on: FROM_7, doc: 'raw' },
  { id: 'hd-version', kind: 'only-on', param: 'hd', on: { mj: [8, Infinity] }, video: true, doc: 'version' },
  { id: 'quality-4', kind: 'values-on', param: 'quality', on: FROM_7, values: [4], doc: 'quality' },
  {
    id: 'style-niji',
    kind: 'values-on',
    param: 'style',
    on: { niji: [5, 6] },
    values: ['cute', 'expressive', 'original', 'scenic'],
    doc: 'raw',
  },
  { id: 'motion-video', kind: 'needs', param: 'motion', with: 'video', doc: 'video' },
  { id: 'loop-video', kind: 'needs', param: 'loop', with: 'video', doc: 'video' },
  { id: 'end-video', kind: 'needs', param: 'end', with: 'video', doc: 'video' },
  { id: 'bs-video', kind: 'needs', param: 'bs', with: 'video', doc: 'video' },
  { id: 'one-model', kind: 'excludes', param: 'version', with: ['niji'], doc: 'version' },
  { id: 'one-speed', kind: 'excludes', param: 'fast', with: ['relax', 'turbo'], doc: 'gpuSpeed' },
  { id: 'one-speed', kind: 'excludes', param: 'relax', with: ['turbo'], doc: 'gpuSpeed' },
];

/** A refusal: the parameter as the printer writes it, the rule's stable id, what it says and its page. */
export interface ParamProblem {
  param: string;
  rule: string;
  message: string;
  source: string;
}

function problem(param: ParamName, rule: string, says: string, doc: MjDocPage): ParamProblem {
  return { param: printedName(param), rule, message: `${printedName(param)} ${says}`, source: MJ_DOCS[doc] };
}

function covers(on: On, m: ModelVersion): boolean {
  const span = on[m.line];
  const n = Number(m.version);
  return span !== undefined && n >= span[0] && n <= span[1];
}

/** `V7`, `V6–V6.1 or niji 6`, `V8 and later`. */
function describeOn(on: On): string {
  return (Object.entries(on) as [ModelLine, Span][])
    .map(([line, [lo, hi]]) => {
      const name = (v: number) => modelLabel({ line, version: String(v) });
      return hi === Infinity ? `${name(lo)} and later` : lo === hi ? name(lo) : `${name(lo)}–${name(hi)}`;
    })
    .join(' or ');
}

/** What the catalogue says of one read value: its value set, whole numbers, bounds; a ratio of whole numbers. */
function valueProblem(name: ParamName, value: unknown): ParamProblem | undefined {
  const spec = paramSpec(name);
  const bad = (rule: string, says: string) => problem(name, rule, `${says} (got ${String(value)})`, spec.doc);
  if (spec.values && (typeof value === 'number' || typeof value === 'string') && !spec.values.includes(value))
    return bad(`${name}-value`, `must be one of ${spec.values.join(', ')}`);
  if (typeof value === 'number' && spec.integer && !Number.isInteger(value))
    return bad(`${name}-range`, 'must be a whole number');
  if (typeof value === 'number' && ((spec.min ?? value) > value || (spec.max ?? value) < value))
    return bad(`${name}-range`, `must be ${spec.min}–${spec.max}`);
  if (spec.kind === 'ratio' && !/^[1-9]\d*:[1-9]\d*$/.test(String(value)))
    return bad('aspect-whole', 'must be two whole numbers above 0, W:H');
  return undefined;
}

/** The checks every version shares: values that did not read, the catalogue's bounds, combinations, model names. */
export function sharedProblems(p: ParsedPrompt, video = false): ParamProblem[] {
  const unreadable = p.unreadable.map((u) =>
    problem(u.param, `${u.param}-value`, `${u.reason} (got "${u.value}")`, PARAM_SPECS[u.param].doc)
  );
  const values = (Object.entries(p.params) as [ParamName, unknown][]).flatMap(([name, value]) => {
    const found = valueProblem(name, value);
    return found ? [found] : [];
  });
  return [...unreadable, ...values, ...combinationProblems(p, video), ...modelProblems(p)];
}

/** `needs` and `excludes`: refused on every version alike. */
function combinationProblems(p: ParsedPrompt, video: boolean): ParamProblem[] {
  const has = (n: ParamName) => p.params[n] !== undefined;
  const out: ParamProblem[] = [];
  for (const r of PARAM_RULES) {
    if (!has(r.param)) continue;
    if (r.kind === 'needs' && !has(r.with) && !video)
      out.push(problem(r.param, r.id, `needs ${printedName(r.with)}`, r.doc));
    if (r.kind === 'excludes') {
      const clash = r.with.find(has);
      if (clash) out.push(problem(r.param, r.id, `cannot be used with ${printedName(clash)}`, r.doc));
    }
  }
  return out;
}

/** `--v` and `--niji` values that name no model. */
function modelProblems(p: ParsedPrompt): ParamProblem[] {
  const out: ParamProblem[] = [];
  const v = p.params.version;
  if (v !== undefined && !isMjVersion(v))
    out.push(problem('version', 'version-value', `names no model version (got ${v})`, 'version'));
  const n = p.params.niji;
  if (typeof n === 'string' && !isNijiVersion(n))
    out.push(problem('niji', 'niji-value', `names no niji version (got ${n})`, 'version'));
  return out;
}

/** The version rules of {@link PARAM_RULES} for model `m`; `video` when the prompt makes a video. */
export function versionProblems(p: ParsedPrompt, m: ModelVersion, video: boolean): ParamProblem[] {
  const out: ParamProblem[] = [];
  for (const r of PARAM_RULES) {
    const value = p.params[r.param];
    if (value === undefined) continue;
    if (r.kind === 'only-on' && !covers(r.on, m) && !(r.video && video))
      out.push(problem(r.param, r.id, `works only with ${describeOn(r.on)} (not ${modelLabel(m)})`, r.doc));
    if (r.kind === 'range-on' && covers(r.on, m) && typeof value === 'number' && (value < r.min || value > r.max))
      out.push(problem(r.param, r.id, `must be ${r.min}–${r.max} with ${modelLabel(m)} (got ${value})`, r.doc));
    if (r.kind === 'values-on' && r.values.includes(value as string | number) && !covers(r.on, m))
      out.push(
        problem(r.param, r.id, `${String(value)} works only with ${describeOn(r.on)} (not ${modelLabel(m)})`, r.doc)
      );
  }
  return out;
}
