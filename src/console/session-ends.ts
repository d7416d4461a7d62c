/**
 * {@link SessionEnds} every gateway process shares and that survives restarts: a sign-out stores a marker in the
 * asset store (`console-ended/<sha256>.txt`, named by the digest of the session id, so the name tells nothing), and
 * a request checks for it. A process trusts a "not ended" answer for `recheckMs`, so a sign-out on one process ends
 * the session on the others within that time (on the process that signed out, at once).
 */
import { buildAssetKey, sha256Hex, type AssetStore, type PutAssetOptions } from '../assets';
import { MemorySessionEnds, type SessionEnds, type SessionRef } from './session';

const MARKER: PutAssetOptions = { prefix: 'console-ended', contentType: 'text/plain' };
const MAX_CHECKED = 10_000;

export class StoreSessionEnds implements SessionEnds {
  private readonly known: MemorySessionEnds;
  /** Session id → when the store last said "not ended". */
  private readonly checked = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly store: AssetStore,
    private readonly opts: { recheckMs: number; now?: () => number }
  ) {
    this.now = opts.now ?? Date.now;
    this.known = new MemorySessionEnds(this.now);
  }

  private static marker(sid: string): Uint8Array {
    return new TextEncoder().encode(`console session ended\n${sid}`);
  }

  async end(session: SessionRef): Promise<void> {
    await this.known.end(session);
    this.checked.delete(session.sid);
    await this.store.put(StoreSessionEnds.marker(session.sid), MARKER);
  }

  async isEnded(session: SessionRef): Promise<boolean> {
    if (await this.known.isEnded(session)) return true;
    const at = this.checked.get(session.sid);
    if (at !== undefined && this.now() - at < this.opts.recheckMs) return false;
    const key = buildAssetKey(sha256Hex(StoreSessionEnds.marker(session.sid)), MARKER);
    if (await this.store.has(key)) {
      await this.known.end(session);
      this.checked.delete(session.sid);
      return true;
    }
    if (this.checked.size >= MAX_CHECKED) this.checked.delete(this.checked.keys().next().value!);
    this.checked.set(session.sid, this.now());
    return false;
  }
}
