// Small DOM and HTTP helpers shared by the demo's modules.

/** @param {string} id */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * An element with properties (`dataset` merged, `className`, `textContent`, ...) and children.
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...(Node | string)} children
 */
export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else node[k] = v;
  }
  node.append(...children);
  return node;
};

/** A secret as the page shows it: its first characters and its length, never the value. */
export const mask = (value) => (value ? `${value.slice(0, 4)}… (${value.length} chars, masked)` : '(empty)');

/** A time of day, 24-hour clock. */
export const clock = (date) => new Date(date).toLocaleTimeString('en-GB', { hour12: false });

/** A two-column table; values of `hashKeys` are masked. */
export function table(entries, hashKeys = []) {
  return el(
    'table',
    {},
    ...entries.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, hashKeys.includes(k) ? mask(v) : String(v)))),
  );
}

export const getJson = async (url, init) => {
  const response = await fetch(url, { cache: 'no-store', ...init });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${url} answered ${response.status}${body?.title ? `: ${body.title}` : ''}`);
  return body;
};

export const postJson = (url, body) =>
  getJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The verdict line of a validate-session answer. */
export function verdict(output, status) {
  const valid = output?.valid === true;
  return el(
    'p',
    { className: `verdict ${valid ? 'ok' : 'bad'}` },
    el('strong', {}, `valid: ${valid}`),
    ` — reason: ${output?.reason ?? `HTTP ${status}`}`,
  );
}
