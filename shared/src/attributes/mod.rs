//! The typed, Participant-scoped attribute schema and the values built from it.

mod accept;
mod claim;
mod definition;
mod error;
mod load;
mod schema;
mod set;
mod source;
mod value;

pub use claim::ClaimSource;
pub use error::{AttributeError, SchemaError};
pub use schema::{
    AttributeDef, CLAIMED_PREFIX, Computed, ContextField, DEFAULT_INITIAL_MESSAGE_MAX_CHARS,
    DEFAULT_MAX_CUSTOM_DATA_BYTES, DEFAULT_SCHEMA_TOML, INITIAL_MESSAGE_FIELD, Limits, MAX_KEY_LEN,
    RESERVED_KEYS, RiskField, Schema, Source, Verify, Visibility,
};
pub use set::{AttributeInputs, AttributeSet};
pub use value::{AttributeType, AttributeValue, canonical_integer, parse_canonical_integer};
