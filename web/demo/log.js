// The events card: what the client reported (its `onEvent`) and what Messenger published,
// one line each, with the page's clock. Items carry `data-type` (client events) or
// `data-messenger` (Messenger events) for the tests.
import { $, clock, el } from './dom.js';

const CLIENT = {
  initiated: (e) => `Ticket issued (${e.strategy}), expires ${clock(e.expiresAt)}${e.chainExpiresAt ? `; its chain can be refreshed until ${clock(e.chainExpiresAt)}` : ''}.`,
  refreshed: (e) => `Ticket refreshed (${e.count} so far), now expires ${clock(e.expiresAt)}.`,
  'refresh-failed': (e) => `Refresh refused (${e.reason ?? e.code}).`,
  paused: () => 'A refresh is due but the page is hidden: it waits until the page is visible.',
  'session-token-renewed': () => 'Session token refused: asked the site for a fresh one.',
  'rate-limited': (e) => `Rate limited: waiting ${Math.ceil(e.retryAfterMs / 1000)} s.`,
  'handed-off': (e) =>
    e.strategy === 'messenger'
      ? 'Handed the customAttributes to Messenger (Database.set) and opened it. Nothing reaches Genesys until the first message.'
      : `Started the widget with conversation ${e.conversationId.slice(0, 8)}… and its token.`,
  'conversation-started': () => 'The client heard that the conversation started: the ticket it held is spent, no more refreshes.',
  'conversation-restored': () => 'Reload: Messenger restored the active conversation. Nothing to initiate.',
  'conversation-ended': (e) => `The client heard that the conversation ended (${e.how}).`,
  'gave-up': (e) => `Gave up keeping the ticket fresh (${e.reason}): a first message after ${clock(e.validUntil)} reaches the default queue.`,
  error: (e) => `Error (${e.error.code}): ${e.error.message}`,
};

const MESSENGER = {
  'Messenger.opened': () => 'Messenger opened.',
  'Messenger.closed': () => 'Messenger closed.',
  'Conversations.started': () => 'Messenger: the conversation started.',
  'MessagingService.messagesReceived': (d) =>
    (d.messages ?? []).filter((m) => m.type === 'Text').map((m) => `Messenger: ${m.direction === 'Inbound' ? 'you' : 'agent'}: “${m.text}”`).join(' ') || null,
  'MessagingService.conversationDisconnected': () => 'Messenger: the agent ended the conversation.',
  'MessagingService.conversationCleared': () => 'Messenger: the conversation was cleared.',
  'MessagingService.restored': () => 'Messenger: the conversation was restored after the reload.',
  'MessagingService.error': (d) => `Messenger error: ${d.message}`,
};

export function mountLog({ bus, now }) {
  const add = (text, dataset, bad = false) => {
    $('no-events').hidden = true;
    $('events').append(el('li', { dataset, className: bad ? 'bad' : '' }, el('time', {}, clock(now())), ' ', text));
  };
  bus.addEventListener('client', ({ detail: e }) => add((CLIENT[e.type] ?? (() => e.type))(e), { type: e.type }, e.type === 'error' || e.type === 'gave-up'));
  bus.addEventListener('messenger', ({ detail: { name, data } }) => {
    const text = MESSENGER[name]?.(data);
    if (text) add(text, { messenger: name }, name === 'MessagingService.error');
  });
  bus.addEventListener('note', ({ detail: { text, type } }) => add(text, { type }, type === 'error'));
}
