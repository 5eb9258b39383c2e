// Sign-in: OIDC authorization code with PKCE against the configured provider, or (local stack)
// a pasted token. The token lives in sessionStorage only, and goes out as a Bearer header.

const TOKEN = 'keepline.token';
const PKCE = 'keepline.pkce';

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN, value.trim());
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN);
}

let configPromise;

export function config() {
  configPromise ||= fetch('console/config.json', { cache: 'no-store' }).then((r) => r.json());
  return configPromise;
}

// Where the provider sends the browser back: the console's own address, without query or hash.
function redirectUri() {
  const url = new URL(document.baseURI);
  url.search = '';
  url.hash = '';
  return url.toString();
}

function base64url(bytes) {
  let text = '';
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(size = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

export async function startSignIn(oidc) {
  const verifier = randomString(48);
  const state = randomString(16);
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const url = new URL(oidc.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: oidc.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

// Called at start: when the provider sent us back with ?code=..&state=.., trade the code for tokens.
export async function finishSignIn(oidc) {
  const params = new URLSearchParams(window.location.search);
  if (!params.has('code') && !params.has('error')) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
  sessionStorage.removeItem(PKCE);
  // Drop the code from the address bar and history at once.
  window.history.replaceState(null, '', redirectUri() + window.location.hash);
  if (params.has('error')) throw new Error(`Sign-in was refused: ${params.get('error')}`);
  if (!oidc || !saved || saved.state !== params.get('state')) throw new Error('Sign-in could not be verified; try again.');
  const response = await fetch(oidc.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectUri(),
      client_id: oidc.client_id,
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error('The identity provider did not accept the sign-in; try again.');
  const tokens = await response.json();
  // The ID token's audience is this client, which is the audience the API accepts.
  setToken(tokens.id_token || tokens.access_token);
  return true;
}
