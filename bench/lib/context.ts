/** What every phase receives from bench/run.ts. */
export type PhaseName =
  | 'mix'
  | 'gateway'
  | 'gateway-read'
  | 'mcp'
  | 'console'
  | 'streams'
  | 'history'
  | 'upstreams'
  | 'batch'
  | 'inflight'
  | 'throughput';
/** In run order: the capacity phase last, so its optional top level uses whatever time is left. */
export const ALL_PHASES: readonly PhaseName[] = [
  'mix',
  'gateway',
  'gateway-read',
  'mcp',
  'console',
  'streams',
  'history',
  'upstreams',
  'batch',
  'throughput',
  'inflight',
];

export interface BenchFlags {
  quick: boolean;
  /** Pipelines in the mix phase (and the base of other phases' sizes when given). */
  jobs?: number;
  phases: PhaseName[];
  seed: number;
  /** maxCachedWorkflows of every bench worker (set explicitly, never left to the SDK's heap-derived default). */
  cache: number;
  /** In-flight levels of the capacity phase. */
  inflightLevels: number[];
  /** Worker counts of the throughput phase. */
  throughputWorkers: number[];
  /** Time budget of the whole run; phases shrink or skip optional work to fit. @unit min @default 14 (4 with --quick) */
  budgetMin?: number;
}

export interface BenchContext {
  flags: BenchFlags;
  tmpDir: string;
  bundlePath: string;
  log(msg: string): void;
  /** Real ms left before the whole benchmark should be done (phases shrink optional work to fit). */
  remainingMs(): number;
}
