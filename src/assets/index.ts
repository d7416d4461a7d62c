/**
 * Asset storage: pick a backend from config. Activities and the client depend on {@link AssetStore} only.
 */
import type { Dispatcher } from 'undici';
import type { AssetStore } from './asset-store';
import { LocalAssetStore } from './local-asset-store';
import { S3AssetStore, type S3AssetStoreOptions } from './s3-asset-store';

export * from './asset-store';
export * from './asset-keys';
export * from './data-url';
export * from './image-header';
export { BodyTooLargeError, readBounded } from './bounded-body';
export { DEFAULT_ASSET_DIR, LocalAssetStore, type LocalAssetStoreOptions } from './local-asset-store';
export {
  S3AssetStore,
  S3RequestError,
  sigV4Authorization,
  type S3AssetStoreOptions,
  type SigV4Request,
} from './s3-asset-store';

/** Backend selection, as parsed from config. */
export type AssetStoreConfig =
  { kind: 'local'; dir: string } | ({ kind: 's3' } & Omit<S3AssetStoreOptions, 'dispatcher'>);

/** Builds the configured store. `dispatcher` applies to HTTP backends only. */
export function createAssetStore(config: AssetStoreConfig, deps: { dispatcher?: Dispatcher } = {}): AssetStore {
  switch (config.kind) {
    case 'local':
      return new LocalAssetStore({ dir: config.dir });
    case 's3': {
      const { kind: _kind, ...opts } = config;
      return new S3AssetStore({ ...opts, dispatcher: deps.dispatcher });
    }
  }
}
