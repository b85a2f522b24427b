//! `POST /v1/initiations`: verifies the browser's session, applies the business rules and
//! issues a short-lived session hash (or, with the `initiation-api` strategy, a conversation).

use secure_initiation::{bootstrap, config::ProcessEnv};

// Lambda hands a container one invocation at a time: one thread serves it without worker
// threads to start or cross-thread wake-ups (measured by `lambda-bench`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_entry::Error> {
    lambda_entry::init_telemetry()?;
    let handler = std::sync::Arc::new(
        bootstrap::initiate(&ProcessEnv)
            .await
            .map_err(|e| lambda_entry::init_failed("initiate", e))?,
    );
    lambda_entry::serve_http(move |req| {
        let handler = handler.clone();
        async move { handler.handle(req).await }
    })
    .await
}
