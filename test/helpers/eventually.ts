/**
 * The one polling helper of the tests. Polls `probe` in real time until it returns a value; a probe that throws
 * counts as "not yet" (a query before the worker has the workflow, a describe before the start is visible). Fails
 * naming `what` (and the probe's last error, if any) after `timeoutMs`.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 200
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const v = await probe().catch((err: unknown) => {
      lastError = err;
      return undefined;
    });
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A probe for {@link eventually}: what `read` returns once `ok` accepts it, "not yet" before. */
export function satisfying<T>(read: () => Promise<T>, ok: (t: T) => boolean): () => Promise<T | undefined> {
  return async () => {
    const v = await read();
    return ok(v) ? v : undefined;
  };
}
