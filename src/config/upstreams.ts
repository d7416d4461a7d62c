/**
 * Several upstreams: `MJ_UPSTREAMS_FILE` (path of a JSON file) or `MJ_UPSTREAMS` (the same JSON inline),
 * `{ "upstreams": [...], "routing": { "rule", "modePreference" } }`, validated into {@link UpstreamsConfig}. Each bad
 * field is one `ConfigIssue` naming its path, e.g. `MJ_UPSTREAMS.upstreams[1].prices.default.FAST: must be a number
 * ≥ 0`. Unset: undefined, and the service runs its single legacy upstream (`MJ_BASE_URL`) without routing.
 *
 * API keys (inline or through `apiKeyEnv`) become {@link Secret}s here; {@link viewOf} is what may leave the worker.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { ConfigIssue, Secret } from './values';
import type { MjAuthScheme } from '../mj/types';
import type { Duration } from '../shared/duration';
import { apiKeyOf } from './upstreams-rules/api-key';
import { modePreferenceIssues } from './upstreams-rules/mode-preference';
import { uniqueIdIssues } from './upstreams-rules/unique-ids';
import { upstreamsFileSchema, type UpstreamEntry } from './upstreams-schema';
import type { RoutingSettings, UpstreamView } from '../shared/upstreams/types';

/** One configured upstream: its view (recorded in history) plus where and how to reach it (never recorded). */
export interface UpstreamConfig extends UpstreamView {
  baseUrl: string;
  apiKey: Secret | undefined;
  /** Name of the variable the key came from, if any (shown by `mj config`; the key itself never is). */
  apiKeyEnv: string | undefined;
  /** @default derived from the flavour by MjClient */
  authScheme: MjAuthScheme | undefined;
  /** @default the flavour's (see MjClient `refreshIntervalMs`) */
  refreshInterval: Duration | undefined;
  /** Ask this upstream for each successful image task's seed (where its flavour has `image-seed`). @default true */
  imageSeed: boolean;
}

export interface UpstreamsConfig {
  /** Which variable configured them. */
  source: 'MJ_UPSTREAMS_FILE' | 'MJ_UPSTREAMS';
  /** The file read, for `MJ_UPSTREAMS_FILE`. */
  file: string | undefined;
  upstreams: UpstreamConfig[];
  routing: RoutingSettings;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `['upstreams', 1, 'prices']` → `upstreams[1].prices`. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function zodIssues(error: z.ZodError, at: string): ConfigIssue[] {
  return error.issues.flatMap((i): ConfigIssue[] => {
    const base = i.path.length > 0 ? `${at}.${pathOf(i.path)}` : at;
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: `${base}.${k}`, rule: 'unknown setting' }));
    return [{ field: base, rule: i.message }];
  });
}

function readJson(source: UpstreamsConfig['source'], text: string, issues: ConfigIssue[]): unknown {
  try {
    return JSON.parse(text);
  } catch {
    issues.push({ field: source, rule: 'must be valid JSON' });
    return undefined;
  }
}

function rawOf(
  env: Env,
  issues: ConfigIssue[]
): { source: UpstreamsConfig['source']; file?: string; raw: unknown } | undefined {
  const file = env.MJ_UPSTREAMS_FILE || undefined;
  const inline = env.MJ_UPSTREAMS || undefined;
  if (file && inline) {
    issues.push({ field: 'MJ_UPSTREAMS', rule: 'set either MJ_UPSTREAMS or MJ_UPSTREAMS_FILE, not both' });
    return undefined;
  }
  if (inline) return { source: 'MJ_UPSTREAMS', raw: readJson('MJ_UPSTREAMS', inline, issues) };
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'file not readable';
    issues.push({ field: 'MJ_UPSTREAMS_FILE', rule: why });
    return undefined;
  }
  return { source: 'MJ_UPSTREAMS_FILE', file, raw: readJson('MJ_UPSTREAMS_FILE', text, issues) };
}

function upstreamOf(u: UpstreamEntry, apiKey: Secret | undefined): UpstreamConfig {
  return {
    id: u.id,
    flavour: u.flavour,
    priority: u.priority,
    weight: u.weight,
    features: u.features,
    modes: u.modes,
    prices: u.prices,
    ...(u.workHours ? { workHours: u.workHours } : {}),
    baseUrl: u.baseUrl,
    apiKey,
    apiKeyEnv: u.apiKeyEnv,
    authScheme: u.authScheme,
    refreshInterval: u.refreshInterval as Duration | undefined,
    imageSeed: u.imageSeed,
  };
}

/**
 * Reads the upstreams from `env` (`MJ_UPSTREAMS_FILE` or `MJ_UPSTREAMS`; `apiKeyEnv` names are looked up in `env`
 * too). Pushes every problem onto `issues` and answers undefined when there is any, or when nothing is configured.
 */
export function loadUpstreams(env: Env, issues: ConfigIssue[]): UpstreamsConfig | undefined {
  const found = rawOf(env, issues);
  if (!found || found.raw === undefined) return undefined;
  const at = found.source;
  const parsed = upstreamsFileSchema.safeParse(found.raw);
  if (!parsed.success) {
    issues.push(...zodIssues(parsed.error, at));
    return undefined;
  }
  const file = parsed.data;
  const problems = [...uniqueIdIssues(file.upstreams, at), ...modePreferenceIssues(file, at)];
  const upstreams = file.upstreams.map((u, i) => {
    const key = apiKeyOf(u, env, `${at}.upstreams[${i}]`);
    if (!key.ok) problems.push(key.issue);
    return upstreamOf(u, key.ok ? key.apiKey : undefined);
  });
  issues.push(...problems);
  if (problems.length > 0) return undefined;
  return { source: found.source, file: found.file, upstreams, routing: file.routing };
}

/** The part of an upstream that may enter workflow history (no URL, no key). */
export function viewOf(u: UpstreamConfig): UpstreamView {
  return {
    id: u.id,
    flavour: u.flavour,
    priority: u.priority,
    weight: u.weight,
    features: [...u.features],
    modes: structuredClone(u.modes),
    prices: structuredClone(u.prices),
    ...(u.workHours ? { workHours: { ...u.workHours } } : {}),
  };
}
