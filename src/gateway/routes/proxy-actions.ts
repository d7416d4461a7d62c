/** The proxy `action` name a caller sees for each kind of job and button intent (one list; contract §6). */
import { intentTable } from '../../mj/intents';

/**
 * @deprecated Import `ACTION_OF_KIND` from src/shared/action-names.ts (one name for one table); kept until
 * `job-starter.ts` does.
 */
export { ACTION_OF_KIND as ACTION_BY_KIND } from '../../shared/action-names';

/** The action of a button's job until the upstream names it: the intent catalogue's `proxyAction`. */
export const ACTION_BY_INTENT = intentTable((d) => d.proxyAction);
