// A site's TypeScript against the published declarations (secure-messaging.d.ts): compiled by
// test/unit/package.test.mjs. A declaration that loses a type or an option breaks it.
import {
  createSecureMessaging,
  retryAfterMs,
  SecureMessagingError,
  type SecureMessagingEvent,
  type StartResult,
} from '../../secure-messaging.js';

const log: SecureMessagingEvent[] = [];

const chat = createSecureMessaging({
  apiBase: 'https://chat-api.example.com',
  getSessionToken: async ({ renew }) => (renew ? 'fresh-jwt' : 'jwt'),
  whenReady: async () => undefined,
  onEvent: (event) => {
    log.push(event);
    if (event.type === 'gave-up') {
      const queue: 'default-queue' = event.fallback;
      const until: string = event.validUntil;
      void [queue, until];
    }
    if (event.type === 'refreshed') {
      const count: number = event.count;
      void count;
    }
    if (event.type === 'error') {
      const code: SecureMessagingError['code'] = event.error.code;
      void code;
    }
  },
  startConversation: async ({ conversationId, token }) => `${conversationId}:${token}`,
});

async function run(): Promise<void> {
  await chat.prepare({ orderId: '88472' });
  const started: StartResult = await chat.start({ orderId: '88472' });
  const strategy: string = started.strategy;
  const active: boolean | undefined = started.active;
  void [strategy, active];
  chat.check();
  chat.clear();
  const wait: number | null = retryAfterMs('3', Date.now());
  void wait;
  // @ts-expect-error the session token provider is required
  createSecureMessaging({});
  // @ts-expect-error events are a closed union
  const bogus: SecureMessagingEvent = { type: 'not-an-event' };
  void bogus;
}

void run;
