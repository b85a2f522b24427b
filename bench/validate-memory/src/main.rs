//! validate-session on the in-memory store, as a Lambda function, for `lambda-bench` only.

use secure_initiation_lambda::{Error, init_failed, init_telemetry, serve};

// Same runtime flavour as validate-session.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let telemetry = init_telemetry()?;
    let sessions = match std::env::var(validate_memory::SESSIONS_VAR) {
        Ok(v) => v.parse().map_err(|e| init_failed("validate-memory", e))?,
        Err(_) => validate_memory::DEFAULT_SESSIONS,
    };
    let handler = validate_memory::handler(sessions)
        .await
        .map_err(|e| init_failed("validate-memory", e))?;
    serve(telemetry, handler).await
}
