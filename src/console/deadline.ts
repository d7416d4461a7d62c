/**
 * A bound on how long a page waits for the service. An answer is a Temporal update: with no worker polling, or a
 * job whose update completes only once the upstream took the modal submit, it can wait for minutes, and a browser
 * left spinning reads as a hang. Past the bound the page says what happened instead.
 */
import type { Client } from '@temporalio/client';

/** The answer was not confirmed in time. It may still be applied later (the update stays admitted). */
export class AnswerTimeoutError extends Error {
  readonly code = 'ConsoleAnswerTimeout';
  constructor(
    /** The bound that passed. @unit ms */
    readonly timeoutMs: number
  ) {
    super(`the answer was not confirmed within ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'AnswerTimeoutError';
  }
}

/**
 * Runs `fn` with a gRPC deadline on the client's calls and a timer beside it (the SDK's update polling may outlive
 * one call's deadline); either way past `ms` it rejects with {@link AnswerTimeoutError}. Errors before then pass.
 */
export async function withinDeadline<T>(
  client: Pick<Client, 'withDeadline'>,
  ms: number,
  fn: () => Promise<T>
): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AnswerTimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([client.withDeadline(started + ms, fn), timeout]);
  } catch (err) {
    // A gRPC DEADLINE_EXCEEDED (or the update call giving up at the deadline) is the same timeout.
    if (!(err instanceof AnswerTimeoutError) && Date.now() - started >= ms - 50) throw new AnswerTimeoutError(ms);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
