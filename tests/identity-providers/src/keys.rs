//! Signing keys as identity providers hold them, and their public halves in each provider's JWK
//! shape: RSA 2048 or P-256, with or without `alg`, with the X.509 certificate of the same key in
//! `x5c` and its thumbprints in `x5t` / `x5t#S256` where a provider publishes those.

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, SHA256, digest};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};

/// A private key that signs tokens, with its `kid` and its self-signed certificate.
pub struct SigningKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    cert_der: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh RSA 2048 key that signs RS256.
    pub fn rsa(kid: &str) -> Self {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("an RSA key");
        let pkcs8: Pkcs8V1Der<'_> = pair.as_der().expect("its PKCS#8");
        let pem = rcgen::KeyPair::try_from(pkcs8.as_ref())
            .expect("rcgen takes the key")
            .serialize_pem();
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("an RSA signing key");
        let cert_der = certificate(pkcs8.as_ref());
        Self::with(kid, Algorithm::RS256, encoding, cert_der)
    }

    /// A fresh P-256 key that signs ES256.
    pub fn ec(kid: &str) -> Self {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("an EC key");
        let pkcs8 = pair.to_pkcs8v1().expect("its PKCS#8");
        let encoding = EncodingKey::from_ec_der(pkcs8.as_ref());
        let cert_der = certificate(pkcs8.as_ref());
        Self::with(kid, Algorithm::ES256, encoding, cert_der)
    }

    fn with(kid: &str, alg: Algorithm, encoding: EncodingKey, cert_der: Vec<u8>) -> Self {
        Self {
            kid: kid.to_owned(),
            alg,
            encoding,
            cert_der,
        }
    }

    /// Its `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key's own members (`kty` and `n`/`e`, or `kty`, `crv`, `x`/`y`), then
    /// `members` in the order given: a provider's JWK as it publishes it.
    pub fn jwk(&self, members: Value) -> Value {
        let jwk = Jwk::from_encoding_key(&self.encoding, self.alg).expect("a public JWK");
        let full = serde_json::to_value(jwk).expect("JSON");
        let mut out = Map::new();
        for name in ["kty", "crv", "n", "e", "x", "y"] {
            if let Some(v) = full.get(name) {
                out.insert(name.to_owned(), v.clone());
            }
        }
        if let Value::Object(members) = members {
            out.extend(members);
        }
        Value::Object(out)
    }

    /// The certificate chain member: the certificate, standard base64 DER.
    pub fn x5c(&self) -> Value {
        json!([STANDARD.encode(&self.cert_der)])
    }

    /// The certificate's SHA-1 thumbprint, base64url.
    pub fn x5t(&self) -> String {
        URL_SAFE_NO_PAD.encode(digest(&SHA1_FOR_LEGACY_USE_ONLY, &self.cert_der))
    }

    /// The certificate's SHA-256 thumbprint, base64url.
    pub fn x5t_s256(&self) -> String {
        URL_SAFE_NO_PAD.encode(digest(&SHA256, &self.cert_der))
    }

    /// A compact JWS of `claims` under `header`, byte for byte as given, signed with this key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let message = format!("{}.{}", b64(header), b64(claims));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, self.alg)
            .expect("the key signs");
        format!("{message}.{signature}")
    }
}

/// An RSA key published for encryption only (`use: enc`, `alg: RSA-OAEP`), as Keycloak and
/// others publish one beside their signing keys.
pub fn encryption_jwk(kid: &str) -> Value {
    SigningKey::rsa(kid).jwk(json!({"kid": kid, "use": "enc", "alg": "RSA-OAEP"}))
}

/// `{"keys": [...]}`.
pub fn key_set(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).expect("JSON")
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}

fn certificate(pkcs8: &[u8]) -> Vec<u8> {
    let pair = rcgen::KeyPair::try_from(pkcs8).expect("rcgen takes the key");
    let params = rcgen::CertificateParams::new(vec!["idp.example".to_owned()]).expect("params");
    params
        .self_signed(&pair)
        .expect("a self-signed certificate")
        .der()
        .to_vec()
}
