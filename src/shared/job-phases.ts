/**
 * The phases of a job, declared once, and the rule for which of them are final. `JobPhase` (re-exported by
 * `./types`), the gateway's status table, the callback log and the console derive from these. Workflow-safe.
 *
 * `waiting-input`: an intent that always needs input (Vary Region, Custom Zoom, describe pick) waits for a person
 * before anything is pressed upstream; `waiting-modal`: an upstream MODAL nobody asked for waits for a person.
 */
export const JOB_PHASES = [
  'waiting-input',
  'submitting',
  'queued',
  'running',
  'waiting-modal',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/** The phases after which a job changes no more. */
export const TERMINAL_JOB_PHASES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobPhase[];
export type TerminalJobPhase = (typeof TERMINAL_JOB_PHASES)[number];

/** True for the phases after which a job changes no more (any string: memos are read from outside). */
export function isTerminalPhase(phase: string | undefined): phase is TerminalJobPhase {
  return phase !== undefined && (TERMINAL_JOB_PHASES as readonly string[]).includes(phase);
}
