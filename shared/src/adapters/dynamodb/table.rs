//! The table's two fixed attributes, and how a DynamoDB failure becomes a store error.

use std::fmt::Debug;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::ports::StoreError;

/// The partition key (`session#…`, `rate#…`, `idem#…`); the table has no sort key.
pub const PARTITION_KEY: &str = "pk";
/// The table's TTL attribute: Unix seconds after which an item counts as gone.
pub const TTL_ATTRIBUTE: &str = "ttl";

const THROTTLING_CODES: [&str; 3] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
];

/// Maps an SDK failure: throttling to [`StoreError::Throttled`], anything else to
/// [`StoreError::Unavailable`]. Conditional writes go through [`conditional`] first.
pub(crate) fn store_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let throttled = err
        .code()
        .is_some_and(|code| THROTTLING_CODES.contains(&code));
    tracing::warn!(
        code = err.code().unwrap_or("none"),
        throttled,
        "dynamodb call failed"
    );
    if throttled {
        StoreError::Throttled(Box::new(err))
    } else {
        StoreError::Unavailable(Box::new(err))
    }
}

/// A conditional write's result: its output when it was made, `None` when its condition was
/// false (the operation's typed outcome, for the caller to name), the store's error otherwise.
pub(crate) fn conditional<T, E, R>(
    result: Result<T, SdkError<E, R>>,
) -> Result<Option<T>, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(err) if err.code() == Some("ConditionalCheckFailedException") => Ok(None),
        Err(err) => Err(store_error(err)),
    }
}

/// A request the SDK's builder refused to build (a missing required member: a bug here).
pub(crate) fn unbuilt(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}
