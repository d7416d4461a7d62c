/**
 * The JSON shape of `MJ_UPSTREAMS_FILE` / `MJ_UPSTREAMS`, one zod schema per part, every leaf with a
 * rule text that names what is expected and never echoes the value (an API key may sit next to a typo).
 * Cross-field rules (unique ids, API key sources, mode preference) live in `./upstreams-rules/`.
 */
import { z } from 'zod';
import { isHttpUrl } from './values';
import { isDuration } from '../shared/duration';
import { DEFAULT_FLAVOUR, MJ_AUTH_SCHEMES, MJ_FLAVOURS } from '../mj/terms/flavours';
import { SPEED_MODE_LIST, SPEED_MODES, type SpeedMode } from '../mj/terms/speed-modes';
import { PRICED_ACTIONS, ROUTING_RULES, UPSTREAM_FEATURES } from '../shared/upstreams/types';

/** Highest per-mode concurrency accepted (a gateway key may front many accounts). */
export const MAX_UPSTREAM_CONCURRENCY = 1_000;
export const DEFAULT_MODE_PREFERENCE = ['FAST', 'TURBO', 'RELAX'] as const satisfies readonly SpeedMode[];

const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });
const number = (rule: string) => z.number({ error: rule }).refine(Number.isFinite, { error: rule });
const nonNegative = number('must be a number ≥ 0').refine((n) => n >= 0, { error: 'must be a number ≥ 0' });
const int = (min: number, max: number) => {
  const rule = `must be an integer ${min}-${max}`;
  return z.number({ error: rule }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: rule });
};
const hhmm = z.string({ error: 'must be "HH:MM"' }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be "HH:MM"' });

const modeLimits = z
  .strictObject({
    concurrency: int(1, MAX_UPSTREAM_CONCURRENCY),
    dailyCap: int(1, 10_000_000).optional(),
    reservedForInteractive: int(0, MAX_UPSTREAM_CONCURRENCY - 1).optional(),
  })
  .refine((m) => m.reservedForInteractive === undefined || m.reservedForInteractive < m.concurrency, {
    error: 'must be below concurrency',
    path: ['reservedForInteractive'],
  });
const modes = z
  .strictObject({ FAST: modeLimits.optional(), RELAX: modeLimits.optional(), TURBO: modeLimits.optional() })
  .refine((m) => Object.values(m).some((v) => v !== undefined), {
    error: `must offer at least one of ${SPEED_MODE_LIST}`,
  });
const perMode = z.strictObject({
  FAST: nonNegative.optional(),
  RELAX: nonNegative.optional(),
  TURBO: nonNegative.optional(),
});
const prices = z.strictObject({
  currency: z
    .string({ error: 'must be a 3-letter currency code such as "USD"' })
    .regex(/^[A-Z]{3}$/, { error: 'must be a 3-letter currency code such as "USD"' })
    .default('USD'),
  default: perMode.default({}),
  byAction: z.partialRecord(oneOf(PRICED_ACTIONS), perMode).optional(),
});
const workHours = z.strictObject({ from: hhmm, to: hhmm, utcOffsetMinutes: int(-840, 840).optional() });

export const upstreamSchema = z.strictObject({
  id: z
    .string({ error: 'must be a string' })
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be a slug of 1-63 characters [a-z0-9-]' }),
  flavour: oneOf(MJ_FLAVOURS).default(DEFAULT_FLAVOUR),
  baseUrl: z
    .string({ error: 'must be an http(s) URL' })
    .refine((v) => isHttpUrl(v), { error: 'must be an http(s) URL without credentials' })
    .transform((v) => v.replace(/\/+$/, '')),
  apiKey: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).optional(),
  apiKeyEnv: z
    .string({ error: 'must be the name of an environment variable' })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be the name of an environment variable' })
    .optional(),
  authScheme: oneOf(MJ_AUTH_SCHEMES).optional(),
  refreshInterval: z
    .string({ error: 'must be a duration such as "15s"' })
    .refine((v) => isDuration(v), { error: 'must be a duration such as "15s"' })
    .optional(),
  priority: int(-1000, 1000).default(0),
  weight: number('must be a number > 0')
    .refine((n) => n > 0, { error: 'must be a number > 0' })
    .default(1),
  features: z.array(oneOf(UPSTREAM_FEATURES), { error: 'must be a list of features' }).default([]),
  imageSeed: z.boolean({ error: 'must be true or false' }).default(true),
  modes,
  prices: prices.default({ currency: 'USD', default: {} }),
  workHours: workHours.optional(),
});

export const routingSchema = z.strictObject({
  rule: oneOf(ROUTING_RULES).default('least-loaded'),
  modePreference: z
    .array(oneOf(SPEED_MODES), { error: `must be a list of ${SPEED_MODE_LIST}` })
    .min(1, { error: 'must name at least one mode' })
    .default([...DEFAULT_MODE_PREFERENCE]),
});

export const upstreamsFileSchema = z.strictObject({
  upstreams: z
    .array(upstreamSchema, { error: 'must be a list of upstreams' })
    .min(1, { error: 'must list at least one upstream' }),
  routing: routingSchema.default({ rule: 'least-loaded', modePreference: [...DEFAULT_MODE_PREFERENCE] }),
});

export type UpstreamEntry = z.output<typeof upstreamSchema>;
export type UpstreamsFile = z.output<typeof upstreamsFileSchema>;
