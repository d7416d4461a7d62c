/**
 * The model versions a prompt can ask for, declared once: `--v` (MidJourney's own line) and `--niji` (the anime line
 * it runs with Spellbrush). Workflow-safe: constants and pure functions only.
 */

/** Values `--v`/`--version` takes. */
export const MJ_VERSIONS = ['1', '2', '3', '4', '5', '5.1', '5.2', '6', '6.1', '7', '8', '8.1', '8.2'] as const;
/** Values `--niji` takes (`--niji` alone means the newest). */
export const NIJI_VERSIONS = ['4', '5', '6', '7'] as const;

export type MjVersion = (typeof MJ_VERSIONS)[number];
export type NijiVersion = (typeof NIJI_VERSIONS)[number];

/** The two model lines. */
export const MODEL_LINES = ['mj', 'niji'] as const;
export type ModelLine = (typeof MODEL_LINES)[number];

/** One model: its line and version number as the prompt writes it. */
export interface ModelVersion {
  line: ModelLine;
  version: string;
}

/** The versions whose rules a prompt without `--v`/`--niji` is checked against: it passes when one accepts it. */
export const CURRENT_MODELS: readonly ModelVersion[] = [
  { line: 'mj', version: '8.2' },
  { line: 'mj', version: '8.1' },
  { line: 'mj', version: '8' },
  { line: 'mj', version: '7' },
  { line: 'mj', version: '6.1' },
  { line: 'niji', version: '7' },
  { line: 'niji', version: '6' },
];

/**
 * The line a prompt that names no model runs on, from the job's `botType`: the niji bot (`NIJI_JOURNEY`) runs niji,
 * any other leaves it to the account's default (undefined).
 */
export function botLine(botType: string | undefined): ModelLine | undefined {
  return botType === 'NIJI_JOURNEY' ? 'niji' : undefined;
}

/** `--niji` without a value. */
export const NEWEST_NIJI: NijiVersion = '7';

export function isMjVersion(v: string): v is MjVersion {
  return (MJ_VERSIONS as readonly string[]).includes(v);
}

export function isNijiVersion(v: string): v is NijiVersion {
  return (NIJI_VERSIONS as readonly string[]).includes(v);
}

/** How provenance and messages name a model: `'7'`, `'6.1'`, `'niji 7'`. */
export function modelName(m: ModelVersion): string {
  return m.line === 'niji' ? `niji ${m.version}` : m.version;
}

/** How messages name it for a reader: `V7`, `niji 6`. */
export function modelLabel(m: ModelVersion): string {
  return m.line === 'niji' ? `niji ${m.version}` : `V${m.version}`;
}
