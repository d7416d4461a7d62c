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

test('idempotent ids depend on tenant and key only, as before state stopped being a key', () => {
  const a = idempotentTaskId('acme', 'k1');
  expect(a).toMatch(/^5\d{15}$/);
  expect(Number(a)).toBeLessThan(Number.MAX_SAFE_INTEGER);
  expect(idempotentTaskId('acme', 'k1')).toBe(a);
  // The id a header key got before (sha256 of "acme\nheader\nk1"): retries of tasks accepted then still find them.
  expect(a).toBe('5635141326317044');
  expect(idempotentTaskId('other', 'k1')).not.toBe(a);
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
