/**
 * The provenance a job's prompt gives (`JobProvenance` without the seed): the model version it names, its parameters
 * as the grammar of src/mj/params reads them, and the images it refers to. Workflow-safe: pure.
 */
import { modelName, modelOf, parsePrompt, type ParsedPrompt } from '../mj/params';
import type { JobProvenance, ProvenanceReference, ProvenanceValue } from './job-read-model';
import type { JobRequest } from './types';

const REFERENCE_PARAMS = ['sref', 'oref', 'cref'] as const;

function references(p: ParsedPrompt): ProvenanceReference[] {
  const out: ProvenanceReference[] = p.imagePrompts.map((value) => ({ role: 'image-prompt', value }));
  for (const role of REFERENCE_PARAMS) for (const value of p.params[role] ?? []) out.push({ role, value });
  const codes = p.params.personalize;
  // Moodboard codes start with "m" (docs/prompt-parameters.md); other codes are personalization profiles.
  if (Array.isArray(codes))
    for (const value of codes) out.push({ role: /^m\d/.test(value) ? 'moodboard' : 'profile', value });
  return out;
}

/** What `prompt` says produced the images; undefined when it says nothing. Keys without a value are left out. */
export function promptProvenance(prompt: string | undefined): JobProvenance | undefined {
  if (prompt === undefined || prompt.trim() === '') return undefined;
  const parsed = parsePrompt(prompt);
  const model = modelOf(parsed);
  const params = parsed.params as Record<string, ProvenanceValue>;
  const refs = references(parsed);
  if (!model && Object.keys(params).length === 0 && refs.length === 0) return undefined;
  return {
    ...(model ? { version: modelName(model) } : {}),
    ...(Object.keys(params).length ? { params } : {}),
    ...(refs.length ? { references: refs } : {}),
  };
}

/**
 * The provenance of the prompt a job sends (a modal's once given, else its request's): images come from what it asks
 * for. Shorten's prompt is text to shorten, not a prompt that runs, so it has none.
 */
export function jobProvenance(request: JobRequest, modalPrompt?: string): JobProvenance | undefined {
  if (request.kind === 'shorten') return undefined;
  const own = 'prompt' in request && typeof request.prompt === 'string' ? request.prompt : undefined;
  return promptProvenance(modalPrompt ?? own);
}

/** A job's provenance: its prompt's ({@link jobProvenance}) and what the job learned since (the seed). */
export function withObserved(
  fromPrompt: JobProvenance | undefined,
  observed: JobProvenance | undefined
): JobProvenance | undefined {
  return fromPrompt || observed ? { ...fromPrompt, ...observed } : undefined;
}
