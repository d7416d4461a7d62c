/**
 * Reads an HTTP body into memory with a hard cap, so a wrong or hostile URL cannot exhaust the worker's heap.
 */

/** Thrown when a body (or its Content-Length) is larger than the cap. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'BODY_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`response body exceeds ${maxBytes} bytes`);
  }
}

interface DestroyableBody extends AsyncIterable<Uint8Array> {
  destroy(err?: Error): unknown;
}

/**
 * Collects `body` into one buffer, failing with {@link BodyTooLargeError} as soon as it passes `maxBytes`.
 * `onChunk` runs after every chunk (for heartbeats on long transfers).
 */
export async function readBounded(
  body: DestroyableBody,
  maxBytes: number,
  contentLength?: string | string[],
  onChunk?: (received: number) => void
): Promise<Uint8Array> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    throw new BodyTooLargeError(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > maxBytes) {
      body.destroy();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(chunk);
    onChunk?.(received);
  }
  const out = Buffer.concat(chunks, received);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
