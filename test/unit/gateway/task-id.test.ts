import {
  idempotentTaskId,
  jobWorkflowId,
  newTaskId,
  normaliseTaskId,
  parseJobWorkflowId,
} from '../../../src/tenancy/task-id';

test('new ids are 16 digits, below 2^53, time-based', () => {
  const id = newTaskId(1_712_345_678_901);
  expect(id).toMatch(/^1712345678901\d{3}$/);
  expect(Number(id)).toBeLessThan(Number.MAX_SAFE_INTEGER);
});

test('idempotent ids depend on tenant, kind and key only', () => {
  const a = idempotentTaskId('acme', 'header', 'k1');
  expect(a).toMatch(/^5\d{15}$/);
  expect(Number(a)).toBeLessThan(Number.MAX_SAFE_INTEGER);
  expect(idempotentTaskId('acme', 'header', 'k1')).toBe(a);
  expect(idempotentTaskId('other', 'header', 'k1')).not.toBe(a);
  expect(idempotentTaskId('acme', 'state', 'k1')).not.toBe(a);
});

test('workflow ids round-trip; callback ids are not job ids', () => {
  expect(parseJobWorkflowId(jobWorkflowId('acme', '1712345678901123'))).toEqual({
    tenant: 'acme',
    taskId: '1712345678901123',
  });
  expect(parseJobWorkflowId('mj-gw-cb-acme-1712345678901123')).toBeUndefined();
});

test('ids as clients send them: strings, numbers; anything else is unknown', () => {
  expect(normaliseTaskId(' 1712345678901123 ')).toBe('1712345678901123');
  expect(normaliseTaskId(1712345678901123)).toBe('1712345678901123');
  expect(normaliseTaskId('17123')).toBeUndefined();
  expect(normaliseTaskId({})).toBeUndefined();
});
