//! The figures: a cold client doing 1,000 operations (create, patch the customer's attributes,
//! disconnect) sequentially, and another doing 1,000 at once, each against its own sandbox and
//! moto. Counted: token requests the sandbox received, and `GetSecretValue` requests the SDK sent
//! to moto (an interceptor on the real client) next to the adapter's own read counter.

use std::sync::Arc;
use std::time::Duration;

use genesys_sandbox::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Sandbox, SandboxConfig, SandboxState,
};
use secure_initiation::attributes::Schema;
use secure_initiation::genesys::GenesysClient;
use secure_initiation::payload::ParticipantAttributesBody;
use secure_initiation::ports::ManualClock;

use crate::helpers::{
    Initiation, client_config, deadline_in, id, moto, moto_source, put_credentials,
};

const OPERATIONS: usize = 1_000;

async fn operation(
    client: &GenesysClient,
    sandbox: &SandboxState,
    initiation: &Initiation,
    schema: &Schema,
) {
    let deadline = deadline_in(Duration::from_secs(60));
    let created = client
        .create_conversation(&initiation.body(), deadline)
        .await
        .unwrap();
    let conversation = sandbox
        .conversation(&created.conversation_id.to_string())
        .unwrap();
    let customer = conversation.customer().unwrap().id.clone();
    let body = ParticipantAttributesBody::exposed(schema, &initiation.attributes);
    client
        .update_participant_attributes(&created.conversation_id, &id(&customer), &body, deadline)
        .await
        .unwrap();
    client
        .disconnect_conversation(&created.conversation_id, deadline)
        .await
        .unwrap();
}

struct Counts {
    token_requests: usize,
    secret_reads_on_wire: u64,
    secret_reads_by_adapter: u64,
    api_requests: usize,
}

async fn run(concurrent: bool) -> Counts {
    let moto = moto().await;
    put_credentials(&moto, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await;
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let clock = ManualClock::from_system();
    let (secrets, wire) = moto_source(&moto, &clock, Duration::from_secs(300));
    let client = Arc::new(
        GenesysClient::new(
            client_config(sandbox.base_url()),
            secrets.clone(),
            Arc::new(clock),
        )
        .unwrap(),
    );
    let initiation = Arc::new(Initiation::new());
    let schema = Arc::new(Schema::default_schema().unwrap());
    let state: SandboxState = (*sandbox).clone();
    if concurrent {
        let tasks: Vec<_> = (0..OPERATIONS)
            .map(|_| {
                let (client, state, initiation, schema) = (
                    Arc::clone(&client),
                    state.clone(),
                    Arc::clone(&initiation),
                    Arc::clone(&schema),
                );
                tokio::spawn(async move { operation(&client, &state, &initiation, &schema).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    } else {
        for _ in 0..OPERATIONS {
            operation(&client, &state, &initiation, &schema).await;
        }
    }
    assert_eq!(sandbox.conversations().len(), OPERATIONS);
    assert!(sandbox.connected_conversations().is_empty());
    Counts {
        token_requests: sandbox.count_token_requests(),
        secret_reads_on_wire: wire.count(),
        secret_reads_by_adapter: secrets.reads(),
        api_requests: sandbox.requests_to("/api/").len(),
    }
}

#[allow(clippy::print_stdout)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_operations_cost_one_token_request_and_one_secret_read() {
    for (label, concurrent) in [("sequential", false), ("concurrent", true)] {
        let counts = run(concurrent).await;
        println!(
            "{OPERATIONS} {label} operations ({} API requests): token requests seen by the sandbox = {}, \
             GetSecretValue requests sent to moto = {} (adapter reads = {})",
            counts.api_requests,
            counts.token_requests,
            counts.secret_reads_on_wire,
            counts.secret_reads_by_adapter,
        );
        assert_eq!(counts.api_requests, 3 * OPERATIONS);
        assert_eq!(counts.token_requests, 1, "{label}");
        assert_eq!(counts.secret_reads_on_wire, 1, "{label}");
        assert_eq!(counts.secret_reads_by_adapter, 1, "{label}");
    }
}
