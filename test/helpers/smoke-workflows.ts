// A trivial workflow for the toolchain smoke test: one activity call, one durable timer.
import { proxyActivities, sleep } from '@temporalio/workflow';

export interface SmokeActivities {
  getUpstream(url: string): Promise<{ status: number; body: string }>;
}

const { getUpstream } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });

export async function smokeWorkflow(url: string): Promise<{ status: number; body: string }> {
  await sleep('10ms');
  return getUpstream(url);
}
