// A real OpenID Provider on 127.0.0.1: the npm package `oidc-provider` (an OpenID Certified
// implementation), configured as a site's provider would be for this package:
//
// - one public client (`shop-web`) using the authorization-code flow with PKCE;
// - a `shop` scope whose claims, `tier` and `geo`, the provider puts in the ID token (signed
//   RS256, the client's default) and, as extra token claims, in the access token;
// - an API (`https://api.shop.example`) requested with a resource indicator (RFC 8707), for
//   which the access token is a JWT (RFC 9068: `typ: at+jwt`) signed ES256;
// - the development interactions (`/interaction/:uid`), which a test drives with plain HTTP.
//
// Neither token carries `nbf`. Run alone (`npm run provider`) it prints the variables that point
// the local stack at it.

import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

export const CLIENT_ID = 'shop-web';
export const RESOURCE = 'https://api.shop.example';
export const REDIRECT_URI = 'http://127.0.0.1/callback';

/** The users this provider knows, with the claims the site's schema routes on. */
export const ACCOUNTS = {
  jane: { tier: 2, geo: 'emea' },
  omar: { tier: 3, geo: 'apac' },
};

function privateJwk(type, options, kid) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid };
}

/**
 * Starts the provider on a free loopback port.
 * @returns {Promise<{ issuer: string, close: () => Promise<void> }>}
 */
export async function startProvider() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: {
      keys: [
        privateJwk('rsa', { modulusLength: 2048 }, 'rs256-1'),
        privateJwk('ec', { namedCurve: 'P-256' }, 'es256-1'),
      ],
    },
    scopes: ['openid', 'shop'],
    claims: { openid: ['sub'], shop: ['tier', 'geo'] },
    // The ID token carries the claims of the scopes granted, as sites' providers put the claims
    // an application needs in its ID token.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      const claims = ACCOUNTS[sub];
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...claims }) };
    },
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken') return undefined;
      return ACCOUNTS[token.accountId];
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'shop',
          audience: RESOURCE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    close: () => new Promise((resolve) => { server.close(() => resolve()); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { issuer } = await startProvider();
  process.stdout.write(`oidc-provider listening on ${issuer}\n\nthe local stack against it:\n`
    + `  JWKS_URL=${issuer}/jwks JWT_ISSUER=${issuer} JWT_AUDIENCE=${CLIENT_ID},${RESOURCE} cargo run -p local\n`);
}
