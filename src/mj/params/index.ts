/**
 * MidJourney's prompt parameters as data: the grammar (parse and print), the catalogue of parameters, the rules per
 * model version with their documentation pages, and the check the doors run before anything is submitted
 * (docs/prompt-parameters.md). Workflow-safe: no Node imports.
 */
export * from './catalogue';
export * from './check';
export * from './docs';
export * from './grammar';
export * from './rules';
export * from './versions';
