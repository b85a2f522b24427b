//! The inbound message flow the local stack runs on the sandbox's conversations: the committed
//! `infra/genesys/flows/secure-inbound-message.yaml` (or another file, `--flow`), executed by
//! `genesys_as_code::interpret`. The sandbox calls it through its `InboundFlow` port exactly once,
//! when a Messenger conversation's first message arrives, and stores the record on the
//! conversation: every step (the action, its name and line, what it did), the participant data it
//! set with the step that set each datum, and the queue it transferred to.
//!
//! Its Call Data Action goes through the committed `validate-session.web-services.json` (request
//! template, headers, the integration's Basic credential, translation map and defaults, success
//! template, timeout) to the validate-session handler in this process, the way Genesys's Web
//! Services data action calls the function. Set Participant Data writes onto the sandbox's
//! customer participant; a disconnect ends the sandbox conversation.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use genesys_as_code::data_action::{BasicCredential, Outcome, WebServicesAction};
use genesys_as_code::generate::data_actions::API_BASE_PLACEHOLDER;
use genesys_as_code::generate::flow::{
    DATA_ACTION_NAME, FLOW_PATH, INTEGRATION_CATEGORY, default_substitutions,
};
use genesys_as_code::interpret::{self, FlowRuntime, Loaded};
use genesys_as_code::routing::Routing;
use genesys_sandbox::{FlowConversation, FlowRun, FlowStep, InboundFlow, SandboxState, SetDatum};
use secure_initiation::api::ValidateHandler;
use secure_initiation::attributes::Schema;
use serde_json::{Value, json};

use crate::in_process::InProcess;
use crate::metrics::LocalMetrics;

const COMMITTED_FLOW: &str =
    include_str!("../../../infra/genesys/flows/secure-inbound-message.yaml");
const WEB_SERVICES_ACTION: &str =
    include_str!("../../../infra/genesys/data-actions/validate-session.web-services.json");

/// Which flow the stack runs, and with which substitutions.
#[derive(Debug, Clone, Default)]
pub struct FlowOptions {
    /// Another flow file than the committed one.
    pub file: Option<PathBuf>,
    /// Another routing file, for the queue-name substitutions of a flow generated from it.
    pub routing: Option<PathBuf>,
    /// Substitutions on top of the defaults (`queue_general=My queue`).
    pub set: BTreeMap<String, String>,
}

/// What a run of the flow uses besides the flow: the validate-session handler its Call Data
/// Action reaches, the integration's Basic credential, and the metrics it flushes afterwards.
#[derive(Debug)]
pub(crate) struct FlowParts {
    pub(crate) validate: ValidateHandler,
    pub(crate) credential: BasicCredential,
    pub(crate) metrics: Arc<LocalMetrics>,
}

/// The loaded flow, its data action, the parts a run uses, and the runs of conversations the
/// sandbox did not start it for (the initiation-api strategy's).
#[derive(Debug)]
pub(crate) struct InterpretedFlow {
    loaded: Loaded,
    action: WebServicesAction,
    category: String,
    action_name: String,
    file: String,
    secret_keys: BTreeSet<String>,
    parts: FlowParts,
    runs: Mutex<HashMap<String, FlowRun>>,
}

impl InterpretedFlow {
    /// Loads the flow; a flow outside the interpreter's subset stops the stack with the refusal
    /// (action and line).
    pub(crate) fn load(
        options: &FlowOptions,
        schema: &Schema,
        parts: FlowParts,
    ) -> Result<Self, String> {
        let routing = match &options.routing {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
                Routing::from_toml(&text, schema).map_err(|e| format!("`{}`: {e}", p.display()))?
            }
            None => Routing::default_routing(schema).map_err(|e| e.to_string())?,
        };
        let (text, file) = match &options.file {
            Some(p) => (
                std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?,
                p.display().to_string(),
            ),
            None => (COMMITTED_FLOW.to_owned(), FLOW_PATH.to_owned()),
        };
        let mut substitutions = default_substitutions(&routing);
        substitutions.extend(options.set.clone());
        let secret_keys = BTreeSet::from([schema.session_hash_key().to_owned()]);
        let loaded = interpret::load(&text, &substitutions, secret_keys.clone())
            .map_err(|e| format!("`{file}`: {e}"))?;
        let definition: Value =
            serde_json::from_str(WEB_SERVICES_ACTION).map_err(|e| e.to_string())?;
        let action = WebServicesAction::from_json(&definition).map_err(|e| e.to_string())?;
        Ok(Self {
            loaded,
            action,
            category: substitutions
                .get(INTEGRATION_CATEGORY)
                .cloned()
                .unwrap_or_default(),
            action_name: substitutions
                .get(DATA_ACTION_NAME)
                .cloned()
                .unwrap_or_default(),
            file,
            secret_keys,
            parts,
            runs: Mutex::new(HashMap::new()),
        })
    }

    /// The record of a conversation's run: the one the sandbox stored (a conversation Messenger
    /// started runs the flow on its own, after its first message: this waits for the record),
    /// or one this flow ran (once) for a conversation Messenger did not start.
    pub(crate) async fn record_for(
        &self,
        sandbox: &SandboxState,
        conversation_id: &str,
    ) -> Option<FlowRun> {
        let conversation = sandbox.conversation(conversation_id)?;
        if conversation.messenger_session_id.is_some() {
            let wait = Duration::from_secs(10);
            return sandbox
                .wait_for_flow(conversation_id, wait)
                .await?
                .inbound_flow;
        }
        if let Some(run) = conversation.inbound_flow {
            return Some(run);
        }
        if let Some(run) = lock(&self.runs).get(conversation_id) {
            return Some(run.clone());
        }
        let conversation = sandbox.flow_conversation(conversation_id)?;
        let run = self.run_on(&conversation).await;
        lock(&self.runs).insert(conversation_id.to_owned(), run.clone());
        Some(run)
    }

    /// Runs the flow on a conversation of the sandbox.
    async fn run_on(&self, conversation: &FlowConversation) -> FlowRun {
        let name = format!(
            "{} ({})",
            self.loaded.flow().name.clone().unwrap_or_default(),
            self.file
        );
        let mut record = FlowRun::new(name);
        let Some(customer) = conversation
            .conversation()
            .and_then(|c| c.customer().map(|p| p.id.clone()))
        else {
            record.error = Some("the conversation has no customer participant".to_owned());
            return record;
        };
        let runtime = SandboxRuntime {
            conversation,
            customer_id: customer,
            called: Mutex::new(None),
            set: Mutex::new(Vec::new()),
            flow: self,
        };
        let run = self.loaded.run(&runtime).await;
        self.parts.metrics.flush();
        let called = runtime.called.into_inner().unwrap_or_default();
        record.steps = run
            .steps
            .iter()
            .map(|step| shown(step, called.as_ref()))
            .collect();
        record.queue = run.queue.clone();
        record.error = run.error.clone();
        record.transfer_step = run
            .queue
            .as_ref()
            .and_then(|_| run.steps.iter().rev().find(|s| s.action == "transferToAcd"))
            .map(|s| s.index);
        record.participant_data = self.shown_data(runtime.set.into_inner().unwrap_or_default());
        record
    }

    /// The participant data the run set, each with the step that set it; a secret key's value
    /// is never shown.
    fn shown_data(&self, set: Vec<(String, String, usize)>) -> Vec<SetDatum> {
        set.into_iter()
            .map(|(key, value, step)| SetDatum {
                value: if self.secret_keys.contains(&key) {
                    "<set, not shown>".to_owned()
                } else {
                    value
                },
                key,
                step,
            })
            .collect()
    }
}

/// A step as the demo page reads it: its name and line, what the interpreter recorded, and for
/// Get Participant Data the key and whether it was set (never its value), for Call Data Action
/// the data action's status and output.
fn shown(step: &interpret::Step, called: Option<&Outcome>) -> FlowStep {
    let mut detail = json!({"name": step.name, "line": step.line});
    if let (Value::Object(into), Value::Object(from)) = (&mut detail, &step.detail) {
        into.extend(from.clone());
    }
    match step.action.as_str() {
        "getParticipantData" => {
            if let Some(first) = step.detail["read"].get(0) {
                detail["attribute"] = first["key"].clone();
                detail["set"] = json!(!first["value"].is_null());
            }
        }
        "callData" => {
            let (status, output) = match called {
                Some(Outcome::Success(out)) => (json!(200), Value::Object(out.clone())),
                _ => (Value::Null, Value::Null),
            };
            detail["status"] = status;
            detail["output"] = output;
        }
        _ => {}
    }
    FlowStep {
        name: step.action.clone(),
        detail,
    }
}

/// The sandbox's `InboundFlow` port: the sandbox runs the flow on each conversation a guest
/// starts.
impl InboundFlow for InterpretedFlow {
    fn run<'a>(&'a self, conversation: &'a FlowConversation) -> BoxFuture<'a, FlowRun> {
        Box::pin(self.run_on(conversation))
    }
}

/// The interpreter's runtime over one sandbox conversation: what the flow's actions read and
/// did, for the record.
struct SandboxRuntime<'a> {
    conversation: &'a FlowConversation,
    customer_id: String,
    called: Mutex<Option<Outcome>>,
    set: Mutex<Vec<(String, String, usize)>>,
    flow: &'a InterpretedFlow,
}

/// Every change under these locks is one step: a poisoned lock still holds consistent data.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait::async_trait]
impl FlowRuntime for SandboxRuntime<'_> {
    fn conversation_id(&self) -> String {
        self.conversation.id().to_owned()
    }

    async fn participant_data(&self, key: &str) -> Option<String> {
        self.conversation
            .participant_data(&self.customer_id)
            .and_then(|attributes| attributes.get(key).cloned())
    }

    async fn set_participant_data(&self, key: &str, value: &str, step: usize) {
        if !self
            .conversation
            .set_participant_data(&self.customer_id, key, value)
        {
            let conversation_id = self.conversation.id();
            tracing::warn!(%conversation_id, key, "participant data not set: unknown conversation");
        }
        lock(&self.set).push((key.to_owned(), value.to_owned(), step));
    }

    async fn call_data_action(
        &self,
        category: &str,
        action: &str,
        inputs: &BTreeMap<String, String>,
        timeout: Option<Duration>,
    ) -> Outcome {
        if category != self.flow.category || action != self.flow.action_name {
            return Outcome::Failure(format!(
                "no data action `{action}` in category `{category}`"
            ));
        }
        let parts = &self.flow.parts;
        let transport = InProcess {
            validate: &parts.validate,
            conversation_id: self.conversation.id(),
        };
        let outcome = self
            .flow
            .action
            .run(
                &transport,
                inputs,
                &parts.credential,
                (API_BASE_PLACEHOLDER, "http://validate-session.local"),
                timeout,
            )
            .await;
        *lock(&self.called) = Some(outcome.clone());
        outcome
    }

    async fn transfer_to_acd(&self, queue: &str, _step: usize) {
        let conversation_id = self.conversation.id();
        tracing::info!(%conversation_id, queue, "flow transferred the conversation");
    }

    async fn disconnect(&self, _step: usize) {
        self.conversation.disconnect();
    }
}
