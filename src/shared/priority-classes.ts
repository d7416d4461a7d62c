/**
 * Who waits for a job's account slot or upstream place: a person or an agent ('interactive': a press or a submit
 * through the client, CLI, console, gateway or MCP) or nobody in particular ('batch': items of a batch, scheduled or
 * not). Interactive requests go ahead of waiting batch ones (the rule: `./slot-priority.ts`). A leaf module, so the
 * job types and the upstream types both import it without an import circle.
 */
export const SLOT_PRIORITIES = ['interactive', 'batch'] as const;
export type SlotPriority = (typeof SLOT_PRIORITIES)[number];
