import type { JobView } from '../../../src/gateway/gateway-memo';
import { toProxyTask } from '../../../src/gateway/task-view';
import { taskTimes } from '../../../src/gateway/task-times';

const images = { stored: (id: string) => `http://gw/mj/image/${id}` };
const SUBMIT = 1_712_345_678_901;

function view(job: Partial<NonNullable<JobView['job']>>): JobView {
  return {
    gateway: {
      v: 1,
      tenant: 'acme',
      taskId: '1712345678901123',
      action: 'IMAGINE',
      submitTime: SUBMIT,
      prompt: 'p',
      endpoint: 'imagine',
    },
    job: { v: 1, phase: 'submitting', kind: 'imagine', mode: 'FAST', submitTime: SUBMIT, ...job },
    execution: 'RUNNING',
  };
}

describe('task times', () => {
  test('an observed start and finish are reported as they are', () => {
    expect(taskTimes('SUCCESS', { submitTime: 1, startTime: 5, finishTime: 9 })).toEqual({
      startTime: 5,
      finishTime: 9,
    });
  });

  test.each(['IN_PROGRESS', 'SUCCESS', 'FAILURE'])(
    'a %s task whose start was not seen starts at the submit',
    (status) => {
      expect(taskTimes(status, { submitTime: 7 }).startTime).toBe(7);
    }
  );

  test.each(['SUBMITTED', 'MODAL', 'NOT_START'])('a %s task has no start yet', (status) => {
    expect(taskTimes(status, { submitTime: 7 })).toEqual({ startTime: null, finishTime: null });
  });

  test('a job that went from queued to SUCCESS between two looks has an integer startTime (uniai reads it)', () => {
    const t = toProxyTask(view({ phase: 'succeeded', finishTime: SUBMIT + 4000 }), images);
    expect(t).toMatchObject({ status: 'SUCCESS', startTime: SUBMIT, finishTime: SUBMIT + 4000 });
    expect(toProxyTask(view({ phase: 'queued' }), images).startTime).toBeNull();
    expect(toProxyTask(view({ phase: 'running', startTime: SUBMIT + 10 }), images).startTime).toBe(SUBMIT + 10);
  });
});
