import type { JobChanged } from '../../../src/shared/job-memo';
import { DeliveryLog } from '../../../src/workflows/callback/delivery-log';
import { TenantRegistry } from '../../../src/workflows/tenants/registry';

const HASH = 'a'.repeat(64);

describe('tenant registry', () => {
  test('create, find, revoke; rejections name the field', () => {
    const r = new TenantRegistry();
    expect(r.checkCreate({ tenant: 'Bad Name', keyId: 'abcdefgh1234', hash: HASH })).toMatchObject({ field: 'tenant' });
    expect(r.checkCreate({ tenant: 'acme', keyId: 'x', hash: HASH })).toMatchObject({ field: 'keyId' });
    expect(r.checkCreate({ tenant: 'acme', keyId: 'abcdefgh1234', hash: 'nothex' })).toMatchObject({ field: 'hash' });
    expect(
      r.checkCreate({ tenant: 'acme', keyId: 'abcdefgh1234', hash: HASH, options: { maxOpenJobs: 0 } })
    ).toMatchObject({ field: 'options.maxOpenJobs' });
    expect(r.checkCreate({ tenant: 'acme', keyId: 'abcdefgh1234', hash: HASH })).toBeNull();
    r.createKey({ tenant: 'acme', keyId: 'abcdefgh1234', hash: HASH }, 5);
    expect(r.checkCreate({ tenant: 'other', keyId: 'abcdefgh1234', hash: HASH })).toMatchObject({ rule: 'unique' });
    expect(r.revokeKey('abcdefgh1234', 9)).toEqual({ revoked: true, tenant: 'acme' });
    expect(r.revokeKey('abcdefgh1234', 10)).toEqual({ revoked: false, tenant: 'acme' });
    expect(r.snapshot().tenants.acme!.keys[0]).toMatchObject({ revokedAt: 9 });
    expect(r.checkSetOptions('nobody', {})).toMatchObject({ field: 'tenant' });
  });
});

function change(seq: number, phase = 'running'): JobChanged {
  return { jobId: 'j', seq, memo: { v: 1, phase: phase as never, kind: 'imagine', mode: 'FAST', submitTime: 0 } };
}

describe('delivery log', () => {
  test('delivers in sequence order, drops repeats, finishes after the terminal change', () => {
    const log = new DeliveryLog('1', 'http://h');
    log.onChanged(change(2));
    log.onChanged(change(1));
    expect(log.onChanged(change(2))).toBe(false);
    expect(log.next()!.seq).toBe(1);
    log.record(1, { outcome: 'delivered', attempts: 1, httpStatus: 200 }, 10);
    log.onChanged(change(3, 'succeeded'));
    expect(log.next()!.seq).toBe(2);
    expect(log.finished()).toBe(false);
    expect(log.next()!.seq).toBe(3);
    log.record(2, { outcome: 'delivered', attempts: 4 }, 11);
    log.record(3, { outcome: 'gave-up', error: 'down' }, 12);
    expect(log.finished()).toBe(true);
    expect(log.view().records.map((r) => r.status)).toEqual(['delivered', 'delivered', 'gave-up']);
  });

  test('replay queues handled changes again', () => {
    const log = new DeliveryLog('1', 'http://h');
    log.onChanged(change(1));
    log.next();
    expect(log.replay(1)).toBe(0); // still pending (no outcome yet)
    log.record(1, { outcome: 'delivered', attempts: 1 }, 1);
    expect(log.replay()).toBe(1);
    expect(log.view().records[0]).toMatchObject({ status: 'pending', replays: 1 });
    expect(log.next()!.seq).toBe(1);
  });
});
