/**
 * The members of the midjourney-proxy family we speak to (contract §0) and how each takes its API key (§1), declared
 * once: `MjFlavour`, `MjAuthScheme`, the checks, the defaults and the simulator's choices derive from these lists.
 * Zod users write `z.enum(MJ_FLAVOURS)`. Workflow-safe.
 */

/** Which server family speaks at the base URL. Decides auth header, change vs action, not-found shape. */
export const MJ_FLAVOURS = ['novicezk', 'plus', 'trueai', 'gateway'] as const;
export type MjFlavour = (typeof MJ_FLAVOURS)[number];

/** The flavour of a client, upstream or simulator that names none. */
export const DEFAULT_FLAVOUR: MjFlavour = 'trueai';

export function isMjFlavour(value: unknown): value is MjFlavour {
  return typeof value === 'string' && (MJ_FLAVOURS as readonly string[]).includes(value);
}

/** How the API key is sent (§1). */
export const MJ_AUTH_SCHEMES = ['mj-api-secret', 'raw-authorization', 'bearer'] as const;
export type MjAuthScheme = (typeof MJ_AUTH_SCHEMES)[number];

export function isMjAuthScheme(value: unknown): value is MjAuthScheme {
  return typeof value === 'string' && (MJ_AUTH_SCHEMES as readonly string[]).includes(value);
}
