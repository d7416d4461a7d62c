/**
 * Work still under way (a server's requests, the simulator's webhook deliveries), so that a close can let it finish
 * before what it uses goes away. Tracking adds no rejection of its own: a tracked promise that rejects is forgotten
 * like one that resolves, and its rejection counts as handled.
 */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();

  get size(): number {
    return this.work.size;
  }

  /** Tracks `p` until it settles. */
  track(p: Promise<unknown>): void {
    this.work.add(p);
    const forget = (): void => void this.work.delete(p);
    p.then(forget, forget);
  }

  /**
   * Resolves once nothing is under way, work tracked meanwhile included; with `limitMs`, after that long at most
   * (what is still running then goes on). @unit ms
   */
  async settled(limitMs?: number): Promise<void> {
    const all = (async () => {
      while (this.work.size) await Promise.allSettled([...this.work]);
    })();
    if (limitMs === undefined) return all;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
    clearTimeout(timer);
  }
}
