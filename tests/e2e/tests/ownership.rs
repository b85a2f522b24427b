//! The ownership check through real HTTP: initiate asks the site (here the local stack's
//! development ownership service, `POST /dev/ownership`: a dev user owns every order id that
//! does not end in `0`) whether the requested `orderId` is the signed-in customer's before it becomes the
//! `order_id` attribute Architect and agents see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestApp, assert_problem, conversation, spawn_app};
use local::{LocalOwnership, Options};
use secure_initiation::adapters::HttpOwnershipCheck;
use secure_initiation::api::ownership::{Ownership, OwnershipFailPolicy};
use serde_json::{Value, json};

async fn app(ownership: LocalOwnership) -> TestApp {
    spawn_app(Options {
        ownership,
        ..Options::default()
    })
    .await
}

/// Initiates for `order`, validates the ticket: the `order_id` Architect gets.
async fn order_id_seen_by_architect(app: &TestApp, order: &str) -> Value {
    let token = app.login("olga").await;
    let response = app
        .initiate_with(&token, &json!({ "orderId": order }), None)
        .await;
    assert_eq!(response.status(), 201);
    let ticket: Value = response.json().await.unwrap();
    let hash = ticket["sessionHash"].as_str().unwrap();
    let validated = app.validate(hash, &conversation()).await;
    assert_eq!(validated["valid"], true, "{validated}");
    validated["order_id"].clone()
}

#[tokio::test]
async fn an_order_the_customer_does_not_own_is_refused_with_403_and_creates_nothing() {
    let app = app(LocalOwnership::Dev).await;
    let token = app.login("olga").await;
    let response = app
        .initiate_with(&token, &json!({"orderId": "88470"}), None)
        .await;
    let body = assert_problem(response, 403, "not-owned").await;
    assert_eq!(body["reason"], "not-owned");
    assert!(
        body["detail"].as_str().unwrap().contains("orderId"),
        "{body}"
    );
    assert!(
        !body.to_string().contains("88470"),
        "the value is not echoed: {body}"
    );
    let store: Value = app
        .http
        .get(app.url("/dev/store"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(store["sessions"], 0, "no ticket was issued");
}

#[tokio::test]
async fn an_order_the_customer_owns_reaches_architect_as_order_id() {
    let app = app(LocalOwnership::Dev).await;
    assert_eq!(order_id_seen_by_architect(&app, "88472").await, "88472");
}

#[tokio::test]
async fn without_a_check_the_order_id_is_not_set_and_its_key_stays_in_the_contract() {
    let app = app(LocalOwnership::Off).await;
    let order_id = order_id_seen_by_architect(&app, "88470").await;
    assert_eq!(
        order_id, "",
        "the key is there, empty: never the browser's word"
    );
}

/// An ownership endpoint that answers after `delay`, or with `status`.
async fn site(delay: Duration, status: u16) -> url::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/ownership",
        axum::routing::post(move || async move {
            tokio::time::sleep(delay).await;
            let status = http::StatusCode::from_u16(status).unwrap();
            (status, axum::Json(json!({"owned": ["orderId"]})))
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url::Url::parse(&format!("http://{addr}/ownership")).unwrap()
}

async fn failing_check(policy: OwnershipFailPolicy, delay: Duration, status: u16) -> TestApp {
    let url = site(delay, status).await;
    let check = HttpOwnershipCheck::new(url, Duration::from_millis(200)).unwrap();
    app(LocalOwnership::Check(Ownership {
        check: Arc::new(check),
        on_failure: policy,
    }))
    .await
}

#[tokio::test]
async fn a_check_slower_than_its_deadline_fails_closed_within_the_deadline() {
    let app = failing_check(OwnershipFailPolicy::Closed, Duration::from_secs(3), 200).await;
    let token = app.login("olga").await;
    let started = Instant::now();
    let response = app
        .initiate_with(&token, &json!({"orderId": "88472"}), None)
        .await;
    let took = started.elapsed();
    assert_problem(response, 503, "service-unavailable").await;
    assert!(
        took < Duration::from_millis(1500),
        "answered after {took:?}"
    );
}

#[tokio::test]
async fn a_failing_check_with_the_open_policy_goes_on_without_the_unchecked_order() {
    let slow = failing_check(OwnershipFailPolicy::Open, Duration::from_secs(3), 200).await;
    assert_eq!(order_id_seen_by_architect(&slow, "88472").await, "");
    let broken = failing_check(OwnershipFailPolicy::Open, Duration::ZERO, 500).await;
    assert_eq!(order_id_seen_by_architect(&broken, "88472").await, "");
}
