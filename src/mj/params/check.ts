/**
 * A prompt's parameters checked against the rules of the model it asks for, before anything is submitted. A prompt
 * that names no model (`--v`, `--niji`) is left to the account's default: it passes when one current version accepts
 * it (one of the niji line when the job runs on the niji bot), and is otherwise refused with the problems of the
 * version that comes closest. Workflow-safe.
 */
import { parsePrompt, type ParamWarning, type ParsedPrompt } from './grammar';
import { sharedProblems, versionProblems, type ParamProblem } from './rules';
import { CURRENT_MODELS, isMjVersion, isNijiVersion, NEWEST_NIJI, type ModelLine, type ModelVersion } from './versions';

export interface CheckParamsOptions {
  /** The prompt makes a video (the video endpoint): `--motion`, `--loop`, `--end`, `--bs` need no `--video`. */
  video?: boolean;
  /** The bot the job runs on (`botType` NIJI_JOURNEY: `niji`), when the prompt names no model itself. */
  line?: ModelLine;
}

export interface PromptParamsCheck {
  parsed: ParsedPrompt;
  /** The model the prompt names; absent when it names none (or names one that does not exist). */
  model?: ModelVersion;
  /** Refusals, most important first; empty when the prompt may be submitted. */
  problems: ParamProblem[];
  warnings: ParamWarning[];
}

/** The model a parsed prompt names: `--v` first, else `--niji` (alone: the newest niji). */
export function modelOf(p: ParsedPrompt): ModelVersion | undefined {
  const v = p.params.version;
  if (v !== undefined) return isMjVersion(v) ? { line: 'mj', version: v } : undefined;
  const n = p.params.niji;
  if (n === undefined) return undefined;
  const version = n === true ? NEWEST_NIJI : n;
  return isNijiVersion(version) ? { line: 'niji', version } : undefined;
}

function namesAModel(p: ParsedPrompt): boolean {
  return p.params.version !== undefined || p.params.niji !== undefined;
}

/** Parses `prompt` and checks its parameters; never throws (see `MjPromptParamError` for the refusal). */
export function checkPromptParams(prompt: string, opts: CheckParamsOptions = {}): PromptParamsCheck {
  const parsed = parsePrompt(prompt);
  const video = opts.video === true || parsed.params.video === true;
  const model = modelOf(parsed);
  const shared = sharedProblems(parsed, video);
  const out = { parsed, ...(model ? { model } : {}), warnings: parsed.warnings };
  if (model) return { ...out, problems: [...shared, ...versionProblems(parsed, model, video)] };
  if (namesAModel(parsed)) return { ...out, problems: shared };
  const candidates = CURRENT_MODELS.filter((m) => opts.line === undefined || m.line === opts.line);
  const perModel = candidates.map((m) => versionProblems(parsed, m, video));
  if (perModel.some((ps) => ps.length === 0)) return { ...out, problems: shared };
  const closest = perModel.reduce((a, b) => (b.length < a.length ? b : a));
  const unversioned = closest.map((pr) => ({
    ...pr,
    message: `${pr.message}; the prompt names no version and no current version takes it`,
  }));
  return { ...out, problems: [...shared, ...unversioned] };
}
