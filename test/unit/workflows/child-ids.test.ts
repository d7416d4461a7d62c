import { childIdTooLong, childWorkflowId, MAX_WORKFLOW_ID_LENGTH } from '../../../src/workflows/common/child-ids';

describe('child workflow ids', () => {
  // A 200-character key started by a Schedule, which appends the start time.
  const parent = `mj-pipeline-${'k'.repeat(200)}-2026-12-01T14:00:00Z`;

  it('keeps an id that fits exactly as written', () => {
    expect(childWorkflowId('mj-pipeline-cat', 'zoom/U2')).toBe('mj-pipeline-cat/zoom/U2');
    const suffix = 'x'.repeat(MAX_WORKFLOW_ID_LENGTH - parent.length - 1);
    expect(childIdTooLong(parent, suffix)).toBe(false);
    expect(childWorkflowId(parent, suffix)).toBe(`${parent}/${suffix}`);
  });

  it('shortens a wider id to the limit, keeping its head and ending in a hash of the whole', () => {
    const suffix = 'upscale-the-best-variation/U1.V2.U3';
    expect(childIdTooLong(parent, suffix)).toBe(true);
    const id = childWorkflowId(parent, suffix);
    expect(id).toHaveLength(MAX_WORKFLOW_ID_LENGTH);
    expect(id.startsWith(`${parent}/upsc`)).toBe(true);
    expect(id).toMatch(/~[0-9a-f]{16}$/);
  });

  it('is deterministic and keeps siblings that share a long head apart', () => {
    const a = childWorkflowId(parent, `${'s'.repeat(60)}/U1`);
    const b = childWorkflowId(parent, `${'s'.repeat(60)}/U2`);
    expect(childWorkflowId(parent, `${'s'.repeat(60)}/U1`)).toBe(a);
    expect(a).not.toBe(b);
    expect(a.slice(0, -17)).toBe(b.slice(0, -17));
  });
});
