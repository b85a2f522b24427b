// What Genesys received and what the inbound flow's data action answered. A Messenger
// conversation is read from the sandbox when Messenger reports it started or restored it after
// a reload (the flow ran when its first message arrived, and its record is on the
// conversation); a conversation the backend
// created (initiation-api) is validated through the local stack's "Architect" route.
// Dispatches `conversation` events: `{kind, conversation, output, status, sessionHash}` where
// `kind` is `genuine`, `tampered` or `replayed`; the hash stays in the page's memory only.
import { $, el, getJson, postJson, table, verdict } from './dom.js';
import { renderFlowPath } from './flow-path.js';

export function mountConversation({ bus, emit }) {
  /** What the next conversation is: a genuine chat or a forging attempt. */
  let expecting = 'genuine';

  const read = (id) => getJson(`/sandbox/_sandbox/conversations/${encodeURIComponent(id)}`);

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

  bus.addEventListener('messenger', ({ detail: { name, data } }) => {
    // A reload restores a running conversation: show it as it was validated (no flow run).
    if ((name === 'Conversations.started' || name === 'MessagingService.restored') && data.conversationId) {
      show(data.conversationId).catch((e) => emit('note', { text: `Error: ${e.message}`, type: 'error' }));
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
