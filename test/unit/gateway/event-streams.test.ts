/**
 * The event streams' rules without a server: the per-tenant and per-process caps on open streams (429, rule
 * `stream-cap`), and the tenant stream's cursor (read back as written; anything else refused naming the field).
 */
import { GatewayError } from '../../../src/gateway/errors';
import { StreamSlots } from '../../../src/gateway/tasks/event-streams';
import { formatTenantCursor, parseTenantCursor } from '../../../src/gateway/tasks/tenant-feed';

test('a tenant past its cap, or a process past its own, is refused with 429 stream-cap; a freed slot is reusable', () => {
  const slots = new StreamSlots(2, 3);
  const a1 = slots.take('a');
  slots.take('a');
  const refused = (() => {
    try {
      slots.take('a');
    } catch (err) {
      return err;
    }
  })() as GatewayError;
  expect(refused).toBeInstanceOf(GatewayError);
  expect([refused.status, refused.code, refused.extra.rule]).toEqual([429, 23, 'stream-cap']);
  expect(refused.message).toMatch(/at most 2 open event streams per tenant/);
  slots.take('b');
  expect(() => slots.take('c')).toThrow(/at most 3 open event streams on this gateway/);
  a1();
  a1(); // given back once only
  expect(slots.open).toBe(2);
  expect(() => slots.take('a')).not.toThrow();
});

test('the tenant cursor reads back as written; a foreign one is refused naming the field', () => {
  const c = parseTenantCursor('1733390000000;1733390000000123:3,5123456789012345:4.431', 'Last-Event-ID');
  expect(c.since).toBe(1733390000000);
  expect([...c.jobs]).toEqual([
    ['1733390000000123', { seq: 3 }],
    ['5123456789012345', { seq: 4.431 }],
  ]);
  expect(formatTenantCursor(c)).toBe('1733390000000;1733390000000123:3,5123456789012345:4.431');
  expect(parseTenantCursor('17;', 'after').jobs.size).toBe(0);
  for (const bad of ['', 'x', '1;abc:1', '1;1733390000000123:-1', '1;123:1', '1;1733390000000123:1e3'])
    expect(() => parseTenantCursor(bad, 'Last-Event-ID')).toThrow(/^Last-Event-ID must be an event id/);
});
