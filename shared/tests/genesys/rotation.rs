//! Secret rotation end to end: Genesys stops accepting the old credentials, the secret is
//! updated in Secrets Manager (moto), and the client recovers after one refusal.

use std::sync::Arc;
use std::time::Duration;

use genesys_sandbox::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Sandbox, SandboxConfig};
use secure_initiation::genesys::GenesysClient;
use secure_initiation::ports::ManualClock;

use crate::helpers::{Initiation, client_config, deadline, moto, moto_source, put_credentials};

#[tokio::test]
async fn a_rotated_client_secret_is_picked_up_after_genesys_refuses_the_old_one() {
    let moto = moto().await;
    put_credentials(&moto, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await;
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let clock = ManualClock::from_system();
    let (secrets, wire) = moto_source(&moto, &clock, Duration::from_secs(300));
    let client = GenesysClient::new(
        client_config(sandbox.base_url()),
        secrets.clone(),
        Arc::new(clock.clone()),
    )
    .unwrap();
    let initiation = Initiation::new();
    client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();

    // Rotation: Genesys gets the new secret and drops the old tokens; the store gets it too.
    sandbox.set_credentials(DEFAULT_CLIENT_ID, "rotated-secret");
    sandbox.revoke_tokens();
    put_credentials(&moto, DEFAULT_CLIENT_ID, "rotated-secret").await;

    client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    let token_statuses: Vec<Option<u16>> = sandbox
        .requests_to("/oauth/token")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(token_statuses, [Some(200), Some(401), Some(200)]);
    assert_eq!(
        wire.count(),
        2,
        "one first read, one re-read after the refusal"
    );
    assert_eq!(sandbox.conversations().len(), 2);

    client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    assert_eq!(wire.count(), 2);
    assert_eq!(sandbox.count_token_requests(), 3);
}
