//! `POST /v1/initiations/refresh`: keeps an unused session hash valid until Messenger sends it,
//! after checking the session again.

use secure_initiation_lambda::{Error, bootstrap, init_failed, init_telemetry, serve};

// Lambda hands a container one invocation at a time: one thread serves it without worker
// threads to start or cross-thread wake-ups (measured by `lambda-bench`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let telemetry = init_telemetry()?;
    let handler = bootstrap::refresh()
        .await
        .map_err(|e| init_failed("refresh-token", e))?;
    serve(telemetry, handler).await
}
