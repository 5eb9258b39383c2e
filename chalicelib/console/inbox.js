// The employee's inbox: threads (unread first), search, a thread with its messages and delivery
// states, reply (with a media URL), a new conversation from a number they hold, opt-outs.
// New messages appear by polling; nothing about a customer ever goes into the address bar.

import { ApiError, api, items, seg } from './api.js';
import { badge, field, formError, h, phone, problem, replace, submitting, toast, when } from './ui.js';

const POLL_MS = 4000;
const HANDOVER_DAYS = 14;

// The thread's id (the API names it `id`).
export function tid(t) {
  return t.id || t.thread_id;
}

export function threadLabel(t) {
  return t.contact_name || t.name || phone(t.customer_number);
}

export function sortThreads(threads) {
  return [...threads].sort(
    (a, b) => (b.unread > 0) - (a.unread > 0) || String(b.last_activity_at).localeCompare(String(a.last_activity_at)),
  );
}

function matches(t, query) {
  if (!query) return true;
  const q = query.toLowerCase();
  const digits = q.replace(/[^\d]/g, '');
  const name = String(t.contact_name || t.name || '').toLowerCase();
  return name.includes(q) || (digits && String(t.customer_number || '').includes(digits));
}

// Every message of a thread in time order, and the thread as the API last saw it.
async function allMessages(threadId) {
  const out = [];
  let thread = null;
  let next = null;
  for (let page = 0; page < 20; page += 1) {
    const query = next ? `&next=${encodeURIComponent(next)}` : '';
    const data = await api(`threads/${seg(threadId)}/messages?limit=100${query}`);
    out.push(...items(data, 'messages'));
    thread = (data && data.thread) || thread;
    next = data && !Array.isArray(data) ? data.next || null : null;
    if (!next) break;
  }
  return { messages: out, thread };
}

function statusText(m) {
  if (m.direction === 'inbound') return 'received';
  return m.status || 'queued';
}

function messageItem(m) {
  const media = (m.media || []).map((x, i) =>
    h('li', {}, x.url ? h('a', { href: x.url, target: '_blank', rel: 'noopener noreferrer' }, `Attachment ${i + 1}`) : `Attachment ${i + 1} (${x.content_type || 'file'})`),
  );
  return h(
    'li',
    { class: `msg ${m.direction}`, dataset: { id: m.id || m.message_id } },
    h('p', { class: 'body' }, m.body || (m.kind && m.kind !== 'sms' ? `[${m.kind}]` : '')),
    media.length ? h('ul', { class: 'media', 'aria-label': 'Attachments' }, media) : null,
    h(
      'p',
      { class: 'meta' },
      h('time', { datetime: m.created_at }, when(m.created_at)),
      ' · ',
      h('span', { class: `status status-${statusText(m)}` }, statusText(m)),
    ),
  );
}

export async function inboxView(main, { me, rest, navigate }) {
  const openId = rest[0] || null;
  let threads = [];
  let query = '';
  let listSignature = '';
  let messageSignature = '';
  let stopped = false;

  const list = h('ul', { class: 'thread-list', id: 'thread-list', 'aria-label': 'Conversations' });
  const search = h('input', { type: 'search', name: 'q', autocomplete: 'off', placeholder: 'Name or number' });
  search.addEventListener('input', () => {
    query = search.value.trim();
    listSignature = '';
    drawList();
  });
  const pane = h('section', { class: 'thread-pane', id: 'thread-pane', 'aria-label': 'Conversation' });
  // Conversations handed over when a colleague left, the last fortnight's (the successor's notice).
  const handovers = h('ul', { class: 'handovers', id: 'handovers', 'aria-label': 'Handed over to you' });
  main.classList.toggle('has-thread', Boolean(openId));
  replace(
    main,
    h(
      'div',
      { class: 'inbox' },
      h(
        'aside',
        { class: 'threads', 'aria-label': 'Your conversations' },
        h('div', { class: 'threads-head' }, h('h1', {}, 'Inbox'), h('button', { type: 'button', class: 'primary', id: 'new-conversation', onclick: () => navigate('inbox', 'new') }, 'New conversation')),
        handovers,
        field('Search conversations', search),
        list,
      ),
      pane,
    ),
  );

  function drawList() {
    const shown = sortThreads(threads).filter((t) => matches(t, query));
    const signature = JSON.stringify(shown.map((t) => [tid(t), t.unread, t.last_activity_at, t.opted_out, openId]));
    if (signature === listSignature) return;
    listSignature = signature;
    const focused = document.activeElement?.closest?.('.thread-list a')?.dataset.id;
    replace(
      list,
      shown.length
        ? shown.map((t) =>
            h(
              'li',
              {},
              h(
                'a',
                {
                  href: `#/inbox/${tid(t)}`,
                  class: `thread${t.unread > 0 ? ' unread' : ''}`,
                  'aria-current': tid(t) === openId ? 'true' : null,
                  dataset: { id: tid(t) },
                },
                h('span', { class: 'contact' }, threadLabel(t)),
                t.unread > 0 ? badge(`${t.unread} unread`, 'unread') : null,
                t.opted_out ? badge('opted out', 'warn') : null,
                h('span', { class: 'line' }, `to ${phone(t.business_number)}`),
                h('time', { datetime: t.last_activity_at }, when(t.last_activity_at)),
              ),
            ),
          )
        : h('li', { class: 'empty' }, query ? 'No conversation matches.' : 'No conversations yet.'),
    );
    if (focused) list.querySelector(`[data-id="${CSS.escape(focused)}"]`)?.focus();
  }

  async function loadThreads() {
    threads = items(await api('threads?limit=100'), 'threads');
    drawList();
  }

  // Fresh facts about the open thread (its opt-out state among them) from the messages call.
  function mergeThread(fresh) {
    const i = threads.findIndex((x) => tid(x) === tid(fresh));
    const before = i >= 0 ? threads[i] : null;
    if (i >= 0) threads[i] = { ...threads[i], ...fresh };
    else threads.push(fresh);
    if (before && Boolean(before.opted_out) !== Boolean(fresh.opted_out)) drawThread();
  }

  // --- one thread ------------------------------------------------------------------------
  const messages = h('ol', { class: 'messages', id: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite' });

  async function loadMessages() {
    const { messages: got, thread } = await allMessages(openId);
    if (thread) mergeThread(thread);
    // Open and shown: read. (Only the thread's owner or team may; compliance only looks.)
    if (thread && thread.unread > 0 && me.roles.includes('employee')) {
      try {
        mergeThread(await api(`threads/${seg(openId)}/read`, { method: 'POST' }));
        drawList();
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 403)) throw err;
      }
    }
    const signature = JSON.stringify(got.map((m) => [m.id || m.message_id, m.status]));
    if (signature === messageSignature) return;
    messageSignature = signature;
    replace(messages, got.length ? got.map(messageItem) : h('li', { class: 'empty' }, 'No messages yet.'));
    messages.lastElementChild?.scrollIntoView({ block: 'end' });
  }

  function drawThread() {
    const t = threads.find((x) => tid(x) === openId);
    if (!t) {
      replace(pane, h('p', { class: 'empty' }, 'This conversation is not in your inbox.'));
      return;
    }
    const body = h('textarea', { name: 'body', rows: 3, required: true, maxlength: 1600 });
    const media = h('input', { type: 'url', name: 'media', placeholder: 'https://…', inputmode: 'url' });
    const form = h(
      'form',
      { class: 'reply', id: 'reply-form' },
      field('Reply', body),
      field('Media URL (optional)', media, 'A picture or file to send as MMS'),
      formError(),
      h('button', { type: 'submit', class: 'primary', disabled: t.opted_out }, 'Send'),
    );
    if (t.opted_out) {
      body.disabled = true;
      media.disabled = true;
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submitting(form, async () => {
        const payload = { body: body.value };
        if (media.value) payload.media_urls = [media.value];
        try {
          await api(`threads/${seg(openId)}/messages`, { method: 'POST', body: payload });
        } catch (err) {
          if (err.body && err.body.error === 'opted_out') mergeThread({ ...t, opted_out: true });
          throw err;
        }
        form.reset();
        toast('Sent');
        await loadMessages();
        body.focus();
      });
    });
    replace(
      pane,
      h(
        'header',
        { class: 'thread-head' },
        h('a', { href: '#/inbox', class: 'back' }, '← All conversations'),
        h('h2', { id: 'thread-title' }, threadLabel(t)),
        h('p', { class: 'line' }, `${phone(t.customer_number)} → ${phone(t.business_number)}`),
        t.opted_out
          ? h('p', { class: 'notice warn', role: 'note', id: 'opted-out' }, 'This customer opted out of texts from this number. Sending is blocked until they text START.')
          : null,
      ),
      messages,
      form,
    );
  }

  // --- a new conversation ------------------------------------------------------------------
  async function drawNew() {
    const held = await numbersHeld(me, threads);
    const from = h('select', { name: 'from', required: true }, held.map((n) => h('option', { value: n }, phone(n))));
    const to = h('input', { type: 'tel', name: 'to', required: true, autocomplete: 'off', placeholder: '+1 206 555 0100' });
    const body = h('textarea', { name: 'body', rows: 3, required: true, maxlength: 1600 });
    const media = h('input', { type: 'url', name: 'media', placeholder: 'https://…' });
    const form = h(
      'form',
      { class: 'card', id: 'new-form' },
      h('h2', {}, 'New conversation'),
      field('From (a number you hold)', from),
      field('To', to, 'The customer’s number, with country code'),
      field('Message', body),
      field('Media URL (optional)', media),
      formError(),
      h('button', { type: 'submit', class: 'primary', disabled: !held.length }, 'Send'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submitting(form, async () => {
        const payload = { from: from.value, to: to.value, body: body.value };
        if (media.value) payload.media_urls = [media.value];
        const sent = await api('messages', { method: 'POST', body: payload });
        const message = sent.message || sent;
        await loadThreads();
        navigate('inbox', message.thread_id);
      });
    });
    replace(pane, h('a', { href: '#/inbox', class: 'back' }, '← All conversations'), form, held.length ? null : h('p', { class: 'notice' }, 'You hold no number yet; ask an admin to assign one.'));
    from.focus();
  }

  async function refresh() {
    await loadThreads();
    if (openId && openId !== 'new') await loadMessages();
  }

  async function loadHandovers() {
    const recent = Date.now() - HANDOVER_DAYS * 24 * 3600 * 1000;
    const got = items(await api('me/handovers'), 'handovers').filter((n) => Date.parse(n.at) >= recent);
    replace(handovers, got.map((n) => h('li', { class: 'notice' }, `Handed over to you ${when(n.at)}: ${n.detail}.`)));
  }

  try {
    await Promise.all([loadThreads(), loadHandovers()]);
    if (openId === 'new') await drawNew();
    else if (openId) {
      drawThread();
      await loadMessages();
      pane.querySelector('h2')?.focus?.();
    } else replace(pane, h('p', { class: 'empty pane-hint' }, 'Choose a conversation.'));
  } catch (err) {
    replace(pane, h('p', { class: 'form-error', role: 'alert' }, problem(err)));
  }

  const timer = setInterval(() => {
    if (stopped || document.hidden) return;
    refresh().catch(() => {});
  }, POLL_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    main.classList.remove('has-thread');
  };
}

// The numbers this person may text from: those assigned to them or their team.
async function numbersHeld(me, threads) {
  try {
    const held = items(await api('numbers?status=assigned&limit=200'), 'numbers');
    return held.filter((n) => n.assignee === `employee#${me.employee_id}` || (me.team_id && n.assignee === `team#${me.team_id}`)).map((n) => n.e164);
  } catch {
    return [...new Set(threads.map((t) => t.business_number))];
  }
}
