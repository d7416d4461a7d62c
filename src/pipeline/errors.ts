/**
 * The typed errors of spec parsing: one error per spec, listing every issue with its field path and rule.
 */
import type { SpecIssue } from '../shared/pipeline-types';

const SHOWN = 5;

function summarise(what: string, issues: readonly SpecIssue[]): string {
  const lines = issues.slice(0, SHOWN).map((i) => `${i.path || '(root)'}: ${i.message} [${i.rule}]`);
  const more = issues.length > SHOWN ? `; and ${issues.length - SHOWN} more` : '';
  return `${what} (${issues.length} issue${issues.length === 1 ? '' : 's'}): ${lines.join('; ')}${more}`;
}

/** A pipeline file is invalid. `issues` name the field (`steps[2].action[1]`) and the rule of each problem. */
export class PipelineSpecError extends Error {
  override readonly name = 'PipelineSpecError';
  readonly code = 'PIPELINE_INVALID';

  constructor(readonly issues: SpecIssue[]) {
    super(summarise('invalid pipeline spec', issues));
  }
}

/** A batch spec or prompt file is invalid. `issues` name the line (`line 7`) or field (`items[3].prompt`). */
export class BatchSpecError extends Error {
  override readonly name = 'BatchSpecError';
  readonly code = 'BATCH_INVALID';

  constructor(readonly issues: SpecIssue[]) {
    super(summarise('invalid batch spec', issues));
  }
}
