// What Genesys received and what the inbound flow's data action answered. Messenger never tells
// the page a conversation id (the Guest API tells the guest none), so the page finds a Messenger
// conversation as a test tool does: by the id of a message Messenger published
// (`MessagingService.messagesReceived`, or the history `MessagingService.restored` carries),
// through the sandbox's admin twin of the Platform API's message details, then reads the
// conversation once the inbound flow, which runs on its own after the first message, left its
// record on it. A conversation the backend created (initiation-api) is validated through the
// local stack's "Architect" route.
// Dispatches `conversation` events: `{kind, conversation, output, status, sessionHash}` where
// `kind` is `genuine`, `tampered` or `replayed`; the hash stays in the page's memory only.
import { $, el, getJson, postJson, table, verdict } from './dom.js';
import { renderFlowPath } from './flow-path.js';

export function mountConversation({ bus, emit }) {
  /** What the next conversation is: a genuine chat or a forging attempt. */
  let expecting = 'genuine';

  /** A conversation started and its first inbound message is awaited. */
  let starting = false;

  /** The conversation, once the inbound flow's record is on it (the sandbox waits for it). */
  const read = (id) => getJson(`/sandbox/_sandbox/conversations/${encodeURIComponent(id)}/flow`);
  /** The conversation a message belongs to. */
  const conversationOf = async (messageId) =>
    (await getJson(`/sandbox/_sandbox/messages/${encodeURIComponent(messageId)}`)).conversationId;

  /** The data action's answer recorded by the inbound flow. */
  const flowAnswer = (conversation) => {
    const call = conversation.inboundFlow?.steps?.find((s) => s.name === 'callData');
    return call ? { status: call.detail.status, output: call.detail.output, path: call.detail.path } : null;
  };

  async function show(conversationId, { viaArchitect = false } = {}) {
    const kind = expecting;
    expecting = 'genuine';
    let conversation = await read(conversationId);
    let answer = flowAnswer(conversation);
    let flowRun = conversation.inboundFlow;
    if (viaArchitect || !answer) {
      const run = await postJson('/dev/architect/run', { conversationId });
      answer = run.dataAction;
      flowRun = run.flowRun;
      conversation = await read(conversationId);
    }
    const key = conversation.inboundFlow?.steps?.[0]?.detail?.attribute ?? 'session_hash';
    const sessionHash = conversation.customAttributes[key] ?? '';
    if (kind === 'genuine') {
      renderReceived(conversation, answer, key);
      renderValidation(conversation, answer, key);
      renderFlowPath($('validation'), flowRun);
    }
    emit('conversation', { kind, conversation, flowRun, output: answer.output, status: answer.status, path: answer.path, sessionHash, key });
  }

  const fail = (e) => emit('note', { text: `Error: ${e.message}`, type: 'error' });
  const inbound = (data) => data?.messages?.find((m) => m.direction === 'Inbound');
  bus.addEventListener('messenger', ({ detail: { name, data } }) => {
    if (name === 'Conversations.started') {
      starting = true;
      if (expecting === 'genuine') waiting();
    }
    // The started conversation's first inbound message, or a reload's restored conversation
    // (shown as it was validated: no flow run).
    const first = (name === 'MessagingService.messagesReceived' && starting) || name === 'MessagingService.restored';
    const message = first && inbound(data);
    if (message) {
      starting = false;
      conversationOf(message.id).then((id) => show(id)).catch(fail);
    }
  });

  return {
    show,
    /** The next conversation is a forging attempt of `kind`. */
    expect(kind) {
      expecting = kind;
    },
  };
}

function waiting() {
  const target = $('validation');
  target.replaceChildren(el('p', {}, 'The inbound flow runs on its own, after the first message…'));
  target.className = 'result';
  target.dataset.state = 'waiting';
}

function customer(conversation) {
  return conversation.participants.find((p) => p.purpose === 'customer') ?? { attributes: {} };
}

function renderReceived(conversation, answer, key) {
  const byBrowser = conversation.queueId === '';
  const kept = Object.keys(answer.output ?? {}).filter(
    (k) => !['valid', 'reason', 'participant_update'].includes(k) && !(k in conversation.customAttributes),
  );
  const target = $('received');
  target.replaceChildren(
    el('p', {}, 'Conversation ', el('code', {}, conversation.id)),
    el(
      'p',
      {},
      byBrowser
        ? 'Started by Messenger with the first message, carrying the custom attributes the browser had handed it:'
        : 'Created by the backend through the initiation endpoint with these custom attributes:',
    ),
    table(Object.entries(conversation.customAttributes), [key]),
    el(
      'p',
      { className: 'explain' },
      byBrowser
        ? `Only the opaque session hash left the browser. The routing context (${kept.join(', ')}) stayed on the server until Architect's data action asked for it with that hash.`
        : 'The backend built these attributes and created the conversation; the browser only received the conversation id and a short-lived platform token to start the widget.',
    ),
  );
  target.className = 'result';
  Object.assign(target.dataset, { state: 'done', keys: Object.keys(conversation.customAttributes).join(',') });
}

function renderValidation(conversation, answer, key) {
  const output = answer.output ?? {};
  const target = $('validation');
  const flow = conversation.inboundFlow;
  target.replaceChildren(
    verdict(output, answer.status),
    el(
      'p',
      {},
      flow ? `The inbound flow ran once, when the first message arrived: Get Participant Data ` : 'Get Participant Data ',
      el('code', {}, key),
      ` (${conversation.customAttributes[key] ? 'set' : 'not set'}), then Call Data Action → ${answer.path} path (HTTP ${answer.status}). Output:`,
    ),
    table(Object.entries(output), [key]),
    el('p', {}, 'Participant data after the data action:'),
    table(Object.entries(customer(conversation).attributes), [key]),
  );
  target.className = 'result';
  Object.assign(target.dataset, { state: 'done', valid: String(output.valid === true), reason: output.reason ?? '' });
}
