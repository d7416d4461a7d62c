/**
 * The static plan of a pipeline: which step × branch jobs exist, in which order their dependencies allow them to
 * run, and the structural rules (unique ids, known references, no cycles, known branch labels, a sane number of
 * branches). Pure and workflow-safe: the Node-side parser and the workflow run the same checks, so a pipeline
 * started without the parser still fails fast with the same issues.
 */
import { MAX_PIPELINE_BRANCHES } from '../../shared/defaults';
import { MAIN_BRANCH, type PipelineStep, type SpecIssue } from '../../shared/pipeline-types';

/** The graph view of one step. */
export interface PlanNode {
  /** Index in the file's `steps` (issue paths say `steps[<index>]`). */
  index: number;
  id: string;
  kind: PipelineStep['kind'];
  /** The one step this one depends on: `from` (action, pick) or `promptFrom.step` (entry). */
  dep?: { step: string; field: 'from' | 'promptFrom.step' };
  /** Parent branch labels to act on, as written; undefined = all. */
  branchFilter?: string[];
  /** Intent labels of an action step. */
  intentLabels?: string[];
  /** A step whose own shape is invalid: it only takes part in the reference and cycle checks. */
  opaque?: boolean;
}

export interface PlanBranch {
  step: string;
  label: string;
  /** Label of the parent branch this one continues (action, pick, promptFrom). */
  parentLabel?: string;
  /** Index into the action step's intents. */
  intentIndex?: number;
}

export interface PipelinePlan {
  /** Step ids, dependencies first; ties keep file order. */
  order: string[];
  /** Branches of every step, in a stable order. */
  branches: Record<string, PlanBranch[]>;
  total: number;
}

/** Compares labels the way people write them: case-insensitive, spaces as dashes ("zoom-out 2" = "zoom-out-2"). */
export function canonicalLabel(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, '-');
}

/**
 * Names the branch that applies `intent` to the parent branch `parent`:
 * the intent label under a single-output parent (`U2`), the parent's label when the step has one intent (`U2`
 * for zoom-out on U2), else both (`U2.zoom-out-2`). Unique within a step as long as parents and intents are.
 */
export function branchLabel(parent: string, intent: string, intentCount: number): string {
  if (parent === MAIN_BRANCH) return intent;
  if (intentCount === 1) return parent;
  return `${parent}.${intent}`;
}

export function nodesFromSteps(steps: readonly PipelineStep[]): PlanNode[] {
  return steps.map((s, index): PlanNode => {
    switch (s.kind) {
      case 'entry':
        return {
          index,
          id: s.id,
          kind: s.kind,
          dep: s.promptFrom ? { step: s.promptFrom.step, field: 'promptFrom.step' } : undefined,
        };
      case 'action':
        return {
          index,
          id: s.id,
          kind: s.kind,
          dep: { step: s.from, field: 'from' },
          branchFilter: s.branches,
          intentLabels: s.intents.map((i) => i.label),
        };
      case 'pick':
        return { index, id: s.id, kind: s.kind, dep: { step: s.from, field: 'from' }, branchFilter: s.branches };
    }
  });
}

/** Checks the graph and lists every branch. `plan` is undefined whenever there are issues. */
export function planPipeline(nodes: readonly PlanNode[]): { plan?: PipelinePlan; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const byId = new Map<string, PlanNode>();
  for (const n of nodes) {
    const first = byId.get(n.id);
    if (first) {
      issues.push({
        path: `steps[${n.index}].id`,
        rule: 'duplicate-step-id',
        message: `duplicate step id "${n.id}" (first used at steps[${first.index}])`,
      });
    } else {
      byId.set(n.id, n);
    }
  }
  for (const n of nodes) {
    if (n.dep && !byId.has(n.dep.step)) {
      issues.push({
        path: `steps[${n.index}].${n.dep.field}`,
        rule: 'missing-step',
        message: `step "${n.id}" references unknown step "${n.dep.step}"`,
      });
    }
  }
  // Each step has at most one dependency, so following `dep` from any step either ends or loops.
  const reported = new Set<string>();
  for (const start of nodes) {
    const path: PlanNode[] = [];
    const seen = new Set<string>();
    let cur: PlanNode | undefined = byId.get(start.id) === start ? start : undefined;
    while (cur && !seen.has(cur.id)) {
      seen.add(cur.id);
      path.push(cur);
      cur = cur.dep ? byId.get(cur.dep.step) : undefined;
    }
    if (!cur) continue;
    const loop = path.slice(path.indexOf(cur));
    const key = loop
      .map((n) => n.id)
      .sort()
      .join('\u0000');
    if (reported.has(key)) continue;
    reported.add(key);
    const head = loop.reduce((a, b) => (b.index < a.index ? b : a));
    const ids = [head.id];
    for (let n = head, k = 0; k < loop.length; k++) {
      n = byId.get(n.dep!.step)!;
      ids.push(n.id);
    }
    issues.push({
      path: `steps[${head.index}].${head.dep!.field}`,
      rule: 'cycle',
      message: `steps depend on each other in a cycle: ${ids.join(' → ')}`,
    });
  }
  for (const n of nodes) {
    const labels = n.intentLabels ?? [];
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup !== undefined) {
      issues.push({
        path: `steps[${n.index}].action`,
        rule: 'duplicate-intent',
        message: `intent "${dup}" is listed twice`,
      });
    }
  }
  if (issues.length > 0) return { issues };

  const depth = new Map<string, number>();
  const depthOf = (n: PlanNode): number => {
    const known = depth.get(n.id);
    if (known !== undefined) return known;
    const d = n.dep ? depthOf(byId.get(n.dep.step)!) + 1 : 0;
    depth.set(n.id, d);
    return d;
  };
  const ordered = [...nodes].sort((a, b) => depthOf(a) - depthOf(b) || a.index - b.index);

  const branches: Record<string, PlanBranch[]> = {};
  const opaque = new Set<string>();
  let total = 0;
  let overflowReported = false;
  for (const n of ordered) {
    const parent = n.dep ? byId.get(n.dep.step)! : undefined;
    if (n.opaque || (parent && opaque.has(parent.id))) {
      opaque.add(n.id);
      continue;
    }
    const list: PlanBranch[] = [];
    if (!parent) {
      list.push({ step: n.id, label: MAIN_BRANCH });
    } else {
      let parents = branches[parent.id]!.map((b) => b.label);
      if (n.branchFilter) {
        const selected: string[] = [];
        for (const wanted of n.branchFilter) {
          const match = parents.find((l) => canonicalLabel(l) === canonicalLabel(wanted));
          if (match === undefined) {
            issues.push({
              path: `steps[${n.index}].branch`,
              rule: 'unknown-branch',
              message: `step "${parent.id}" has no branch "${wanted}" (it has: ${parents.join(', ')})`,
            });
          } else if (!selected.includes(match)) {
            selected.push(match);
          }
        }
        parents = parents.filter((l) => selected.includes(l));
      }
      for (const p of parents) {
        if (n.kind === 'action') {
          const intents = n.intentLabels ?? [];
          intents.forEach((intent, intentIndex) =>
            list.push({ step: n.id, label: branchLabel(p, intent, intents.length), parentLabel: p, intentIndex })
          );
        } else {
          list.push({ step: n.id, label: p, parentLabel: p });
        }
      }
    }
    branches[n.id] = list;
    total += list.length;
    if (total > MAX_PIPELINE_BRANCHES && !overflowReported) {
      overflowReported = true;
      issues.push({
        path: `steps[${n.index}]`,
        rule: 'too-many-branches',
        message: `the pipeline reaches ${total} step × branch jobs at step "${n.id}" (at most ${MAX_PIPELINE_BRANCHES})`,
      });
    }
  }
  if (issues.length > 0) return { issues };
  return { plan: { order: ordered.map((n) => n.id), branches, total }, issues };
}
