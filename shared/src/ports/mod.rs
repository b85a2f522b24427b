//! Small traits in front of everything with side effects, each with an in-memory fake, so the
//! flows are testable without AWS or Genesys.

mod genesys;
mod ownership;
mod risk;
mod secrets;
mod store;

pub use crate::clock::{Clock, ManualClock, OffsetClock, SystemClock};
pub use genesys::{CreatedConversation, GatewayError, GenesysGateway};
pub use ownership::{OwnershipCheck, OwnershipError, OwnershipQuery};
pub use risk::{RiskContext, RiskError, RiskScorer};
pub use secrets::{
    DEFAULT_SECRETS_CACHE_TTL_SECS, SecretError, SecretFields, SecretSource, SecretString,
};
pub use store::{
    BindOutcome, IdempotencyBegin, IdempotencyClaim, IdempotencyCompletion, IdempotencyStore,
    MAX_PENDING_CREATES, PendingCreate, RateDecision, RateLimiter, RotateOutcome, SessionRecord,
    SessionStatus, SessionStore, StoreError,
};
