//! The validate-session data action: `POST /v1/session-validations` through API Gateway (Web
//! Services data action) and the raw event of an AWS Lambda data action, in one binary.

use secure_initiation_lambda::{Error, bootstrap, init_failed, init_telemetry, serve};

// Lambda hands a container one invocation at a time: one thread serves it without worker
// threads to start or cross-thread wake-ups (measured by `lambda-bench`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let telemetry = init_telemetry()?;
    let handler = bootstrap::validate()
        .await
        .map_err(|e| init_failed("validate-session", e))?;
    serve(telemetry, handler).await
}
