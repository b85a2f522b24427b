//! Sealing of server-held replay material (a remembered `201` holds a live session hash and,
//! with `initiation-api`, a Genesys conversation token): AES-256-GCM under a key derived from
//! the session-hash secret, so a copy of the table (a read, a backup, a point-in-time export)
//! holds nothing that validates without that secret.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};

/// Why sealed bytes could not be opened: tampered, moved to another record, sealed under
/// another key, or truncated. Never carries the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealed bytes could not be opened")]
pub struct SealError;

/// AES-256-GCM with a fresh random nonce per seal; the record's key is the additional
/// authenticated data, so sealed bytes open only where they were written.
pub struct Sealer {
    key: RandomizedNonceKey,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer { .. }")
    }
}

impl Sealer {
    /// From 32 key bytes (the session keys derive them; see `SessionKeys::sealer`).
    pub(crate) fn new(key: &[u8; 32]) -> Result<Self, SealError> {
        RandomizedNonceKey::new(&AES_256_GCM, key)
            .map(|key| Self { key })
            .map_err(|_| SealError)
    }

    /// `nonce || ciphertext || tag`, bound to `context`.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut sealed = plaintext.to_vec();
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(context), &mut sealed)
            .map_err(|_| SealError)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(nonce.as_ref());
        out.append(&mut sealed);
        Ok(out)
    }

    /// The plaintext of what [`Sealer::seal`] wrote for the same `context`.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?;
        let mut buffer = ciphertext.to_vec();
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::from(context), &mut buffer)
            .map_err(|_| SealError)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bytes_open_only_with_their_key_and_context() {
        let sealer = Sealer::new(&[3u8; 32]).unwrap();
        let sealed = sealer.seal(b"idem#a", b"the sessionHash").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"session"), "encrypted");
        assert_eq!(sealer.open(b"idem#a", &sealed).unwrap(), b"the sessionHash");
        assert_eq!(sealer.open(b"idem#b", &sealed), Err(SealError), "moved");
        let other = Sealer::new(&[4u8; 32]).unwrap();
        assert_eq!(other.open(b"idem#a", &sealed), Err(SealError), "other key");
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(sealer.open(b"idem#a", &tampered), Err(SealError));
        assert_eq!(sealer.open(b"idem#a", &sealed[..5]), Err(SealError));
        assert_ne!(
            sealer.seal(b"idem#a", b"x").unwrap(),
            sealer.seal(b"idem#a", b"x").unwrap()
        );
    }
}
