/**
 * Pipeline files: the zod schema, and `parsePipelineSpec`, which validates a file and normalises it into the
 * {@link PipelineInput} the workflow receives (intents parsed, references checked, branch labels resolved).
 *
 * A file is JSON:
 * ```json
 * { "name": "cat", "mode": "FAST", "steps": [
 *   { "id": "grid", "imagine": { "prompt": "a cute cat --v 7" } },
 *   { "id": "ups", "from": "grid", "action": ["U1", "U2", "U3", "U4"] },
 *   { "id": "zoom", "from": "ups", "action": "zoom-out 2" },
 *   { "id": "region", "from": "ups", "branch": "U2", "action": "vary-region", "input": "ask" } ] }
 * ```
 * Every problem becomes one {@link SpecIssue} (field path + rule); all of them are thrown together as one
 * {@link PipelineSpecError}.
 */
import { z } from 'zod';
import { MAX_CONCURRENCY, MAX_PIPELINE_STEPS } from '../shared/defaults';
import type {
  EntryRequest,
  PipelineInput,
  PipelineIntent,
  PipelineStep,
  SpecIssue,
  StepInputPolicy,
} from '../shared/pipeline-types';
import type { ModalInput } from '../shared/types';
import { checkModalInput } from '../shared/modal-input-rule';
import { canonicalLabel, nodesFromSteps, planPipeline, type PlanNode } from '../workflows/pipeline/plan';
import { PipelineSpecError } from './errors';
import { ENTRY_STAGE, offeredBy, stageAfter, stageOffers, toPipelineIntent, type OutputStage } from './intents';
import {
  accountSchema,
  blendBodySchema,
  botTypeSchema,
  checkImagineOnItsBot,
  describeBodySchema,
  durationSchema,
  editsBodySchema,
  idSchema,
  imageRefSchema,
  issuesFromZod,
  modalInputSchema,
  pollPolicySchema,
  imaginePromptSchema,
  ruleIssue,
  shortenBodySchema,
  speedModeSchema,
  videoBodySchema,
} from './schemas';

export const ENTRY_KEYS = ['imagine', 'blend', 'describe', 'shorten', 'edits', 'video'] as const;
type EntryKey = (typeof ENTRY_KEYS)[number];

/** Most intents one action step lists, and most choices of a pick step. */
const MAX_INTENTS_PER_STEP = 16;

/** The top level of a pipeline file; steps are checked one by one so every broken step is reported. */
export const pipelineFileSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"'),
  mode: speedModeSchema.optional(),
  account: accountSchema.optional(),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).optional(),
  inputTimeout: durationSchema.optional(),
  policy: pollPolicySchema.optional(),
  captureImages: z.boolean().optional(),
  submitPolicy: z.enum(['at-most-once', 'at-least-once']).optional(),
  steps: z
    .array(z.unknown())
    .min(1, 'a pipeline needs at least one step')
    .superRefine((steps, ctx) => {
      if (steps.length > MAX_PIPELINE_STEPS) {
        ruleIssue(ctx, 'too-many-steps', `${steps.length} steps (at most ${MAX_PIPELINE_STEPS})`);
      }
    }),
});

const stringOrList = (what: string) =>
  z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(MAX_INTENTS_PER_STEP)], {
    error: `must be ${what} or a list of them`,
  });

/** One step. Which keys may appear together is checked after this schema (see {@link normaliseStep}). */
export const pipelineStepSchema = z.strictObject({
  id: idSchema,
  imagine: z
    .strictObject({
      /** Optional with `promptFrom`: then it is appended to the picked prompt. */
      prompt: imaginePromptSchema.optional(),
      referenceImages: z.array(imageRefSchema).max(5).optional(),
      botType: botTypeSchema.optional(),
    })
    .superRefine(checkImagineOnItsBot)
    .optional(),
  blend: blendBodySchema.optional(),
  describe: describeBodySchema.optional(),
  shorten: shortenBodySchema.optional(),
  edits: editsBodySchema.optional(),
  video: videoBodySchema.optional(),
  promptFrom: z
    .strictObject({
      step: z.string().min(1),
      pick: z.union([z.number().int().min(1).max(9), z.literal('ask')], {
        error: 'must be a prompt number (1–9) or "ask"',
      }),
    })
    .optional(),
  from: z.string().min(1).optional(),
  branch: stringOrList('a branch label such as "U2"').optional(),
  action: stringOrList('an intent such as "U2" or "zoom-out 2"').optional(),
  pick: z.literal('ask', { error: 'must be "ask"' }).optional(),
  choices: z.array(z.string()).min(2).max(MAX_INTENTS_PER_STEP).optional(),
  /** "ask", or `{ prompt, mask }` known in advance. Parsed in {@link normaliseStep} for precise issue paths. */
  input: z.unknown().optional(),
  enableRemix: z.boolean().optional(),
});

type RawStep = z.infer<typeof pipelineStepSchema>;

function listOf(v: string | string[] | undefined): string[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function parseIntents(texts: string | string[], path: string, issues: SpecIssue[]): PipelineIntent[] | undefined {
  const list = listOf(texts)!;
  const out: PipelineIntent[] = [];
  let ok = true;
  list.forEach((text, j) => {
    const r = toPipelineIntent(text);
    if (r.ok) out.push(r.value);
    else {
      ok = false;
      issues.push({ path: Array.isArray(texts) ? `${path}[${j}]` : path, rule: r.rule, message: r.message });
    }
  });
  return ok ? out : undefined;
}

function parseInput(raw: unknown, path: string, issues: SpecIssue[]): StepInputPolicy | undefined {
  if (raw === undefined) return { kind: 'none' };
  if (raw === 'ask') return { kind: 'ask' };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, rule: 'schema', message: 'input is "ask" or { "prompt": …, "mask": <stored PNG asset> }' });
    return undefined;
  }
  const r = modalInputSchema.safeParse(raw);
  if (!r.success) {
    issues.push(...issuesFromZod(r.error, path));
    return undefined;
  }
  const modal: ModalInput = {};
  if (r.data.prompt !== undefined) modal.prompt = r.data.prompt;
  if (r.data.mask !== undefined) modal.mask = r.data.mask;
  return { kind: 'given', modal };
}

/** Checks which keys a step combines and builds the normalised step; undefined when it has issues. */
function normaliseStep(s: RawStep, i: number, issues: SpecIssue[]): PipelineStep | undefined {
  const p = `steps[${i}]`;
  const before = issues.length;
  const entryKeys = ENTRY_KEYS.filter((k) => s[k] !== undefined);
  const kinds = [...entryKeys, ...(s.from !== undefined ? ['from'] : [])];
  if (kinds.length !== 1) {
    issues.push({
      path: p,
      rule: 'step-kind',
      message:
        kinds.length === 0
          ? 'a step needs one of imagine, blend, describe, shorten, edits, video, or "from" with "action" or "pick"'
          : `a step is exactly one of imagine, blend, describe, shorten, edits, video or "from" (found ${kinds.join(', ')})`,
    });
    return undefined;
  }

  if (entryKeys.length === 1) {
    const kind: EntryKey = entryKeys[0]!;
    for (const key of ['branch', 'action', 'pick', 'choices', 'input', 'enableRemix'] as const) {
      if (s[key] !== undefined) {
        issues.push({ path: `${p}.${key}`, rule: 'step-kind', message: `"${key}" needs "from" (an action step)` });
      }
    }
    if (s.promptFrom && kind !== 'imagine') {
      issues.push({ path: `${p}.promptFrom`, rule: 'step-kind', message: 'only an imagine step takes promptFrom' });
    }
    if (kind === 'imagine' && s.imagine!.prompt === undefined && !s.promptFrom) {
      issues.push({
        path: `${p}.imagine.prompt`,
        rule: 'prompt-empty',
        message: 'imagine needs a prompt (or promptFrom)',
      });
    }
    if (issues.length > before) return undefined;
    const request = (
      kind === 'imagine' ? { kind, ...s.imagine, prompt: s.imagine!.prompt ?? '' } : { kind, ...s[kind] }
    ) as EntryRequest;
    return { id: s.id, kind: 'entry', request, ...(s.promptFrom ? { promptFrom: s.promptFrom } : {}) };
  }

  // An action or pick step.
  if (s.promptFrom) {
    issues.push({ path: `${p}.promptFrom`, rule: 'step-kind', message: 'only an imagine step takes promptFrom' });
  }
  if (s.action !== undefined && s.pick !== undefined) {
    issues.push({ path: `${p}.pick`, rule: 'step-kind', message: 'a step has either "action" or "pick", not both' });
  } else if (s.action === undefined && s.pick === undefined) {
    issues.push({ path: p, rule: 'step-kind', message: 'a step with "from" needs "action" or "pick": "ask"' });
  }
  if (s.pick !== undefined && s.choices === undefined) {
    issues.push({
      path: `${p}.choices`,
      rule: 'step-kind',
      message: 'a pick step lists its choices (e.g. ["U1","U2"])',
    });
  }
  if (s.pick === undefined && s.choices !== undefined) {
    issues.push({ path: `${p}.choices`, rule: 'step-kind', message: '"choices" belongs to a "pick": "ask" step' });
  }
  const input = parseInput(s.input, `${p}.input`, issues);
  const intents = s.action !== undefined ? parseIntents(s.action, `${p}.action`, issues) : undefined;
  const choices = s.choices !== undefined ? parseIntents(s.choices, `${p}.choices`, issues) : undefined;
  if (choices) {
    const labels = choices.map((c) => c.label);
    const dup = labels.find((l, j) => labels.indexOf(l) !== j);
    if (dup)
      issues.push({ path: `${p}.choices`, rule: 'duplicate-intent', message: `choice "${dup}" is listed twice` });
  }
  if (input?.kind === 'given' && intents) {
    for (const it of intents) {
      const missing = it.needs.filter((need) => input.modal[need] === undefined);
      if (!it.alwaysModal) continue;
      // The job's own modal rules decide the rest (e.g. Custom Zoom needs `--zoom 1..2` in its prompt).
      const why = missing.length === 0 ? checkModalInput(input.modal, it.intent)?.message : null;
      if (missing.length > 0 || why) {
        issues.push({
          path: `${p}.input`,
          rule: 'input-incomplete',
          message: why
            ? `${it.label}: ${why}`
            : `${it.label} needs ${it.needs.join(' and ')} (missing ${missing.join(', ')}); give them or use "ask"`,
        });
      }
    }
  }
  if (issues.length > before) return undefined;
  const common = {
    id: s.id,
    from: s.from!,
    ...(s.branch !== undefined ? { branches: listOf(s.branch) } : {}),
    input: input!,
    ...(s.enableRemix !== undefined ? { enableRemix: s.enableRemix } : {}),
  };
  return intents ? { ...common, kind: 'action', intents } : { ...common, kind: 'pick', choices: choices! };
}

/** The graph view of a step that failed its own checks, so references to and from it are still checked. */
function opaqueNode(raw: unknown, index: number): PlanNode | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string') return undefined;
  const promptFrom = r.promptFrom as { step?: unknown } | undefined;
  const dep =
    typeof r.from === 'string'
      ? { step: r.from, field: 'from' as const }
      : typeof promptFrom?.step === 'string'
        ? { step: promptFrom.step, field: 'promptFrom.step' as const }
        : undefined;
  return { index, id: r.id, kind: dep?.field === 'from' ? 'action' : 'entry', dep, opaque: true };
}

/**
 * Every intent of an action or pick step must be a button its parent's task can have: "zoom-out 2" on a grid or
 * "U1" on an upscale would only fail at run time, after the parents were paid for. Steps are visited parents first.
 */
function checkStages(
  steps: readonly (PipelineStep | undefined)[],
  order: readonly string[],
  byId: ReadonlyMap<string, PipelineStep>,
  issues: SpecIssue[]
): void {
  const stages = new Map<string, Set<OutputStage>>();
  for (const id of order) {
    const step = byId.get(id);
    if (!step) continue;
    if (step.kind === 'entry') {
      stages.set(id, new Set([ENTRY_STAGE[step.request.kind]]));
      continue;
    }
    const intents = step.kind === 'action' ? step.intents : step.choices;
    stages.set(id, new Set(intents.map((it) => stageAfter(it.intent))));
    const parent = stages.get(step.from);
    if (!parent) continue;
    const i = steps.indexOf(step);
    const field = step.kind === 'action' ? 'action' : 'choices';
    intents.forEach((it, j) => {
      if (stageOffers(parent, it.intent)) return;
      issues.push({
        path: intents.length > 1 || field === 'choices' ? `steps[${i}].${field}[${j}]` : `steps[${i}].${field}`,
        rule: 'intent-not-offered',
        message: `${it.label} is not a button of step "${step.from}" (its task is ${[...parent].join(' or ')}: ${offeredBy(parent).join(', ')})`,
      });
    });
  }
}

/**
 * Validates and normalises a pipeline file (an object, or its JSON text).
 * @throws PipelineSpecError (code `PIPELINE_INVALID`) listing every issue
 */
export function parsePipelineSpec(input: unknown): PipelineInput {
  const issues: SpecIssue[] = [];
  let data = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input) as unknown;
    } catch (err) {
      throw new PipelineSpecError([{ path: '', rule: 'schema', message: `not valid JSON: ${(err as Error).message}` }]);
    }
  }
  const top = pipelineFileSchema.safeParse(data);
  if (!top.success) issues.push(...issuesFromZod(top.error));
  const rawSteps = (data as { steps?: unknown } | null)?.steps;
  const stepsIn = Array.isArray(rawSteps) ? rawSteps : [];

  const steps: (PipelineStep | undefined)[] = [];
  const nodes: PlanNode[] = [];
  stepsIn.forEach((raw, i) => {
    const r = pipelineStepSchema.safeParse(raw);
    const step = r.success ? normaliseStep(r.data, i, issues) : undefined;
    if (!r.success) issues.push(...issuesFromZod(r.error, `steps[${i}]`));
    steps.push(step);
    const node = step ? nodesFromSteps([step])[0]! : opaqueNode(raw, i);
    if (node) nodes.push({ ...node, index: i, ...(step ? {} : { opaque: true }) });
  });

  // promptFrom must name a describe or shorten step: their results hold the numbered prompts.
  const byId = new Map(steps.filter((s): s is PipelineStep => !!s).map((s) => [s.id, s]));
  steps.forEach((s, i) => {
    if (s?.kind !== 'entry' || !s.promptFrom) return;
    const src = byId.get(s.promptFrom.step);
    if (src && !(src.kind === 'entry' && (src.request.kind === 'describe' || src.request.kind === 'shorten'))) {
      issues.push({
        path: `steps[${i}].promptFrom.step`,
        rule: 'prompt-source',
        message: `promptFrom needs a describe or shorten step; "${src.id}" is ${src.kind === 'entry' ? src.request.kind : `an ${src.kind} step`}`,
      });
    }
  });

  const { plan, issues: graphIssues } = planPipeline(nodes);
  issues.push(...graphIssues);
  if (plan) checkStages(steps, plan.order, byId, issues);
  if (issues.length > 0 || !top.success || !plan) throw new PipelineSpecError(issues);

  // Branch filters as written ("u2") become the labels the plan uses ("U2").
  const normalised = (steps as PipelineStep[]).map((s): PipelineStep => {
    if (s.kind === 'entry' || !s.branches) return s;
    const parentLabels = plan.branches[s.from]!.map((b) => b.label);
    const branches = s.branches.map((b) => parentLabels.find((l) => canonicalLabel(l) === canonicalLabel(b))!);
    return { ...s, branches: [...new Set(branches)] };
  });

  const f = top.data;
  return {
    name: f.name,
    steps: normalised,
    ...(f.mode !== undefined ? { mode: f.mode } : {}),
    ...(f.account !== undefined ? { account: f.account } : {}),
    ...(f.concurrency !== undefined ? { concurrency: f.concurrency } : {}),
    ...(f.inputTimeout !== undefined ? { inputTimeout: f.inputTimeout } : {}),
    ...(f.policy !== undefined ? { policy: f.policy } : {}),
    ...(f.captureImages !== undefined ? { captureImages: f.captureImages } : {}),
    ...(f.submitPolicy !== undefined ? { submitPolicy: f.submitPolicy } : {}),
  };
}
