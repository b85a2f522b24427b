// The metrics card: the running counts of the CloudWatch metrics the handlers emitted since the
// local stack started (`GET /dev/metrics`, read from the Embedded Metric Format lines the stack
// also prints). After a tamper and a replay, the forged and replayed counters move; a counter
// that moved since the last look is marked (`data-moved`) for a moment.
//
// A section module of the demo page (`mountMetrics(context)`, imported and mounted by demo.js
// beside the others); it appends its own card to <main>.
import { el, getJson } from './dom.js';

/** What the card shows: a label, the metric, and the dimensions a series must have. */
const COUNTERS = [
  { id: 'valid', label: 'Validations: valid', metric: 'Validations', where: { Reason: 'ok' } },
  { id: 'forged', label: 'Validations: forged (unknown or malformed)', metric: 'Validations', where: [{ Reason: 'unknown' }, { Reason: 'malformed' }] },
  { id: 'replayed', label: 'Validations: replayed', metric: 'Validations', where: { Reason: 'replayed' } },
  { id: 'expired', label: 'Validations: expired or revoked', metric: 'Validations', where: [{ Reason: 'expired' }, { Reason: 'revoked' }] },
  { id: 'issued', label: 'Initiations issued', metric: 'Initiations', where: { Outcome: 'issued' } },
  { id: 'refused', label: 'Initiations refused or rate limited', metric: 'Initiations', where: [{ Outcome: 'refused' }, { Outcome: 'rate-limited' }] },
  { id: 'refreshes', label: 'Refreshes issued', metric: 'Refreshes', where: { Outcome: 'issued' } },
  { id: 'cold', label: 'Cold starts', metric: 'ColdStarts', where: {} },
];

const matches = (series, where) =>
  (Array.isArray(where) ? where : [where]).some((w) => Object.entries(w).every(([k, v]) => series.dimensions[k] === v));

/** The sum of `counter` over the series /dev/metrics returned. */
export const total = (series, counter) =>
  series.filter((s) => s.metric === counter.metric && matches(s, counter.where)).reduce((n, s) => n + s.sum, 0);

export function mountMetrics({ bus }) {
  const values = new Map(COUNTERS.map((c) => [c.id, el('td', { dataset: { metric: c.id } }, '0')]));
  const namespace = el('code', {}, '…');
  const card = el(
    'section',
    { id: 'metrics', className: 'card' },
    el('h2', {}, 'Metrics ', el('small', {}, 'what CloudWatch would receive, counted since the stack started')),
    el(
      'p',
      { className: 'status' },
      'Each handler emits Embedded Metric Format lines (the local stack prints them too) into namespace ',
      namespace,
      '. The alarms of the deployed stack watch these counts.',
    ),
    el('table', {}, ...COUNTERS.map((c) => el('tr', {}, el('th', {}, c.label), values.get(c.id)))),
  );
  document.querySelector('main')?.append(card);

  let last = new Map();
  const refresh = async () => {
    const body = await getJson('/dev/metrics').catch(() => null);
    if (!body) return;
    namespace.textContent = body.namespace;
    for (const c of COUNTERS) {
      const n = total(body.series, c);
      const cell = values.get(c.id);
      cell.textContent = String(n);
      if (last.has(c.id) && last.get(c.id) !== n) {
        cell.dataset.moved = 'true';
        setTimeout(() => delete cell.dataset.moved, 4000);
      }
    }
    last = new Map(COUNTERS.map((c) => [c.id, total(body.series, c)]));
  };

  // After anything that reaches a handler: a validation shown, or a client event.
  for (const type of ['conversation', 'client']) bus.addEventListener(type, () => setTimeout(refresh, 150));
  refresh();
  return { refresh };
}
