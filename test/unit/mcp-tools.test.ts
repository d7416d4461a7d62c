/**
 * The MCP server's pure parts: tool schemas derived from the project's own rules, the button a press names, the
 * task a job is, image resource URIs, and the elicitation form and answer of a waiting job.
 */
import { consoleButton } from '../../src/console/job-view';
import type { ConsoleJob } from '../../src/console/backend';
import { INTENT_FORMS } from '../../src/mj/buttons';
import { MjInputError } from '../../src/mj/errors';
import { SPEED_MODES } from '../../src/mj/terms/speed-modes';
import { findPressed } from '../../src/mcp/job-tools';
import { imageUri, parseImageUri, taskOf } from '../../src/mcp/job-results';
import { inputForm, modalAnswer } from '../../src/mcp/modal-input';
import { JOB_TOOLS, parseToolArgs, toolDefinitions } from '../../src/mcp/tools';
import { bandMaskPng } from '../helpers/mask-png';

const MASK = `data:image/png;base64,${Buffer.from(bandMaskPng()).toString('base64')}`;

function job(over: Partial<ConsoleJob> = {}): ConsoleJob {
  return {
    id: 'mj-job-1',
    kind: 'job',
    state: 'succeeded',
    title: 'a fox',
    label: 'Imagine',
    prompt: 'a fox',
    progressPct: 100,
    submitTime: Date.UTC(2026, 0, 1),
    finishTime: Date.UTC(2026, 0, 1, 0, 1),
    images: [0, 1, 2, 3, 4],
    buttons: [
      consoleButton({ customId: 'MJ::JOB::upsample::2::h', emoji: '', label: 'U2' }),
      consoleButton({ customId: 'MJ::Inpaint::1::h::SOLO', emoji: '🖌️', label: 'Vary (Region)' }),
    ],
    ...over,
  };
}

describe('tool definitions', () => {
  const tools = toolDefinitions();

  it('derive modes and intents from where they are declared, and declare task support per tool', () => {
    const imagine = tools.find((t) => t.name === 'imagine')!;
    const props = imagine.inputSchema.properties as Record<string, { enum?: string[] }>;
    expect(props.mode!.enum).toEqual([...SPEED_MODES]);
    expect(imagine.inputSchema.required).toEqual(['prompt']);
    const press = tools.find((t) => t.name === 'press')!;
    const button = (press.inputSchema.properties as Record<string, { description: string }>).button!;
    for (const form of INTENT_FORMS) expect(button.description).toContain(form);
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.execution?.taskSupport).toBe(
        (JOB_TOOLS as readonly string[]).includes(t.name) ? 'optional' : 'forbidden'
      );
    }
  });

  it('refuse a file path for an image and a mask that is no PNG data URL, naming the field', () => {
    expect(() => parseToolArgs('imagine', { prompt: 'a', images: ['/etc/passwd'] })).toThrow(
      expect.objectContaining({ field: 'images.0' })
    );
    expect(() => parseToolArgs('press', { job: 'j', button: 'U2', mask: 'data:image/jpeg;base64,AAAA' })).toThrow(
      expect.objectContaining({ field: 'mask' })
    );
    expect(parseToolArgs('blend', { images: ['https://x.test/a.png', MASK] }).images).toHaveLength(2);
  });
});

describe('findPressed', () => {
  it('finds a button by label, by intent, and by intent with an image index', () => {
    expect(findPressed(job(), 'vary (region)').intent).toBe('vary-region');
    expect(findPressed(job(), 'vary region').label).toBe('Vary (Region)');
    expect(findPressed(job(), 'upscale', 2).label).toBe('U2');
  });

  it('names the buttons the job offers when none matches', () => {
    expect(() => findPressed(job(), 'U3')).toThrow(MjInputError);
    expect(() => findPressed(job(), 'U3')).toThrow(/offered: U2, Vary \(Region\)/);
  });
});

describe('a job as a task', () => {
  it.each([
    ['queued', 'working'],
    ['running', 'working'],
    ['waiting', 'input_required'],
    ['succeeded', 'completed'],
    ['failed', 'failed'],
    ['cancelled', 'cancelled'],
  ] as const)('%s is %s, with the job id as task id', (state, status) => {
    const t = taskOf(job({ state }));
    expect(t).toMatchObject({ taskId: 'mj-job-1', status, ttl: null, createdAt: '2026-01-01T00:00:00.000Z' });
  });

  it('names images by URIs that read back, also for a pipeline step', () => {
    const id = 'mj-pipeline-p/step/U1';
    expect(parseImageUri(imageUri(id, 3))).toEqual({ jobId: id, index: 3 });
    expect(parseImageUri('mj-job://x/image/5')).toBeUndefined();
  });
});

describe('input of a waiting job', () => {
  const waiting = job({ state: 'waiting', intent: 'vary-region', waitingFor: { needs: ['prompt', 'mask'] } });

  it('asks for what it needs, the prompt prefilled', () => {
    const form = inputForm(waiting);
    expect(form.requestedSchema.required).toEqual(['prompt', 'mask']);
    expect(form.requestedSchema.properties.prompt).toMatchObject({ type: 'string', default: 'a fox' });
    expect(inputForm(job({ state: 'waiting', waitingFor: { needs: ['prompt'] } })).requestedSchema.required).toEqual([
      'prompt',
    ]);
  });

  it('takes a PNG data URL as the mask and refuses anything else by name', () => {
    expect(modalAnswer('a hat', MASK).mask).toEqual(bandMaskPng());
    expect(() => modalAnswer('a hat', 'https://x.test/m.png')).toThrow(expect.objectContaining({ field: 'mask' }));
    expect(() => modalAnswer('  ', undefined)).toThrow(expect.objectContaining({ field: 'prompt' }));
  });
});
