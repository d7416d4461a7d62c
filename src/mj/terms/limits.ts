/** Limits of the proxy contract that the contract library checks and the engine shares. Workflow-safe. */

/** T caps `state` at 255 characters (§2.1). */
export const MAX_STATE_LENGTH = 255;

/** Generous but bounded: MJ prompts are a few hundred characters; proxies reject far longer ones. */
export const MAX_PROMPT_LENGTH = 6_000;
