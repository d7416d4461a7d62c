/**
 * The intent catalogue and what is derived from it (see README.md here). Workflow-safe: no Node imports, so
 * workflows, activities, the gateway, the console and the pipeline parser all import this folder.
 */
export * from './kinds';
export * from './upstream-terms';
export { INTENTS } from './catalogue';
export type { CustomIdContext, IntentCatalogue, IntentDef, NoSingleTask } from './catalogue';
export * from './derive';
