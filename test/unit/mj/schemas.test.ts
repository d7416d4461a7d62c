import {
  actionRequestSchema,
  blendRequestSchema,
  buttonSchema,
  changeRequestSchema,
  classifyButton,
  describeRequestSchema,
  editsRequestSchema,
  imagineRequestSchema,
  modalRequestSchema,
  MjInputError,
  parseSubmitResponse,
  parseTask,
  simpleChangeRequestSchema,
  uploadRequestSchema,
  validateImageDataUrl,
  validatePngDataUrl,
  validateRequest,
  videoRequestSchema,
} from '../../../src/mj';
import { fixtureNames, fixtureSources, JPEG_DATA_URL, loadFixture, PNG_DATA_URL } from './support';

function inputError(fn: () => unknown): MjInputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MjInputError) return e;
    throw e;
  }
  throw new Error('expected an MjInputError');
}

describe('request schemas: valid requests pass unchanged (unknown keys stripped)', () => {
  test('imagine', () => {
    const req = {
      prompt: 'a red fox --v 7',
      base64Array: [PNG_DATA_URL, JPEG_DATA_URL],
      botType: 'NIJI_JOURNEY',
      accountFilter: { modes: ['RELAX', 'FAST'], remix: false, instanceId: '1' },
      state: 'mjt1|job-42|0',
      notifyHook: 'https://hooks.example.com/mj?secret=abc',
    };
    expect(validateRequest(imagineRequestSchema, { ...req, extra: 1 }, 'imagine')).toEqual(req);
  });

  test('action, modal, change, simple-change, blend, describe, edits, video, upload', () => {
    expect(
      validateRequest(actionRequestSchema, {
        taskId: '1',
        customId: 'MJ::JOB::upsample::1::h',
        enableRemix: true,
        chooseSameChannel: true,
      })
    ).toMatchObject({ enableRemix: true });
    expect(
      validateRequest(modalRequestSchema, { taskId: '2', prompt: 'a fox', maskBase64: PNG_DATA_URL })
    ).toMatchObject({ taskId: '2' });
    expect(validateRequest(changeRequestSchema, { taskId: '1', action: 'REROLL' })).toEqual({
      taskId: '1',
      action: 'REROLL',
    });
    expect(validateRequest(changeRequestSchema, { taskId: '1', action: 'UPSCALE', index: 4 })).toMatchObject({
      index: 4,
    });
    expect(validateRequest(simpleChangeRequestSchema, { content: '1320098173412546 U2' })).toEqual({
      content: '1320098173412546 U2',
    });
    expect(validateRequest(simpleChangeRequestSchema, { content: '1320098173412546 R' })).toBeDefined();
    expect(
      validateRequest(blendRequestSchema, { base64Array: [PNG_DATA_URL, JPEG_DATA_URL], dimensions: 'PORTRAIT' })
    ).toBeDefined();
    expect(validateRequest(describeRequestSchema, { link: 'https://example.com/a.png' })).toBeDefined();
    expect(validateRequest(describeRequestSchema, { base64: PNG_DATA_URL })).toBeDefined();
    expect(
      validateRequest(editsRequestSchema, { prompt: 'make it blue', image: 'https://example.com/a.png' })
    ).toBeDefined();
    expect(validateRequest(editsRequestSchema, { prompt: 'make it blue', image: 'iVBORw0KGgo=' })).toBeDefined();
    expect(
      validateRequest(videoRequestSchema, {
        prompt: 'a fox runs',
        motion: 'high',
        image: PNG_DATA_URL,
        batchSize: 2,
        videoType: 'vid_1.1_i2v_720',
        loop: true,
      })
    ).toBeDefined();
    expect(validateRequest(videoRequestSchema, { action: 'extend', taskId: '9', index: 0 })).toEqual({
      action: 'extend',
      taskId: '9',
      index: 0,
    });
    expect(validateRequest(uploadRequestSchema, { base64Array: [JPEG_DATA_URL] })).toBeDefined();
  });
});

describe('request schemas: invalid input names the field and the rule', () => {
  test.each<[string, () => unknown, string, RegExp]>([
    [
      'blend with one image',
      () => validateRequest(blendRequestSchema, { base64Array: [PNG_DATA_URL] }, 'blend'),
      'base64Array',
      /^blend: base64Array must hold 2–5 images \(got 1\)$/,
    ],
    [
      'blend with six images',
      () => validateRequest(blendRequestSchema, { base64Array: Array(6).fill(PNG_DATA_URL) }, 'blend'),
      'base64Array',
      /got 6/,
    ],
    [
      'blend with a bad dimension',
      () =>
        validateRequest(blendRequestSchema, { base64Array: [PNG_DATA_URL, PNG_DATA_URL], dimensions: 'WIDE' }, 'blend'),
      'dimensions',
      /must be one of "PORTRAIT", "SQUARE", "LANDSCAPE"/,
    ],
    [
      'imagine with a non-image data URL',
      () =>
        validateRequest(
          imagineRequestSchema,
          { prompt: 'x', base64Array: [PNG_DATA_URL, 'data:text/plain;base64,aGk='] },
          'imagine'
        ),
      'base64Array[1]',
      /must be an image data URL/,
    ],
    [
      'imagine with broken base64',
      () => validateRequest(imagineRequestSchema, { prompt: 'x', base64Array: ['data:image/png;base64,@@@'] }),
      'base64Array[0]',
      /valid base64/,
    ],
    [
      'imagine with an empty prompt',
      () => validateRequest(imagineRequestSchema, { prompt: '' }, 'imagine'),
      'prompt',
      /^imagine: prompt must not be empty or whitespace$/,
    ],
    [
      'imagine with a whitespace prompt',
      () => validateRequest(imagineRequestSchema, { prompt: ' \n\t ' }),
      'prompt',
      /must not be empty or whitespace/,
    ],
    ['imagine without a prompt', () => validateRequest(imagineRequestSchema, {}), 'prompt', /prompt is required/],
    [
      'imagine with a numeric prompt',
      () => validateRequest(imagineRequestSchema, { prompt: 7 }),
      'prompt',
      /prompt must be a string/,
    ],
    [
      'state over 255 characters',
      () => validateRequest(imagineRequestSchema, { prompt: 'x', state: 's'.repeat(256) }),
      'state',
      /^state must be at most 255 characters$/,
    ],
    [
      'notifyHook over 2000 characters',
      () => validateRequest(imagineRequestSchema, { prompt: 'x', notifyHook: `https://a.example/${'x'.repeat(2000)}` }),
      'notifyHook',
      /at most 2000/,
    ],
    [
      'notifyHook not http',
      () => validateRequest(imagineRequestSchema, { prompt: 'x', notifyHook: 'ftp://a' }),
      'notifyHook',
      /http\(s\) URL/,
    ],
    [
      'accountFilter with a bad mode',
      () => validateRequest(imagineRequestSchema, { prompt: 'x', accountFilter: { modes: ['SLOW'] } }),
      'accountFilter.modes[0]',
      /must be one of/,
    ],
    [
      'modal mask as JPEG',
      () => validateRequest(modalRequestSchema, { taskId: '1', maskBase64: JPEG_DATA_URL }, 'modal'),
      'maskBase64',
      /^modal: maskBase64 must be a PNG data URL \(data:image\/png;base64,…\)$/,
    ],
    [
      'modal mask with PNG prefix but JPEG bytes',
      () =>
        validateRequest(modalRequestSchema, {
          taskId: '1',
          maskBase64: `data:image/png;base64,${JPEG_DATA_URL.split(',')[1]}`,
        }),
      'maskBase64',
      /PNG signature/,
    ],
    ['action without customId', () => validateRequest(actionRequestSchema, { taskId: '1' }), 'customId', /is required/],
    [
      'action with a dot-segment task id',
      () => validateRequest(actionRequestSchema, { taskId: '..', customId: 'x' }),
      'taskId',
      /dot segment/,
    ],
    [
      'change UPSCALE without index',
      () => validateRequest(changeRequestSchema, { taskId: '1', action: 'UPSCALE' }),
      'index',
      /index is required for UPSCALE/,
    ],
    [
      'change with index 5',
      () => validateRequest(changeRequestSchema, { taskId: '1', action: 'VARIATION', index: 5 }),
      'index',
      /from 1 to 4/,
    ],
    [
      'simple-change with a bad action',
      () => validateRequest(simpleChangeRequestSchema, { content: '1320098173412546 U5' }),
      'content',
      /must look like/,
    ],
    [
      'describe with both inputs',
      () => validateRequest(describeRequestSchema, { base64: PNG_DATA_URL, link: 'https://a.example/x.png' }),
      'base64',
      /exactly one \(got both\)/,
    ],
    [
      'describe with neither input',
      () => validateRequest(describeRequestSchema, {}),
      'base64',
      /exactly one \(got neither\)/,
    ],
    ['edits without image', () => validateRequest(editsRequestSchema, { prompt: 'x' }), 'image', /is required/],
    [
      'video extend without index',
      () => validateRequest(videoRequestSchema, { action: 'extend', taskId: '1' }),
      'index',
      /required to extend/,
    ],
    [
      'video extend with index 4',
      () => validateRequest(videoRequestSchema, { action: 'extend', taskId: '1', index: 4 }),
      'index',
      /from 0 to 3/,
    ],
    [
      'video without prompt',
      () => validateRequest(videoRequestSchema, { motion: 'low' }),
      'prompt',
      /must not be empty/,
    ],
    [
      'video with batchSize 3',
      () => validateRequest(videoRequestSchema, { prompt: 'x', batchSize: 3 }),
      'batchSize',
      /must be 1, 2 or 4/,
    ],
    [
      'upload with no images',
      () => validateRequest(uploadRequestSchema, { base64Array: [] }),
      'base64Array',
      /at least one image/,
    ],
  ])('%s', (_name, fn, field, message) => {
    const err = inputError(fn);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(err.field);
    expect(err.message).toContain(err.rule);
    expect(err.code).toBe('MJ_INVALID_INPUT');
    expect(err.retryable).toBe(false);
  });

  test('validatePngDataUrl / validateImageDataUrl', () => {
    expect(validatePngDataUrl(PNG_DATA_URL, 'maskBase64')).toBe(PNG_DATA_URL);
    expect(inputError(() => validatePngDataUrl('data:image/png;base64,', 'maskBase64')).rule).toMatch(/base64 data/);
    const err = inputError(() => validatePngDataUrl('not a url', 'maskBase64'));
    expect(err.message).toBe('maskBase64 must be a PNG data URL (data:image/png;base64,…)');
    expect(validateImageDataUrl(JPEG_DATA_URL, 'base64')).toBe(JPEG_DATA_URL);
    expect(inputError(() => validateImageDataUrl('data:image/bmp;base64,Qk0=', 'base64')).field).toBe('base64');
  });
});

describe('fixtures from public sources', () => {
  const names = fixtureNames();

  test('every fixture is listed in SOURCES.md', () => {
    const sources = fixtureSources();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(sources).toContain(`\`${name}\``);
  });

  test.each(names)('%s parses', (name) => {
    const body = loadFixture(name);
    if (name.includes('-task-')) {
      const task = parseTask(body);
      expect(task.id).toMatch(/^\d+$/);
      expect(task.status).toBe('SUCCESS');
      expect(task.progressPct).toBe(100);
      expect(typeof task.finalPrompt).toBe('string');
    } else if (name.includes('-submit-') || name.includes('image-seed')) {
      const outcome = parseSubmitResponse(body, 200);
      expect(outcome.kind).toEqual(expect.any(String));
    } else if (name.includes('-buttons')) {
      expect(Array.isArray(body)).toBe(true);
      for (const raw of body as unknown[]) {
        const b = buttonSchema.parse(raw);
        const filled = b.customId
          .replace('{{version}}', 'v6')
          .replace('{{id}}', '0ddb91a0-af46-4ae9-8e8e-c271074eb6e6');
        expect(classifyButton(filled).kind).not.toBe('unknown');
      }
    } else {
      throw new Error(`no parsing rule for fixture ${name}`);
    }
  });

  test('the gateway task keeps its grid buttons and drops gateway-only fields', () => {
    const task = parseTask(loadFixture('g-task-imagine-success.json'));
    expect(task.buttons.map((b) => classifyButton(b).kind)).toEqual([
      'upscale',
      'upscale',
      'upscale',
      'upscale',
      'reroll',
      'variation',
      'variation',
      'variation',
      'variation',
    ]);
    expect(task).not.toHaveProperty('maskBase64');
    expect(task.state).toBe('');
    expect(task.mode).toBeNull();
    expect(task.failReason).toBeNull();
  });
});
