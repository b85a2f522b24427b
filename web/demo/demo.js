// The local demo page: the reference client against the local stack, with the development
// identity provider, the Genesys sandbox, a Messenger stand-in and an "Architect" route.
// Secrets stay in this module's memory: the page shows only masked hashes and never the token.
import { createSecureMessaging } from '/web/secure-messaging.js';
import { renderFlowPath } from '/web/demo/flow-path.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The session JWT from the identity provider: memory only. */
let sessionToken = '';
/** @type {{sub: string, tier: string, geo: string} | null} */
let profile = null;
/** How far "Wait 90 s" moved the clocks. */
let clockOffsetMs = 0;
/** The session hash Genesys holds for the last genuine chat, for the forging demo. */
let lastGenuine = null;
let lastHashKey = 'session_hash';
/** Which attempt the next conversation belongs to. */
let expecting = 'genuine';

const getJson = async (url, init) => {
  const response = await fetch(url, { cache: 'no-store', ...init });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${url} answered ${response.status}${body?.title ? `: ${body.title}` : ''}`);
  return body;
};
const postJson = (url, body) =>
  getJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const stack = await getJson('/dev/stack');
$('strategy').textContent = stack.strategy;
document.body.dataset.strategy = stack.strategy;

// Messenger's snippet: commands queue until the script loads, which happens on first use.
const queue = function () {
  (queue.q = queue.q || []).push(arguments);
};
queue.c = { environment: 'development', deploymentId: stack.messengerDeploymentId };
window.Genesys = queue;
let messengerLoading = null;
const loadMessenger = () =>
  (messengerLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/dev/genesys-stand-in.js';
    script.onload = () => resolve(undefined);
    script.onerror = () => reject(new Error('Messenger did not load'));
    document.head.append(script);
  }));
const genesys = (name, options) =>
  new Promise((resolve, reject) => window.Genesys('command', name, options, resolve, reject));
window.Genesys('subscribe', 'DevStandIn.conversationStarted', ({ conversationId }) =>
  onConversation(conversationId).catch(showError),
);

const chat = createSecureMessaging({
  getSessionToken: async ({ renew }) => {
    if (renew && profile) await signIn(profile);
    return sessionToken;
  },
  whenReady: loadMessenger,
  startConversation: async (start) => {
    await postJson('/sandbox/_sandbox/widget/start', start);
  },
  onEvent: logEvent,
  now: () => Date.now() + clockOffsetMs,
});

// ----- rendering -----

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else node[k] = v;
  }
  node.append(...children);
  return node;
};
const mask = (value) => (value ? `${value.slice(0, 4)}… (${value.length} chars, masked)` : '(empty)');
const clock = (date) => new Date(date).toLocaleTimeString('en-GB', { hour12: false });

function logEvent(event) {
  const text = {
    initiated: () => `Ticket issued (${event.strategy}), expires ${clock(event.expiresAt)}.`,
    refreshed: () => `Ticket about to expire: refreshed before the hand-over, now expires ${clock(event.expiresAt)}.`,
    'refresh-failed': () => `Refresh refused (${event.code}); starting afresh.`,
    'session-token-renewed': () => 'Session token refused: asked the site for a fresh one.',
    'rate-limited': () => `Rate limited: waiting ${Math.ceil(event.retryAfterMs / 1000)} s.`,
    'handed-off': () =>
      event.strategy === 'messenger'
        ? 'Handed the customAttributes to Messenger (Database.set) and opened it.'
        : `Started the widget with conversation ${event.conversationId.slice(0, 8)}… and its token.`,
    error: () => `Error (${event.error.code}): ${event.error.message}`,
  }[event.type];
  note(text ? text() : event.type, event.type);
}

function note(text, type = 'note') {
  const time = clock(Date.now() + clockOffsetMs);
  $('no-events').hidden = true;
  $('events').append(el('li', { dataset: { type }, className: type === 'error' ? 'bad' : '' }, el('time', {}, time), ' ', text));
}

const showError = (e) => note(`Error: ${e.message}`, 'error');

function table(entries, hashKeys) {
  return el(
    'table',
    {},
    ...entries.map(([k, v]) =>
      el('tr', {}, el('th', {}, k), el('td', {}, hashKeys.includes(k) ? mask(v) : String(v))),
    ),
  );
}

function verdict(run) {
  const output = run.dataAction.output ?? {};
  const valid = output.valid === true;
  return el(
    'p',
    { className: `verdict ${valid ? 'ok' : 'bad'}` },
    el('strong', {}, `valid: ${valid}`),
    ` — reason: ${output.reason ?? `HTTP ${run.dataAction.status}`}`,
  );
}

function renderValidation(target, run) {
  const hashKeys = Object.keys(run.participantData);
  const output = run.dataAction.output ?? {};
  target.replaceChildren(
    verdict(run),
    el('p', {}, 'Get Participant Data: ', el('code', {}, hashKeys.join(', ')), ` = ${mask(Object.values(run.participantData)[0])}`),
    el('p', {}, `Call Data Action → ${run.dataAction.path} path (HTTP ${run.dataAction.status}). Output:`),
    table(Object.entries(output), hashKeys),
    el('p', {}, 'Participant data after the data action:'),
    table(Object.entries(run.participantAttributesAfter), hashKeys),
  );
  target.className = 'result';
  Object.assign(target.dataset, { state: 'done', valid: String(output.valid === true), reason: output.reason ?? '' });
}

function renderReceived(conversation, run) {
  const hashKeys = Object.keys(run.participantData);
  const byBrowser = conversation.queueId === '';
  $('received').replaceChildren(
    el('p', {}, 'Conversation ', el('code', {}, conversation.id)),
    el(
      'p',
      {},
      byBrowser
        ? 'Started by Messenger with the custom attributes the browser handed it:'
        : 'Created by the backend through the initiation endpoint with these custom attributes:',
    ),
    table(Object.entries(conversation.customAttributes), hashKeys),
  );
  const kept = Object.keys(run.dataAction.output ?? {}).filter(
    (k) => !['valid', 'reason', 'participant_update'].includes(k) && !(k in conversation.customAttributes),
  );
  $('received').append(
    el(
      'p',
      { className: 'explain' },
      byBrowser
        ? `Only the opaque session hash left the browser. The routing context (${kept.join(', ')}) stayed on the server until Architect's data action asked for it with that hash.`
        : 'The backend built these attributes and created the conversation; the browser only received the conversation id and a short-lived platform token to start the widget.',
    ),
  );
  $('received').className = 'result';
  Object.assign($('received').dataset, { state: 'done', keys: Object.keys(conversation.customAttributes).join(',') });
}

function renderAttempt(kind, run, how) {
  const output = run.dataAction.output ?? {};
  const exposed = Object.entries(output).filter(([k]) => !['valid', 'reason', 'participant_update'].includes(k));
  const empty = exposed.every(([, v]) => v === '');
  const block = el(
    'div',
    {
      className: 'attempt',
      dataset: { attempt: kind, valid: String(output.valid === true), reason: output.reason ?? '' },
    },
    el('h3', {}, kind === 'tampered' ? 'Tampered hash' : 'Replayed hash'),
    verdict(run),
    el('p', {}, how),
    el(
      'p',
      {},
      `Call Data Action → ${run.dataAction.path} path (HTTP ${run.dataAction.status}). `,
      empty
        ? `The ${exposed.length} exposed attributes came back empty and nothing was written to the participant: the flow has no tier, order or segment to route on.`
        : 'Attributes came back.',
    ),
  );
  const target = $('attack-result');
  if (target.classList.contains('empty')) {
    target.replaceChildren();
    target.className = 'result attempts';
  }
  target.querySelector(`[data-attempt="${kind}"]`)?.remove();
  target.append(block);
  renderFlowPath(block, run.flowRun);
}

/** What the page did to the hash, for the next forged conversation. */
let forgery = '';

async function onConversation(conversationId) {
  const kind = expecting;
  expecting = 'genuine';
  const id = encodeURIComponent(conversationId);
  const conversation = await getJson(`/sandbox/_sandbox/conversations/${id}`);
  const run = await postJson('/dev/architect/run', { conversationId });
  if (kind === 'genuine') {
    lastGenuine = Object.values(run.participantData)[0] || null;
    lastHashKey = Object.keys(run.participantData)[0];
    renderReceived(conversation, run);
    renderValidation($('validation'), run);
    renderFlowPath($('validation'), run.flowRun);
    if (!document.body.dataset.busy) enableButtons();
    return;
  }
  renderAttempt(kind, run, forgery);
}

// ----- actions -----

async function signIn(who) {
  const query = new URLSearchParams(who);
  const body = await getJson(`/dev/login?${query}`);
  sessionToken = body.token;
  profile = who;
}

const buttons = ['signin-button', 'start', 'prepare', 'wait', 'tamper', 'replay'];
const button = (id) => /** @type {HTMLButtonElement} */ ($(id));
function enableButtons() {
  button('signin-button').disabled = button('wait').disabled = false;
  button('start').disabled = button('prepare').disabled = !sessionToken;
  button('tamper').disabled = button('replay').disabled = !lastGenuine;
}

async function busy(work) {
  buttons.forEach((id) => (button(id).disabled = true));
  document.body.dataset.busy = 'true';
  try {
    await work();
  } catch (e) {
    // The client already reported its own failures as `error` events.
    if (e?.name !== 'SecureMessagingError') showError(e);
  } finally {
    enableButtons();
    delete document.body.dataset.busy;
  }
}

const request = () => {
  const body = {};
  const orderId = /** @type {HTMLInputElement} */ ($('order-id')).value.trim();
  const message = /** @type {HTMLInputElement} */ ($('first-message')).value.trim();
  if (orderId) body.orderId = orderId;
  if (message) body.initialMessage = message;
  return body;
};

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = (id) => /** @type {HTMLInputElement} */ ($(id)).value.trim();
  busy(async () => {
    chat.clear();
    await signIn({ sub: value('sub'), tier: value('tier'), geo: value('geo') });
    $('signin-status').textContent = `Signed in as ${profile.sub} · tier ${profile.tier} · ${profile.geo}. The session token is held in memory only.`;
    $('signin-status').className = 'status ok';
  });
});

$('start').addEventListener('click', () =>
  busy(async () => {
    expecting = 'genuine';
    const started = await chat.start(request());
    if (started.conversationId) await onConversation(started.conversationId);
  }),
);

$('prepare').addEventListener('click', () => busy(() => chat.prepare(request())));

$('wait').addEventListener('click', () =>
  busy(async () => {
    await getJson('/dev/clock?advanceSecs=90', { method: 'POST' });
    clockOffsetMs += 90_000;
    note('90 s pass (the backend and page clocks moved forward).', 'clock');
  }),
);

async function forge(kind, hash) {
  await loadMessenger();
  expecting = kind;
  await genesys('Database.set', { messaging: { customAttributes: { [lastHashKey]: hash } } });
  await genesys('Messenger.open', {});
}

$('tamper').addEventListener('click', () =>
  busy(async () => {
    const i = Math.min(5, lastGenuine.length - 1);
    const other = lastGenuine[i] === 'A' ? 'B' : 'A';
    forgery = `The page changed character ${i + 1} of the genuine hash (“${lastGenuine[i]}” → “${other}”) and handed it to Messenger.`;
    await forge('tampered', lastGenuine.slice(0, i) + other + lastGenuine.slice(i + 1));
  }),
);

$('replay').addEventListener('click', () =>
  busy(async () => {
    forgery = 'The page handed the genuine hash, already bound to the first conversation, to Messenger again.';
    await forge('replayed', lastGenuine);
  }),
);

enableButtons();
document.body.dataset.ready = 'true';
