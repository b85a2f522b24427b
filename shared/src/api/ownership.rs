//! The ownership check applied at initiation: a request field whose attribute says
//! `verify = "ownership"` becomes an attribute only once the site said it is the signed-in
//! subject's. The decisions:
//!
//! - **Not the subject's: `403 not-owned`**, naming the field. The browser asked for something
//!   that is not its customer's; nothing is created.
//! - **No check configured: the field is not set** (the request goes on without it). The
//!   attribute keeps its key in the data action's contract, so Architect and the data action
//!   do not change with configuration; it is simply never filled, and agents never see an
//!   unchecked value under a name that reads as a fact. A site that wants the browser's word
//!   anyway declares a `customer_claimed_*` attribute for it (the schema's naming rule).
//! - **The check fails** (no answer within its deadline, an error, an answer naming fields it
//!   was not asked about): `closed` (the default) answers `503` and creates nothing; `open`
//!   drops the fields it could not check and goes on. Neither ever sets an unchecked value.
//!
//! Refresh carries the checked value over from the ticket it replaces: it was checked when the
//! chain began, against the same subject.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::attributes::{Schema, Verify};
use crate::http::ApiError;
use crate::ports::{OwnershipCheck, OwnershipError, OwnershipQuery};

/// The HTTP check's deadline unless configured (milliseconds).
pub const DEFAULT_OWNERSHIP_DEADLINE_MS: i64 = 500;

/// What a failed check means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OwnershipFailPolicy {
    /// 503: the initiation waits for the check to be back.
    #[default]
    Closed,
    /// The unchecked fields are dropped and the initiation goes on without them.
    Open,
}

impl OwnershipFailPolicy {
    /// Parses `closed` or `open`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "closed" => Some(Self::Closed),
            "open" => Some(Self::Open),
            _ => None,
        }
    }
}

/// The configured check and its failure policy.
#[derive(Debug, Clone)]
pub struct Ownership {
    /// The site's endpoint.
    pub check: Arc<dyn OwnershipCheck>,
    /// What its failure means.
    pub on_failure: OwnershipFailPolicy,
}

/// The request fields that may become attributes: every field whose attribute is not verified,
/// and each verified one the check said is `subject`'s.
pub(crate) async fn vouched(
    ownership: Option<&Ownership>,
    schema: &Schema,
    subject: &str,
    fields: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, Value>, ApiError> {
    let (to_check, mut kept): (BTreeMap<_, _>, BTreeMap<_, _>) = fields
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(name, _)| {
            schema
                .attribute_for_request_field(name)
                .is_some_and(|def| def.verify() == Some(Verify::Ownership))
        });
    if to_check.is_empty() {
        return Ok(kept);
    }
    let Some(ownership) = ownership else {
        tracing::info!(
            fields = to_check.len(),
            "no ownership check configured; verified fields not set"
        );
        return Ok(kept);
    };
    let asked: BTreeMap<String, String> = to_check
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .collect();
    let query = OwnershipQuery {
        subject,
        fields: &asked,
    };
    match ownership.check.owned(&query).await {
        Ok(owned) => {
            if let Some(field) = asked.keys().find(|name| !owned.contains(*name)) {
                return Err(ApiError::NotOwned(field.clone()));
            }
            kept.extend(to_check);
            Ok(kept)
        }
        Err(e) => failed(ownership.on_failure, e, kept),
    }
}

fn failed(
    policy: OwnershipFailPolicy,
    e: OwnershipError,
    kept: BTreeMap<String, Value>,
) -> Result<BTreeMap<String, Value>, ApiError> {
    tracing::warn!(error = %e, policy = ?policy, "ownership check failed");
    match policy {
        OwnershipFailPolicy::Closed => Err(ApiError::Unavailable {
            what: "ownership check",
            source: Some(Box::new(e)),
        }),
        OwnershipFailPolicy::Open => Ok(kept),
    }
}
