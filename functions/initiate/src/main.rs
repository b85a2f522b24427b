//! `POST /v1/initiations`: verifies the browser's session, applies the business rules and
//! issues a short-lived session hash (or, with the `initiation-api` strategy, a conversation).

use secure_initiation_lambda::{Error, bootstrap, init_failed, init_telemetry, serve};

// Lambda hands a container one invocation at a time: one thread serves it without worker
// threads to start or cross-thread wake-ups (measured by `lambda-bench`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let telemetry = init_telemetry()?;
    let handler = bootstrap::initiate()
        .await
        .map_err(|e| init_failed("initiate", e))?;
    serve(telemetry, handler).await
}
