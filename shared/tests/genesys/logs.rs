//! No client secret, bearer token or Genesys token reaches a log line or an error message: every
//! path (refresh, rotation, throttling, malformed answers, unknown outcomes, refused
//! credentials) runs with every crate logging at TRACE into a buffer, which is then scanned
//! together with the `Display` and `Debug` of every error.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use genesys_sandbox::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, Sandbox, SandboxConfig};
use secure_initiation::genesys::GenesysClient;
use secure_initiation::ports::ManualClock;

use crate::helpers::{
    Initiation, client_config, deadline, deadline_in, moto, moto_source, put_credentials,
};

const ROTATED: &str = "rotated-secret-b7f3";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// Current-thread runtime: the sandbox, the SDK and the client all log on this thread, so the
// thread-local subscriber sees everything.
#[tokio::test]
async fn no_secret_or_token_appears_in_logs_or_errors() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let moto = moto().await;
    put_credentials(&moto, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await;
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let clock = ManualClock::from_system();
    let (secrets, _wire) = moto_source(&moto, &clock, Duration::from_secs(300));
    let client = GenesysClient::new(
        client_config(sandbox.base_url()),
        secrets.clone(),
        Arc::new(clock),
    )
    .unwrap();
    let initiation = Initiation::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let record = |tokens: &mut Vec<String>, sandbox: &Sandbox| {
        tokens.extend(sandbox.issued_tokens());
    };

    let created = client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    texts.push(format!("{created:?} {client:?} {secrets:?}"));
    tokens.push(created.token.expose().to_owned());
    record(&mut tokens, &sandbox);

    // 401 → refresh → retry.
    sandbox.expire_tokens();
    let created = client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    tokens.push(created.token.expose().to_owned());
    record(&mut tokens, &sandbox);

    // Rotation: refused credentials, re-read from Secrets Manager, recovery.
    sandbox.set_credentials(DEFAULT_CLIENT_ID, ROTATED);
    sandbox.revoke_tokens();
    put_credentials(&moto, DEFAULT_CLIENT_ID, ROTATED).await;
    let created = client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    tokens.push(created.token.expose().to_owned());
    record(&mut tokens, &sandbox);

    // Failures, each kept for its Display and Debug.
    let mut errors = Vec::new();
    sandbox.inject(Fault::rate_limited(30).on_path("/api/v2/webmessaging"));
    errors.push(
        client
            .create_conversation(&initiation.body(), deadline_in(Duration::from_secs(2)))
            .await
            .unwrap_err(),
    );
    sandbox.inject(Fault::malformed(201).on_path("/api/v2/webmessaging"));
    errors.push(
        client
            .create_conversation(&initiation.body(), deadline())
            .await
            .unwrap_err(),
    );
    sandbox.inject(Fault::reset().on_path("/api/v2/webmessaging"));
    errors.push(
        client
            .create_conversation(&initiation.body(), deadline())
            .await
            .unwrap_err(),
    );
    sandbox.inject(Fault::delay(Duration::from_secs(1)).on_path("/api/v2/webmessaging"));
    errors.push(
        client
            .create_conversation(&initiation.body(), deadline_in(Duration::from_millis(300)))
            .await
            .unwrap_err(),
    );
    sandbox.inject(
        Fault::status(503)
            .times(10)
            .on_path("/api/v2/conversations"),
    );
    errors.push(
        client
            .disconnect_conversation(&created.conversation_id, deadline())
            .await
            .unwrap_err(),
    );
    sandbox.set_credentials(DEFAULT_CLIENT_ID, "yet-another-secret");
    sandbox.revoke_tokens();
    errors.push(
        client
            .create_conversation(&initiation.body(), deadline())
            .await
            .unwrap_err(),
    );
    record(&mut tokens, &sandbox);
    for error in &errors {
        texts.push(format!("{error} {error:?}"));
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            texts.push(format!("{s} {s:?}"));
            source = s.source();
        }
    }
    tokio::time::sleep(Duration::from_millis(800)).await;

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("genesys cloud access token obtained"),
        "logging was captured"
    );
    assert!(
        logs.contains("refused the client credentials"),
        "the rotation path ran"
    );
    let basic = |secret: &str| {
        base64::engine::general_purpose::STANDARD.encode(format!("{DEFAULT_CLIENT_ID}:{secret}"))
    };
    let mut forbidden: Vec<String> = vec![
        DEFAULT_CLIENT_SECRET.to_owned(),
        ROTATED.to_owned(),
        "yet-another-secret".to_owned(),
        basic(DEFAULT_CLIENT_SECRET),
        basic(ROTATED),
    ];
    forbidden.extend(tokens.iter().cloned());
    assert!(forbidden.len() >= 9, "tokens were collected");
    for needle in &forbidden {
        assert!(
            !logs.contains(needle.as_str()),
            "a secret or token leaked into the logs"
        );
        for text in &texts {
            assert!(
                !text.contains(needle.as_str()),
                "a secret or token leaked into an error or Debug: {text}"
            );
        }
    }
}
