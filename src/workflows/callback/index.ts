export { callbackDeliveryWorkflow } from './callback-workflow';
export * from './messages';
