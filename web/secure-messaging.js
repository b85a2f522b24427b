// @ts-check
/**
 * Browser reference client for secure Genesys Cloud Web Messaging initiation.
 *
 * The browser never sets routing context. It sends the site's session token to the backend
 * (`POST /v1/initiations`), which decides the context and returns a short-lived ticket; this
 * client hands exactly that ticket to the widget:
 * - `messenger` strategy: `Genesys("command", "Database.set", {messaging: {customAttributes}})`
 *   with the returned `customAttributes` (only the opaque session hash), then `Messenger.open`;
 * - `initiation-api` strategy: the site's `startConversation({conversationId, token})`.
 *
 * Tickets live in this module's memory only: never in browser storage, cookies, URLs or the
 * DOM, and they are dropped once handed over. A ticket that will expire before the hand-over
 * (the widget loads lazily, the user clicks late) is refreshed first (the guide's Edge Case 2);
 * a failed refresh falls back to one fresh initiation. A 401 asks the site for a new session
 * token once; a 429 waits `Retry-After` once; nothing is retried more than once.
 *
 * No dependencies; an ES module.
 * @module secure-messaging
 */

/**
 * @typedef {(kind: string, name: string, options?: unknown,
 *   resolve?: (value?: unknown) => void, reject?: (reason?: unknown) => void) => void} GenesysCommand
 *   Messenger's global `Genesys` function (or its pre-load command queue).
 */

/**
 * @typedef {object} SecureMessagingOptions
 * @property {(context: {renew: boolean}) => Promise<string>} getSessionToken
 *   The site's session token (a JWT from its identity provider). `renew` is true after the
 *   backend refused the previous one: return a fresh token then.
 * @property {string} [apiBase] Where the API lives, e.g. `https://chat-api.example.com`
 *   (default: same origin).
 * @property {() => (GenesysCommand | undefined)} [genesys] Messenger's `Genesys` function
 *   (default: `globalThis.Genesys`, read when needed, so the snippet may load lazily).
 * @property {(start: {conversationId: string, token: string}) => Promise<unknown>} [startConversation]
 *   `initiation-api` strategy: starts the widget with the platform token.
 * @property {() => Promise<unknown>} [whenReady] Awaited before the hand-over (e.g. until the
 *   widget script has loaded); the ticket's expiry is checked after it.
 * @property {(event: SecureMessagingEvent) => void} [onEvent] Progress and errors. Events
 *   never carry a token or a session hash.
 * @property {number} [expiryMarginMs] Refresh a ticket this close to its expiry (default 10 s).
 * @property {number} [maxTicketLifetimeMs] Trust a ticket at most this long after receiving
 *   it, whatever the browser's clock says (default 60 s, the backend's default TTL).
 * @property {number} [maxRetryAfterMs] Longest `Retry-After` waited for (default 30 s).
 * @property {number} [timeoutMs] Deadline of each HTTP call and hand-over (default 10 s).
 * @property {typeof fetch} [fetch] For tests.
 * @property {() => number} [now] Milliseconds since the epoch; for tests and demos.
 * @property {(ms: number) => Promise<void>} [sleep] For tests.
 */

/**
 * @typedef {{type: 'initiated' | 'refreshed', strategy: string, expiresAt: string}
 *   | {type: 'refresh-failed', code: string, status?: number}
 *   | {type: 'session-token-renewed'}
 *   | {type: 'rate-limited', retryAfterMs: number}
 *   | {type: 'handed-off', strategy: string, conversationId?: string}
 *   | {type: 'error', error: SecureMessagingError}} SecureMessagingEvent
 */

/**
 * @typedef {object} StartResult
 * @property {string} strategy `messenger` or `initiation-api`.
 * @property {string} [conversationId] The conversation (`initiation-api` only).
 */

/**
 * @typedef {object} Ticket
 * @property {string} strategy
 * @property {string} sessionHash
 * @property {string} expiresAt
 * @property {number} deadline Local time after which the ticket is not trusted.
 * @property {Record<string, string>} [customAttributes]
 * @property {string} [conversationId]
 * @property {string} [token]
 */

/** Why a start failed; `code` is stable, `message` safe to show. */
export class SecureMessagingError extends Error {
  /**
   * @param {'unauthorized' | 'refused' | 'rate-limited' | 'invalid-request' | 'server'
   *   | 'network' | 'timeout' | 'protocol' | 'handoff' | 'config'} code
   * @param {string} message
   * @param {{status?: number, problemType?: string, cause?: unknown}} [details]
   */
  constructor(code, message, details = {}) {
    super(message, { cause: details.cause });
    this.name = 'SecureMessagingError';
    this.code = code;
    /** HTTP status, when the API answered. */
    this.status = details.status;
    /** The problem+json `type`, when the API sent one. */
    this.problemType = details.problemType;
  }
}

const INITIATE = '/v1/initiations';
const REFRESH = '/v1/initiations/refresh';

/**
 * Creates a client. Call `start()` when the user asks to chat; call `prepare()` earlier to
 * have a ticket ready (it is refreshed at `start()` if it aged).
 * @param {SecureMessagingOptions} options
 */
export function createSecureMessaging(options) {
  if (typeof options?.getSessionToken !== 'function') {
    throw new SecureMessagingError('config', 'getSessionToken is required');
  }
  const apiBase = (options.apiBase ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const margin = options.expiryMarginMs ?? 10_000;
  const maxLifetime = options.maxTicketLifetimeMs ?? 60_000;
  const maxRetryAfter = options.maxRetryAfterMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;

  /** @type {Ticket | null} */
  let ticket = null;

  /** @param {SecureMessagingEvent} event */
  const emit = (event) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's bug must not break the chat.
    }
  };

  /**
   * Runs `work` with an abort signal that fires after the deadline.
   * @template T
   * @param {(signal: AbortSignal) => Promise<T>} work
   * @param {string} what
   * @returns {Promise<T>}
   */
  const withDeadline = async (work, what) => {
    const controller = new AbortController();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const expired = new Promise((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new SecureMessagingError('timeout', `${what} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([work(controller.signal), expired]);
    } finally {
      clearTimeout(timer);
    }
  };

  /**
   * POSTs JSON with the session token; one renewal after a 401, one wait after a 429.
   * @param {string} path
   * @param {object} body
   * @returns {Promise<any>}
   */
  const call = async (path, body) => {
    let renew = false;
    let waited = false;
    for (;;) {
      let token;
      try {
        token = await options.getSessionToken({ renew });
      } catch (cause) {
        throw new SecureMessagingError('unauthorized', 'the site could not provide a session token', { cause });
      }
      if (typeof token !== 'string' || token === '') {
        throw new SecureMessagingError('unauthorized', 'the site has no session token; sign in first');
      }
      const [response, text] = await withDeadline(async (signal) => {
        try {
          const r = await doFetch(apiBase + path, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
            credentials: 'omit',
            cache: 'no-store',
            referrerPolicy: 'no-referrer',
            signal,
          });
          return /** @type {const} */ ([r, await r.text()]);
        } catch (cause) {
          throw new SecureMessagingError('network', 'the chat service cannot be reached', { cause });
        }
      }, path);
      /** @type {any} */
      let parsed = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page): the status alone tells.
      }
      if (response.ok) {
        if (parsed === null) throw new SecureMessagingError('protocol', 'the chat service answered unreadable JSON');
        return parsed;
      }
      /** @type {{type?: string, title?: string, detail?: string}} */
      const problem = parsed && typeof parsed === 'object' ? parsed : {};
      const { status } = response;
      if (status === 401 && !renew) {
        renew = true;
        emit({ type: 'session-token-renewed' });
        continue;
      }
      if (status === 429 && !waited) {
        const wait = retryAfterMs(response.headers.get('retry-after'), now());
        if (wait !== null && wait <= maxRetryAfter) {
          waited = true;
          emit({ type: 'rate-limited', retryAfterMs: wait });
          await sleep(wait);
          continue;
        }
      }
      throw httpError(status, problem);
    }
  };

  /**
   * Checks the shape of a `201` and stamps the local deadline.
   * @param {any} body
   * @returns {Ticket}
   */
  const toTicket = (body) => {
    const ok =
      body &&
      typeof body.sessionHash === 'string' &&
      typeof body.expiresAt === 'string' &&
      (body.strategy === 'messenger'
        ? isStringMap(body.customAttributes)
        : body.strategy === 'initiation-api' &&
          typeof body.conversationId === 'string' &&
          typeof body.token === 'string');
    if (!ok) {
      throw new SecureMessagingError('protocol', 'the chat service answered an unexpected ticket');
    }
    const received = now();
    // The browser's clock may be off: never trust a ticket longer than its lifetime since receipt.
    const left = Date.parse(body.expiresAt) - received;
    const lifetime = left > 0 ? Math.min(left, maxLifetime) : maxLifetime;
    return {
      strategy: body.strategy,
      sessionHash: body.sessionHash,
      expiresAt: body.expiresAt,
      customAttributes: body.customAttributes,
      conversationId: body.conversationId,
      token: body.token,
      deadline: received + lifetime,
    };
  };

  /** @param {object} request */
  const initiate = async (request) => {
    const fresh = toTicket(await call(INITIATE, request));
    emit({ type: 'initiated', strategy: fresh.strategy, expiresAt: fresh.expiresAt });
    return fresh;
  };

  /**
   * Replaces an ageing ticket; on any failure, one fresh initiation.
   * @param {Ticket} old
   * @param {object} request
   */
  const renewTicket = async (old, request) => {
    try {
      const fresh = toTicket(await call(REFRESH, { sessionHash: old.sessionHash }));
      emit({ type: 'refreshed', strategy: fresh.strategy, expiresAt: fresh.expiresAt });
      return fresh;
    } catch (e) {
      const error = asError(e);
      emit({ type: 'refresh-failed', code: error.code, status: error.status });
      return initiate(request);
    }
  };

  /**
   * @param {Ticket} t
   * @returns {Promise<StartResult>}
   */
  const handOff = async (t) => {
    if (t.strategy === 'messenger') {
      const genesys = (options.genesys ?? (() => /** @type {any} */ (globalThis).Genesys))();
      if (typeof genesys !== 'function') {
        throw new SecureMessagingError('config', 'Genesys Messenger is not on the page');
      }
      /** @param {string} name @param {unknown} args */
      const command = (name, args) =>
        withDeadline(
          () => new Promise((resolve, reject) => genesys('command', name, args, resolve, reject)),
          name,
        );
      try {
        await command('Database.set', { messaging: { customAttributes: { ...t.customAttributes } } });
      } catch (cause) {
        throw asHandoffError(cause, 'Messenger refused the session attributes');
      }
      // Messenger rejects `open` when it is already open; the attributes are set either way.
      await command('Messenger.open', {}).catch(() => undefined);
      emit({ type: 'handed-off', strategy: t.strategy });
      return { strategy: t.strategy };
    }
    const startConversation = options.startConversation;
    if (typeof startConversation !== 'function') {
      throw new SecureMessagingError('config', 'startConversation is required for the initiation-api strategy');
    }
    const conversationId = /** @type {string} */ (t.conversationId);
    try {
      await withDeadline(
        () => startConversation({ conversationId, token: /** @type {string} */ (t.token) }),
        'startConversation',
      );
    } catch (cause) {
      throw asHandoffError(cause, 'the widget could not start the conversation');
    }
    emit({ type: 'handed-off', strategy: t.strategy, conversationId });
    return { strategy: t.strategy, conversationId };
  };

  /** @type {{start: boolean, promise: Promise<any>} | null} */
  let inflight = null;

  /**
   * Serialises the public calls: a second `start()` while one runs shares it (a double click
   * starts one chat); a `start()` during a `prepare()` waits for its ticket; a `prepare()`
   * during either settles with it. Failures are reported once as an `error` event and rethrown.
   * @param {boolean} isStart
   * @param {() => Promise<any>} work
   * @returns {Promise<any>}
   */
  const serialise = (isStart, work) => {
    if (inflight) {
      if (inflight.start === isStart) return inflight.promise;
      if (!isStart) return inflight.promise.then(ignore, ignore);
    }
    const before = inflight?.promise;
    const promise = (async () => {
      if (before) await before.catch(ignore);
      try {
        return await work();
      } catch (e) {
        const error = asError(e);
        emit({ type: 'error', error });
        throw error;
      }
    })();
    const entry = { start: isStart, promise };
    inflight = entry;
    promise
      .finally(() => {
        if (inflight === entry) inflight = null;
      })
      .catch(ignore);
    return promise;
  };

  return {
    /**
     * Gets a ticket now and keeps it in memory for `start()`.
     * @param {object} [request] What the page asks about, e.g. `{orderId: '88472'}`.
     * @returns {Promise<void>}
     */
    prepare(request = {}) {
      return serialise(false, async () => {
        if (!ticket) ticket = await initiate(request);
      });
    },

    /**
     * Starts the secure chat: gets (or reuses, refreshing if needed) a ticket and hands it to
     * the widget. The ticket is dropped from memory once handed over.
     * @param {object} [request] What the page asks about, e.g. `{orderId: '88472'}`.
     * @returns {Promise<StartResult>}
     */
    start(request = {}) {
      return serialise(true, async () => {
        let t = ticket ?? (await initiate(request));
        ticket = t;
        if (options.whenReady) {
          await options.whenReady().catch((cause) => {
            throw asHandoffError(cause, 'the widget did not load');
          });
        }
        if (now() + margin >= t.deadline) t = await renewTicket(t, request);
        ticket = null;
        return handOff(t);
      });
    },

    /** Forgets any ticket held (e.g. on sign-out). */
    clear() {
      ticket = null;
    },
  };
}

function ignore() {}

/**
 * @param {unknown} value
 * @returns {value is Record<string, string>}
 */
function isStringMap(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date; `null` when unreadable.
 * @param {string | null} header
 * @param {number} nowMs
 * @returns {number | null}
 */
export function retryAfterMs(header, nowMs) {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * @param {number} status
 * @param {{type?: string, title?: string, detail?: string}} problem
 */
function httpError(status, problem) {
  const code =
    status === 401 ? 'unauthorized'
    : status === 429 ? 'rate-limited'
    : status === 403 || status === 409 ? 'refused'
    : status >= 500 ? 'server'
    : 'invalid-request';
  const what = [problem.title, problem.detail].filter((s) => typeof s === 'string').join(': ');
  return new SecureMessagingError(code, `chat service answered ${status}${what ? ` (${what})` : ''}`, {
    status,
    problemType: typeof problem.type === 'string' ? problem.type : undefined,
  });
}

/**
 * @param {unknown} e
 * @returns {SecureMessagingError}
 */
function asError(e) {
  return e instanceof SecureMessagingError
    ? e
    : new SecureMessagingError('protocol', 'unexpected failure', { cause: e });
}

/**
 * @param {unknown} cause
 * @param {string} message
 */
function asHandoffError(cause, message) {
  return cause instanceof SecureMessagingError ? cause : new SecureMessagingError('handoff', message, { cause });
}
