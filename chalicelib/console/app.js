// Keepline's web console: sign-in, the navigation each role gets, and a hash router.
// Routes carry only opaque ids (never a phone number or a message body).

import { api, whenSignedOut } from './api.js';
import { clearToken, config, finishSignIn, setToken, startSignIn, token } from './auth.js';
import { field, formError, h, problem, replace, submitting } from './ui.js';
import { inboxView } from './inbox.js';
import { adminView } from './admin.js';
import { hrView } from './hr.js';
import { complianceView } from './compliance.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

const SECTIONS = [
  ['inbox', 'Inbox', ['employee'], inboxView],
  ['admin', 'Admin', ['admin'], adminView],
  ['hr', 'HR', ['hr'], hrView],
  ['compliance', 'Compliance', ['compliance'], complianceView],
];

let me = null;
let cleanup = null; // the current view's teardown (stops its polling)

function allowed(section) {
  return me && section[2].some((role) => me.roles.includes(role));
}

function route() {
  const [, name = '', ...rest] = window.location.hash.split('/');
  return { name, rest };
}

async function render() {
  if (cleanup) cleanup();
  cleanup = null;
  const { name, rest } = route();
  const mine = SECTIONS.filter(allowed);
  const section = mine.find((s) => s[0] === name) || mine[0];
  if (!section) {
    replace(main, h('h1', {}, 'No access'), h('p', {}, 'Your account has no role with a console screen.'));
    return;
  }
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.key === section[0]) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${section[1]} · Keepline`;
  cleanup = await section[3](main, { me, rest, navigate });
}

export function navigate(...parts) {
  const hash = `#/${parts.join('/')}`;
  if (window.location.hash === hash) render();
  else window.location.hash = hash;
}

function showNav() {
  replace(
    nav,
    SECTIONS.filter(allowed).map(([key, text]) => h('a', { href: `#/${key}`, dataset: { key } }, text)),
  );
  replace(
    who,
    h('span', { class: 'who-name', id: 'who-name' }, me.name || me.employee_id),
    h('span', { class: 'who-roles' }, me.roles.join(', ')),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
  );
}

function signOut() {
  clearToken();
  me = null;
  signInScreen('You are signed out.');
}

async function signInScreen(message) {
  if (cleanup) cleanup();
  cleanup = null;
  replace(nav);
  replace(who);
  document.title = 'Sign in · Keepline';
  const cfg = await config().catch(() => ({}));
  const error = formError();
  if (message) replace(error, message);
  const parts = [h('h1', {}, 'Sign in to Keepline'), error];
  if (cfg.oidc) {
    parts.push(
      h('p', {}, 'Use your company account.'),
      h('button', { type: 'button', class: 'primary', id: 'sso', onclick: () => startSignIn(cfg.oidc) }, 'Sign in with your company account'),
    );
  }
  if (cfg.local_tokens || !cfg.oidc) {
    const input = h('textarea', { name: 'token', rows: 4, required: true, autocomplete: 'off', spellcheck: 'false' });
    const form = h(
      'form',
      { class: 'card', id: 'token-form' },
      h('h2', {}, cfg.oidc ? 'Or paste a token' : 'Paste a token'),
      field('Bearer token', input, cfg.local_tokens ? 'Local stack: python -m devstack token emma' : 'A token from your identity provider'),
      formError(),
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submitting(form, async () => {
        setToken(input.value);
        await start();
      });
    });
    parts.push(form);
  }
  replace(main, h('section', { class: 'signin' }, parts));
  main.querySelector('#sso, textarea')?.focus();
}

async function start() {
  me = await api('me');
  showNav();
  await render();
}

async function boot() {
  whenSignedOut((message) => {
    me = null;
    signInScreen(message);
  });
  document.getElementById('skip').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  window.addEventListener('hashchange', () => me && render());
  try {
    const cfg = await config();
    await finishSignIn(cfg.oidc);
  } catch (err) {
    return signInScreen(problem(err));
  }
  if (!token()) return signInScreen();
  try {
    await start();
  } catch (err) {
    if (!token()) return undefined; // the 401 handler already showed the sign-in screen
    clearToken();
    return signInScreen(problem(err));
  }
  return undefined;
}

boot();
