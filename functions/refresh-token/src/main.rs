//! `POST /v1/initiations/refresh`: replaces a ticket that expired before use, after
//! re-checking the session.

use secure_initiation::{bootstrap, config::ProcessEnv};

// Lambda hands a container one invocation at a time: one thread serves it without worker
// threads to start or cross-thread wake-ups (measured by `lambda-bench`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_entry::Error> {
    lambda_entry::init_telemetry()?;
    let handler = std::sync::Arc::new(
        bootstrap::refresh(&ProcessEnv)
            .await
            .map_err(|e| lambda_entry::init_failed("refresh-token", e))?,
    );
    lambda_entry::serve_http(move |req| {
        let handler = handler.clone();
        async move { handler.handle(req).await }
    })
    .await
}
