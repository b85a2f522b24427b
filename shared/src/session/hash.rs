//! The `session_hash`: the opaque, short-lived handle the browser hands to Messenger and
//! Architect hands back to the validate-session data action; plus the keyed hashes that keep
//! raw subjects out of logs and the store.
//!
//! # Why it is built this way
//! - **Unguessable.** The guide's example `session_hash:a3f9c21` has 7 hex digits, 28 bits: an
//!   attacker who can call the validation endpoint (or start conversations) finds a live one
//!   after about 2^27 tries, which rate limits only slow down. A minted hash is 256 bits, written
//!   as 43 base64url characters without padding; guessing one is out of reach.
//! - **Random, not derived.** The hash is HMAC-SHA256 under the server's session-hash key over a
//!   fresh 256-bit random id from the operating system's CSPRNG (`SystemRandom`). It encodes no
//!   subject, time or counter, so it reveals nothing and two hashes are unrelated. The random id
//!   is used once, as HMAC input, and then dropped: it is never returned, logged or stored.
//! - **What the key adds.** Unguessability rests on the 256 random bits. The HMAC is defence in
//!   depth against a faulty random source: if the random ids were ever predictable, an attacker
//!   who predicted one still could not compute the issued hash without the key. The key does
//!   *not* make a leaked store harmless by itself; that is the adapters' job (they key records
//!   by a SHA-256 digest of the hash, never the hash itself, so a copy of the table holds no value
//!   that validates) together with the short ticket lifetime and single binding.
//! - **Domain separation.** The same key also yields [`SessionKeys::subject_key`] and
//!   [`SessionKeys::fingerprint`]; each use prefixes a distinct label, so a value of one kind can
//!   never equal a value of another (a subject key is never a valid session hash).

use std::fmt;

use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::seal::{SealError, Sealer};

/// The shortest session-hash key accepted: 256 bits, the HMAC-SHA256 output size.
pub const MIN_KEY_BYTES: usize = 32;

/// Length of a [`SessionHash`] in characters (256 bits in base64url without padding).
pub const SESSION_HASH_LEN: usize = 43;

const MINT_LABEL: &[u8] = b"secure-initiation/session-hash/v1\0";
const SUBJECT_LABEL: &[u8] = b"secure-initiation/subject-key/v1\0";
const FINGERPRINT_LABEL: &[u8] = b"secure-initiation/fingerprint/v1\0";
const SEAL_LABEL: &[u8] = b"secure-initiation/idempotency-seal/v1\0";

/// Why the session-hash key was refused. Never carries the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionKeyError {
    /// The key is too short to give HMAC-SHA256 its full strength.
    #[error("session-hash key has {len} bytes; at least {min} are required")]
    TooShort {
        /// Bytes given.
        len: usize,
        /// Bytes required.
        min: usize,
    },
    /// The operating system's random source failed (no hash can be minted safely).
    #[error("the system random source failed")]
    Random,
}

/// The server's session-hash key (from Secrets Manager), loaded once per container.
///
/// `Debug` never prints the key.
pub struct SessionKeys {
    key: hmac::Key,
    rng: SystemRandom,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys").finish_non_exhaustive()
    }
}

impl SessionKeys {
    /// Wraps the secret key; refuses keys shorter than [`MIN_KEY_BYTES`], because a short key
    /// would be the weakest link of every hash derived from it.
    pub fn from_secret(key_bytes: &[u8]) -> Result<Self, SessionKeyError> {
        if key_bytes.len() < MIN_KEY_BYTES {
            return Err(SessionKeyError::TooShort {
                len: key_bytes.len(),
                min: MIN_KEY_BYTES,
            });
        }
        Ok(Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, key_bytes),
            rng: SystemRandom::new(),
        })
    }

    /// Mints a fresh session hash (see the module docs for why it is built this way).
    #[allow(clippy::expect_used)]
    pub fn mint(&self) -> SessionHash {
        // Invariant: aws-lc's `RAND_bytes` aborts the process rather than return failure, so
        // `try_mint` cannot fail here; `try_mint` exists for callers that want the `Result`.
        self.try_mint()
            .expect("aws-lc's random source never reports failure")
    }

    /// Mints a fresh session hash, reporting a failure of the random source instead of retrying.
    pub fn try_mint(&self) -> Result<SessionHash, SessionKeyError> {
        let mut id = [0u8; 32];
        self.rng
            .fill(&mut id)
            .map_err(|_| SessionKeyError::Random)?;
        let tag = self.tag(MINT_LABEL, &[&id]);
        Ok(SessionHash(URL_SAFE_NO_PAD.encode(tag.as_ref())))
    }

    /// A keyed hash of a JWT subject (43 base64url characters), used in logs and the store in
    /// place of the raw subject, so neither ever holds a user identifier in the clear.
    /// Deterministic: the same subject always maps to the same key, which is what rate limits
    /// and ownership checks need.
    pub fn subject_key(&self, sub: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.tag(SUBJECT_LABEL, &[sub.as_bytes()]).as_ref())
    }

    /// A keyed hash of several byte strings (an idempotency fingerprint: subject + body).
    /// Each part is length-prefixed, so `["ab", "c"]` and `["a", "bc"]` differ.
    pub fn fingerprint(&self, parts: &[&[u8]]) -> String {
        URL_SAFE_NO_PAD.encode(self.tag(FINGERPRINT_LABEL, parts).as_ref())
    }

    /// The sealer of idempotency replay material: its AES-256 key is this key's HMAC of a label
    /// of its own, so it equals no hash, subject key or fingerprint.
    pub fn sealer(&self) -> Result<Sealer, SealError> {
        let tag = self.tag(SEAL_LABEL, &[]);
        let key: [u8; 32] = tag.as_ref().try_into().map_err(|_| SealError)?;
        Sealer::new(&key)
    }

    fn tag(&self, label: &[u8], parts: &[&[u8]]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(label);
        for part in parts {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
        ctx.sign()
    }
}

/// A well-formed session hash: exactly [`SESSION_HASH_LEN`] base64url characters encoding 256
/// bits. Being well formed says nothing about validity; only the store knows that.
///
/// It is a bearer credential for the validate step, so `Debug` shows only a short prefix and
/// there is no `Display`: call [`SessionHash::as_str`] where it is sent or stored.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionHash(String);

impl SessionHash {
    /// Checks the form (exact length, base64url alphabet, canonical final character) so a
    /// malformed value is answered `malformed` without a store round trip.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != SESSION_HASH_LEN {
            return None;
        }
        // The decoder rejects characters outside the URL-safe alphabet, padding and
        // non-canonical trailing bits, so exactly one string encodes each 32-byte value.
        match URL_SAFE_NO_PAD.decode(s) {
            Ok(bytes) if bytes.len() == 32 => Some(Self(s.to_owned())),
            _ => None,
        }
    }

    /// The value, for the response body, the Messenger hand-off and store calls.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes it into the string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// A short prefix for logs: enough to correlate lines, far too little to use.
    pub fn log_prefix(&self) -> &str {
        self.0.get(..6).unwrap_or("")
    }
}

impl fmt::Debug for SessionHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionHash({}…)", self.log_prefix())
    }
}

/// A session hash as a caller presented it: parsed once at the edge. A malformed one is an
/// answer of its own (`malformed` to Architect, an unknown hash to refresh), never an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresentedHash {
    /// Of the form a minted hash has; the store decides whether it is valid.
    WellFormed(SessionHash),
    /// Of any other form: no store lookup.
    Malformed,
}

impl PresentedHash {
    /// Checks the form of `s`.
    pub fn parse(s: &str) -> Self {
        SessionHash::parse(s).map_or(Self::Malformed, Self::WellFormed)
    }

    /// The hash, when well formed.
    pub fn well_formed(&self) -> Option<&SessionHash> {
        match self {
            Self::WellFormed(hash) => Some(hash),
            Self::Malformed => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn keys() -> SessionKeys {
        SessionKeys::from_secret(&[7u8; 32]).unwrap()
    }

    #[test]
    fn a_key_shorter_than_32_bytes_is_refused() {
        let err = SessionKeys::from_secret(&[1u8; 31]).unwrap_err();
        assert_eq!(err, SessionKeyError::TooShort { len: 31, min: 32 });
        assert!(SessionKeys::from_secret(&[1u8; 32]).is_ok());
    }

    #[test]
    fn a_minted_hash_is_43_base64url_characters_and_parses() {
        let hash = keys().mint();
        assert_eq!(hash.as_str().len(), SESSION_HASH_LEN);
        assert!(
            hash.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(SessionHash::parse(hash.as_str()), Some(hash));
    }

    #[test]
    fn minted_hashes_do_not_repeat() {
        let keys = keys();
        let seen: HashSet<String> = (0..1000).map(|_| keys.mint().into_string()).collect();
        assert_eq!(seen.len(), 1000);
    }

    #[test]
    fn malformed_hashes_are_refused() {
        let good = keys().mint().into_string();
        assert!(SessionHash::parse("a3f9c21").is_none());
        assert!(SessionHash::parse(&good[..42]).is_none());
        assert!(SessionHash::parse(&format!("{good}A")).is_none());
        let plus = format!("+{}", &good[1..]);
        assert!(SessionHash::parse(&plus).is_none());
        let padded = format!("{}=", &good[..42]);
        assert!(SessionHash::parse(&padded).is_none());
        // 43 characters whose last one carries non-zero padding bits.
        let non_canonical = format!("{}B", "A".repeat(42));
        assert!(SessionHash::parse(&non_canonical).is_none());
        assert!(SessionHash::parse(&format!("{}A", "A".repeat(42))).is_some());
        let multibyte = format!("{}é", "A".repeat(41));
        assert_eq!(multibyte.len(), 43);
        assert!(SessionHash::parse(&multibyte).is_none());
    }

    #[test]
    fn debug_shows_only_a_prefix_of_the_hash() {
        let hash = keys().mint();
        let shown = format!("{hash:?}");
        assert!(shown.contains(&hash.as_str()[..6]));
        assert!(!shown.contains(&hash.as_str()[..12]));
        assert!(!format!("{:?}", keys()).contains("7"));
    }

    #[test]
    fn subject_keys_are_stable_keyed_and_separated_from_other_uses() {
        let a = keys();
        let b = SessionKeys::from_secret(&[8u8; 32]).unwrap();
        assert_eq!(a.subject_key("user-1"), a.subject_key("user-1"));
        assert_ne!(a.subject_key("user-1"), a.subject_key("user-2"));
        assert_ne!(a.subject_key("user-1"), b.subject_key("user-1"));
        assert_ne!(a.subject_key("user-1"), a.fingerprint(&[b"user-1"]));
        assert!(!a.subject_key("user-1").contains("user-1"));
        assert_eq!(a.subject_key("user-1").len(), 43);
    }

    #[test]
    fn fingerprint_parts_are_unambiguous() {
        let k = keys();
        assert_ne!(k.fingerprint(&[b"ab", b"c"]), k.fingerprint(&[b"a", b"bc"]));
        assert_eq!(k.fingerprint(&[b"ab", b"c"]), k.fingerprint(&[b"ab", b"c"]));
    }
}
