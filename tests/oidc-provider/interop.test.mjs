// A real OpenID Provider's tokens against the local stack configured as a site configures it:
// `oidc-provider` (provider.mjs) on 127.0.0.1, a user signed in with the authorization-code flow
// and PKCE through its interaction endpoints, then its ID token (RS256, no `nbf`) and its JWT
// access token (ES256, `typ: at+jwt`, no `nbf`) sent to `initiate` on the local stack started
// with JWKS_URL, JWT_ISSUER and JWT_AUDIENCE pointing at the provider. Both get 201, and
// validate-session answers `valid: true` with the tier and segment the provider put in them.
//
// LOCAL_BIN names the local stack's binary (scripts/oidc-interop.sh builds it).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { ACCOUNTS, CLIENT_ID, REDIRECT_URI, RESOURCE, startProvider } from './provider.mjs';

const LOCAL_BIN = process.env.LOCAL_BIN;
/** The local stack's default data-action credential. */
const DATA_ACTION = Buffer.from('architect:local-dev-only').toString('base64');

let provider;
let stack;

/** The cookies a browser keeps across the sign-in (path and expiry are not needed here). */
class CookieJar {
  #cookies = new Map();

  keep(response) {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }
}

/** The payload and header of a compact JWS. */
function decode(jwt) {
  const [header, payload] = jwt.split('.').slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  return { header, payload };
}

/**
 * Signs `login` in as a browser would: authorization request with PKCE and a resource
 * indicator, the login and consent interactions, then the code exchanged at the token endpoint.
 */
async function signIn(issuer, login) {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = new URL('/auth', issuer);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid shop',
    resource: RESOURCE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomUUID(),
    nonce: randomUUID(),
  }).toString();
  let next = authorize;
  let code;
  for (let step = 0; step < 12 && !code; step += 1) {
    const response = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.keep(response);
    if (response.status !== 303 && response.status !== 302) {
      // An interaction page: submit the form it renders (login, then consent).
      const page = await response.text();
      assert.equal(response.status, 200, `step ${step}: ${page}`);
      const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
      const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
      assert.ok(prompt && action, `step ${step}: an interaction form`);
      const submitted = await fetch(new URL(action, issuer), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt, login, password: 'any' }).toString(),
      });
      jar.keep(submitted);
      assert.ok([302, 303].includes(submitted.status), `step ${step}: ${submitted.status}`);
      next = new URL(submitted.headers.get('location'), issuer);
      continue;
    }
    const location = new URL(response.headers.get('location'), issuer);
    if (`${location.origin}${location.pathname}` === REDIRECT_URI) {
      assert.equal(location.searchParams.get('error'), null, location.toString());
      code = location.searchParams.get('code');
    } else {
      next = location;
    }
  }
  assert.ok(code, 'the provider redirected back with a code');
  const token = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      code_verifier: verifier,
      resource: RESOURCE,
    }).toString(),
  });
  const body = await token.json();
  assert.equal(token.status, 200, JSON.stringify(body));
  return { idToken: body.id_token, accessToken: body.access_token };
}

/** Starts the local stack with `env` and resolves with its base URL and banner. */
function startStack(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(LOCAL_BIN, ['--port', '0'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`local did not print its banner within 60 s: ${out}${err}`));
    }, 60_000);
    timer.unref();
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => reject(e));
    child.on('exit', (status) => reject(new Error(`local exited ${status}: ${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const listening = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (listening && out.includes('\ntry:')) {
        clearTimeout(timer);
        resolve({ child, base: listening[1], banner: out });
      }
    });
  });
}

async function initiate(base, token) {
  const response = await fetch(`${base}/v1/initiations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ orderId: '88472' }),
  });
  return { status: response.status, body: await response.json() };
}

async function validate(base, sessionHash) {
  const response = await fetch(`${base}/v1/session-validations`, {
    method: 'POST',
    headers: { authorization: `Basic ${DATA_ACTION}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sessionHash, conversationId: randomUUID() }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

/** Sends `token` to initiate (201) and the session hash to validate-session: Architect's view. */
async function assertRoutedAs(base, token, account) {
  const issued = await initiate(base, token);
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  const answer = await validate(base, issued.body.sessionHash);
  assert.equal(answer.valid, true, JSON.stringify(answer));
  assert.equal(answer.priority_tier, String(account.tier));
  assert.equal(answer.geo_segment, account.geo);
}

before(async () => {
  assert.ok(LOCAL_BIN, 'LOCAL_BIN names the local stack binary (scripts/oidc-interop.sh sets it)');
  provider = await startProvider();
  stack = await startStack({
    JWKS_URL: `${provider.issuer}/jwks`,
    JWT_ISSUER: provider.issuer,
    JWT_AUDIENCE: `${CLIENT_ID},${RESOURCE}`,
  });
});

after(async () => {
  stack?.child.removeAllListeners('exit');
  stack?.child.kill();
  await provider?.close();
});

test('the banner names the provider in force', () => {
  assert.match(stack.banner, new RegExp(`identity provider\\s+${provider.issuer}, keys from ${provider.issuer}/jwks`));
});

test('the ID token (RS256, no nbf) gets 201 and validate-session returns its tier and segment', async () => {
  const { idToken } = await signIn(provider.issuer, 'jane');
  const { header, payload } = decode(idToken);
  assert.equal(header.alg, 'RS256');
  assert.equal(payload.aud, CLIENT_ID);
  assert.equal(payload.nbf, undefined);
  assert.equal(payload.tier, ACCOUNTS.jane.tier);
  await assertRoutedAs(stack.base, idToken, ACCOUNTS.jane);
});

test('the JWT access token (ES256, at+jwt, no nbf) gets 201 and validate-session returns its tier and segment', async () => {
  const { accessToken } = await signIn(provider.issuer, 'omar');
  const { header, payload } = decode(accessToken);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.typ, 'at+jwt');
  assert.equal(payload.aud, RESOURCE);
  assert.equal(payload.client_id, CLIENT_ID);
  assert.equal(payload.nbf, undefined);
  await assertRoutedAs(stack.base, accessToken, ACCOUNTS.omar);
});

test('a token of the development provider is refused while the site\'s provider is in force', async () => {
  const login = await fetch(`${stack.base}/dev/login?sub=mallory&tier=3&geo=emea`);
  const { token } = await login.json();
  const refused = await initiate(stack.base, token);
  assert.equal(refused.status, 401);
});
