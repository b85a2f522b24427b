//! The floor: what a hello-world `lambda_http` function costs with the same profile, runtime and
//! logging set-up as the real functions. Every figure of the bench is reported against it.

use lambda_http::{Body, Error, Request, Response, service_fn};

// Lambda hands a container one invocation at a time: one thread serves it without worker
// threads to start or cross-thread wake-ups (measured by `lambda-bench`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    lambda_http::run(service_fn(|_req: Request| async {
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(r#"{"ok":true}"#))
            .map_err(Error::from)
    }))
    .await
}
