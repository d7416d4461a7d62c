import { BatchSpecError, parseBatchSpec } from '../../../src/pipeline';
import { MAX_BATCH_ITEMS, MAX_PROMPT_LENGTH } from '../../../src/shared/defaults';
import type { SpecIssue } from '../../../src/shared/pipeline-types';

function issuesOf(input: unknown, options?: Parameters<typeof parseBatchSpec>[1]): SpecIssue[] {
  try {
    parseBatchSpec(input, options);
  } catch (err) {
    expect(err).toBeInstanceOf(BatchSpecError);
    expect((err as BatchSpecError).code).toBe('BATCH_INVALID');
    return (err as BatchSpecError).issues;
  }
  throw new Error('expected the batch to be rejected');
}

describe('parseBatchSpec', () => {
  it('reads a prompt file: one prompt per line, # comments and blank lines ignored', () => {
    const text = '# cats\na cute cat --v 7\n\n  a sleepy cat  \n# done\r\na cat in space\n';
    const out = parseBatchSpec(text, { name: 'cats', concurrency: 2, mode: 'RELAX' });
    expect(out).toEqual({
      name: 'cats',
      mode: 'RELAX',
      account: 'default',
      concurrency: 2,
      items: [
        { id: 'item-1', line: 2, request: { kind: 'imagine', prompt: 'a cute cat --v 7' } },
        { id: 'item-2', line: 4, request: { kind: 'imagine', prompt: 'a sleepy cat' } },
        { id: 'item-3', line: 6, request: { kind: 'imagine', prompt: 'a cat in space' } },
      ],
    });
  });

  it('names the line of an over-long prompt', () => {
    const text = `ok\n${'x'.repeat(MAX_PROMPT_LENGTH + 1)}\nok too`;
    expect(issuesOf(text)).toEqual([expect.objectContaining({ path: 'line 2', rule: 'prompt-too-long' })]);
  });

  it('rejects a file with only comments', () => {
    expect(issuesOf('# nothing\n\n')).toEqual([
      expect.objectContaining({ rule: 'schema', message: expect.stringMatching(/no prompts/) }),
    ]);
  });

  it('reads JSON items: prompts, full requests with intents, per-item account and mode', () => {
    const out = parseBatchSpec({
      name: 'mixed',
      concurrency: 3,
      items: [
        'a red fox',
        { id: 'fox2', prompt: 'a blue fox', account: 'acct-b', mode: 'TURBO' },
        { request: { kind: 'action', parentTaskId: '1748', intent: 'upscale 2' } },
        { request: { kind: 'blend', images: [{ url: 'https://x/1.png' }, { url: 'https://x/2.png' }] } },
      ],
    });
    expect(out.items).toEqual([
      { id: 'item-1', request: { kind: 'imagine', prompt: 'a red fox' } },
      { id: 'fox2', request: { kind: 'imagine', prompt: 'a blue fox' }, account: 'acct-b', mode: 'TURBO' },
      // A batch names upstream tasks: the job fails in seconds when the upstream does not know the parent.
      {
        id: 'item-3',
        request: {
          kind: 'action',
          parentTaskId: '1748',
          intent: { kind: 'upscale', index: 2 },
          parentOrigin: 'external',
        },
      },
      { id: 'item-4', request: { kind: 'blend', images: [{ url: 'https://x/1.png' }, { url: 'https://x/2.png' }] } },
    ]);
  });

  it('names the field of bad JSON items', () => {
    const issues = issuesOf({
      items: [
        { prompt: '' },
        { request: { kind: 'action', parentTaskId: '1', intent: 'wiggle' } },
        { request: { kind: 'blend', images: [{ url: 'https://x/1.png' }] } },
        { prompt: 'a', request: { kind: 'imagine', prompt: 'b' } },
        { id: 'dup', prompt: 'a' },
        { id: 'dup', prompt: 'b' },
      ],
    });
    expect(issues.map((i) => `${i.path} ${i.rule}`)).toEqual([
      'items[0].prompt prompt-empty',
      'items[1].request.intent unknown-intent',
      'items[2].request.images blend-image-count',
      'items[3] schema',
      'items[5].id duplicate-item-id',
    ]);
  });

  it('caps the number of items', () => {
    const text = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => `cat ${i}`).join('\n');
    expect(issuesOf(text)).toEqual([expect.objectContaining({ rule: 'too-many-items' })]);
  });

  it('checks options', () => {
    expect(issuesOf('cat', { concurrency: 0 })).toEqual([expect.objectContaining({ path: 'options.concurrency' })]);
  });

  it('takes account slots for every item, checked by the slot manager’s rule naming the bad field', () => {
    const slots = { limit: 4, reservedForInteractive: 1 };
    expect(parseBatchSpec({ prompts: ['a cat'], slots }).slots).toEqual(slots);
    const issues = issuesOf({ prompts: ['a cat'], slots: { limit: 2, reservedForInteractive: 2 } });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('slots.reservedForInteractive');
  });
});
