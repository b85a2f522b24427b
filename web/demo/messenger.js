// Messenger on the demo page: its snippet (a command queue that the script takes over when it
// loads), loaded at once as a real page loads it, so a conversation survives a reload. The
// script is the local stack's stand-in (`/dev/genesys-stand-in.js`).

/** Messenger's events the demo shows and passes on to its sections. */
const EVENTS = [
  'Messenger.opened',
  'Messenger.closed',
  'Conversations.started',
  'MessagingService.messagesReceived',
  'MessagingService.conversationDisconnected',
  'MessagingService.conversationCleared',
  'MessagingService.restored',
  'MessagingService.error',
];

/**
 * Installs the snippet for `deploymentId`, loads the script and forwards Messenger's events as
 * `messenger` events (`{name, data}`) through `emit`.
 * @param {string} deploymentId
 * @param {(type: string, detail: any) => void} emit
 */
export function installMessenger(deploymentId, emit) {
  const queue = function () {
    (queue.q = queue.q || []).push(arguments);
  };
  queue.c = { environment: 'development', deploymentId };
  window.Genesys = queue;
  for (const name of EVENTS) window.Genesys('subscribe', name, (e) => emit('messenger', { name, data: e?.data ?? {} }));
  const loaded = new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/dev/genesys-stand-in.js';
    script.onload = () => resolve(undefined);
    script.onerror = () => reject(new Error('Messenger did not load'));
    document.head.append(script);
  });
  /** A Messenger command as a promise. */
  const command = (name, options = {}) =>
    new Promise((resolve, reject) => window.Genesys('command', name, options, resolve, reject));
  /** Resolves with the data of the next `name` event. */
  const next = (name) => new Promise((resolve) => window.Genesys('subscribe', name, (e) => resolve(e?.data)));
  return { loaded, command, next };
}
