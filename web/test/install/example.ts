import {
  createSecureMessaging,
  retryAfterMs,
  SecureMessagingError,
  type SecureMessagingEvent,
  type StartResult,
} from 'genesys-secure-messaging';

// Your site's own sign-in and chat button.
declare const auth: { getToken(options: { force: boolean }): Promise<string> };
declare const chatButton: HTMLButtonElement;

const chat = createSecureMessaging({
  // Where the stack's HTTP API answers (the `ApiUrl` output of the deploy).
  apiBase: 'https://chat-api.example.com',
  // The signed-in user's session token; `renew` asks for a fresh one after a 401.
  getSessionToken: ({ renew }) => auth.getToken({ force: renew }),
  onEvent: (event: SecureMessagingEvent) => {
    if (event.type === 'gave-up') {
      console.info(`a message sent now reaches the ${event.fallback}`);
    }
  },
});

chatButton.addEventListener('click', async () => {
  try {
    const started: StartResult = await chat.start({ orderId: '88472' });
    console.info(`chat opened (${started.strategy})`);
  } catch (error) {
    if (error instanceof SecureMessagingError && error.code === 'rate-limited') {
      console.info(`try again in ${retryAfterMs('30', Date.now())} ms`);
    } else {
      throw error;
    }
  }
});

// On sign-out: nothing of this user's context stays with Messenger.
export function signedOut(): void {
  chat.clear();
}
