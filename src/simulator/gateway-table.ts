/**
 * The gateway flavour's data: its switches with their defaults, one row of its table, its snapshot and counters.
 * Below `gateway.ts`, `options.ts`, `host.ts` and `persistence.ts`, so they share these types without a circle.
 */
import type { MjButton } from '../mj/types';

/** Switches of the gateway model; each default is what new-api does out of the box. */
export interface GatewayOptions {
  /**
   * Period of the poller that refreshes the gateway's copy from the upstream (new-api: 15 s). 0 refreshes the rows a
   * read touches just before answering it: no stub and no staleness, everything else as configured.
   * @default 15_000
   * @unit simulated milliseconds
   */
  refreshMs: number;
  /** A modal inserts a second row for the child's id (list shows it twice, fetch serves the older row). @default true */
  duplicateRows: boolean;
  /** `action`, `prompt` and `description` stay as new-api derived them at submit; false shows the upstream's. @default true */
  frozenFields: boolean;
  /** `MjForwardUrlEnabled`: imageUrl is the gateway's `/mj/image/<id>` relay. @default true */
  imageRelay: boolean;
  /**
   * `ServerAddress`, the base of relay links. new-api's default is `http://localhost:3000` whatever its port; set
   * that to reproduce the misconfiguration. @default the simulator's own URL
   */
  serverAddress?: string;
  /** `MjNotifyEnabled`: notifyHook reaches the upstream (which then calls it directly). @default false */
  forwardNotifyHook: boolean;
  /** `MjAccountFilterEnabled`: accountFilter reaches the upstream. @default false */
  forwardAccountFilter: boolean;
  /** `/mj-relax/…` reaches the upstream with its prefix; new-api strips it and the channel's mode runs. @default false */
  keepSpeedPrefix: boolean;
  /** The upstream's `state` is copied into the row at each poll (new-api does); false keeps `state: ""`. @default true */
  echoState: boolean;
  /**
   * The channel's key is right. false: the upstream answers every relayed call 401, which new-api turns into code 5
   * `unmarshal_response_body_failed` for submits and silent poller failures. @default true
   */
  upstreamKeyValid: boolean;
}

export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = {
  refreshMs: 15_000,
  duplicateRows: true,
  frozenFields: true,
  imageRelay: true,
  forwardNotifyHook: false,
  forwardAccountFilter: false,
  keepSpeedPrefix: false,
  echoState: true,
  upstreamKeyValid: true,
};

/** One row of new-api's `midjourneys` table, as the simulator keeps it. */
export interface GatewayRow {
  rowId: number;
  mjId: string;
  code: number;
  /** Derived by new-api at submit (INPAINT, MODAL, …); frozen. */
  action: string;
  /** The submit's prompt, or the parent row's prompt for actions and modals; frozen. */
  prompt: string;
  /** The submit answer's description ("提交成功", "Waiting for window confirm"); frozen. */
  description: string;
  promptEn: string;
  state: string;
  submitTime: number;
  startTime: number;
  finishTime: number;
  imageUrl: string;
  status: string;
  progress: string;
  failReason: string;
  buttons: MjButton[] | null;
  properties: { finalPrompt: string; finalZhPrompt: string } | null;
}

/** What a saved simulator keeps of the gateway. */
export interface GatewaySnapshot {
  rows: GatewayRow[];
  rowSeq: number;
  counters: GatewayCounters;
}

/** Gateway counters in `stats().gateway`. */
export interface GatewayCounters {
  /** Poller cycles that called the upstream's list-by-condition. */
  polls: number;
  /** Ids sent by those calls, duplicates included. */
  polledIds: number;
  /** Cycles whose upstream call failed (a bad upstream key): no row changed. */
  pollsFailed: number;
  /** Rows failed by the one-hour rule. */
  timeouts: number;
  /** The `ids` of the latest upstream call, as sent (an id twice for a modal's two rows). */
  lastPollIds: string[];
}
