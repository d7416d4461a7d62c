/**
 * Payload codecs for the client and the worker data converter (`dataConverter: { payloadCodecs: [codec] }`).
 */
export * from './aes-gcm-codec';
