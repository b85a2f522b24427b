//! The interpreter on the generated flow, against a fake conversation: which queue each kind of
//! validation outcome reaches, that participant data is set before the transfer, and that
//! secrets stay out of the recorded path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use genesys_as_code::data_action::Outcome;
use genesys_as_code::generate::flow::{default_substitutions, inbound_message_flow};
use genesys_as_code::interpret::{self, FlowRuntime, LoadError};
use genesys_as_code::routing::Routing;
use secure_initiation::attributes::Schema;
use serde_json::{Map, Value, json};

/// A data action call: category, action, inputs, timeout.
type Call = (String, String, BTreeMap<String, String>, Option<Duration>);

#[derive(Debug, Default)]
struct Recorded {
    set: Vec<(String, String, usize)>,
    calls: Vec<Call>,
    transfer: Option<(String, usize)>,
    disconnected: Option<usize>,
}

struct Fake {
    data: BTreeMap<String, String>,
    outcome: Outcome,
    log: Mutex<Recorded>,
}

#[async_trait::async_trait]
impl FlowRuntime for Fake {
    fn conversation_id(&self) -> String {
        "c-42".to_owned()
    }
    async fn participant_data(&self, key: &str) -> Option<String> {
        self.data.get(key).cloned()
    }
    async fn set_participant_data(&self, key: &str, value: &str, step: usize) {
        self.log
            .lock()
            .unwrap()
            .set
            .push((key.into(), value.into(), step));
    }
    async fn call_data_action(
        &self,
        category: &str,
        action: &str,
        inputs: &BTreeMap<String, String>,
        timeout: Option<Duration>,
    ) -> Outcome {
        self.log.lock().unwrap().calls.push((
            category.into(),
            action.into(),
            inputs.clone(),
            timeout,
        ));
        self.outcome.clone()
    }
    async fn transfer_to_acd(&self, queue: &str, step: usize) {
        self.log.lock().unwrap().transfer = Some((queue.into(), step));
    }
    async fn disconnect(&self, step: usize) {
        self.log.lock().unwrap().disconnected = Some(step);
    }
}

const HASH: &str = "AbCdEfGhIjKlMnOpQrStUv";

fn valid(tier: &str, risk: &str) -> Outcome {
    let Value::Object(m) = json!({
        "valid": true, "reason": "ok", "participant_update": "skipped",
        "priority_tier": tier, "geo_segment": "emea", "order_id": "88472",
        "risk_score": risk, "authenticated": "true",
    }) else {
        unreachable!()
    };
    Outcome::Success(m)
}

fn invalid(reason: &str) -> Outcome {
    let Value::Object(m) = json!({
        "valid": false, "reason": reason, "participant_update": "skipped",
        "priority_tier": "", "geo_segment": "", "order_id": "", "risk_score": "", "authenticated": "",
    }) else {
        unreachable!()
    };
    Outcome::Success(m)
}

fn setup() -> (Schema, Routing) {
    let schema = Schema::default_schema().unwrap();
    let routing = Routing::default_routing(&schema).unwrap();
    (schema, routing)
}

async fn run(data: &[(&str, &str)], outcome: Outcome) -> (interpret::FlowRun, Recorded) {
    let (schema, routing) = setup();
    let loaded = interpret::load(
        &inbound_message_flow(&schema, &routing),
        &default_substitutions(&routing),
        BTreeSet::from(["session_hash".to_owned()]),
    )
    .unwrap();
    let fake = Fake {
        data: data
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        outcome,
        log: Mutex::new(Recorded::default()),
    };
    let run = loaded.run(&fake).await;
    (run, fake.log.into_inner().unwrap())
}

#[tokio::test]
async fn a_valid_tier_2_session_reaches_the_standard_queue_with_its_data_set_first() {
    let (run, log) = run(&[("session_hash", HASH)], valid("2", "10")).await;
    assert_eq!(
        run.queue.as_deref(),
        Some("Web Messaging Standard"),
        "{run:#?}"
    );
    assert_eq!(run.error, None);
    let (queue, transfer_step) = log.transfer.unwrap();
    assert_eq!(queue, "Web Messaging Standard");
    let keys: Vec<&str> = log.set.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "priority_tier",
            "geo_segment",
            "order_id",
            "risk_score",
            "authenticated"
        ]
    );
    assert!(
        log.set.iter().all(|(_, _, step)| *step < transfer_step),
        "data set before the transfer"
    );
    let (category, action, inputs, timeout) = &log.calls[0];
    assert_eq!(
        (category.as_str(), action.as_str()),
        (
            "Secure initiation (Web Services)",
            "Validate secure session"
        )
    );
    assert_eq!(inputs["sessionHash"], HASH);
    assert_eq!(inputs["conversationId"], "c-42");
    assert!(!inputs.contains_key("participantId"));
    assert_eq!(*timeout, Some(Duration::from_secs(6)));
    let shown = serde_json::to_string(&run.steps).unwrap();
    assert!(
        !shown.contains(HASH),
        "the session hash never appears in the steps: {shown}"
    );
}

#[tokio::test]
async fn rules_apply_in_order_with_typed_comparisons() {
    assert_eq!(
        run(&[("session_hash", HASH)], valid("3", "60"))
            .await
            .0
            .queue
            .as_deref(),
        Some("Web Messaging Review")
    );
    assert_eq!(
        run(&[("session_hash", HASH)], valid("3", "10"))
            .await
            .0
            .queue
            .as_deref(),
        Some("Web Messaging Priority")
    );
    assert_eq!(
        run(&[("session_hash", HASH)], valid("1", "0"))
            .await
            .0
            .queue
            .as_deref(),
        Some("Web Messaging Basic")
    );
}

#[tokio::test]
async fn every_untrusted_path_reaches_the_default_queue_without_participant_data() {
    for (data, outcome, why) in [
        (vec![], invalid("unknown"), "no hash"),
        (vec![("session_hash", "")], invalid("unknown"), "empty hash"),
        (
            vec![("session_hash", HASH)],
            invalid("replayed"),
            "replayed",
        ),
        (
            vec![("session_hash", HASH)],
            Outcome::Failure("the service answered 401".into()),
            "failure",
        ),
        (vec![("session_hash", HASH)], Outcome::Timeout, "timeout"),
    ] {
        let (run, log) = run(&data, outcome).await;
        assert_eq!(
            run.queue.as_deref(),
            Some("Web Messaging"),
            "{why}: {run:#?}"
        );
        assert!(
            log.set.is_empty(),
            "{why}: nothing is set on an untrusted path"
        );
        if why.ends_with("hash") {
            assert!(
                log.calls.is_empty(),
                "{why}: no data action call without a hash"
            );
        }
    }
}

#[tokio::test]
async fn a_value_toint_cannot_read_takes_the_error_handling() {
    let (run, log) = run(&[("session_hash", HASH)], valid("2", "lots")).await;
    assert_eq!(run.queue, None);
    assert!(run.disconnected);
    assert!(run.error.unwrap().contains("ToInt of \"lots\""));
    assert!(log.disconnected.is_some());
}

fn tiny(actions: &str) -> String {
    format!(
        "inboundShortMessage:\n  name: t\n  startUpRef: \"/inboundShortMessage/states/state[s_1]\"\n  states:\n    - state:\n        name: s\n        refId: s_1\n        variables:\n          - stringVariable:\n              name: State.priority_tier\n              initialValue:\n                noValue: true\n        actions:\n{actions}"
    )
}

#[test]
fn actions_and_expressions_outside_the_subset_are_refused_with_name_and_line() {
    let send = tiny(
        "          - sendResponse:\n              name: Say hello\n              messageBody:\n                lit: hi\n",
    );
    let err = interpret::load(&send, &BTreeMap::new(), BTreeSet::new()).unwrap_err();
    assert!(
        matches!(&err, LoadError::Refused { action, name, line: 14, .. } if action == "sendResponse" && name == "Say hello"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("line 14: `sendResponse` action \"Say hello\""),
        "{err}"
    );

    let number = tiny(
        "          - decision:\n              name: Tier two?\n              condition:\n                exp: State.priority_tier == 2\n",
    );
    let err = interpret::load(&number, &BTreeMap::new(), BTreeSet::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("compares a string with an integer"),
        "{err}"
    );

    let unknown_fn = tiny(
        "          - decision:\n              name: Long?\n              condition:\n                exp: Length(State.priority_tier) > 2\n",
    );
    let err = interpret::load(&unknown_fn, &BTreeMap::new(), BTreeSet::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("function `Length` is outside the subset"),
        "{err}"
    );

    let missing = interpret::load(
        &tiny("          - transferToAcd:\n              name: T\n              targetQueue:\n                lit:\n                  name: \"{{queue}}\"\n"),
        &BTreeMap::new(),
        BTreeSet::new(),
    )
    .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("placeholder `{{queue}}` has no substitution"),
        "{missing}"
    );
}

#[tokio::test]
async fn a_flow_that_runs_out_of_actions_disconnects() {
    let flow = tiny(
        "          - updateData:\n              name: Set tier\n              statements:\n                - string:\n                    variable: State.priority_tier\n                    value:\n                      lit: \"2\"\n",
    );
    let loaded = interpret::load(&flow, &BTreeMap::new(), BTreeSet::new()).unwrap();
    let fake = Fake {
        data: BTreeMap::new(),
        outcome: Outcome::Success(Map::new()),
        log: Mutex::new(Recorded::default()),
    };
    let run = loaded.run(&fake).await;
    assert!(run.disconnected);
    assert_eq!(run.steps[0].detail["assigned"][0]["value"], "2");
}
