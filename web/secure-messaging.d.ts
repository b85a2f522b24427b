/**
 * Creates a client. Call `start()` when the user asks to chat; call `prepare()` earlier to
 * have a ticket ready (it is refreshed at `start()` if it aged).
 * @param {SecureMessagingOptions} options
 */
export function createSecureMessaging(options: SecureMessagingOptions): {
    /**
     * Gets a ticket now and keeps it in memory for `start()` (nothing while a conversation
     * runs or a handed-over ticket is kept fresh).
     * @param {object} [request] What the page asks about, e.g. `{orderId: '88472'}`.
     * @returns {Promise<void>}
     */
    prepare(request?: object): Promise<void>;
    /**
     * Re-checks the ticket Messenger holds and refreshes it now if it is due. The client does
     * this on its own timer and when the page becomes visible; call it after moving a demo's
     * clock, or when the site knows the device woke up.
     */
    check(): void;
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
    start(request?: object): Promise<StartResult>;
    /**
     * Forgets the tickets held (e.g. on sign-out), stops keeping one fresh and prepares none
     * when the conversation ends. A ticket Messenger holds but has not sent is overwritten with
     * empty values, so a message written after sign-out carries no one's context.
     */
    clear(): void;
};
/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date; `null` when unreadable.
 * @param {string | null} header
 * @param {number} nowMs
 * @returns {number | null}
 */
export function retryAfterMs(header: string | null, nowMs: number): number | null;
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
    constructor(code: "unauthorized" | "refused" | "rate-limited" | "invalid-request" | "server" | "network" | "timeout" | "protocol" | "handoff" | "config", message: string, details?: {
        status?: number;
        problemType?: string;
        reason?: string;
        cause?: unknown;
    });
    code: "rate-limited" | "unauthorized" | "refused" | "invalid-request" | "server" | "network" | "timeout" | "protocol" | "handoff" | "config";
    /** HTTP status, when the API answered. */
    status: number | undefined;
    /** The problem+json `type`, when the API sent one. */
    problemType: string | undefined;
    /** The problem's `reason` member (why a refresh was refused), when the API sent one. */
    reason: string | undefined;
}
/**
 * Messenger's global `Genesys` function (or its pre-load command queue).
 */
export type GenesysCommand = (kind: string, name: string, options?: unknown, resolve?: (value?: unknown) => void, reject?: (reason?: unknown) => void) => void;
export type SecureMessagingOptions = {
    /**
     *   The site's session token (a JWT from its identity provider). `renew` is true after the
     *   backend refused the previous one: return a fresh token then.
     */
    getSessionToken: (context: {
        renew: boolean;
    }) => Promise<string>;
    /**
     * Where the API lives, e.g. `https://chat-api.example.com`
     * (default: same origin).
     */
    apiBase?: string | undefined;
    /**
     * Messenger's `Genesys` function
     * (default: `globalThis.Genesys`, read when needed, so the snippet may load lazily).
     */
    genesys?: (() => (GenesysCommand | undefined)) | undefined;
    /**
     * `initiation-api` strategy: starts the widget with the platform token.
     */
    startConversation?: ((start: {
        conversationId: string;
        token: string;
    }) => Promise<unknown>) | undefined;
    /**
     * Awaited before the hand-over (e.g. until the
     * widget script has loaded); the ticket's expiry is checked after it.
     */
    whenReady?: (() => Promise<unknown>) | undefined;
    /**
     * Progress and errors. Events
     * never carry a token or a session hash.
     */
    onEvent?: ((event: SecureMessagingEvent) => void) | undefined;
    /**
     * Refresh a ticket this close to its expiry (default 10 s).
     */
    expiryMarginMs?: number | undefined;
    /**
     * Trust a ticket at most this long after receiving
     * it, whatever the browser's clock says (default 60 s, the backend's default TTL).
     */
    maxTicketLifetimeMs?: number | undefined;
    /**
     * Longest `Retry-After` waited for (default 30 s).
     */
    maxRetryAfterMs?: number | undefined;
    /**
     * Deadline of each HTTP call and Messenger command (default 10 s).
     */
    timeoutMs?: number | undefined;
    /**
     * For tests.
     */
    fetch?: typeof fetch | undefined;
    /**
     * Milliseconds since the epoch; for tests and demos.
     */
    now?: (() => number) | undefined;
    /**
     * For tests.
     */
    sleep?: ((ms: number) => Promise<void>) | undefined;
};
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
 */
export type SecureMessagingEvent = {
    type: "initiated";
    strategy: string;
    expiresAt: string;
    chainExpiresAt?: string;
} | {
    type: "refreshed";
    strategy: string;
    expiresAt: string;
    count: number;
} | {
    type: "refresh-failed";
    code: string;
    status?: number;
    reason?: string;
} | {
    type: "session-token-renewed";
} | {
    type: "rate-limited";
    retryAfterMs: number;
} | {
    type: "handed-off";
    strategy: string;
    conversationId?: string;
} | {
    type: "paused";
    reason: "hidden";
} | {
    type: "conversation-started";
} | {
    type: "conversation-restored";
} | {
    type: "conversation-ended";
    how: "disconnected" | "cleared";
} | {
    type: "gave-up";
    reason: "chain-ended" | "refresh-failed";
    fallback: "default-queue";
    validUntil: string;
} | {
    type: "error";
    error: SecureMessagingError;
};
export type StartResult = {
    /**
     * `messenger` or `initiation-api`.
     */
    strategy: string;
    /**
     * The conversation (`initiation-api` only).
     */
    conversationId?: string | undefined;
    /**
     * A conversation already runs (restored after a reload, or
     * started): Messenger was opened and nothing was initiated.
     */
    active?: boolean | undefined;
};
export type Ticket = {
    strategy: string;
    sessionHash: string;
    expiresAt: string;
    chainExpiresAt?: string | undefined;
    /**
     * How long it validates, from receipt (milliseconds).
     */
    life: number;
    /**
     * Local time after which the ticket is not trusted.
     */
    deadline: number;
    customAttributes?: Record<string, string> | undefined;
    conversationId?: string | undefined;
    token?: string | undefined;
};
