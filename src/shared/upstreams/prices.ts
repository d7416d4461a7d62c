/**
 * Price lookup of one upstream: the action's own price for the mode, else the table's default for the
 * mode, else 0 (an upstream configured without prices costs nothing as far as the ledger knows). Workflow-safe.
 */
import type { SpeedMode } from '../../mj/types';
import type { PriceTable, PricedAction } from './types';

/** Price of one task of `action` in `mode`, in `table.currency`. */
export function priceOf(table: PriceTable, action: PricedAction, mode: SpeedMode): number {
  return table.byAction?.[action]?.[mode] ?? table.default[mode] ?? 0;
}
