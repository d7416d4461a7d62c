/**
 * Notices a page shows after a redirect (`?flash=<id>`). The query names one of these ids, never text: a link made
 * elsewhere cannot put words of its choosing on a console page.
 */
export const FLASH_MESSAGES = {
  'answer-sent': 'Answer sent; the job goes on.',
  'prompt-warnings':
    'The prompt has parameters this service does not know (or gives one twice); they were sent as written.',
} as const;

export type FlashId = keyof typeof FLASH_MESSAGES;

/** The query parameter a redirect adds for notice `id`. */
export function flashQuery(id: FlashId): string {
  return `flash=${id}`;
}

/** The notice a page's URL names, or undefined for none or an unknown id. */
export function flashText(url: URL): string | undefined {
  const id = url.searchParams.get('flash');
  return id !== null && Object.hasOwn(FLASH_MESSAGES, id) ? FLASH_MESSAGES[id as FlashId] : undefined;
}
