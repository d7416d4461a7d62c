/**
 * Where a result's images are, for people reading a summary: our stored copy (a file path or the asset store's URL,
 * which lasts), or, only when no copy was stored, the upstream's result URL, labelled, since it expires within a day
 * or so. The CLI's job, pipeline and batch summaries print these.
 */
import type { AssetStore } from '../assets';
import type { ImageRef } from '../shared/types';

/** One image of a result, located. */
export interface ImageLink {
  /** A file path or URL of our stored copy, else the upstream's result URL. */
  location: string;
  /** False: no copy was stored and `location` is the upstream's URL, which expires. */
  stored: boolean;
}

/** Where `ref` is: the store's location of a stored asset, else the URL itself. */
export function imageLink(store: Pick<AssetStore, 'locate'>, ref: ImageRef): ImageLink {
  return 'asset' in ref ? { location: store.locate(ref.asset), stored: true } : { location: ref.url, stored: false };
}

/** The label every summary prints after an upstream URL. */
export const UPSTREAM_URL_LABEL = '(upstream URL, expires: no stored copy)';

/**
 * A summary's text for a result's images: the first location (the whole image or grid), labelled when it is the
 * upstream's, and how many more stored files there are; '' for none.
 */
export function describeImageLinks(links: readonly ImageLink[]): string {
  const [first, ...rest] = links;
  if (!first) return '';
  const more = rest.length > 0 ? ` (+${rest.length} more${first.stored ? ' stored' : ''})` : '';
  return first.stored ? `${first.location}${more}` : `${first.location} ${UPSTREAM_URL_LABEL}${more}`;
}
