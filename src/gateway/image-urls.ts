/** Absolute, signed URLs of our stored copies of a task's images (served by `GET /mj/image/<id>[/<n>]`). */
import { imageToken } from './secrets';
import type { ImageUrls } from './task-view';

export function imageUrls(baseUrl: string, deploymentSecret: string, tenant: string): ImageUrls {
  return {
    stored: (taskId, index) =>
      `${baseUrl}/mj/image/${taskId}${index === 0 ? '' : `/${index}`}?t=${encodeURIComponent(
        imageToken(deploymentSecret, tenant, taskId)
      )}`,
  };
}
