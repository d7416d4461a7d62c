/**
 * What the simulator reads out of a prompt: the MidJourney version (it decides the button set), a speed flag, the
 * `--sim-*` markers that script an outcome, and banned words.
 */
import { isMjVersion, isNijiVersion, modelOf, parsePrompt as parseParams } from '../mj/params';
import type { SpeedMode } from '../mj/types';
import type { SimDefaultVersion } from './options';

/** Scripted failure kinds of `--sim-fail <kind>`. */
export type SimFailKind = 'content-policy' | 'invalid-parameter' | 'invalid-link' | 'internal';
/** Every kind `--sim-fail` accepts. */
export const SIM_FAIL_KINDS: readonly SimFailKind[] = [
  'content-policy',
  'invalid-parameter',
  'invalid-link',
  'internal',
];

/** A MidJourney version and the button features it has. */
export interface MjVersion {
  family: 'mj' | 'niji';
  /** '5.2', '6', '6.1', '7', '8', '8.1', … */
  number: string;
  /** As T reports it: "v 7", "niji 6". */
  label: string;
  /** customId stem of the HD upscalers, or null when the version has none (v8). */
  hdStem: string | null;
  /** v5 upscalers are 2x/4x; v6 and later subtle/creative. */
  hdStyle: 'scale' | 'subtle-creative' | null;
  /** Zoom and pan buttons exist (v5–v7, not v8). */
  zoomPan: boolean;
  /** Animate buttons exist (v6 and later). */
  animate: boolean;
}

/** The `--sim-*` markers found in a prompt. */
export interface SimMarkers {
  fail?: SimFailKind;
  timeout: boolean;
  /** Total simulated time of the job from its start, ms. */
  durationMs?: number;
}

/** What {@link parsePrompt} reads out of a prompt. */
export interface ParsedPrompt {
  version: MjVersion;
  /** `--fast`, `--relax` or `--turbo`, the last one wins as in MJ. */
  speedFlag?: SpeedMode;
  markers: SimMarkers;
  /** The prompt as MidJourney would echo it: markers removed, whitespace tidied. */
  echo: string;
}

/** The simulator models V5 and later, niji 5 and later (src/mj/params declares the versions); older ones fall back. */
const OLDEST_SIMULATED = 5;
/** The niji version of the niji bot and of a bare `--niji` or an unknown one in the simulator. */
const SIM_NIJI_DEFAULT = '6';

function simulated(family: 'mj' | 'niji', n: string): boolean {
  return (family === 'mj' ? isMjVersion(n) : isNijiVersion(n)) && Number(n) >= OLDEST_SIMULATED;
}

function featuresOf(n: string): Pick<MjVersion, 'hdStem' | 'hdStyle' | 'zoomPan' | 'animate'> {
  if (n.startsWith('5')) return { hdStem: 'upsample_v5', hdStyle: 'scale', zoomPan: true, animate: false };
  if (n === '6') return { hdStem: 'upsample_v6', hdStyle: 'subtle-creative', zoomPan: true, animate: true };
  if (n === '6.1') return { hdStem: 'upsample_v6r1', hdStyle: 'subtle-creative', zoomPan: true, animate: true };
  if (n === '7') return { hdStem: 'upsample_v7', hdStyle: 'subtle-creative', zoomPan: true, animate: true };
  // v8 and later dropped HD upscale, zoom and pan (T CreateUpscaleButtons / CreateZoomButtons comments).
  return { hdStem: null, hdStyle: null, zoomPan: false, animate: true };
}

/** Builds a version; unknown numbers fall back to the default so a typo never breaks a dry run. */
export function makeVersion(family: 'mj' | 'niji', raw: string | undefined, fallback: SimDefaultVersion): MjVersion {
  const n = raw !== undefined && simulated(family, raw) ? raw : family === 'niji' ? SIM_NIJI_DEFAULT : fallback;
  return { family, number: n, label: `${family === 'mj' ? 'v' : 'niji'} ${n}`, ...featuresOf(n) };
}

const MARKER_RE = /--sim-(?:(timeout)(?=\s|$)|(fail|duration)(?:\s+([^\s-]\S*))?)/gi;

/** Parses version, speed flag and markers. Invalid marker arguments throw a TypeError naming them. */
export function parsePrompt(prompt: string, fallback: SimDefaultVersion, niji = false): ParsedPrompt {
  const markers: SimMarkers = { timeout: false };
  for (const m of prompt.matchAll(MARKER_RE)) {
    const name = (m[1] ?? m[2]).toLowerCase();
    const arg = m[3];
    if (name === 'timeout') markers.timeout = true;
    else if (name === 'fail') {
      if (!SIM_FAIL_KINDS.includes(arg as SimFailKind)) {
        throw new TypeError(`--sim-fail needs one of ${SIM_FAIL_KINDS.join(', ')}; got "${arg ?? ''}"`);
      }
      markers.fail = arg as SimFailKind;
    } else {
      const seconds = Number(arg);
      if (!arg || !Number.isFinite(seconds) || seconds < 0)
        throw new TypeError(`--sim-duration needs seconds >= 0; got "${arg ?? ''}"`);
      markers.durationMs = Math.round(seconds * 1000);
    }
  }
  const echo = prompt.replace(MARKER_RE, ' ').replace(/\s+/g, ' ').trim();

  const version = versionOf(echo, fallback, niji);
  let speedFlag: SpeedMode | undefined;
  for (const m of echo.matchAll(/--(fast|relax|turbo)(?=\s|$)/gi)) speedFlag = m[1].toUpperCase() as SpeedMode;
  return { version, speedFlag, markers, echo };
}

/**
 * The version the prompt names, read by the grammar of src/mj/params (`--v`/`--version`, `--niji`); a bare `--niji`
 * or an unknown number takes the simulator's default of its line, a prompt naming none the bot's.
 */
function versionOf(prompt: string, fallback: SimDefaultVersion, niji: boolean): MjVersion {
  const parsed = parseParams(prompt);
  const { version, niji: nijiParam } = parsed.params;
  const named = nijiParam === true && version === undefined ? undefined : modelOf(parsed);
  if (named) return makeVersion(named.line, named.version, fallback);
  const line = version !== undefined ? 'mj' : nijiParam !== undefined || niji ? 'niji' : 'mj';
  return makeVersion(line, undefined, fallback);
}

/** T strips speed flags from the parent's prompt before an action (contract §12). */
export function stripSpeedFlags(prompt: string): string {
  return prompt
    .replace(/--(fast|relax|turbo)(?=\s|$)/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The first banned word in the prompt, matched case-insensitively as a whole word. */
export function findBannedWord(prompt: string, banned: readonly string[]): string | undefined {
  const lower = prompt.toLowerCase();
  return banned.find((w) => new RegExp(`(^|[^\\p{L}\\p{N}-])${escapeRegExp(w)}($|[^\\p{L}\\p{N}-])`, 'u').test(lower));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
