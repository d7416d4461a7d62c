import type { JobView } from '../../../src/gateway/tasks/gateway-memo';
import { STATUS_BY_PHASE } from '../../../src/gateway/tasks/status-map';
import { toProxyTask, viewStatus } from '../../../src/gateway/tasks/task-view';

const images = { stored: (id: string, i: number) => `http://gw/mj/image/${id}${i ? `/${i}` : ''}?t=x` };

function view(job: Partial<NonNullable<JobView['job']>> | undefined, execution = 'RUNNING'): JobView {
  return {
    gateway: {
      v: 1,
      tenant: 'acme',
      taskId: '1712345678901123',
      action: 'IMAGINE',
      submitTime: 1_712_345_678_901,
      prompt: 'a cat',
      endpoint: 'imagine',
    },
    job: job && { v: 1, phase: 'submitting', kind: 'imagine', mode: 'FAST', submitTime: 1, ...job },
    execution,
  };
}

describe('status mapping', () => {
  test.each(STATUS_BY_PHASE.map((r) => [r.phase, r.status]))('%s → %s', (phase, status) => {
    expect(viewStatus(view({ phase: phase as never, progress: '37%' })).status).toBe(status);
  });

  test('queued and retrying are SUBMITTED with 0% and no failReason (new-api refunds on any failReason)', () => {
    const t = toProxyTask(view({ phase: 'queued', failReason: 'upstream 503, retrying' }), images);
    expect(t).toMatchObject({ status: 'SUBMITTED', progress: '0%', failReason: '' });
  });

  test('running shows the upstream progress; terminal states are 100%', () => {
    expect(toProxyTask(view({ phase: 'running', progress: '46%' }), images).progress).toBe('46%');
    expect(toProxyTask(view({ phase: 'succeeded' }), images).progress).toBe('100%');
    const failed = toProxyTask(view({ phase: 'failed', failReason: 'banned prompt' }), images);
    expect(failed).toMatchObject({ status: 'FAILURE', progress: '100%', failReason: 'banned prompt' });
  });

  test('a closed workflow whose memo lags is FAILURE/SUCCESS by its execution status', () => {
    expect(viewStatus(view({ phase: 'running' }, 'TERMINATED'))).toMatchObject({
      status: 'FAILURE',
      progress: '100%',
      failReason: 'job terminated',
    });
    expect(viewStatus(view(undefined, 'COMPLETED')).status).toBe('SUCCESS');
  });
});

describe('task object', () => {
  test('types real clients decode: string id/status/progress, ms integers or null, string buttons', () => {
    const t = toProxyTask(
      view({
        phase: 'succeeded',
        buttons: [{ customId: 'MJ::JOB::upsample::1::h', emoji: '', label: 'U1' }],
        assets: [
          { index: 0, key: 'images/a.png' },
          { index: 2, key: 'images/b.png' },
        ],
        startTime: 1_712_345_679_000,
      }),
      images
    );
    expect(typeof t.id).toBe('string');
    expect(t.submitTime).toBe(1_712_345_678_901);
    expect(t.finishTime).toBeNull();
    expect(t.buttons).toEqual([{ customId: 'MJ::JOB::upsample::1::h', emoji: '', label: 'U1', type: 2, style: 2 }]);
    expect(t.imageUrl).toBe('http://gw/mj/image/1712345678901123?t=x');
    expect(t.imageUrls).toEqual([{ url: 'http://gw/mj/image/1712345678901123/2?t=x' }]);
    expect(t.properties).toEqual({ finalPrompt: 'a cat', finalZhPrompt: '' });
    expect(t.state).toBe('');
    expect(t.videoUrls).toEqual([]);
  });

  test('buttons only on SUCCESS; the upstream imageUrl when nothing is stored', () => {
    const t = toProxyTask(
      view({ phase: 'running', imageUrl: 'https://cdn/x.png', buttons: [{ customId: 'a::b', emoji: '', label: '' }] }),
      images
    );
    expect(t.buttons).toEqual([]);
    expect(t.imageUrl).toBe('https://cdn/x.png');
  });
});

describe('task times in the task object', () => {
  const SUBMIT = 1_712_345_678_901; // the fixture's gateway submitTime
  test('a job that went from queued to SUCCESS between two looks has an integer startTime (uniai reads it)', () => {
    const t = toProxyTask(view({ phase: 'succeeded', finishTime: SUBMIT + 4000 }), images);
    expect(t).toMatchObject({ status: 'SUCCESS', startTime: SUBMIT, finishTime: SUBMIT + 4000 });
    expect(toProxyTask(view({ phase: 'queued' }), images).startTime).toBeNull();
    expect(toProxyTask(view({ phase: 'running', startTime: SUBMIT + 10 }), images).startTime).toBe(SUBMIT + 10);
  });
});
