/**
 * When a running task should finish, from the percentages its fetches report. A job that polls (no webhook reaches
 * it) uses the forecast to fetch near that time instead of at whatever interval its ramp had grown to: the ramp stops
 * growing while progress moves, so a relax imagine whose steps are 86 s apart could otherwise sit at a 134 s interval
 * and see SUCCESS up to 134 s late. Pure and workflow-safe (times are the workflow's clock), so unit tests cover it
 * without a server.
 *
 * The rate is the mean since the first percentage of the running phase, so it settles as the task advances; each
 * forecast is polled at once (`spend`), and a task found unfinished there gets the short ramp again, which finds a
 * finish that came a little after the forecast (the last step is often the longest) within a few short waits.
 */
interface Sample {
  pct: number;
  at: number;
}

/** Less movement than this (percentage points: two of the usual 15-point steps) is no rate to forecast from: the first
 * sample may have been seen late, by up to one poll interval. */
const MIN_MOVE_PCT = 25;

export class FinishForecast {
  private first: Sample | undefined;
  private last: Sample | undefined;
  /** The percentage whose forecast was already polled at: one forecast poll per percentage. */
  private spentFor: number | undefined;

  /** Records the percentage of an IN_PROGRESS fetch; a percentage lower than the last starts a new phase. */
  observe(pct: number | null | undefined, at: number): void {
    if (pct === null || pct === undefined || !Number.isFinite(pct) || pct < 0) return;
    if (this.last !== undefined && pct < this.last.pct) this.reset();
    if (this.first === undefined) this.first = { pct, at };
    if (this.last === undefined || pct > this.last.pct) this.last = { pct, at };
  }

  /** Forgets every sample (a new task, or a new phase of the same one). */
  reset(): void {
    this.first = undefined;
    this.last = undefined;
    this.spentFor = undefined;
  }

  /** The forecast finish (workflow ms), or undefined until the task has moved far enough to judge. */
  finishAt(): number | undefined {
    const { first, last } = this;
    if (first === undefined || last === undefined || last.pct >= 100) return undefined;
    const moved = last.pct - first.pct;
    if (moved < MIN_MOVE_PCT || last.at <= first.at) return undefined;
    return last.at + ((100 - last.pct) * (last.at - first.at)) / moved;
  }

  /** Ms from `now` to the forecast not yet polled at (≤ 0 once it is due), or undefined when there is none. */
  dueInMs(now: number): number | undefined {
    if (this.last === undefined || this.spentFor === this.last.pct) return undefined;
    const at = this.finishAt();
    return at === undefined ? undefined : at - now;
  }

  /** The forecast for the current percentage was polled at. */
  spend(): void {
    this.spentFor = this.last?.pct;
  }
}
