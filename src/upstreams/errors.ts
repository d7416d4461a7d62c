/** Typed errors of several upstreams, each with a stable `code` and the field at fault. */

/** An activity input or a lookup named an upstream id the worker's config does not have. */
export class UnknownUpstreamError extends Error {
  override readonly name = 'UnknownUpstreamError';
  readonly code = 'UNKNOWN_UPSTREAM';
  readonly field = 'upstreamId';
  readonly rule = 'configured';
  constructor(
    readonly upstreamId: string,
    readonly known: readonly string[]
  ) {
    super(`unknown upstream "${upstreamId}" (configured: ${known.join(', ') || 'none'})`);
  }
}

/** The pool kept answering with another configuration than this worker's (two workers configured differently). */
export class UpstreamPoolConfigError extends Error {
  override readonly name = 'UpstreamPoolConfigError';
  readonly code = 'UPSTREAM_POOL_CONFIG_CONFLICT';
  readonly field = 'configVersion';
  readonly rule = 'same-config';
  constructor(
    readonly ours: string,
    readonly pools: string
  ) {
    super(`the upstream pool runs config ${pools} right after this worker set ${ours}: are workers configured alike?`);
  }
}
