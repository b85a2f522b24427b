// The path the inbound message flow took on one conversation, as the local stack's interpreter
// ran infra/genesys/flows/secure-inbound-message.yaml (the record the sandbox keeps on the
// conversation): every action with its line and what it did, the participant data it set and at
// which step, and the queue it transferred to.
import { el } from './dom.js';

/** One line per step, in the words of the flow. */
function describe(action, d) {
  switch (action) {
    case 'getParticipantData':
      return (d.read ?? []).map((r) => `${r.key} → ${r.variable} (${r.value === null ? 'not set' : 'set'})`).join(', ');
    case 'decision':
      return `${d.condition} → ${d.path}`;
    case 'switch':
      return d.case === 'default' ? 'no rule matched → default' : `case ${d.case}: ${d.condition}`;
    case 'callData':
      return `${d.category} / ${d.dataAction} → ${d.path}${d.reason ? ` (${d.reason})` : ''}` +
        (d.outputs ? `: valid = ${d.outputs['State.valid']}, reason = ${d.outputs['State.reason']}` : '');
    case 'setParticipantData':
      return (d.set ?? []).map((s) => `${s.key} = ${s.value}`).join(', ');
    case 'transferToAcd':
      return `queue “${d.queue}”`;
    default:
      return d.error ?? '';
  }
}

/**
 * Appends a flow record's path to `target` (replacing one shown before).
 * @param {HTMLElement} target
 * @param {any} run the conversation's `inboundFlow` record
 */
export function renderFlowPath(target, run) {
  target.querySelector('.flow-path')?.remove();
  if (!run) return;
  const set = run.participantData ?? [];
  const steps = (run.steps ?? []).map((step, i) =>
    el(
      'li',
      { dataset: { action: step.name, step: String(i) } },
      el('code', {}, `line ${step.detail?.line ?? '?'}`),
      ' ',
      el('strong', {}, step.detail?.name ?? step.name),
      ` — ${describe(step.name, step.detail ?? {})}`,
    ),
  );
  const when = [...new Set(set.map((d) => d.step))].join(', ');
  target.append(
    el(
      'div',
      { className: 'flow-path', dataset: { queue: run.queue ?? '' } },
      el('p', {}, `The inbound flow (${run.flow}) took this path:`),
      el('ol', { className: 'steps' }, ...steps),
      el(
        'p',
        { className: `verdict ${set.length ? 'ok' : 'bad'}` },
        el('strong', {}, `Queue: ${run.queue ?? 'none'}`),
        set.length
          ? ` — ${set.length} participant data set at step ${when}, before the transfer at step ${run.transferStep}`
          : ' — nothing set: the default queue, with nothing to route on',
      ),
      run.error ? el('p', { className: 'bad' }, `Flow error: ${run.error}`) : '',
    ),
  );
}
