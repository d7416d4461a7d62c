import { taskTimes } from '../../../src/gateway/tasks/task-times';

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
});
