//! The rules of a session ticket's life, in one place: how a ticket is issued, when a chain of
//! tickets may be refreshed and what the refreshed ticket looks like. Binding (first use by a
//! conversation) is atomic in the store ([`crate::ports::SessionStore::bind_session`]); the
//! grace that lets a just-replaced ticket bind is set here, at rotation.
//!
//! A **chain** is the sequence of tickets one initiation starts: each refresh replaces the
//! current ticket with a fresh hash. The chain ends at `chain_started_at + max_age_secs` or after
//! `max_refreshes` refreshes, whichever comes first, and no ticket of it outlives that end.

use std::collections::BTreeMap;

use crate::ports::{SessionRecord, SessionStatus};
use crate::session::SessionHash;

/// How long a ticket replaced by a refresh still validates if it is the one Messenger sent: the
/// first message may leave between the refresh answer and the page's `Database.set` of the new
/// hash. Short, only for the immediately preceding ticket, never past that ticket's own expiry,
/// and the chain still binds once (the store revokes the successor when the old one binds).
pub const ROTATION_GRACE_SECS: i64 = 10;

/// Default ticket lifetime (seconds): short, because a stolen hash is worth one lifetime.
pub const DEFAULT_TTL_SECS: i64 = 60;
/// Default chain age (seconds): a first message 15 minutes after Messenger opened, plus the half
/// minute a page may hold a prepared ticket before opening it.
pub const DEFAULT_MAX_AGE_SECS: i64 = 930;
/// Default refreshes per chain: the default age at one refresh per 45 s (the earliest the
/// refresh window allows with a 60 s ticket).
pub const DEFAULT_MAX_REFRESHES: u32 = 20;

/// Lifetimes of session tickets and chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketSettings {
    /// How long a ticket validates (seconds); the guide's 300 is the ceiling.
    pub ttl_secs: i64,
    /// How long a chain of refreshed tickets may live from its first issue (seconds).
    pub max_age_secs: i64,
    /// How many times a chain may be refreshed.
    pub max_refreshes: u32,
    /// How long the store keeps a record after issue, so the bound conversation can ask again
    /// (seconds; DynamoDB TTL).
    pub retention_secs: i64,
}

impl Default for TicketSettings {
    fn default() -> Self {
        Self {
            ttl_secs: DEFAULT_TTL_SECS,
            max_age_secs: DEFAULT_MAX_AGE_SECS,
            max_refreshes: DEFAULT_MAX_REFRESHES,
            retention_secs: 86_400,
        }
    }
}

impl TicketSettings {
    /// How close to its expiry a ticket must be before a refresh replaces it: a quarter of its
    /// lifetime, at least 5 s (15 s with the default 60 s). Earlier refreshes are refused, which
    /// bounds every chain to one rotation per `ttl - window` seconds.
    pub fn refresh_window_secs(&self) -> i64 {
        (self.ttl_secs / 4).max(5)
    }

    /// The first ticket of a new chain.
    pub fn issue(
        &self,
        session_hash: SessionHash,
        subject_key: String,
        attributes: BTreeMap<String, String>,
        now: i64,
    ) -> SessionRecord {
        let chain_end = now + self.max_age_secs;
        SessionRecord {
            session_hash,
            subject_key,
            attributes,
            chain_started_at: now,
            created_at: now,
            expires_at: (now + self.ttl_secs).min(chain_end),
            status: SessionStatus::Active,
            conversation_id: None,
            refresh_count: 0,
            ttl: self.retention(now),
            grace_until: None,
            initiated_conversation: None,
        }
    }

    /// When the chain `record` belongs to ends.
    pub fn chain_end(&self, record: &SessionRecord) -> i64 {
        record.chain_started_at + self.max_age_secs
    }

    /// Whether `old` may be replaced now, and if so with which expiry.
    pub fn check_refresh(&self, old: &SessionRecord, now: i64) -> Result<Refresh, RefreshRefusal> {
        match old.status {
            SessionStatus::Active => {}
            SessionStatus::Bound => return Err(RefreshRefusal::Used),
            SessionStatus::Revoked => return Err(RefreshRefusal::Replaced),
        }
        let chain_end = self.chain_end(old);
        if old.refresh_count >= self.max_refreshes || now >= chain_end {
            return Err(RefreshRefusal::ChainEnded);
        }
        let opens_at = old.expires_at - self.refresh_window_secs();
        if now < opens_at {
            return Err(RefreshRefusal::TooEarly {
                retry_after_secs: u64::try_from(opens_at - now).unwrap_or(1).max(1),
            });
        }
        let expires_at = (now + self.ttl_secs).min(chain_end);
        if expires_at <= old.expires_at {
            // Already capped at the chain's end: a new hash would not live any longer.
            return Err(RefreshRefusal::ChainEnded);
        }
        Ok(Refresh {
            expires_at,
            refresh_count: old.refresh_count + 1,
        })
    }

    /// The ticket that replaces `old` under `refresh`.
    pub fn successor(
        &self,
        old: &SessionRecord,
        refresh: Refresh,
        session_hash: SessionHash,
        attributes: BTreeMap<String, String>,
        now: i64,
    ) -> SessionRecord {
        SessionRecord {
            session_hash,
            subject_key: old.subject_key.clone(),
            attributes,
            chain_started_at: old.chain_started_at,
            created_at: now,
            expires_at: refresh.expires_at,
            status: SessionStatus::Active,
            conversation_id: None,
            refresh_count: refresh.refresh_count,
            ttl: self.retention(now),
            grace_until: None,
            initiated_conversation: None,
        }
    }

    /// Until when a ticket replaced at `now` may still bind.
    pub fn grace_until(&self, now: i64) -> i64 {
        now + ROTATION_GRACE_SECS
    }

    fn retention(&self, now: i64) -> i64 {
        now + self.retention_secs.max(self.max_age_secs)
    }
}

/// A permitted refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refresh {
    /// The new ticket's expiry: a full lifetime, capped at the chain's end.
    pub expires_at: i64,
    /// The new ticket's place in the chain.
    pub refresh_count: u32,
}

/// Why a ticket cannot be refreshed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRefusal {
    /// Not yet within its refresh window: try again then (429 with `Retry-After`).
    TooEarly {
        /// Seconds until the window opens.
        retry_after_secs: u64,
    },
    /// Bound to a conversation: Messenger already sent it.
    Used,
    /// Already replaced by an earlier refresh.
    Replaced,
    /// The chain reached its maximum age or refresh count, or a refresh would not extend it.
    ChainEnded,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TicketSettings {
        TicketSettings::default()
    }

    fn hash() -> SessionHash {
        crate::session::SessionKeys::from_secret(&[9u8; 32])
            .map(|k| k.mint())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn first(now: i64) -> SessionRecord {
        settings().issue(hash(), "s".into(), BTreeMap::new(), now)
    }

    #[test]
    fn a_first_ticket_lives_one_lifetime_and_starts_its_chain() {
        let t = first(1_000);
        assert_eq!(t.expires_at, 1_060);
        assert_eq!(t.chain_started_at, 1_000);
        assert_eq!(settings().chain_end(&t), 1_930);
        assert_eq!(t.ttl, 1_000 + 86_400);
    }

    #[test]
    fn a_refresh_is_refused_until_the_window_opens_and_then_gets_a_full_lifetime() {
        let s = settings();
        let t = first(1_000);
        assert_eq!(s.refresh_window_secs(), 15);
        assert_eq!(
            s.check_refresh(&t, 1_010),
            Err(RefreshRefusal::TooEarly {
                retry_after_secs: 35
            })
        );
        assert_eq!(
            s.check_refresh(&t, 1_045),
            Ok(Refresh {
                expires_at: 1_105,
                refresh_count: 1
            })
        );
        // Already expired (a tab that slept), still within the chain: refreshable.
        assert_eq!(
            s.check_refresh(&t, 1_500),
            Ok(Refresh {
                expires_at: 1_560,
                refresh_count: 1
            })
        );
    }

    #[test]
    fn a_refreshed_ticket_never_outlives_its_chain() {
        let s = settings();
        let mut t = first(1_000);
        t.expires_at = 1_900;
        let refresh = s
            .check_refresh(&t, 1_890)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(refresh.expires_at, 1_930, "capped at the chain's end");
        let next = s.successor(&t, refresh, hash(), BTreeMap::new(), 1_890);
        assert_eq!(next.expires_at, 1_930);
        assert_eq!(next.chain_started_at, 1_000);
        // A capped ticket cannot be extended, nor can anything after the chain's end.
        assert_eq!(
            s.check_refresh(&next, 1_925),
            Err(RefreshRefusal::ChainEnded)
        );
        assert_eq!(s.check_refresh(&t, 1_930), Err(RefreshRefusal::ChainEnded));
    }

    #[test]
    fn the_refresh_count_status_and_window_each_refuse_with_their_own_reason() {
        let s = settings();
        let mut t = first(1_000);
        t.refresh_count = 20;
        assert_eq!(s.check_refresh(&t, 1_050), Err(RefreshRefusal::ChainEnded));
        t.refresh_count = 0;
        t.status = SessionStatus::Bound;
        assert_eq!(s.check_refresh(&t, 1_050), Err(RefreshRefusal::Used));
        t.status = SessionStatus::Revoked;
        assert_eq!(s.check_refresh(&t, 1_050), Err(RefreshRefusal::Replaced));
    }

    #[test]
    fn the_defaults_keep_a_chain_alive_for_a_first_message_fifteen_minutes_after_opening() {
        let s = settings();
        let mut t = first(0);
        // A client that refreshes as soon as the window opens: the most refreshes per chain.
        let mut now = 0;
        while let Ok(refresh) = s.check_refresh(&t, t.expires_at - s.refresh_window_secs()) {
            now = t.expires_at - s.refresh_window_secs();
            t = s.successor(&t, refresh, hash(), BTreeMap::new(), now);
        }
        assert!(
            t.expires_at > 15 * 60 + 20,
            "last ticket expires at {}",
            t.expires_at
        );
        assert!(t.expires_at < 16 * 60, "a chain ends before 16 minutes");
        assert!(t.refresh_count <= s.max_refreshes, "{}", t.refresh_count);
        assert!(now > 0);
    }

    #[test]
    fn a_short_ticket_still_has_a_five_second_window() {
        let s = TicketSettings {
            ttl_secs: 10,
            ..TicketSettings::default()
        };
        assert_eq!(s.refresh_window_secs(), 5);
        assert_eq!(s.grace_until(100), 110);
    }
}
