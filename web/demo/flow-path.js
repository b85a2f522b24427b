// The path the inbound message flow took on one conversation, as the local stack's interpreter
// ran infra/genesys/flows/secure-inbound-message.yaml: every action with its line, what it did,
// the participant data it set (and at which step) and the queue it transferred to.

const make = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(node, rest);
  if (dataset) Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
};

/** One line per step, in the words of the flow. */
function describe(step) {
  const d = step.detail ?? {};
  switch (step.action) {
    case 'getParticipantData':
      return (d.read ?? []).map((r) => `${r.key} → ${r.variable} (${r.value === null ? 'not set' : r.value})`).join(', ');
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
 * Renders a flow run (the `flowRun` of `POST /dev/architect/run`) into `target`, after what it
 * already shows.
 * @param {HTMLElement} target
 * @param {any} run
 */
export function renderFlowPath(target, run) {
  if (!run) return;
  target.querySelector('.flow-path')?.remove();
  const queue = run.queue ?? (run.disconnected ? 'none: disconnected' : 'none');
  const steps = (run.steps ?? []).map((step) =>
    make(
      'li',
      { dataset: { action: step.action } },
      make('code', {}, `line ${step.line}`),
      ' ',
      make('strong', {}, step.name),
      ` — ${describe(step)}`,
    ),
  );
  target.append(
    make(
      'div',
      { className: 'flow-path', dataset: { queue: run.queue ?? '' } },
      make('p', {}, 'Flow ', make('code', {}, run.flow?.file ?? ''), ' took this path:'),
      make('ol', { className: 'steps' }, ...steps),
      make('p', { className: `verdict ${run.queue && Object.keys(run.participantData ?? {}).length ? 'ok' : 'bad'}` },
        make('strong', {}, `Queue: ${queue}`),
        Object.keys(run.participantData ?? {}).length
          ? ` — participant data set at step ${[...new Set(Object.values(run.participantData).map((p) => p.step))].join(', ')}, before the transfer at step ${run.transfer?.step}`
          : ' — no participant data set: the default queue, with nothing to route on',
      ),
      run.error ? make('p', { className: 'bad' }, `Flow error: ${run.error}`) : '',
    ),
  );
}
