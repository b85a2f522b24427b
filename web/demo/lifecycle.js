// The ticket's life as a person follows it: issued, handed over, kept fresh (with a count),
// first message sent, validated. Each step is an `li[data-step]` with `data-state`
// (`pending`, `active`, `done`, `failed`); the count is `data-count` of the `fresh` step. A
// conversation that ends starts a new round with its next ticket; forging attempts are left out.
import { $, clock } from './dom.js';

export function mountLifecycle({ bus }) {
  let round = 1;
  /** A forging attempt (attack.js) runs: its conversations are not the customer's chat. */
  let forging = false;
  bus.addEventListener('forging', ({ detail }) => (forging = detail));
  const step = (name) => /** @type {HTMLElement} */ ($('lifecycle').querySelector(`[data-step="${name}"]`));
  const set = (name, state, detail) => {
    const item = step(name);
    item.dataset.state = state;
    if (detail !== undefined) item.querySelector('.detail').textContent = detail;
  };
  const reset = () => {
    for (const item of $('lifecycle').querySelectorAll('[data-step]')) item.dataset.state = 'pending';
    step('fresh').dataset.count = '0';
    set('fresh', 'pending', '0 refreshes');
    $('lifecycle-round').textContent = round > 1 ? `conversation ${round}` : '';
  };

  bus.addEventListener('client', ({ detail: e }) => {
    if (forging) return;
    switch (e.type) {
      case 'initiated':
        if (step('sent').dataset.state === 'done') {
          round += 1;
          reset();
        }
        set('issued', 'done', `expires ${clock(e.expiresAt)}${e.chainExpiresAt ? `, refreshable until ${clock(e.chainExpiresAt)}` : ''}`);
        if (step('handed-over').dataset.state === 'done') set('handed-over', 'done', 'Messenger now holds the new hash');
        break;
      case 'handed-off':
        set('handed-over', 'done', e.strategy === 'messenger' ? 'Messenger holds the session hash (Database.set); the window is open' : 'the widget started');
        if (e.strategy === 'messenger') set('fresh', 'active', `${step('fresh').dataset.count} refreshes: waiting for the first message`);
        break;
      case 'refreshed': {
        step('fresh').dataset.count = String(e.count);
        set('fresh', 'active', `${e.count} refresh${e.count === 1 ? '' : 'es'}, the ticket now expires ${clock(e.expiresAt)}`);
        break;
      }
      case 'paused':
        set('fresh', 'active', `${step('fresh').dataset.count} refreshes; paused while the page is hidden`);
        break;
      case 'gave-up':
        set('fresh', 'failed', `stopped (${e.reason}): a first message after ${clock(e.validUntil)} reaches the default queue`);
        break;
      case 'conversation-started':
        set('fresh', 'done', `${step('fresh').dataset.count} refreshes until the first message`);
        break;
      case 'conversation-restored':
        for (const name of ['issued', 'handed-over', 'fresh', 'sent']) set(name, 'done');
        set('sent', 'done', 'the conversation was restored after the reload: no new ticket');
        break;
      default:
    }
  });
  bus.addEventListener('messenger', ({ detail: { name } }) => {
    if (name === 'Conversations.started' && !forging) set('sent', 'done', 'the conversation started with it');
  });
  bus.addEventListener('conversation', ({ detail: { kind, output, status } }) => {
    if (kind !== 'genuine') return;
    const item = step('validated');
    item.dataset.valid = String(output?.valid === true);
    item.dataset.reason = output?.reason ?? '';
    set('validated', output?.valid === true ? 'done' : 'failed', `valid: ${output?.valid === true}, reason: ${output?.reason ?? `HTTP ${status}`}`);
    if (step('sent').dataset.state !== 'done') set('sent', 'done', 'the widget started the conversation');
  });
  reset();
}
