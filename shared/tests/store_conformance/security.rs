//! Cases from the security review: idempotency keys once their ticket ended, rotations racing
//! validations, and creates whose outcome is unknown. Generic over the backend like `cases`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use http::StatusCode;
use secure_initiation::http::bytes_response;
use secure_initiation::idempotency::{Created, IdempotencyKey, Keyed};
use secure_initiation::ports::Clock;

use super::cases::record;
use super::{Backend, START_MS, idempotency};

const NOW: i64 = START_MS / 1000;
const DAY: i64 = 86_400;

fn key(value: &str) -> IdempotencyKey {
    let mut headers = http::HeaderMap::new();
    headers.insert("idempotency-key", value.parse().unwrap());
    IdempotencyKey::from_headers(&headers).unwrap().unwrap()
}

/// One keyed initiation of `subject_key` at the backend's current time: what it answered and
/// whether it created a ticket.
async fn initiate(b: &Backend, key: &IdempotencyKey, subject_key: &str) -> (u16, bool) {
    let created = Arc::new(AtomicUsize::new(0));
    let keyed = Keyed {
        key,
        subject_key,
        request: br#"{"orderId":"88472"}"#,
        deadline_ms: None,
        ticket_ttl_secs: 60,
    };
    let count = created.clone();
    let store = b.store.clone();
    let clock = b.clock.clone();
    let answer = idempotency(b)
        .run(&keyed, || async move {
            count.fetch_add(1, Ordering::SeqCst);
            let mut ticket = record("user-1");
            let now = clock.now_secs();
            ticket.created_at = now;
            ticket.expires_at = now + 60;
            ticket.ttl = now + 3600;
            store.create_session(&ticket).await?;
            let body = serde_json::json!({"sessionHash": ticket.session_hash.as_str()});
            Ok(Created {
                response: bytes_response(StatusCode::CREATED, body.to_string().into_bytes()),
                expires_at: ticket.expires_at,
                session_hash: ticket.session_hash,
            })
        })
        .await;
    let status = match answer {
        Ok(response) => response.status().as_u16(),
        Err(e) => e.status().as_u16(),
    };
    (status, created.load(Ordering::SeqCst) == 1)
}

async fn scan(
    moto: &test_support::moto::MotoServer,
    table: &str,
) -> aws_sdk_dynamodb::operation::scan::ScanOutput {
    moto.dynamodb()
        .scan()
        .table_name(table)
        .send()
        .await
        .unwrap()
}

pub async fn a_spent_idempotency_key_answers_409_for_a_day_after_its_ticket_ended(b: Backend) {
    let subject = record("user-1").subject_key;
    let key = key("checkout-7f3a");
    assert_eq!(initiate(&b, &key, &subject).await, (201, true));

    // The ticket (60 s) has ended: the same key and body must not create another.
    b.clock.set_ms((NOW + 61) * 1000);
    assert_eq!(
        initiate(&b, &key, &subject).await,
        (409, false),
        "61 s later"
    );
    b.clock.set_ms((NOW + 60 + DAY - 1) * 1000);
    assert_eq!(
        initiate(&b, &key, &subject).await,
        (409, false),
        "a day after the ticket ended, less a second"
    );
    // After the retention, the key is forgotten like any other.
    b.clock.set_ms((NOW + 60 + DAY + 1) * 1000);
    assert_eq!(initiate(&b, &key, &subject).await, (201, true));
}

pub async fn a_spent_key_keeps_no_sealed_body_once_its_ticket_ended(b: Backend) {
    let subject = record("user-1").subject_key;
    let key = key("checkout-body");
    assert_eq!(initiate(&b, &key, &subject).await, (201, true));
    b.clock.set_ms((NOW + 61) * 1000);
    assert_eq!(initiate(&b, &key, &subject).await, (409, false));
    if let Some((moto, table)) = &b.moto {
        let scan = scan(moto, table).await;
        let live_bodies = scan
            .items()
            .iter()
            .filter(|item| item.contains_key("body"))
            .filter(|item| {
                item.get("ttl")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .is_some_and(|ttl| ttl >= NOW + 61)
            })
            .count();
        assert_eq!(
            live_bodies, 0,
            "a sealed body outlives its ticket: {scan:?}"
        );
    }
}

/// DynamoDB: someone able to write to the table changes a remembered `201` into a `504`; the
/// status is part of what the seal authenticates, so the record no longer replays.
pub async fn a_status_changed_in_the_table_does_not_replay(b: Backend) {
    let subject = record("user-1").subject_key;
    let key = key("checkout-tamper");
    assert_eq!(initiate(&b, &key, &subject).await, (201, true));
    let (moto, table) = b.moto.as_ref().unwrap();
    let pk = scan(moto, table)
        .await
        .items()
        .iter()
        .filter_map(|item| item.get("pk")?.as_s().ok())
        .find(|pk| pk.starts_with("idem#"))
        .unwrap()
        .clone();
    moto.dynamodb()
        .update_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk))
        .update_expression("SET status_code = :forged")
        .expression_attribute_values(":forged", AttributeValue::N("504".to_owned()))
        .send()
        .await
        .unwrap();
    let (status, created) = initiate(&b, &key, &subject).await;
    assert!(!created, "a replay creates nothing");
    assert_ne!(status, 504, "the forged status is not replayed");
    assert_eq!(
        status, 500,
        "a record that does not open is an internal error"
    );
}
