export { tenantsWorkflow } from './tenants-workflow';
export * from './messages';
