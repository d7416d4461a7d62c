/**
 * The pieces every settings parser shares (the service's own in `index.ts`, the upstreams' and the budgets'): the
 * {@link Secret} wrapper, one {@link ConfigIssue}, the http(s) URL rule. Imports nothing of `src/config`, so the
 * parsers sit above it without a circle.
 */
import { inspect } from 'node:util';

export const REDACTED = '[redacted]';

/** A secret value that never prints itself. Call {@link Secret.reveal} only where the value is used. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    Object.freeze(this);
  }
  /** The raw value; pass it straight to the one API that needs it, never to a logger. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** One bad setting: the variable and the rule it broke (never its value, which may be a secret). */
export interface ConfigIssue {
  field: string;
  rule: string;
}

/** An http(s) URL without credentials in it. */
export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}
