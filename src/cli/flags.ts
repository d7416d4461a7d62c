/** Option parsers and the flags every start command shares. */
import type { Command } from 'commander';
import type { StartOptions } from '../client';
import { SPEED_MODE_LIST, speedModeOf, type SpeedMode } from '../mj/terms/speed-modes';
import { CliInputError } from './exit-codes';

export function parseMode(v: string): SpeedMode {
  const m = speedModeOf(v);
  if (m === undefined) throw new CliInputError('--mode', `must be one of ${SPEED_MODE_LIST}`);
  return m;
}

export function parsePositiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliInputError(name, 'must be a positive integer');
    return Number(v);
  };
}

export interface StartFlags {
  id?: string;
  mode?: SpeedMode;
  account?: string;
  capture?: boolean;
  wait?: boolean;
}

export function startOptions(f: StartFlags): StartOptions {
  return { jobId: f.id, mode: f.mode, account: f.account, captureImages: f.capture === false ? false : undefined };
}

export function withStartFlags(cmd: Command): Command {
  return cmd
    .option('--id <jobId>', 'your own job id (idempotency key): the same id returns the same job')
    .option('--mode <mode>', SPEED_MODE_LIST, parseMode)
    .option('--account <account>', 'account key for slot accounting')
    .option('--no-capture', 'do not copy result images into the asset store')
    .option('--wait', 'wait for the result (live progress on stderr)');
}
