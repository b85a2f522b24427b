//! The floor: what a hello-world `lambda_http` function costs with the same profile, runtime and
//! logging set-up as the real functions. Every figure of the bench is reported against it.

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
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
