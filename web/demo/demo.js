// The local demo page: the reference client against the local stack, with the development
// identity provider, the Genesys sandbox, the Messenger stand-in and the stand-in inbound flow.
// Secrets stay in memory: the page shows only masked hashes and never the token.
//
// The page is a few sections that share one context and talk through `bus` (an EventTarget):
// - `client`: every event of the client (`detail` is the event, see secure-messaging.js);
// - `messenger`: Messenger's events (`detail` `{name, data}`);
// - `conversation`: a conversation was read and validated (`{kind, conversation, output, ...}`);
// - `note`: a line for the events card (`{text, type}`);
// - `forging`: `true` while a forging attempt runs, then `false`; `forgeable`: a genuine chat
//   was validated, so there is a hash to forge.
// A new section is a module with a `mount…(context)` function, imported and mounted below.
import { createSecureMessaging } from '/web/secure-messaging.js';

import { mountAttack } from './attack.js';
import { mountConversation } from './conversation.js';
import { $, getJson, postJson } from './dom.js';
import { mountLifecycle } from './lifecycle.js';
import { mountLog } from './log.js';
import { installMessenger } from './messenger.js';
import { mountMetrics } from './metrics.js';

const stack = await getJson('/dev/stack');
$('strategy').textContent = stack.strategy;
document.body.dataset.strategy = stack.strategy;

const bus = new EventTarget();
const emit = (type, detail) => bus.dispatchEvent(new CustomEvent(type, { detail }));

/** The session JWT from the identity provider, and who it is for: memory only. */
const session = { token: '', profile: null };
/** How far "Wait 90 s" moved the clocks. */
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;

const messenger = installMessenger(stack.deploymentId, emit);

const chat = createSecureMessaging({
  getSessionToken: async ({ renew }) => {
    if (renew && session.profile) await signIn(session.profile);
    return session.token;
  },
  whenReady: () => messenger.loaded,
  startConversation: async (start) => {
    await postJson('/sandbox/_sandbox/widget/start', start);
  },
  onEvent: (event) => emit('client', event),
  now,
});

// ----- buttons -----

const buttons = ['signin-button', 'start', 'prepare', 'wait', 'tamper', 'replay'];
const button = (id) => /** @type {HTMLButtonElement} */ ($(id));
let attack;
function enableButtons() {
  button('signin-button').disabled = button('wait').disabled = false;
  button('start').disabled = button('prepare').disabled = !session.token;
  button('tamper').disabled = button('replay').disabled = !attack?.forgeable();
}

async function busy(work) {
  buttons.forEach((id) => (button(id).disabled = true));
  document.body.dataset.busy = 'true';
  try {
    await work();
  } catch (e) {
    // The client already reported its own failures as `error` events.
    if (e?.name !== 'SecureMessagingError') emit('note', { text: `Error: ${e.message}`, type: 'error' });
  } finally {
    delete document.body.dataset.busy;
    enableButtons();
  }
}

const context = { stack, bus, emit, messenger, chat, now, busy };
mountLog(context);
mountLifecycle(context);
const conversations = mountConversation(context);
attack = mountAttack({ ...context, conversations });
mountMetrics(context);
bus.addEventListener('forgeable', () => {
  if (!document.body.dataset.busy) enableButtons();
});

// ----- actions -----

async function signIn(who) {
  const query = new URLSearchParams(who);
  const body = await getJson(`/dev/login?${query}`);
  session.token = body.token;
  session.profile = who;
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
    const { sub, tier, geo } = session.profile;
    $('signin-status').textContent = `Signed in as ${sub} · tier ${tier} · ${geo}. The session token is held in memory only.`;
    $('signin-status').className = 'status ok';
  });
});

$('start').addEventListener('click', () =>
  busy(async () => {
    const started = await chat.start(request());
    if (started.conversationId) await conversations.show(started.conversationId, { viaArchitect: true });
  }),
);

$('prepare').addEventListener('click', () => busy(() => chat.prepare(request())));

$('wait').addEventListener('click', () =>
  busy(async () => {
    await getJson('/dev/clock?advanceSecs=90', { method: 'POST' });
    clockOffsetMs += 90_000;
    emit('note', { text: '90 s pass (the backend and page clocks moved forward).', type: 'clock' });
    chat.check();
  }),
);

enableButtons();
document.body.dataset.ready = 'true';
