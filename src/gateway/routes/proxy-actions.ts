/** The proxy `action` name a caller sees for each kind of job and button intent (one list; contract §6). */
import { intentTable } from '../../mj/intents';

/** The action of a button's job until the upstream names it: the intent catalogue's `proxyAction`. */
export const ACTION_BY_INTENT = intentTable((d) => d.proxyAction);
