//! What an on-call engineer sees of the functions: logs ([`logs`]) and the CloudWatch metrics
//! they emit ([`metrics`]).
//!
//! The metric catalogue in [`metrics::CATALOGUE`] is the single list of metric names, units and
//! dimensions: the SAM template's dashboard and alarms are held to it by `tests/infra`, so a
//! renamed metric fails a test instead of silencing an alarm.

pub mod logs;
pub mod metrics;

use std::future::Future;

pub use logs::{LogFormat, init, subscriber};

use metrics::Function;

tokio::task_local! {
    /// The function whose invocation the current task serves.
    static SERVING: Function;
}

/// Runs `invocation` as one invocation of `function`: code deep inside it (the Genesys client)
/// labels its metrics with the function through [`serving`].
pub async fn serve<F: Future>(function: Function, invocation: F) -> F::Output {
    SERVING.scope(function, invocation).await
}

/// The function the current task serves, when inside [`serve`].
pub fn serving() -> Option<Function> {
    SERVING.try_with(|f| *f).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_serving_function_is_known_inside_its_invocation_only() {
        assert_eq!(serving(), None);
        let inside = serve(Function::RefreshToken, async { serving() }).await;
        assert_eq!(inside, Some(Function::RefreshToken));
        assert_eq!(serving(), None);
    }
}
