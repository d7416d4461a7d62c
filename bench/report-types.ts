/** The shape of a benchmark report and of one target's verdict, read by the report writer and the target checks. */
import type { BenchFlags } from './lib/context';
import type { ConsolePhaseResult } from './phases/console';
import type { BatchPhaseResult } from './phases/batch';
import type { GatewayPhaseResult } from './phases/gateway';
import type { GatewayReadPhaseResult } from './phases/gateway-read';
import type { HistoryPhaseResult } from './phases/history';
import type { StreamsPhaseResult } from './phases/streams';
import type { InflightPhaseResult } from './phases/inflight';
import type { McpPhaseResult } from './phases/mcp';
import type { MixPhaseResult } from './phases/mix';
import type { ThroughputPhaseResult } from './phases/throughput';
import type { UpstreamsPhaseResult } from './phases/upstreams';

export interface BenchReport {
  startedAt: string;
  quick: boolean;
  flags: BenchFlags;
  machine: Record<string, unknown>;
  temporalCli: string;
  phases: {
    mix?: MixPhaseResult;
    gateway?: GatewayPhaseResult;
    gatewayRead?: GatewayReadPhaseResult;
    mcp?: McpPhaseResult;
    console?: ConsolePhaseResult;
    streams?: StreamsPhaseResult;
    history?: HistoryPhaseResult;
    upstreams?: UpstreamsPhaseResult;
    batch?: BatchPhaseResult;
    inflight?: InflightPhaseResult;
    throughput?: ThroughputPhaseResult;
  };
  errors: Record<string, string>;
  durationSec: number;
  targets?: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  goal: string;
  measured: string;
  met: boolean | null;
}
