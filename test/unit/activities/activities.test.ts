/**
 * The activities against a mocked proxy (undici MockAgent as the client's dispatcher) inside MockActivityEnvironment:
 * what they send, what they return, and which failure each upstream answer becomes.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { MockAgent } from 'undici';
import { createActivities, type SubmitTaskInput, type SubmitTaskResult } from '../../../src/activities';
import { AssetNotFoundError, type AssetStore } from '../../../src/assets';
import { MjClient } from '../../../src/mj';
import type { MjFlavour } from '../../../src/mj/types';
import type { AssetRef, JobRequest, TaskSnapshot } from '../../../src/shared/types';

const ORIGIN = 'http://proxy.test';
const HOOK = 'https://hooks.example.com/webhook/mj/tok-9d8c7b6a5f4e3d2c';
const STATE = 'mjt1|job-1|0';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64'
);
const JPEG = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBD', 'base64');

class MemoryStore implements AssetStore {
  private readonly items = new Map<string, Uint8Array>();
  async put(bytes: Uint8Array, opts: { contentType: string; prefix: string }): Promise<AssetRef> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = `${opts.prefix}/${sha256}`;
    this.items.set(key, bytes);
    return { key, sha256, size: bytes.length, contentType: opts.contentType };
  }
  async get(ref: AssetRef | string): Promise<Uint8Array> {
    const key = typeof ref === 'string' ? ref : ref.key;
    const bytes = this.items.get(key);
    if (!bytes) throw new AssetNotFoundError(key);
    return bytes;
  }
  async has(ref: AssetRef | string): Promise<boolean> {
    return this.items.has(typeof ref === 'string' ? ref : ref.key);
  }
  locate(ref: AssetRef | string): string {
    return typeof ref === 'string' ? ref : ref.key;
  }
}

const button = (customId: string) => ({ customId, emoji: '', label: '', type: 2, style: 2 });
const gridTask = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  action: 'IMAGINE',
  status: 'SUCCESS',
  prompt: 'a fox',
  progress: '100%',
  imageUrl: 'https://cdn.example/a.png',
  state: STATE,
  properties: { finalPrompt: 'a fox', notifyHook: HOOK },
  buttons: [1, 2, 3, 4].flatMap((i) => [button(`MJ::JOB::upsample::${i}::h`), button(`MJ::JOB::variation::${i}::h`)]),
  ...extra,
});

let agent: MockAgent;
let store: MemoryStore;
let env: MockActivityEnvironment;
const bodies: unknown[] = [];

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  store = new MemoryStore();
  // Failures are the subject here: keep the environment's failure logging out of the test output.
  env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => undefined) });
  bodies.length = 0;
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

function activities(flavour: MjFlavour = 'trueai', hook: string = HOOK) {
  const mj = new MjClient({ baseUrl: ORIGIN, flavour, dispatcher: agent });
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined };
  return createActivities({ mj, store, notifyHookUrl: hook || undefined, log: quiet });
}

function submit(acts: ReturnType<typeof activities>, input: SubmitTaskInput): Promise<SubmitTaskResult> {
  return env.run(acts.submitTask, input);
}

function mock(method: string, path: string, status: number, reply: unknown, times = 1) {
  agent
    .get(ORIGIN)
    .intercept({
      method,
      path,
      body: (b: string) => {
        if (b) bodies.push(JSON.parse(b));
        return true;
      },
    })
    .reply(status, reply as object, { headers: { 'content-type': 'application/json' } })
    .times(times);
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('submitTask', () => {
  const imagine: JobRequest = { kind: 'imagine', prompt: 'a fox' };

  it('sends state and the notify hook, under the mode prefix, and reports a queued task', async () => {
    mock('POST', '/mj-relax/mj/submit/imagine', 200, {
      code: 22,
      description: '排队中，前面还有2个任务',
      result: '1001',
      properties: { numberOfQueues: 2 },
    });
    const result = await submit(activities(), { request: imagine, mode: 'RELAX', stateKey: STATE });
    expect(result).toEqual({ kind: 'queued', taskId: '1001', ahead: 2 });
    expect(bodies[0]).toMatchObject({ prompt: 'a fox', state: STATE, notifyHook: HOOK });
  });

  it('turns stored reference images into data URLs and puts URL references in front of the prompt', async () => {
    const ref = await store.put(PNG, { contentType: 'image/png', prefix: 'refs' });
    mock('POST', '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: 1002 });
    await submit(activities('trueai', ''), {
      request: {
        kind: 'imagine',
        prompt: 'a fox',
        referenceImages: [{ url: 'https://img.example/a.png' }, { asset: ref }],
      },
      mode: 'FAST',
      stateKey: STATE,
    });
    const body = bodies[0] as { prompt: string; base64Array: string[]; notifyHook?: string };
    expect(body.prompt).toBe('https://img.example/a.png a fox');
    expect(body.base64Array).toEqual([`data:image/png;base64,${PNG.toString('base64')}`]);
    expect(body).not.toHaveProperty('notifyHook');
  });

  it('presses the button the parent offers for the intent; the workflow never builds customIds', async () => {
    mock('GET', '/mj-fast/mj/task/900/fetch', 200, gridTask('900'));
    mock('POST', '/mj-fast/mj/submit/action', 200, {
      code: 21,
      description: 'Waiting for window confirm',
      result: '901',
      properties: { remix: true },
    });
    const result = await submit(activities(), {
      request: { kind: 'action', parentTaskId: '900', intent: { kind: 'variation', index: 3 } },
      mode: 'FAST',
      stateKey: STATE,
    });
    expect(result).toEqual({ kind: 'modal', taskId: '901' });
    expect(bodies[0]).toMatchObject({
      taskId: '900',
      customId: 'MJ::JOB::variation::3::h',
      state: STATE,
      notifyHook: HOOK,
    });
  });

  it('presses Animate and Pan with a prompt as the plain button with enableRemix, unasked', async () => {
    const upscaled = gridTask('900', {
      action: 'UPSCALE',
      buttons: [button('MJ::JOB::pan_left::1::h::SOLO'), button('MJ::JOB::animate_low::1::h::SOLO')],
    });
    const modalAnswer = { code: 21, description: 'Waiting for window confirm', result: '903', properties: {} };
    for (const intent of [
      { kind: 'animate-prompt', motion: 'low' },
      { kind: 'pan-prompt', direction: 'left' },
    ] as const) {
      mock('GET', '/mj-fast/mj/task/900/fetch', 200, upscaled);
      mock('POST', '/mj-fast/mj/submit/action', 200, modalAnswer);
      const result = await submit(activities(), {
        request: { kind: 'action', parentTaskId: '900', intent },
        mode: 'FAST',
        stateKey: STATE,
      });
      expect(result).toEqual({ kind: 'modal', taskId: '903' });
    }
    // The mock's body matcher may see a body more than once: one entry per customId pressed.
    const pressed = new Map((bodies as { customId: string; enableRemix?: boolean }[]).map((b) => [b.customId, b]));
    expect([...pressed.values()].map((b) => [b.customId, b.enableRemix])).toEqual([
      ['MJ::JOB::animate_low::1::h::SOLO', true],
      ['MJ::JOB::pan_left::1::h::SOLO', true],
    ]);
  });

  it('uses /submit/change on novicezk, without a mode prefix novicezk does not route', async () => {
    mock('GET', '/mj/task/900/fetch', 200, gridTask('900', { buttons: undefined }));
    mock('POST', '/mj/submit/change', 200, { code: 1, description: 'ok', result: '902' });
    await submit(activities('novicezk'), {
      request: { kind: 'action', parentTaskId: '900', intent: { kind: 'upscale', index: 2 } },
      mode: 'FAST',
      stateKey: STATE,
    });
    expect(bodies[0]).toMatchObject({ taskId: '900', action: 'UPSCALE', index: 2, state: STATE });
  });

  it('fails typed for an intent novicezk cannot express, and for a button the parent lacks', async () => {
    mock('GET', '/mj/task/900/fetch', 200, gridTask('900', { buttons: undefined }));
    const unsupported = await failureOf(
      submit(activities('novicezk'), {
        request: { kind: 'action', parentTaskId: '900', intent: { kind: 'pan', direction: 'left' } },
        mode: 'FAST',
        stateKey: STATE,
      })
    );
    expect(unsupported).toMatchObject({
      type: 'MjUnsupportedError',
      nonRetryable: true,
      details: [{ code: 'MJ_UNSUPPORTED' }],
    });

    mock('GET', '/mj-fast/mj/task/900/fetch', 200, gridTask('900'));
    const missing = await failureOf(
      submit(activities(), {
        request: { kind: 'action', parentTaskId: '900', intent: { kind: 'vary-region' } },
        mode: 'FAST',
        stateKey: STATE,
      })
    );
    expect(missing).toMatchObject({ type: 'MjButtonNotFoundError', nonRetryable: true });
    expect(missing.message).toContain('available: U1');
  });

  it('reports a parent that has not finished as parent-unavailable (retried by the workflow)', async () => {
    mock('GET', '/mj-fast/mj/task/900/fetch', 200, gridTask('900', { status: 'IN_PROGRESS', buttons: [] }));
    const f = await failureOf(
      submit(activities(), {
        request: { kind: 'action', parentTaskId: '900', intent: { kind: 'upscale', index: 1 } },
        mode: 'FAST',
        stateKey: STATE,
      })
    );
    expect(f.details?.[0]).toMatchObject({ code: 'MJ_PARENT_UNAVAILABLE' });
  });

  it('flags a 5xx answer as a submit with an unknown outcome, and queue-full as a definite no', async () => {
    mock('POST', '/mj-fast/mj/submit/imagine', 502, 'bad gateway');
    const unknown = await failureOf(submit(activities(), { request: imagine, mode: 'FAST', stateKey: STATE }));
    expect(unknown.details?.[0]).toMatchObject({ code: 'MJ_UPSTREAM_5XX', outcomeUnknown: true });

    mock('POST', '/mj-fast/mj/submit/imagine', 200, { code: 23, description: '队列已满，请稍后尝试' });
    const full = await failureOf(submit(activities(), { request: imagine, mode: 'FAST', stateKey: STATE }));
    expect(full).toMatchObject({ type: 'MjQueueFullError', nonRetryable: false });
    expect(full.details?.[0]).not.toHaveProperty('outcomeUnknown');
  });

  it('refuses URL images for blend, which takes data URLs only', async () => {
    const f = await failureOf(
      submit(activities(), {
        request: { kind: 'blend', images: [{ url: 'https://a.example/1.png' }, { url: 'https://a.example/2.png' }] },
        mode: 'FAST',
        stateKey: STATE,
      })
    );
    expect(f).toMatchObject({ type: 'InvalidActivityInput', nonRetryable: true });
  });

  it('aborts the HTTP call when the activity is cancelled, and reports the cancellation itself', async () => {
    agent
      .get(ORIGIN)
      .intercept({ method: 'POST', path: '/mj-fast/mj/submit/imagine' })
      .reply(200, { code: 1, description: 'ok', result: '1004' })
      .delay(5_000);
    const running = submit(activities(), { request: imagine, mode: 'FAST', stateKey: STATE });
    setTimeout(() => env.cancel(), 50);
    const started = Date.now();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('heartbeats while the submit is in flight', async () => {
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    mock('POST', '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: '1003' });
    await submit(activities(), { request: imagine, mode: 'FAST', stateKey: STATE });
    expect(beats.length).toBeGreaterThanOrEqual(1);
  });
});

describe('fetchTask', () => {
  it('strips properties, annotates buttons with intents and classifies a failure', async () => {
    mock('GET', '/mj/task/900/fetch', 200, gridTask('900'));
    const snap: TaskSnapshot = await env.run(activities().fetchTask, { taskId: '900' });
    expect(snap).not.toHaveProperty('properties');
    expect(JSON.stringify(snap)).not.toContain('tok-9d8c');
    expect(snap.buttons[0]).toMatchObject({
      customId: 'MJ::JOB::upsample::1::h',
      intent: { kind: 'upscale', index: 1 },
    });
    expect(snap).not.toHaveProperty('failKind');

    mock('GET', '/mj/task/901/fetch', 200, {
      ...gridTask('901'),
      status: 'FAILURE',
      failReason: '[Invalid parameter] Invalid value',
      buttons: [],
    });
    expect(await env.run(activities().fetchTask, { taskId: '901' })).toMatchObject({
      status: 'FAILURE',
      failKind: 'invalid-parameter',
    });
  });

  it('reports an unknown task as a benign not-found', async () => {
    agent.get(ORIGIN).intercept({ method: 'GET', path: '/mj/task/404/fetch' }).reply(204, '');
    const f = await failureOf(env.run(activities().fetchTask, { taskId: '404' }));
    expect(f).toMatchObject({ type: 'MjTaskNotFoundError', category: ApplicationFailureCategory.BENIGN });
  });
});

describe('findTaskByState', () => {
  it('scans the task list for the state key and adopts the task that got furthest', async () => {
    mock('GET', '/mj/task/list', 200, [
      gridTask('1', { state: 'mjt1|other|0' }),
      gridTask('2', { status: 'FAILURE', buttons: [], submitTime: 5 }),
      gridTask('3', { status: 'IN_PROGRESS', buttons: [], submitTime: 4 }),
    ]);
    expect(await env.run(activities().findTaskByState, { stateKey: STATE })).toMatchObject({ id: '3' });
  });

  it('returns null when the list proves the task absent', async () => {
    mock('GET', '/mj/task/list', 200, [gridTask('1', { state: 'mjt1|other|0' })]);
    expect(await env.run(activities().findTaskByState, { stateKey: STATE })).toBeNull();
  });

  it('checks a hinted id by list-by-condition first', async () => {
    mock('POST', '/mj/task/list-by-condition', 200, [gridTask('7')]);
    expect(await env.run(activities().findTaskByState, { stateKey: STATE, taskIdHint: '7' })).toMatchObject({
      id: '7',
    });
    expect(bodies[0]).toEqual({ ids: ['7'] });
  });

  it('fails non-retryably with ReconcileUnsupported where the flavour has no list', async () => {
    const f = await failureOf(env.run(activities('gateway').findTaskByState, { stateKey: STATE }));
    expect(f).toMatchObject({ type: 'ReconcileUnsupported', nonRetryable: true });
  });
});

describe('submitModal', () => {
  it('submits the prompt and the mask as a PNG data URL on the MODAL child', async () => {
    const mask = await store.put(PNG, { contentType: 'image/png', prefix: 'masks' });
    mock('POST', '/mj/submit/modal', 200, { code: 1, description: 'ok', result: '901' });
    expect(await env.run(activities().submitModal, { taskId: '901', input: { prompt: 'add a hat', mask } })).toEqual({
      taskId: '901',
    });
    expect(bodies[0]).toMatchObject({
      taskId: '901',
      prompt: 'add a hat',
      maskBase64: `data:image/png;base64,${PNG.toString('base64')}`,
    });
  });

  it('refuses a mask whose bytes are not PNG, and a missing mask, without retries', async () => {
    const jpeg = await store.put(JPEG, { contentType: 'image/png', prefix: 'masks' });
    expect(
      await failureOf(env.run(activities().submitModal, { taskId: '901', input: { prompt: 'p', mask: jpeg } }))
    ).toMatchObject({
      type: 'InvalidActivityInput',
      nonRetryable: true,
    });
    const gone = { ...jpeg, key: 'masks/gone' };
    expect(
      await failureOf(env.run(activities().submitModal, { taskId: '901', input: { prompt: 'p', mask: gone } }))
    ).toMatchObject({
      type: 'AssetNotFoundError',
      nonRetryable: true,
    });
  });
});

describe('cancelUpstreamTask', () => {
  it('cancels on trueai', async () => {
    agent.get(ORIGIN).intercept({ method: 'POST', path: '/mj/task/901/cancel' }).reply(200, '');
    expect(await env.run(activities().cancelUpstreamTask, { taskId: '901' })).toEqual({ cancelled: true });
  });

  it('reports that other flavours cannot cancel', async () => {
    expect(await env.run(activities('gateway').cancelUpstreamTask, { taskId: '901' })).toEqual({
      cancelled: false,
      reason: 'the gateway flavour has no cancel endpoint',
    });
  });
});
