/**
 * Per-item pipeline templates of a paged batch: a pipeline file (without a name) whose entry prompts contain
 * `{prompt}`, e.g. `{ "steps": [{ "id": "grid", "imagine": { "prompt": "{prompt}" } },
 * { "id": "ups", "from": "grid", "action": ["U1", "U2", "U3", "U4"] }] }`. Each item runs it as one child pipeline
 * with its prompt (and params) in place of `{prompt}`. Validation is the pipeline parser's own.
 */
import type { BatchTemplate } from '../shared/batch-run-types';
import { BatchSpecError, PipelineSpecError } from './errors';
import { parsePipelineSpec } from './spec';

export const PROMPT_PLACEHOLDER = '{prompt}';

/** @throws BatchSpecError naming `template.<field>` for every problem */
export function parseBatchTemplate(spec: unknown): BatchTemplate {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new BatchSpecError([{ path: 'template', rule: 'schema', message: 'must be a pipeline object with "steps"' }]);
  }
  let input;
  try {
    input = parsePipelineSpec({ name: 'template', ...spec });
  } catch (err) {
    if (!(err instanceof PipelineSpecError)) throw err;
    throw new BatchSpecError(err.issues.map((i) => ({ ...i, path: i.path ? `template.${i.path}` : 'template' })));
  }
  const usesPrompt = input.steps.some(
    (s) => s.kind === 'entry' && 'prompt' in s.request && s.request.prompt.includes(PROMPT_PLACEHOLDER)
  );
  if (!usesPrompt) {
    throw new BatchSpecError([
      { path: 'template.steps', rule: 'schema', message: `no entry step's prompt contains ${PROMPT_PLACEHOLDER}` },
    ]);
  }
  const { name: _name, ...template } = input;
  return template;
}
