/** Sign in with a tenant API key. The key field is never prefilled: a key is never written into a page. */
import { html, type SafeHtml } from '../html';
import { layout, notice, type PageContext } from './layout';

/** `next`: where to go once signed in (already checked to be a path of this console). */
export function signInPage(ctx: PageContext, preToken: string, error?: string, next?: string): SafeHtml {
  return layout(
    ctx,
    'Sign in',
    html`<section class="panel narrow">
      <h1>Sign in</h1>
      <p>Use your tenant’s API key (the one <code>npm run cli -- keys create</code> printed).</p>
      ${notice('error', error)}
      <form method="post" action="${ctx.base}/sign-in">
        <input type="hidden" name="_csrf" value="${preToken}" />
        ${next ? html`<input type="hidden" name="next" value="${next}" />` : ''}
        <label class="block"
          >API key <input type="password" name="apiKey" autocomplete="current-password" required autofocus
        /></label>
        <button type="submit" class="primary">Sign in</button>
      </form>
    </section>`
  );
}
