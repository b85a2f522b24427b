//! The initiation tokens the guide's endpoint answers with (a base64 reference to the
//! conversation plus randomness, like the guide's platform token), each naming its conversation
//! and expiring after `initiation_token_lifetime`: what Messenger's `startConversation`
//! presents.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use tokio::time::Instant;
use uuid::Uuid;

use crate::rooms::room::Room;

/// What a widget's start with an initiation token gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartCheck {
    Started,
    Expired,
    Unknown,
}

#[derive(Debug)]
struct Initiation {
    conversation_id: String,
    expires: Instant,
}

/// Initiation tokens by token.
#[derive(Debug, Clone)]
pub(crate) struct Initiations {
    tokens: Room<HashMap<String, Initiation>>,
    lifetime: Duration,
}

impl Initiations {
    /// Tokens that live `lifetime`.
    pub(crate) fn new(lifetime: Duration) -> Self {
        Self {
            tokens: Room::new(HashMap::new()),
            lifetime,
        }
    }

    /// A new token for `conversation_id`.
    pub(crate) fn issue(&self, conversation_id: &str) -> String {
        let raw = format!("{conversation_id}.{}", Uuid::new_v4().simple());
        let token = base64::engine::general_purpose::STANDARD.encode(raw);
        let initiation = Initiation {
            conversation_id: conversation_id.to_owned(),
            expires: Instant::now() + self.lifetime,
        };
        self.tokens.with(|t| t.insert(token.clone(), initiation));
        token
    }

    /// What a start of `conversation_id` with `token` gets, as far as the token decides:
    /// whether the conversation still runs is its room's to say.
    pub(crate) fn check(&self, conversation_id: &str, token: &str) -> StartCheck {
        let now = Instant::now();
        self.tokens.with(|t| match t.get(token) {
            Some(i) if i.conversation_id != conversation_id => StartCheck::Unknown,
            Some(i) if i.expires <= now => StartCheck::Expired,
            Some(_) => StartCheck::Started,
            None => StartCheck::Unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_starts_only_its_own_conversation_until_it_expires() {
        let live = Initiations::new(Duration::from_secs(300));
        let token = live.issue("c1");
        assert_eq!(live.check("c1", &token), StartCheck::Started);
        assert_eq!(live.check("c2", &token), StartCheck::Unknown);
        assert_eq!(live.check("c1", "forged"), StartCheck::Unknown);
        let spent = Initiations::new(Duration::ZERO);
        let token = spent.issue("c1");
        assert_eq!(spent.check("c1", &token), StartCheck::Expired);
    }
}
