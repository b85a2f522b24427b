//! The ownership-check port: the site vouches for request fields before they become
//! attributes. Beside the risk scorer: an HTTPS endpoint of the site, called with the
//! signed-in subject and the requested fields, answering which of them are the subject's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use async_trait::async_trait;

/// What the site is asked: is each of these request fields the subject's?
#[derive(Debug, Clone, Copy)]
pub struct OwnershipQuery<'a> {
    /// The session token's `sub`: the site's own user id, which only its own endpoint sees.
    pub subject: &'a str,
    /// The requested fields to vouch for, by request field name (`orderId`), as canonical
    /// strings.
    pub fields: &'a BTreeMap<String, String>,
}

/// Why no answer could be had. The flow applies the configured failure policy.
#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    /// The check did not answer within its deadline.
    #[error("ownership check timed out")]
    Timeout,
    /// The check could not be reached or failed.
    #[error("ownership check unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The check answered something that is not a list of the asked fields.
    #[error("ownership check answered malformed data")]
    Malformed,
}

/// Says which request fields are the subject's.
#[async_trait]
pub trait OwnershipCheck: Send + Sync + Debug {
    /// The names of the fields of `query` that are the subject's (a subset of them).
    async fn owned(&self, query: &OwnershipQuery<'_>) -> Result<BTreeSet<String>, OwnershipError>;
}
