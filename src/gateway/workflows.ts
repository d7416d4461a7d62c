/** The workflows the gateway's own worker runs (bundled from here; workflow-safe re-exports only). */
export { tenantsWorkflow } from '../workflows/tenants/tenants-workflow';
export { callbackDeliveryWorkflow } from '../workflows/callback/callback-workflow';
