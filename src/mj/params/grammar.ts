/**
 * The MidJourney prompt grammar, read and written in one place: leading image prompts (URLs), the text with its
 * `::` multi-prompt weights, then `--name value` parameters. {@link parsePrompt} and {@link printPrompt} are inverse
 * in meaning: `parsePrompt(printPrompt(parsePrompt(p)))` equals `parsePrompt(p)`. Unknown parameters, and known ones
 * whose value does not read, are kept verbatim and printed back unchanged. Workflow-safe: no Node imports.
 */
import {
  canonicalParam,
  paramSpec,
  PARAM_NAMES,
  printedName,
  type ParamName,
  type ParamValue,
  type PromptParams,
} from './catalogue';

/** One segment of the text; `separated` when `::` (and maybe a weight) follows it. */
export interface PromptPart {
  text: string;
  separated: boolean;
  weight?: number;
}

/** A parameter as written: its name without the dashes and its value (`""` for none). */
export interface WrittenParam {
  name: string;
  value: string;
}

/** A known parameter whose value does not read as its kind (`--chaos lots`). */
export interface UnreadableParam extends WrittenParam {
  param: ParamName;
  reason: string;
}

/** Why a prompt passes with a remark: an unknown parameter, or one given twice. */
export interface ParamWarning {
  param: string;
  kind: 'unknown' | 'repeated';
  message: string;
}

export interface ParsedPrompt {
  /** Image prompts: the URLs before the text, in order. */
  imagePrompts: string[];
  /** The text, split at `::`; one part when it has no multi-prompt. */
  parts: PromptPart[];
  params: PromptParams;
  /** Unknown and unreadable parameters, verbatim, in prompt order. */
  extra: WrittenParam[];
  unreadable: UnreadableParam[];
  warnings: ParamWarning[];
}

/** Discord and phone keyboards turn `--` into an em or en dash; MidJourney reads them as `--`. */
const DASH_RE = /(^|\s)[\u2014\u2013](?=[A-Za-z])/g;
const PARAM_RE = /(?:^|\s)--([A-Za-z][\w-]*)/g;
const URL_RE = /^<?(https?:\/\/[^\s<>]+)>?$/i;
const WEIGHT_RE = /::(-?(?:\d+(?:\.\d+)?|\.\d+))?/g;
const NUMBER_RE = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const RATIO_RE = /^\d+(?:\.\d+)?:\d+(?:\.\d+)?$/;

/** Splits the prompt into the head (image prompts and text) and its written parameters. */
function split(prompt: string): { head: string; written: WrittenParam[] } {
  const text = prompt.replace(DASH_RE, '$1--');
  const starts = [...text.matchAll(PARAM_RE)];
  const head = (starts.length ? text.slice(0, starts[0]!.index) : text).trim();
  const written = starts.map((m, i) => {
    const from = m.index + m[0].length;
    const to = i + 1 < starts.length ? starts[i + 1]!.index : text.length;
    return { name: m[1]!, value: text.slice(from, to).trim() };
  });
  return { head, written };
}

function readParts(text: string): PromptPart[] {
  const parts: PromptPart[] = [];
  let from = 0;
  for (const m of text.matchAll(WEIGHT_RE)) {
    const part: PromptPart = { text: text.slice(from, m.index).trim(), separated: true };
    if (m[1] !== undefined) part.weight = Number(m[1]);
    parts.push(part);
    from = m.index + m[0].length;
  }
  const rest = text.slice(from).trim();
  if (rest !== '' || parts.length === 0) parts.push({ text: rest, separated: false });
  return parts;
}

function tokens(value: string): string[] {
  return value.split(/\s+/).filter((t) => t !== '');
}

/** A word in lower case; a number as JavaScript writes it (`7.0` → `7`), so versions compare as numbers. */
function word(w: string): string {
  return NUMBER_RE.test(w) ? String(Number(w)) : w.toLowerCase();
}

/** The value of `raw` as `name`'s kind, or the reason it does not read. */
function readValue(name: ParamName, raw: string): { value: ParamValue } | { reason: string } {
  const spec = paramSpec(name);
  const words = tokens(raw);
  switch (spec.kind) {
    case 'flag':
      return raw === '' ? { value: true } : { reason: 'takes no value' };
    case 'number':
      return NUMBER_RE.test(raw) ? { value: Number(raw) } : { reason: 'must be a number' };
    case 'ratio':
      return RATIO_RE.test(raw) ? { value: raw } : { reason: 'must be a ratio W:H' };
    case 'word':
      return words.length === 1 ? { value: word(words[0]!) } : { reason: 'must be one word' };
    case 'opt-word':
      return words.length <= 1
        ? { value: words[0] === undefined ? true : word(words[0]) }
        : { reason: 'takes at most one word' };
    case 'list': {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      return items.length ? { value: items } : { reason: 'must list at least one item' };
    }
    case 'refs':
      return words.length ? { value: words } : { reason: 'must name at least one URL or code' };
    case 'opt-refs':
      return { value: words.length ? words : true };
  }
}

/** Merges a repeated parameter: lists and references add up, any other value is replaced by the later one. */
function mergeInto(out: ParsedPrompt, name: ParamName, written: string, value: ParamValue): void {
  const before = out.params[name];
  const bag = out.params as Record<ParamName, ParamValue | undefined>;
  if (before === undefined) {
    bag[name] = value;
    return;
  }
  if (Array.isArray(before) && Array.isArray(value)) {
    bag[name] = [...(before as readonly string[]), ...(value as readonly string[])];
    return;
  }
  bag[name] = value;
  out.warnings.push({
    param: `--${written}`,
    kind: 'repeated',
    message: `--${written} is given more than once; the last value counts`,
  });
}

/** Reads a prompt into its image prompts, text parts and typed parameters. Never throws. */
export function parsePrompt(prompt: string): ParsedPrompt {
  const { head, written } = split(prompt);
  const words = tokens(head);
  const imagePrompts: string[] = [];
  while (words.length && URL_RE.test(words[0]!)) imagePrompts.push(URL_RE.exec(words.shift()!)![1]!);
  const out: ParsedPrompt = {
    imagePrompts,
    parts: readParts(words.join(' ')),
    params: {},
    extra: [],
    unreadable: [],
    warnings: [],
  };
  for (const w of written) {
    const name = canonicalParam(w.name);
    if (name === undefined) {
      out.extra.push(w);
      out.warnings.push({
        param: `--${w.name}`,
        kind: 'unknown',
        message: `--${w.name} is not a parameter this service knows; it is passed on unchanged`,
      });
      continue;
    }
    const read = readValue(name, w.value);
    if ('reason' in read) {
      out.extra.push(w);
      out.unreadable.push({ ...w, param: name, reason: read.reason });
    } else mergeInto(out, name, w.name, read.value);
  }
  return out;
}

/** The text as the parts write it: `hot:: dog::2`. */
export function partsText(parts: readonly PromptPart[]): string {
  return parts
    .map((p) => `${p.text}${p.separated ? `::${p.weight ?? ''}` : ''}`)
    .filter((s) => s !== '')
    .join(' ');
}

/** How a value is written after its parameter's name; `''` for a flag. */
export function printValue(name: ParamName, value: ParamValue): string {
  if (value === true) return '';
  if (Array.isArray(value)) return value.join(paramSpec(name).kind === 'list' ? ', ' : ' ');
  return String(value);
}

/** `--name value` (or `--name` for a flag). */
export function printParam(name: ParamName, value: ParamValue): string {
  const v = printValue(name, value);
  return v === '' ? printedName(name) : `${printedName(name)} ${v}`;
}

/** Writes a parsed prompt back: image prompts, text, known parameters in catalogue order, then the rest verbatim. */
export function printPrompt(p: ParsedPrompt): string {
  const known = PARAM_NAMES.flatMap((n) => {
    const v = p.params[n];
    return v === undefined ? [] : [printParam(n, v)];
  });
  const extra = p.extra.map((w) => (w.value === '' ? `--${w.name}` : `--${w.name} ${w.value}`));
  return [...p.imagePrompts, partsText(p.parts), ...known, ...extra].filter((s) => s !== '').join(' ');
}
