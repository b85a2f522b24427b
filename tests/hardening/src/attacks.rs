//! Crafted session tokens: every way we know to forge, stretch or break one, each built for
//! real (signed where the attack needs a signature) and sent to the running handlers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use genesys_sandbox::idp::{Algorithm, DevIdp};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::harness::{Auth, Exposure, Stack, assert_problem};

/// One crafted token.
#[derive(Debug, Clone)]
pub struct Attack {
    /// What it tries.
    pub name: &'static str,
    /// The `Authorization` header value to send.
    pub authorization: String,
}

/// A loopback listener that counts every connection made to it and answers none: an attacker's
/// key server that the verifier must never contact.
#[derive(Debug)]
pub struct Tripwire {
    addr: SocketAddr,
    hits: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Tripwire {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let hits = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&hits);
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        Self { addr, hits, task }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Connections received so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Tripwire {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}

/// Claims a genuine login would carry for `sub` (with the schema's `tier` and `geo`).
fn claims(idp: &DevIdp, sub: &str) -> Map<String, Value> {
    let mut c = idp.claims_for(sub);
    c.insert("tier".into(), json!(2));
    c.insert("geo".into(), json!("na-east"));
    c
}

fn with(mut c: Map<String, Value>, name: &str, value: Value) -> Map<String, Value> {
    c.insert(name.to_owned(), value);
    c
}

fn hmac_token(
    alg: jsonwebtoken::Algorithm,
    kid: &str,
    claims: &Map<String, Value>,
    secret: &[u8],
) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("HMAC signs")
}

fn bearer(token: String) -> String {
    format!("Bearer {token}")
}

/// Builds every attack. `attacker` is a second identity provider with its own key pairs but
/// the same `kid`s, issuer and audience: everything except the private keys is right.
pub fn catalogue(idp: &DevIdp, attacker: &DevIdp, tripwire: &Tripwire) -> Vec<Attack> {
    use Algorithm::{ES256, RS256};
    let sub = "attack-subject";
    let es_kid = idp.kid(ES256).expect("kid");
    let rs_kid = idp.kid(RS256).expect("kid");
    let good = claims(idp, sub);
    // Our key, these claims.
    let sign = |c: Map<String, Value>, alg| idp.sign(&c, alg).expect("signs");
    // Our key, the genuine claims with one changed (`null` removes it).
    let claim = |name: &str, value: Value, alg| sign(with(good.clone(), name, value), alg);
    // Our key under a header we write.
    let ours = |h: Value, alg| {
        idp.sign_raw(&h, &Value::Object(good.clone()), alg)
            .expect("signs")
    };
    // The attacker's key under a header the attacker writes.
    let theirs = |h: Value, alg| {
        attacker
            .sign_raw(&h, &Value::Object(claims(attacker, sub)), alg)
            .expect("signs")
    };
    let hs = |alg, kid: &str, secret: &[u8]| hmac_token(alg, kid, &good, secret);
    let valid = sign(good.clone(), ES256);
    let parts: Vec<&str> = valid.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let rs_pem = idp.public_key_pem(RS256).expect("pem");
    let es_pem = idp.public_key_pem(ES256).expect("pem");
    let es_der = idp.public_key_der(ES256).expect("der");
    let attacker_jwk = attacker.jwks_json()["keys"][0].clone();
    let tampered = b64(&Value::Object(with(good.clone(), "tier", json!(1))));
    let unpadded = |seg: &str| STANDARD.encode(URL_SAFE_NO_PAD.decode(seg).expect("base64url"));
    let none = |h: Value, sig: &str| format!("{}.{p}.{sig}", b64(&h));

    let mut a = Vec::new();
    let mut add = |name: &'static str, token: String| {
        a.push(Attack {
            name,
            authorization: bearer(token),
        });
    };
    add(
        "alg none, empty signature",
        none(json!({"alg": "none", "typ": "JWT"}), ""),
    );
    add(
        "alg None (mixed case)",
        none(json!({"alg": "None", "kid": es_kid}), ""),
    );
    add(
        "alg none with the original signature",
        none(json!({"alg": "none"}), s),
    );
    add(
        "HS256 signed with the RSA public key PEM",
        hs(jsonwebtoken::Algorithm::HS256, &rs_kid, rs_pem.as_bytes()),
    );
    add(
        "HS256 signed with the EC public key PEM",
        hs(jsonwebtoken::Algorithm::HS256, &es_kid, es_pem.as_bytes()),
    );
    add(
        "HS512 signed with the EC public key DER",
        hs(jsonwebtoken::Algorithm::HS512, &es_kid, &es_der),
    );
    add(
        "unknown kid",
        ours(json!({"alg": "ES256", "kid": "ghost-key"}), ES256),
    );
    add(
        "kid with path traversal",
        ours(json!({"alg": "ES256", "kid": "../../../dev/null"}), ES256),
    );
    add(
        "kid that is not a string",
        ours(json!({"alg": "ES256", "kid": 7}), ES256),
    );
    let jku = tripwire.url("/jwks.json");
    add(
        "jku pointing at an attacker's key server",
        theirs(
            json!({"alg": "ES256", "kid": "attacker-1", "jku": jku}),
            ES256,
        ),
    );
    let x5u = tripwire.url("/cert.pem");
    add(
        "x5u pointing at an attacker's certificate",
        theirs(
            json!({"alg": "RS256", "kid": "attacker-2", "x5u": x5u}),
            RS256,
        ),
    );
    add(
        "jwk header embedding the attacker's key",
        theirs(json!({"alg": "ES256", "jwk": attacker_jwk}), ES256),
    );
    add(
        "jku plus a known kid, signed by the attacker",
        theirs(json!({"alg": "ES256", "kid": es_kid, "jku": jku}), ES256),
    );
    let bogus_chain = [STANDARD.encode(b"not a certificate")];
    add(
        "x5c with a bogus certificate chain",
        theirs(json!({"alg": "RS256", "x5c": bogus_chain}), RS256),
    );
    add(
        "a valid token from another key pair with the same kid",
        attacker.sign(&claims(attacker, sub), ES256).expect("signs"),
    );
    add(
        "expired an hour ago",
        claim("exp", json!(now() - 3600), ES256),
    );
    add(
        "nbf an hour in the future",
        claim("nbf", json!(now() + 3600), ES256),
    );
    add(
        "wrong iss",
        claim("iss", json!("https://evil.example/"), ES256),
    );
    add("wrong aud", claim("aud", json!("another-app"), RS256));
    add(
        "aud array without ours",
        claim("aud", json!(["another-app", "x"]), RS256),
    );
    add(
        "aud and client_id both absent",
        claim("aud", Value::Null, ES256),
    );
    add(
        "no aud, a client_id that is not configured",
        sign(
            with(
                with(good.clone(), "aud", Value::Null),
                "client_id",
                json!("another-app"),
            ),
            ES256,
        ),
    );
    add("missing exp", claim("exp", Value::Null, ES256));
    add("missing sub", claim("sub", Value::Null, ES256));
    add("empty sub", claim("sub", json!("  "), ES256));
    add(
        "string exp far in the future",
        claim("exp", json!("9999999999"), ES256),
    );
    add("string nbf", claim("nbf", json!("0"), RS256));
    add(
        "tampered payload with the original signature",
        format!("{h}.{tampered}.{s}"),
    );
    add("truncated", valid[..valid.len() / 2].to_owned());
    add("signature stripped, trailing dot kept", format!("{h}.{p}."));
    add("signature stripped, two segments", format!("{h}.{p}"));
    add("one extra segment", format!("{valid}.{s}"));
    add("five segments (JWE shape)", format!("{h}.{p}.{s}.{s}.{s}"));
    add(
        "oversized (9 KiB claim)",
        claim("pad", json!("x".repeat(9 * 1024)), ES256),
    );
    add(
        "non-base64url characters in the payload",
        format!("{h}.{}*!.{s}", &p[..p.len() - 2]),
    );
    add(
        "standard base64 with padding",
        format!("{}.{}.{s}", unpadded(h), unpadded(p)),
    );
    add(
        "payload that is not JSON",
        format!("{h}.{}.{s}", URL_SAFE_NO_PAD.encode(b"not json at all")),
    );
    add(
        "header that is a JSON array",
        format!("{}.{p}.{s}", b64(&json!(["ES256"]))),
    );
    add(
        "RS256 header on the EC key's kid",
        ours(json!({"alg": "RS256", "kid": es_kid}), RS256),
    );
    add(
        "ES256 header on the RSA key's kid",
        ours(json!({"alg": "ES256", "kid": rs_kid}), ES256),
    );
    add(
        "PS256, not in the allowed list",
        ours(json!({"alg": "PS256", "kid": rs_kid}), RS256),
    );
    add(
        "crit header extension",
        ours(
            json!({"alg": "ES256", "kid": es_kid, "crit": ["exp"]}),
            ES256,
        ),
    );
    add("empty token", String::new());
    a.push(Attack {
        name: "a valid token under the Basic scheme",
        authorization: format!("Basic {valid}"),
    });
    a.push(Attack {
        name: "a valid token with no scheme",
        authorization: valid,
    });
    a
}

/// What the attack run measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttackFigures {
    /// Distinct crafted tokens.
    pub cases: usize,
    /// Requests sent (each token to initiate and to refresh).
    pub requests: usize,
    /// JWKS fetches the attacks caused.
    pub jwks_refetches: u64,
    /// Connections to the attacker's key server.
    pub tripwire_hits: u64,
}

/// Sends every attack to initiate and refresh; each must get 401 with `WWW-Authenticate`.
pub async fn run_all(stack: &Stack, seen: &mut Exposure) -> AttackFigures {
    let attacker = DevIdp::with_defaults().expect("a second identity provider");
    let tripwire = Tripwire::start().await;
    // A genuine token works first (and fills the key cache: one JWKS fetch).
    let genuine = stack.token("attack-control");
    seen.secret(genuine.clone());
    let control = stack
        .initiate(&genuine, &json!({"orderId": "1"}), None)
        .await;
    assert_eq!(control.status, 201, "{}", control.body);
    seen.reply(&control);
    seen.secret(control.json()["sessionHash"].as_str().unwrap_or_default());
    let fetches_before = stack.running.idp.jwks_fetch_count();
    let attacks = catalogue(&stack.running.idp, &attacker, &tripwire);
    let mut sent = 0;
    for attack in &attacks {
        if let Some(token) = attack.authorization.split_once(' ').map(|(_, t)| t) {
            seen.secret(token);
        }
        let auth = Auth::Raw(attack.authorization.clone());
        for (path, body) in [
            (
                "/v1/initiations",
                json!({ "orderId": crate::harness::ORDER_ID }),
            ),
            (
                "/v1/initiations/refresh",
                json!({"sessionHash": "A".repeat(43)}),
            ),
        ] {
            let reply = stack
                .send(path, &auth, Some("application/json"), body.to_string(), &[])
                .await;
            assert_eq!(
                reply.status, 401,
                "{} on {path}: {}",
                attack.name, reply.body
            );
            assert_eq!(
                reply.header("www-authenticate"),
                Some("Bearer error=\"invalid_token\""),
                "{}",
                attack.name
            );
            assert_problem(&reply, 401, "invalid-session-token");
            seen.reply(&reply);
            sent += 1;
        }
    }
    assert_eq!(
        tripwire.hits(),
        0,
        "a header-supplied key location was contacted"
    );
    let refetches = stack.running.idp.jwks_fetch_count() - fetches_before;
    assert!(
        refetches <= 1,
        "{refetches} JWKS fetches during the attacks: at most one refetch per interval"
    );
    assert!(
        stack.running.sandbox.requests().is_empty(),
        "no attack reached Genesys"
    );
    AttackFigures {
        cases: attacks.len(),
        requests: sent,
        jwks_refetches: refetches,
        tripwire_hits: tripwire.hits(),
    }
}

/// Wrong, missing and malformed data-action credentials: each gets 401 with
/// `WWW-Authenticate: Basic`. The comparison itself is constant-time (SHA-256 of both sides,
/// then `subtle::ConstantTimeEq`: `DataActionCredential::verify` in `shared/src/api/validate.rs`).
/// Returns how many were tried.
pub async fn data_action_credentials(stack: &Stack, seen: &mut Exposure) -> usize {
    let (user, pass) = stack.running.data_action_credential.clone();
    seen.secret(pass.clone());
    let basic = |raw: &str| format!("Basic {}", STANDARD.encode(raw.as_bytes()));
    let mut chopped = pass.clone();
    chopped.pop();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no Authorization header", None),
        ("wrong password", Some(basic(&format!("{user}:wrong")))),
        ("wrong user", Some(basic(&format!("nobody:{pass}")))),
        ("empty password", Some(basic(&format!("{user}:")))),
        ("empty user and password", Some(basic(":"))),
        (
            "password with one extra character",
            Some(basic(&format!("{user}:{pass}x"))),
        ),
        (
            "password missing its last character",
            Some(basic(&format!("{user}:{chopped}"))),
        ),
        (
            "user and password swapped",
            Some(basic(&format!("{pass}:{user}"))),
        ),
        ("password only, no colon", Some(basic(&pass))),
        ("trailing newline", Some(basic(&format!("{user}:{pass}\n")))),
        ("NUL inside", Some(basic(&format!("{user}:{pass}\0")))),
        (
            "upper-cased password",
            Some(basic(&format!("{user}:{}", pass.to_uppercase()))),
        ),
        ("not base64", Some("Basic !!!not-base64!!!".to_owned())),
        ("Basic with nothing after it", Some("Basic".to_owned())),
        (
            "the right credential under the Bearer scheme",
            Some(format!(
                "Bearer {}",
                STANDARD.encode(format!("{user}:{pass}"))
            )),
        ),
        (
            "the right credential unencoded",
            Some(format!("Basic {user}:{pass}")),
        ),
        ("4 KiB of base64", Some(basic(&"A".repeat(3 * 1024)))),
        (
            "a session token instead",
            Some(format!("Bearer {}", stack.token("credential-attack"))),
        ),
    ];
    let body =
        json!({"sessionHash": "A".repeat(43), "conversationId": crate::harness::conversation()})
            .to_string();
    for (name, header) in &cases {
        let auth = header.clone().map_or(Auth::None, Auth::Raw);
        let reply = stack
            .send(
                "/v1/session-validations",
                &auth,
                Some("application/json"),
                body.clone(),
                &[],
            )
            .await;
        assert_problem(&reply, 401, "invalid-credential");
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|v| v.starts_with("Basic")),
            "{name}"
        );
        seen.reply(&reply);
    }
    // The right one works, so the refusals above were about the credential.
    let ok = stack
        .validate(&"A".repeat(43), &crate::harness::conversation(), None)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    cases.len()
}
