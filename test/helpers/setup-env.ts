// Temporal's workflow bundler and the SDK log a lot at INFO; tests keep WARN and above.
process.env.TEMPORAL_LOG_LEVEL ??= 'WARN';
