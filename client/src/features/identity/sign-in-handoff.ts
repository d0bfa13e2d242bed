import { SIGN_IN_ERROR_FRAGMENT, SIGN_IN_TOKEN_FRAGMENT, signInErrorSchema, type SignInError } from '@tandem/shared/protocol/http.js';

/** What GitHub sign-in handed back in the URL fragment (the server never sees a fragment). */
export type SignInHandoff = { kind: 'token'; token: string } | { kind: 'error'; error: SignInError } | { kind: 'none' };

export function readSignInHandoff(hash: string): SignInHandoff {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get(SIGN_IN_TOKEN_FRAGMENT);
  if (token) return { kind: 'token', token };
  const error = signInErrorSchema.safeParse(params.get(SIGN_IN_ERROR_FRAGMENT));
  return error.success ? { kind: 'error', error: error.data } : { kind: 'none' };
}

/** Takes the token out of the address bar, so it is not bookmarked, shared or kept in history. */
export function clearSignInHandoff(): void {
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
}

export const SIGN_IN_ERROR_TEXT: Record<SignInError, string> = {
  'not-allowed': 'That GitHub account is not allowed on this server. Ask its admin to add you, or use an invite code.',
  expired: 'The sign-in took too long or was started in another tab. Please try again.',
  failed: 'GitHub sign-in did not complete. Try again; if it keeps failing, tell the server’s admin.',
};
