// Forging from the page: a tampered hash and a replayed one, each on a new Messenger
// conversation. The page ends the current conversation, hands Messenger the forged hash with
// `Database.set`, writes a message (which starts the conversation and runs the inbound flow),
// shows what the data action answered, and clears that conversation again.
import { $, el, verdict } from './dom.js';
import { renderFlowPath } from './flow-path.js';

export function mountAttack({ bus, messenger, chat, conversations, busy }) {
  /** The genuine hash of the last validated chat (page memory only) and its key. */
  let genuine = null;
  let key = 'session_hash';
  let how = '';
  let done = null;

  bus.addEventListener('conversation', ({ detail }) => {
    if (detail.kind === 'genuine' && detail.output?.valid === true) {
      genuine = detail.sessionHash;
      key = detail.key;
      bus.dispatchEvent(new CustomEvent('forgeable'));
      return;
    }
    if (detail.kind === 'genuine') return;
    render(detail.kind, detail);
    done?.();
  });

  const forge = async (kind, hash) => {
    await messenger.loaded;
    bus.dispatchEvent(new CustomEvent('forging', { detail: true }));
    try {
      await attempt(kind, hash);
    } finally {
      bus.dispatchEvent(new CustomEvent('forging', { detail: false }));
    }
  };

  const attempt = async (kind, hash) => {
    // The client must not prepare a fresh ticket when the genuine conversation ends here.
    chat.clear();
    await messenger.command('MessagingService.clearConversation').catch(() => {});
    conversations.expect(kind);
    const shown = new Promise((resolve) => (done = resolve));
    await messenger.command('Database.set', { messaging: { customAttributes: { [key]: hash } } });
    await messenger.command('MessagingService.sendMessage', { message: `(${kind} hash) Where is my order?` });
    await shown;
    await messenger.command('MessagingService.clearConversation').catch(() => {});
  };

  $('tamper').addEventListener('click', () =>
    busy(async () => {
      const i = Math.min(5, genuine.length - 1);
      const other = genuine[i] === 'A' ? 'B' : 'A';
      how = `The page changed character ${i + 1} of the genuine hash (“${genuine[i]}” → “${other}”) and handed it to Messenger.`;
      await forge('tampered', genuine.slice(0, i) + other + genuine.slice(i + 1));
    }),
  );
  $('replay').addEventListener('click', () =>
    busy(async () => {
      how = 'The page handed the genuine hash, already bound to the first conversation, to Messenger again.';
      await forge('replayed', genuine);
    }),
  );

  function render(kind, { output = {}, status, path, flowRun }) {
    const exposed = Object.entries(output).filter(([k]) => !['valid', 'reason', 'participant_update'].includes(k));
    const empty = exposed.every(([, v]) => v === '');
    const block = el(
      'div',
      { className: 'attempt', dataset: { attempt: kind, valid: String(output.valid === true), reason: output.reason ?? '' } },
      el('h3', {}, kind === 'tampered' ? 'Tampered hash' : 'Replayed hash'),
      verdict(output, status),
      el('p', {}, how),
      el(
        'p',
        {},
        `Call Data Action → ${path} path (HTTP ${status}). `,
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
    renderFlowPath(block, flowRun);
  }

  return { forgeable: () => genuine !== null };
}
