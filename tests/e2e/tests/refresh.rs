//! The refresh rules through real HTTP: the refresh window, the per-subject limit, the chain's
//! age and count, the claims and risk derived again from the presented token, the grace that
//! closes the race between a refresh and Messenger's first message, and at most one live
//! conversation per chain with `initiation-api`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, assert_problem, conversation, spawn_app};
use local::Options;
use reqwest::StatusCode;
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::api::{BrowserSettings, TicketSettings};
use serde_json::{Value, json};

async fn app_with(strategy: StrategyKind, ticket: TicketSettings) -> TestApp {
    spawn_app(Options {
        strategy,
        initiate: BrowserSettings {
            ticket,
            ..BrowserSettings::initiate()
        },
        refresh: BrowserSettings {
            ticket,
            ..BrowserSettings::refresh()
        },
        ..Options::default()
    })
    .await
}

async fn app(strategy: StrategyKind) -> TestApp {
    app_with(strategy, TicketSettings::default()).await
}

fn hash_of(body: &Value) -> String {
    body["sessionHash"].as_str().unwrap().to_owned()
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn refreshed(app: &TestApp, token: &str, hash: &str) -> Value {
    let response = app.refresh(token, hash).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn store_counts(app: &TestApp) -> Value {
    app.http
        .get(app.url("/dev/store"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_ticket_is_refreshed_only_within_its_window_or_after_it_expired() {
    let app = app(StrategyKind::Messenger).await;
    let token = app.login("alice").await;
    let first = app.initiate(&token).await;
    let hash = hash_of(&first);

    let early = app.refresh(&token, &hash).await;
    assert_eq!(early.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&early);
    assert!((44..=45).contains(&wait), "opens 45 s after issue: {wait}");
    assert_problem(early, 429, "rate-limited").await;

    // A page that slept through its ticket: refreshed once it wakes, within the chain.
    app.advance_clock(200).await;
    let woke = refreshed(&app, &token, &hash).await;
    let new = hash_of(&woke);
    assert_eq!(app.validate(&new, &conversation()).await["valid"], true);
}

#[tokio::test]
async fn one_subject_hammering_refresh_and_initiate_creates_no_more_than_the_limits_allow() {
    for strategy in [StrategyKind::Messenger, StrategyKind::InitiationApi] {
        let app = app(strategy).await;
        let token = app.login("mallory").await;
        let mut hashes = Vec::new();
        let mut initiations = 0;
        for _ in 0..30 {
            let r = app
                .initiate_with(&token, &json!({"orderId": "1"}), None)
                .await;
            if r.status() == StatusCode::CREATED {
                initiations += 1;
                hashes.push(hash_of(&r.json().await.unwrap()));
            } else {
                assert_problem(r, 429, "rate-limited").await;
            }
        }
        assert_eq!(initiations, 5, "{strategy:?}: the initiation limit");

        // Every chain hammered: only a ticket in its window rotates, once; the subject's
        // refresh limit caps the attempts.
        app.advance_clock(46).await;
        let mut statuses = Vec::new();
        for round in 0..6 {
            for hash in &mut hashes {
                let r = app.refresh(&token, hash).await;
                statuses.push(r.status().as_u16());
                if r.status() == StatusCode::CREATED {
                    *hash = hash_of(&r.json().await.unwrap());
                } else {
                    let status = r.status().as_u16();
                    assert!(matches!(status, 429 | 403), "round {round}: {status}");
                }
            }
        }
        let rotations = statuses.iter().filter(|s| **s == 201).count();
        assert_eq!(
            rotations, 5,
            "{strategy:?}: one rotation per chain per window"
        );
        let counts = store_counts(&app).await;
        assert_eq!(counts["sessions"], 10, "{strategy:?}: {counts}");
        assert_eq!(counts["active"], 5, "{strategy:?}: {counts}");
        if strategy == StrategyKind::InitiationApi {
            let sandbox = &app.running.sandbox;
            assert_eq!(sandbox.conversations().len(), 10, "created");
            assert_eq!(
                sandbox.connected_conversations().len(),
                5,
                "one live conversation per chain"
            );
        }
        // The subject's own limit: 10 refreshes a minute, whatever the chains.
        assert!(statuses.len() > 10);
        assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
    }
}

#[tokio::test]
async fn a_chain_ends_at_its_maximum_age_and_no_ticket_outlives_it() {
    let ticket = TicketSettings {
        max_age_secs: 900,
        ..TicketSettings::default()
    };
    let app = app_with(StrategyKind::Messenger, ticket).await;
    let mut hash = hash_of(&app.initiate(&app.login("bob").await).await);
    // Refresh as late as the client does (10 s before expiry), with a session token the site
    // renews as it ages (the dev tokens live 300 s), up to 850 s into the 900 s chain.
    let mut last = Value::Null;
    for _ in 0..17 {
        app.advance_clock(50).await;
        last = refreshed(&app, &app.login("bob").await, &hash).await;
        hash = hash_of(&last);
    }
    assert_eq!(
        last["expiresAt"], last["chainExpiresAt"],
        "refreshed at 850 s: capped at the chain's end (900 s), not 910 s"
    );
    // At 890 s a new hash would not live longer: the chain has ended.
    app.advance_clock(40).await;
    let token = app.login("bob").await;
    let problem = assert_problem(
        app.refresh(&token, &hash).await,
        403,
        "session-not-refreshable",
    )
    .await;
    assert_eq!(problem["reason"], "chain-ended");
    // At 912 s the last ticket is expired.
    app.advance_clock(22).await;
    let late = app.validate(&hash, &conversation()).await;
    assert_eq!(
        (late["valid"].clone(), late["reason"].clone()),
        (json!(false), json!("expired"))
    );
}

#[tokio::test]
async fn a_chain_ends_after_its_refresh_count() {
    let ticket = TicketSettings {
        max_refreshes: 2,
        ..TicketSettings::default()
    };
    let app = app_with(StrategyKind::Messenger, ticket).await;
    let token = app.login("carol").await;
    let mut hash = hash_of(&app.initiate(&token).await);
    for _ in 0..2 {
        app.advance_clock(50).await;
        hash = hash_of(&refreshed(&app, &token, &hash).await);
    }
    app.advance_clock(50).await;
    let problem = assert_problem(
        app.refresh(&token, &hash).await,
        403,
        "session-not-refreshable",
    )
    .await;
    assert_eq!(problem["reason"], "chain-ended");
}

#[tokio::test]
async fn a_refresh_derives_the_context_again_from_the_presented_token() {
    let app = app(StrategyKind::Messenger).await;
    let sign = |tier: Option<i64>, risk: Option<i64>| {
        let mut claims = app.idp().claims_for("dora");
        if let Some(tier) = tier {
            claims.insert("tier".into(), json!(tier));
        }
        claims.insert("geo".into(), json!("emea"));
        if let Some(risk) = risk {
            claims.insert("risk".into(), json!(risk));
        }
        app.idp()
            .sign(&claims, jsonwebtoken::Algorithm::ES256)
            .unwrap()
    };
    let first = app.initiate(&sign(Some(1), None)).await;
    let hash = hash_of(&first);
    app.advance_clock(46).await;

    // Initiate would refuse these tokens; so does refresh, and the ticket stays as it was.
    let missing = app.refresh(&sign(None, None), &hash).await;
    assert_problem(missing, 403, "session-context-refused").await;
    let risky = app.refresh(&sign(Some(1), Some(95)), &hash).await;
    assert_problem(risky, 403, "risk-refused").await;

    // The tier changed at the identity provider: the new ticket carries the new tier, and the
    // order the browser asked about at initiation is kept.
    let upgraded = refreshed(&app, &sign(Some(3), None), &hash).await;
    let out = app.validate(&hash_of(&upgraded), &conversation()).await;
    assert_eq!(out["valid"], true, "{out}");
    assert_eq!(out["priority_tier"], "3");
    assert_eq!(out["order_id"], "88472");
}

#[tokio::test]
async fn a_first_message_sent_while_a_refresh_is_in_flight_still_validates_once() {
    let app = app(StrategyKind::Messenger).await;
    let token = app.login("erin").await;
    let old = hash_of(&app.initiate(&token).await);
    app.advance_clock(46).await;
    let new = hash_of(&refreshed(&app, &token, &old).await);
    // Messenger sent the old hash before the page handed it the new one.
    app.advance_clock(2).await;
    let conv = conversation();
    let out = app.validate(&old, &conv).await;
    assert_eq!(
        (out["valid"].clone(), out["reason"].clone()),
        (json!(true), json!("ok"))
    );
    assert_eq!(
        app.validate(&old, &conv).await["valid"],
        true,
        "the same conversation again"
    );
    // The chain is bound once: the successor never validates and cannot be refreshed.
    let successor = app.validate(&new, &conversation()).await;
    assert_eq!(successor["reason"], "revoked");
    let replay = app.validate(&old, &conversation()).await;
    assert_eq!(replay["reason"], "replayed");
    app.advance_clock(45).await;
    let problem = assert_problem(
        app.refresh(&token, &new).await,
        403,
        "session-not-refreshable",
    )
    .await;
    assert_eq!(problem["reason"], "replaced");
}

#[tokio::test]
async fn sessions_start_after_the_dev_clock_moved_hours() {
    let app = app(StrategyKind::Messenger).await;
    app.advance_clock(4 * 3600).await;
    // The development identity provider signs with the moved clock, so its tokens verify.
    let token = app.login("frank").await;
    let hash = hash_of(&app.initiate(&token).await);
    assert_eq!(app.validate(&hash, &conversation()).await["valid"], true);
}

/// A refresh whose Genesys create answers after the deadline (the sandbox's delay fault: the
/// conversation is created, the answer is late) leaves a conversation nobody was handed. The
/// client's fallback initiation finds it by the ticket's session hash and ends it first: the
/// customer is left with one live conversation, not two.
#[tokio::test]
async fn a_create_that_timed_out_is_ended_by_the_chain_s_next_initiation() {
    use genesys_sandbox::Fault;
    use std::time::Duration;

    let settings = |base: BrowserSettings| BrowserSettings {
        genesys_deadline: Duration::from_millis(800),
        ..base
    };
    let app = spawn_app(Options {
        strategy: StrategyKind::InitiationApi,
        initiate: settings(BrowserSettings::initiate()),
        refresh: settings(BrowserSettings::refresh()),
        ..Options::default()
    })
    .await;
    let token = app.login("dora").await;
    let first = app.initiate(&token).await;
    app.advance_clock(46).await;
    app.running.sandbox.inject(
        Fault::delay(Duration::from_secs(2))
            .on_path("/api/v2/webmessaging")
            .times(1),
    );
    assert_problem(
        app.refresh(&token, &hash_of(&first)).await,
        504,
        "upstream-timeout",
    )
    .await;
    // The late create happened: the sandbox holds a conversation nobody was handed.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.running.sandbox.connected_conversations().len(), 1);

    let fallback = app.initiate(&token).await;
    let connected = app.running.sandbox.connected_conversations();
    assert_eq!(
        connected.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        vec![fallback["conversationId"].as_str().unwrap()],
        "one live conversation for the customer"
    );
}

/// One customer initiating from several tabs at once under `initiation-api`: each request
/// records its create as pending and looks for leftovers of the subject's earlier creates
/// before its own. A create still under way is not a leftover: every initiation keeps its
/// conversation connected, none is ended by its sibling. The sandbox's delay fault makes each
/// create answer late (the conversation exists, the answer is held back, still well within the
/// deadline), and the initiations start staggered, so every later one runs while the earlier
/// ones' conversations exist and their answers are outstanding.
#[tokio::test]
async fn concurrent_initiations_of_one_subject_keep_every_conversation_connected() {
    use genesys_sandbox::Fault;
    use std::time::Duration;

    const TABS: u32 = 4;
    let app = app(StrategyKind::InitiationApi).await;
    let token = app.login("erin").await;
    app.running.sandbox.inject(
        Fault::delay(Duration::from_millis(1200))
            .on_path("/api/v2/webmessaging")
            .times(TABS),
    );
    let tabs = (0..TABS).map(|tab| {
        let (app, token) = (&app, &token);
        async move {
            tokio::time::sleep(Duration::from_millis(u64::from(tab) * 200)).await;
            app.initiate(token).await
        }
    });
    let started = futures::future::join_all(tabs).await;

    let mut handed: Vec<&str> = started
        .iter()
        .map(|body| body["conversationId"].as_str().unwrap())
        .collect();
    let connected = app.running.sandbox.connected_conversations();
    let mut connected: Vec<&str> = connected.iter().map(|c| c.id.as_str()).collect();
    handed.sort_unstable();
    connected.sort_unstable();
    assert_eq!(handed.len(), TABS as usize);
    assert_eq!(
        connected, handed,
        "every conversation handed to a tab is still connected"
    );
}
