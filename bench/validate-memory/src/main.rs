//! validate-session on the in-memory store, as a Lambda function, for `lambda-bench` only.

// Same runtime flavour as validate-session.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_entry::Error> {
    lambda_entry::init_telemetry()?;
    let sessions = match std::env::var(validate_memory::SESSIONS_VAR) {
        Ok(v) => v
            .parse()
            .map_err(|e| lambda_entry::init_failed("validate-memory", e))?,
        Err(_) => validate_memory::DEFAULT_SESSIONS,
    };
    let handler = validate_memory::handler(sessions)
        .await
        .map_err(|e| lambda_entry::init_failed("validate-memory", e))?;
    lambda_entry::serve_validate(handler).await
}
