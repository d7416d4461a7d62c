import { parsePipelineSpec } from '../../../src/pipeline';
import { extractNumberedPrompts } from '../../../src/mj/terms/numbered-prompts';
import { branchLabel, nodesFromSteps, planPipeline } from '../../../src/workflows/pipeline/plan';

describe('planPipeline', () => {
  it('lists the branches of the cat example in dependency order', () => {
    const input = parsePipelineSpec({
      name: 'cat',
      steps: [
        { id: 'region', from: 'ups', branch: 'U2', action: 'vary-region', input: 'ask' },
        { id: 'zoom', from: 'ups', action: 'zoom-out 2' },
        { id: 'ups', from: 'grid', action: ['U1', 'U2', 'U3', 'U4'] },
        { id: 'grid', imagine: { prompt: 'a cute cat --v 7' } },
      ],
    });
    const { plan, issues } = planPipeline(nodesFromSteps(input.steps));
    expect(issues).toEqual([]);
    expect(plan!.order).toEqual(['grid', 'ups', 'region', 'zoom']);
    expect(plan!.branches.grid!.map((b) => b.label)).toEqual(['main']);
    expect(plan!.branches.ups!.map((b) => b.label)).toEqual(['U1', 'U2', 'U3', 'U4']);
    expect(plan!.branches.zoom!.map((b) => [b.label, b.parentLabel])).toEqual([
      ['U1', 'U1'],
      ['U2', 'U2'],
      ['U3', 'U3'],
      ['U4', 'U4'],
    ]);
    expect(plan!.branches.region!.map((b) => b.label)).toEqual(['U2']);
    expect(plan!.total).toBe(10);
  });

  it('names branches parent.intent when a multi-output parent meets several intents', () => {
    expect(branchLabel('main', 'U2', 4)).toBe('U2');
    expect(branchLabel('U2', 'zoom-out-2', 1)).toBe('U2');
    expect(branchLabel('U2', 'zoom-out-2', 2)).toBe('U2.zoom-out-2');
    const input = parsePipelineSpec({
      name: 'x',
      steps: [
        { id: 'g', imagine: { prompt: 'cat' } },
        { id: 'u', from: 'g', action: ['U1', 'U2'] },
        { id: 'z', from: 'u', action: ['zoom-out 2', 'zoom-out 1.5'] },
      ],
    });
    const { plan } = planPipeline(nodesFromSteps(input.steps));
    expect(plan!.branches.z!.map((b) => b.label)).toEqual([
      'U1.zoom-out-2',
      'U1.zoom-out-1.5',
      'U2.zoom-out-2',
      'U2.zoom-out-1.5',
    ]);
  });
});

describe('extractNumberedPrompts', () => {
  it('reads the four prompts of a describe result', () => {
    const text =
      '1️⃣ a cat on a sofa, soft light --ar 3:2\n\n2️⃣ a tabby cat portrait --ar 3:2\n\n3️⃣ cat, watercolor --ar 3:2\n\n4️⃣ kitten in a basket --ar 3:2';
    expect(extractNumberedPrompts(text)).toEqual([
      'a cat on a sofa, soft light --ar 3:2',
      'a tabby cat portrait --ar 3:2',
      'cat, watercolor --ar 3:2',
      'kitten in a basket --ar 3:2',
    ]);
  });

  it('reads keycaps without the variation selector and skips a shorten header', () => {
    const text = '## Important tokens\ncat, sofa\n## Shortened prompts\n1\u20e3 cat sofa\n2\u20e3 cat';
    expect(extractNumberedPrompts(text)).toEqual(['cat sofa', 'cat']);
  });

  it('falls back to "1." lines and stops at a gap', () => {
    expect(extractNumberedPrompts('1. first\n2. second\n4. fourth')).toEqual(['first', 'second']);
    expect(extractNumberedPrompts('')).toEqual([]);
    expect(extractNumberedPrompts(null)).toEqual([]);
  });
});
