/**
 * What the gateway layer and the asset routes use of the simulator's core ({@link SimCore} in `core.ts` is the one
 * implementation). They take this view rather than the class, so `core.ts` may build them without an import circle.
 */
import type { Engine } from './engine';
import type { GatewayOptions, GatewayRow } from './gateway-table';
import type { ImageCache, UploadStore, UrlSigner } from './images';
import type { ResolvedOptions } from './options';
import type { Renderer } from './render';

export interface SimHost {
  readonly opts: ResolvedOptions;
  readonly engine: Engine;
  readonly renderer: Renderer;
  readonly signer: UrlSigner;
  readonly uploads: UploadStore;
  readonly images: ImageCache;
  /** The gateway flavour's table; undefined for the other flavours. */
  readonly gateway?: { row(mjId: string): GatewayRow | undefined; readonly options: GatewayOptions };
  readonly baseUrl: string;
  /** Simulated now, in milliseconds. */
  now(): number;
  /** Something changed: save it soon (no-op without a state file). */
  touch(): void;
}
