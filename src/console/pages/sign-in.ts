/** Sign in with a tenant API key. The key field is never prefilled: a key is never written into a page. */
import { html, type SafeHtml } from '../html';
import { layout, notice, type PageContext } from './layout';

export function signInPage(ctx: PageContext, preToken: string, error?: string): SafeHtml {
  return layout(
    ctx,
    'Sign in',
    html`<section class="panel narrow">
      <h1>Sign in</h1>
      <p>Use your tenant’s API key (the one <code>npm run cli -- keys create</code> printed).</p>
      ${notice('error', error)}
      <form method="post" action="${ctx.base}/sign-in">
        <input type="hidden" name="_csrf" value="${preToken}" />
        <label class="block"
          >API key <input type="password" name="apiKey" autocomplete="current-password" required autofocus
        /></label>
        <button type="submit" class="primary">Sign in</button>
      </form>
    </section>`
  );
}
