//! The login host's side of OAuth: the one client whose credentials are accepted (compared in
//! constant time, with `subtle`, as `shared/` compares the data action's credential) and the
//! bearer tokens issued to it, each with its expiry.

use std::collections::HashMap;
use std::time::Duration;

use subtle::ConstantTimeEq as _;
use tokio::time::Instant;
use uuid::Uuid;

use crate::rooms::room::Room;

/// A bearer token just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issued {
    /// The token.
    pub(crate) token: String,
    /// Its lifetime in whole seconds (`expires_in`), at least 1.
    pub(crate) expires_in: u64,
}

#[derive(Debug)]
struct Book {
    client_id: String,
    client_secret: String,
    tokens: HashMap<String, Instant>,
    lifetime: Duration,
}

/// The OAuth client and its bearer tokens by token.
#[derive(Debug, Clone)]
pub(crate) struct Clients(Room<Book>);

impl Clients {
    /// One client, whose tokens live `lifetime`.
    pub(crate) fn new(client_id: &str, client_secret: &str, lifetime: Duration) -> Self {
        Self(Room::new(Book {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            tokens: HashMap::new(),
            lifetime,
        }))
    }

    /// Whether these are the accepted client credentials.
    pub(crate) fn matches(&self, client_id: &str, client_secret: &str) -> bool {
        self.0.with(|b| {
            let id = client_id.as_bytes().ct_eq(b.client_id.as_bytes());
            let secret = client_secret.as_bytes().ct_eq(b.client_secret.as_bytes());
            bool::from(id & secret)
        })
    }

    /// Replaces the accepted credentials (a secret rotation); issued tokens stay valid.
    pub(crate) fn set_credentials(&self, client_id: String, client_secret: String) {
        self.0.with(|b| {
            b.client_id = client_id;
            b.client_secret = client_secret;
        });
    }

    /// Issues a bearer token.
    pub(crate) fn issue(&self) -> Issued {
        let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        self.0.with(|b| {
            b.tokens.insert(token.clone(), Instant::now() + b.lifetime);
            Issued {
                token,
                expires_in: b.lifetime.as_secs().max(1),
            }
        })
    }

    /// Whether `token` was issued and has not expired nor been revoked.
    pub(crate) fn is_valid(&self, token: &str) -> bool {
        let now = Instant::now();
        self.0
            .with(|b| b.tokens.get(token).is_some_and(|expiry| *expiry > now))
    }

    /// How many tokens are valid now.
    pub(crate) fn active(&self) -> usize {
        let now = Instant::now();
        self.0
            .with(|b| b.tokens.values().filter(|expiry| **expiry > now).count())
    }

    /// Every issued token expires now.
    pub(crate) fn expire_all(&self) {
        let now = Instant::now();
        self.0
            .with(|b| b.tokens.values_mut().for_each(|e| *e = now));
    }

    /// Every issued token is forgotten (revoked).
    pub(crate) fn revoke_all(&self) {
        self.0.with(|b| b.tokens.clear());
    }

    /// Every token issued and not revoked.
    #[cfg(feature = "test-views")]
    pub(crate) fn issued(&self) -> Vec<String> {
        self.0.with(|b| b.tokens.keys().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_client_matches_and_a_rotation_replaces_it() {
        let clients = Clients::new("id", "secret", Duration::from_secs(60));
        assert!(clients.matches("id", "secret"));
        assert!(!clients.matches("id", "secreT"));
        assert!(!clients.matches("id", "secret-and-more"));
        assert!(!clients.matches("other", "secret"));
        clients.set_credentials("id2".to_owned(), "secret2".to_owned());
        assert!(!clients.matches("id", "secret"));
        assert!(clients.matches("id2", "secret2"));
    }

    #[test]
    fn an_issued_token_is_valid_until_expired_or_revoked() {
        let clients = Clients::new("id", "secret", Duration::from_secs(60));
        let first = clients.issue();
        assert_eq!(first.expires_in, 60);
        assert!(clients.is_valid(&first.token));
        assert!(!clients.is_valid("never-issued"));
        clients.expire_all();
        assert!(!clients.is_valid(&first.token));
        assert_eq!(clients.active(), 0);
        let second = clients.issue();
        assert_eq!(clients.active(), 1);
        clients.revoke_all();
        assert!(!clients.is_valid(&second.token));
    }
}
