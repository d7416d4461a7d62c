/**
 * Secrets derived from the deployment secret, so nothing secret is stored per tenant or enters workflow history:
 * each tenant's webhook signing secret, and the signature that lets an `<img>` tag (which sends no API key) load a
 * task's image while another tenant's URL stays unknown.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function tenantWebhookSecret(deploymentSecret: string, tenant: string): string {
  return `whsec_${createHmac('sha256', deploymentSecret).update(`webhook\n${tenant}`).digest('base64url')}`;
}

export function imageToken(deploymentSecret: string, tenant: string, taskId: string): string {
  const mac = createHmac('sha256', deploymentSecret).update(`image\n${tenant}\n${taskId}`).digest('base64url');
  return `${tenant}.${mac.slice(0, 32)}`;
}

/** The tenant an image token grants `taskId` to, or undefined. */
export function checkImageToken(deploymentSecret: string, token: string, taskId: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const tenant = token.slice(0, dot);
  const expected = Buffer.from(imageToken(deploymentSecret, tenant, taskId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected) ? tenant : undefined;
}
