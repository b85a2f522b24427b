// @ts-check
/**
 * Browser reference client for secure Genesys Cloud Web Messaging initiation.
 *
 * The browser never sets routing context. It sends the site's session token to the backend
 * (`POST /v1/initiations`), which decides the context and returns a short-lived ticket; this
 * client hands exactly that ticket to the widget:
 * - `messenger` strategy: once Messenger's Database plugin is ready,
 *   `Genesys("command", "Database.set", {messaging: {customAttributes}})` with the returned
 *   `customAttributes` (only the opaque session hash), then, once Messenger holds them,
 *   `Messenger.open` (which starts Messenger's session, and with autostart its `Join`). Messenger sends
 *   the attributes with the customer's first message, which may come minutes later, so the
 *   client keeps the ticket fresh until Messenger reports that the conversation started
 *   (`Conversations.started`, or the first inbound message): shortly before each ticket
 *   expires it asks `POST /v1/initiations/refresh` for the next one and `Database.set`s it.
 *   While the page is hidden it waits, and refreshes as soon as the page is visible again. A
 *   failed refresh falls back to one fresh initiation. When the chain reaches the backend's
 *   limit (`chainExpiresAt`, or a refusal saying so) it stops and emits `gave-up`: a first
 *   message sent after that reaches Architect as invalid, which routes it to the default
 *   queue. After a conversation ends (`MessagingService.conversationDisconnected` or
 *   `conversationCleared`) it prepares the next ticket the same way; after a reload with an
 *   active conversation (`MessagingService.restored`) it initiates nothing.
 * - `initiation-api` strategy: the site's `startConversation({conversationId, token})`.
 *
 * Tickets live in this module's memory only: never in browser storage, cookies, URLs or the
 * DOM. An initiation carries an `Idempotency-Key`: a double click shares one request, and a
 * retry after a network failure sends the same key and the same bytes, so the backend creates
 * one session. A 401 asks the site for a new session token once; a 429 waits `Retry-After`
 * once.
 *
 * No dependencies; an ES module with no side effects on import.
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
 * @property {number} [timeoutMs] Deadline of each HTTP call and Messenger command (default 10 s).
 * @property {typeof fetch} [fetch] For tests.
 * @property {() => number} [now] Milliseconds since the epoch; for tests and demos.
 * @property {(ms: number) => Promise<void>} [sleep] For tests.
 */

/**
 * What the client reports through `onEvent`, in the order a chat lives:
 * - `initiated`: a ticket was issued (`chainExpiresAt`: no refresh of its chain after this);
 * - `handed-off`: Messenger holds the ticket (or the widget started, `initiation-api`);
 * - `refreshed`: the ticket was replaced before it expired; `count` refreshes so far;
 * - `paused`: a refresh is due while the page is hidden; it runs when the page is visible;
 * - `refresh-failed`: a refresh was refused (`reason`: the backend's, e.g. `used`) or failed;
 * - `conversation-started`: Messenger sent the first message; the ticket is spent;
 * - `conversation-restored`: a reload found an active conversation: nothing to initiate;
 * - `conversation-ended`: the agent, the flow (`disconnected`) or the customer (`cleared`)
 *   ended it; a fresh ticket follows for the next first message;
 * - `gave-up`: no fresh ticket can follow (`chain-ended`, or `refresh-failed` after the fallback
 *   initiation failed too): a first message after `validUntil` reaches the `default-queue`;
 * - `session-token-renewed`, `rate-limited`: a 401 or a 429 is being handled;
 * - `error`: a `start()` or `prepare()` failed.
 * @typedef {{type: 'initiated', strategy: string, expiresAt: string, chainExpiresAt?: string}
 *   | {type: 'refreshed', strategy: string, expiresAt: string, count: number}
 *   | {type: 'refresh-failed', code: string, status?: number, reason?: string}
 *   | {type: 'session-token-renewed'}
 *   | {type: 'rate-limited', retryAfterMs: number}
 *   | {type: 'handed-off', strategy: string, conversationId?: string}
 *   | {type: 'paused', reason: 'hidden'}
 *   | {type: 'conversation-started'}
 *   | {type: 'conversation-restored'}
 *   | {type: 'conversation-ended', how: 'disconnected' | 'cleared'}
 *   | {type: 'gave-up', reason: 'chain-ended' | 'refresh-failed', fallback: 'default-queue', validUntil: string}
 *   | {type: 'error', error: SecureMessagingError}} SecureMessagingEvent
 */

/**
 * @typedef {object} StartResult
 * @property {string} strategy `messenger` or `initiation-api`.
 * @property {string} [conversationId] The conversation (`initiation-api` only).
 * @property {boolean} [active] A conversation already runs (restored after a reload, or
 *   started): Messenger was opened and nothing was initiated.
 */

/**
 * @typedef {object} Ticket
 * @property {string} strategy
 * @property {string} sessionHash
 * @property {string} expiresAt
 * @property {string} [chainExpiresAt]
 * @property {number} life How long it validates, from receipt (milliseconds).
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
   * @param {{status?: number, problemType?: string, reason?: string, cause?: unknown}} [details]
   */
  constructor(code, message, details = {}) {
    super(message, { cause: details.cause });
    this.name = 'SecureMessagingError';
    this.code = code;
    /** HTTP status, when the API answered. */
    this.status = details.status;
    /** The problem+json `type`, when the API sent one. */
    this.problemType = details.problemType;
    /** The problem's `reason` member (why a refresh was refused), when the API sent one. */
    this.reason = details.reason;
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
  const genesys = () => (options.genesys ?? (() => /** @type {any} */ (globalThis).Genesys))();
  const page = /** @type {Document | undefined} */ (globalThis.document);
  const hidden = () => page?.visibilityState === 'hidden';

  /** A prepared ticket, not yet handed over. @type {Ticket | null} */
  let ticket = null;
  /**
   * The handed-over ticket, kept fresh until the conversation starts.
   * @type {{t: Ticket, count: number, timer?: ReturnType<typeof setTimeout>, paused?: boolean} | null}
   */
  let live = null;
  /** Messenger reports a conversation running. */
  let active = false;
  /** The last request a chat started with (for the next conversation's ticket). */
  let lastRequest = {};
  /** Whether this page handed a ticket over or found a conversation (so an end renews). */
  let engaged = false;
  /** @type {Promise<unknown> | null} */
  let databaseReady = null;

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
  const withDeadline = (work, what) => {
    const controller = new AbortController();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const expired = new Promise((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new SecureMessagingError('timeout', `${what} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
    });
    return /** @type {Promise<T>} */ (Promise.race([work(controller.signal), expired])).finally(() => clearTimeout(timer));
  };

  /**
   * POSTs JSON with the session token; one renewal after a 401, one wait after a 429, and
   * with an idempotency key one retry after a network failure (same key, same bytes).
   * @param {string} path
   * @param {object} request
   * @param {string} [key] `Idempotency-Key`.
   * @returns {Promise<any>}
   */
  const call = async (path, request, key) => {
    const body = JSON.stringify(request);
    let renew = false;
    let waited = false;
    let retried = !key;
    for (;;) {
      let token;
      try {
        token = await options.getSessionToken({ renew });
      } catch (cause) {
        throw new SecureMessagingError('unauthorized', 'the site gave no session token', { cause });
      }
      if (typeof token !== 'string' || token === '') {
        throw new SecureMessagingError('unauthorized', 'no session token: sign in first');
      }
      /** @type {Record<string, string>} */
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      if (key) headers['idempotency-key'] = key;
      let response, text;
      try {
        [response, text] = await withDeadline(async (signal) => {
          try {
            const r = await doFetch(apiBase + path, {
              method: 'POST',
              headers,
              body,
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
      } catch (e) {
        if (!retried) {
          retried = true;
          continue;
        }
        throw e;
      }
      /** @type {any} */
      let parsed = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page): the status alone tells.
      }
      // A 2xx that is not JSON falls through to `toTicket`, which refuses it.
      if (response.ok) return parsed;
      /** @type {{type?: string, title?: string, detail?: string, reason?: string}} */
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
    if (!ok) throw new SecureMessagingError('protocol', 'the chat service answered an unreadable ticket');
    const received = now();
    // The browser's clock may be off: never trust a ticket longer than its lifetime since receipt.
    const left = Date.parse(body.expiresAt) - received;
    const life = left > 0 ? Math.min(left, maxLifetime) : maxLifetime;
    return { ...body, life, deadline: received + life };
  };

  /** @param {object} request */
  const initiate = async (request) => {
    const fresh = toTicket(await call(INITIATE, request, crypto.randomUUID()));
    emit({ type: 'initiated', strategy: fresh.strategy, expiresAt: fresh.expiresAt, chainExpiresAt: fresh.chainExpiresAt });
    return fresh;
  };

  /** @param {Ticket} old */
  const refresh = async (old) => {
    const fresh = toTicket(await call(REFRESH, { sessionHash: old.sessionHash }));
    const count = (live?.count ?? 0) + 1;
    if (live) live.count = count;
    emit({ type: 'refreshed', strategy: fresh.strategy, expiresAt: fresh.expiresAt, count });
    return fresh;
  };

  /** @param {unknown} e */
  const refreshFailed = (e) => {
    const error = asError(e);
    emit({ type: 'refresh-failed', code: error.code, status: error.status, reason: error.reason });
    return error;
  };

  /**
   * A Messenger command as a promise, within the deadline.
   * @param {string} name
   * @param {unknown} [args]
   */
  const command = async (name, args) => {
    const g = messenger();
    return withDeadline(() => new Promise((resolve, reject) => g('command', name, args, resolve, reject)), name);
  };

  const messenger = () => {
    const g = genesys();
    if (typeof g !== 'function') throw new SecureMessagingError('config', 'Messenger is not on the page');
    return g;
  };

  /** Resolves once Messenger's Database plugin is ready (subscribed once, replayed by Messenger). */
  const whenDatabaseReady = async () => {
    const g = messenger();
    listen(g);
    databaseReady ??= new Promise((resolve) => g('subscribe', 'Database.ready', resolve));
    const ready = databaseReady;
    return withDeadline(() => ready, 'Database.ready');
  };

  /** @param {Record<string, string> | undefined} customAttributes */
  const setAttributes = async (customAttributes) => {
    await whenDatabaseReady();
    await command('Database.set', { messaging: { customAttributes: { ...customAttributes } } });
  };

  const stopLive = () => {
    clearTimeout(live?.timer);
    live = null;
  };

  /** @param {'chain-ended' | 'refresh-failed'} reason */
  const giveUp = (reason) => {
    if (!live) return;
    const validUntil = live.t.expiresAt;
    stopLive();
    emit({ type: 'gave-up', reason, fallback: 'default-queue', validUntil });
  };

  /** @param {Ticket} t The ticket Messenger now holds. */
  const keepFresh = (t) => {
    clearTimeout(live?.timer);
    live = { t, count: live?.count ?? 0 };
    const lead = Math.min(margin, t.life / 6);
    live.timer = setTimeout(tick, Math.max(0, t.deadline - lead - now()));
  };

  /** Runs when the held ticket is due (or the page became visible with one due). */
  const tick = async () => {
    const held = live;
    if (!held) return;
    if (hidden()) {
      if (!held.paused) emit({ type: 'paused', reason: 'hidden' });
      held.paused = true;
      return;
    }
    const { t } = held;
    if (t.chainExpiresAt && Date.parse(t.expiresAt) >= Date.parse(t.chainExpiresAt)) return giveUp('chain-ended');
    let fresh;
    try {
      fresh = await refresh(t);
    } catch (e) {
      const error = refreshFailed(e);
      if (live !== held) return;
      // `used`: Messenger already sent this hash; the conversation has started.
      if (error.reason === 'used') return started();
      if (error.reason === 'chain-ended') return giveUp('chain-ended');
      try {
        fresh = await initiate(lastRequest);
        held.count = 0;
      } catch {
        return giveUp('refresh-failed');
      }
    }
    // The conversation started (or the chat was cleared) while the call ran: keep nothing.
    if (live !== held) return;
    try {
      await setAttributes(fresh.customAttributes);
    } catch {
      return giveUp('refresh-failed');
    }
    if (live === held) keepFresh(fresh);
  };

  const started = () => {
    if (active) return;
    active = true;
    stopLive();
    emit({ type: 'conversation-started' });
  };

  /** @param {'disconnected' | 'cleared'} how */
  const ended = async (how) => {
    if (!active) return;
    active = false;
    emit({ type: 'conversation-ended', how });
    if (!engaged) return;
    // The next first message starts a new conversation: have a fresh ticket waiting for it.
    try {
      const fresh = await initiate(lastRequest);
      if (active) return;
      await setAttributes(fresh.customAttributes);
      emit({ type: 'handed-off', strategy: fresh.strategy });
      if (!active) keepFresh(fresh);
    } catch (e) {
      emit({ type: 'error', error: asError(e) });
    }
  };

  let listening = false;
  /**
   * Subscribes to Messenger's lifecycle once: through the snippet's queue when Messenger has
   * not loaded yet (the script replays queued subscriptions), else directly.
   */
  const listen = (/** @type {GenesysCommand | undefined} */ g = genesys()) => {
    if (typeof g !== 'function' || listening) return;
    listening = true;
    /** @param {string} name @param {(e: any) => void} fn */
    const on = (name, fn) => g('subscribe', name, fn);
    on('Conversations.started', started);
    on('MessagingService.messagesReceived', (e) => {
      if (e?.data?.messages?.some((/** @type {any} */ m) => m?.direction === 'Inbound')) started();
    });
    on('MessagingService.restored', () => {
      engaged = true;
      stopLive();
      if (!active) emit({ type: 'conversation-restored' });
      active = true;
    });
    on('MessagingService.conversationDisconnected', () => ended('disconnected'));
    on('MessagingService.conversationCleared', () => ended('cleared'));
  };
  listen();
  page?.addEventListener('visibilitychange', () => {
    if (!hidden() && live?.paused) tick();
  });

  /**
   * @param {Ticket} t
   * @returns {Promise<StartResult>}
   */
  const handOff = async (t) => {
    if (t.strategy === 'messenger') {
      try {
        await setAttributes(t.customAttributes);
      } catch (cause) {
        throw asHandoffError(cause, 'Messenger refused the session attributes');
      }
      engaged = true;
      // Messenger rejects `open` when it is already open; the attributes are set either way.
      await command('Messenger.open', {}).catch(ignore);
      emit({ type: 'handed-off', strategy: t.strategy });
      if (!active) keepFresh(t);
      return { strategy: t.strategy };
    }
    const startConversation = options.startConversation;
    if (typeof startConversation !== 'function') {
      throw new SecureMessagingError('config', 'initiation-api needs startConversation');
    }
    const conversationId = /** @type {string} */ (t.conversationId);
    try {
      await withDeadline(
        () => startConversation({ conversationId, token: /** @type {string} */ (t.token) }),
        'startConversation',
      );
    } catch (cause) {
      throw asHandoffError(cause, 'the widget did not start');
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
     * Gets a ticket now and keeps it in memory for `start()` (nothing while a conversation
     * runs or a handed-over ticket is kept fresh).
     * @param {object} [request] What the page asks about, e.g. `{orderId: '88472'}`.
     * @returns {Promise<void>}
     */
    prepare(request = {}) {
      return serialise(false, async () => {
        if (!ticket && !live && !active) ticket = await initiate(request);
      });
    },

    /**
     * Re-checks the ticket Messenger holds and refreshes it now if it is due. The client does
     * this on its own timer and when the page becomes visible; call it after moving a demo's
     * clock, or when the site knows the device woke up.
     */
    check() {
      if (live) keepFresh(live.t);
    },

    /**
     * Starts the secure chat: gets (or reuses, refreshing if needed) a ticket and hands it to
     * the widget. With Messenger, a conversation that already runs (restored after a reload)
     * or a ticket already handed over is not initiated again: Messenger is only opened.
     *
     * With Messenger, `Messenger.open` is commanded only after `Database.set` resolved. A new
     * Messenger session is configured when Messenger first opens, and a deployment with
     * autostart sends its `Join` right after that session's answer: so the `Join` carries the
     * session hash. On such a deployment let Messenger open only through `start()` (keep its
     * launcher hidden until then): a session the customer opened first starts the
     * conversation without the hash, which Architect routes to the default queue.
     * @param {object} [request] What the page asks about, e.g. `{orderId: '88472'}`.
     * @returns {Promise<StartResult>}
     */
    start(request = {}) {
      return serialise(true, async () => {
        lastRequest = request;
        if (options.whenReady) {
          await options.whenReady().catch((cause) => {
            throw asHandoffError(cause, 'the widget did not load');
          });
        }
        if (typeof genesys() === 'function') {
          // Messenger first: a conversation restored after a reload needs no new ticket.
          await whenDatabaseReady().catch((cause) => {
            throw asHandoffError(cause, 'Messenger did not get ready');
          });
          if (active || live) {
            await command('Messenger.open', {}).catch(ignore);
            return { strategy: 'messenger', active };
          }
        }
        let t = ticket ?? (await initiate(request));
        // Aged before the hand-over (a lazy widget, a slow click): refresh, else initiate afresh.
        if (now() + margin >= t.deadline) t = await refresh(t).catch((e) => (refreshFailed(e), initiate(request)));
        ticket = null;
        return handOff(t);
      });
    },

    /**
     * Forgets the tickets held (e.g. on sign-out), stops keeping one fresh and prepares none
     * when the conversation ends. A ticket Messenger holds but has not sent is overwritten with
     * empty values, so a message written after sign-out carries no one's context.
     */
    clear() {
      const held = live?.t;
      ticket = null;
      engaged = false;
      stopLive();
      if (held && !active) {
        const blank = Object.fromEntries(Object.keys(held.customAttributes ?? {}).map((k) => [k, '']));
        command('Database.set', { messaging: { customAttributes: blank } }).catch(ignore);
      }
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
 * @param {{type?: string, title?: string, detail?: string, reason?: string}} problem
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
    reason: typeof problem.reason === 'string' ? problem.reason : undefined,
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
