/**
 * Process wiring shared by the worker, the client, the CLI and the webhook receiver: which asset store, which payload
 * codecs and which Temporal connection the configuration names. Kept apart from the client so a process can wire
 * itself without the job facade, and so every process encodes payloads the way the worker decodes them.
 */
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { AssetStoreConfig } from '../assets';
import { AesGcmCodec } from '../codec';
import type { Config } from './';

/** The asset store backend named by config (secrets revealed here, straight into the store). */
export function assetStoreConfig(config: Config): AssetStoreConfig {
  const a = config.assets;
  return a.kind === 'local'
    ? { kind: 'local', dir: a.dir }
    : {
        kind: 's3',
        endpoint: a.endpoint,
        bucket: a.bucket,
        region: a.region,
        accessKeyId: a.accessKeyId,
        secretAccessKey: a.secretAccessKey.reveal(),
      };
}

/** The payload codecs for config: AES-256-GCM when `MJ_ENCRYPTION_KEY` is set. Worker and clients must agree. */
export function payloadCodecsFor(config: Config): PayloadCodec[] {
  const enc = config.encryption;
  if (!enc) return [];
  const keys = Object.fromEntries(Object.entries(enc.keys).map(([id, s]) => [id, s.reveal()]));
  return [new AesGcmCodec({ keys, currentKeyId: enc.currentKeyId })];
}

/**
 * A Temporal client from envconfig settings, with our payload codec. The webhook receiver and the CLI use it too, so
 * every process encodes signals, updates and inputs the way the worker decodes them.
 */
export async function createTemporalClient(
  config: Config,
  opts: { connection?: Connection; namespace?: string; lazy?: boolean } = {}
): Promise<{ client: Client; connection: Connection }> {
  const connection =
    opts.connection ??
    (opts.lazy
      ? Connection.lazy(config.temporal.connectionOptions)
      : await Connection.connect(config.temporal.connectionOptions));
  const codecs = payloadCodecsFor(config);
  const client = new Client({
    connection,
    namespace: opts.namespace ?? config.temporal.namespace ?? 'default',
    dataConverter: codecs.length > 0 ? { payloadCodecs: codecs } : undefined,
  });
  return { client, connection };
}
