/**
 * Secrets derived from the deployment secret, so nothing secret is stored per tenant or enters workflow history:
 * each tenant's webhook signing secret. (Image and upload URLs are signed in image-urls.ts.)
 */
import { createHmac } from 'node:crypto';

export function tenantWebhookSecret(deploymentSecret: string, tenant: string): string {
  return `whsec_${createHmac('sha256', deploymentSecret).update(`webhook\n${tenant}`).digest('base64url')}`;
}
