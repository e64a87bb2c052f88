/** The sign-in form: shown with status 401 to anyone without a credential. Pure. */
import { esc } from "./html";

export interface SignInOptions {
  /** Where to go after signing in (a path on this kas). */
  readonly next: string;
  /** Why the last attempt failed. */
  readonly error?: string;
  /** GitLab mode with the console's OAuth application configured. */
  readonly gitlab?: boolean;
}

/** The sign-in `<main>`: the API token form, and GitLab's button when configured. */
export function renderSignIn(o: SignInOptions): string {
  const error = o.error ? `<p class="notice" role="alert">${esc(o.error)}</p>` : "";
  const gitlab = o.gitlab ? `<p><a class="button" href="/oauth/start?next=${encodeURIComponent(o.next)}">Sign in with GitLab</a></p><p>or</p>` : "";
  return `<h1>Sign in</h1>${error}${gitlab}<form method="post" action="/sign-in" class="sign-in">
<input type="hidden" name="next" value="${esc(o.next)}">
<label>API token (kas.yaml <code>api.token_file</code>) <input type="password" name="token" id="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>`;
}

/**
 * A local path to return to after signing in; anything else (another site,
 * `//host`) goes to `/`. Printable ASCII only: it becomes a Location header,
 * where a control or non-Latin-1 character makes Node throw (a 500, the new
 * session lost).
 */
export function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && next.length <= 512 ? next : "/";
}
