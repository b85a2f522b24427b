//! An interpreter of the Archy subset the generator emits, so the local stack runs the very
//! flow an admin deploys.
//!
//! [`load`] reads a flow with every placeholder filled and refuses, naming the action and its
//! line, anything outside the subset: actions other than `getParticipantData`,
//! `setParticipantData`, `decision`, `switch`, `callData`, `updateData`, `transferToAcd` and
//! `disconnect`; expressions other than those [`crate::archy::expr`] lists; undeclared
//! variables and comparisons of mismatched types. [`Loaded::run`] then executes it against a
//! [`FlowRuntime`] (the conversation it runs on) and returns the path it took.
//!
//! Semantics: variables start `NOT_SET`; Get Participant Data of a key the participant lacks
//! leaves the variable `NOT_SET`; a transfer ends the run; a path that ends falls through to the
//! action after the one that chose it; a run error (such as `ToInt` of a non-number) takes the
//! flow's error handling, which the generated flow sets to disconnect.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::archy::expr::{BinOp, Expr};
use crate::archy::flow::{
    self, Action, ActionKind, Flow, Operand, QueueRef, ReadError, Timeout, VarType,
};
use crate::archy::template::Unfilled;
use crate::data_action::Outcome;

mod check;

use check::{Ty, check};

/// What a flow touches on its conversation.
#[async_trait::async_trait]
pub trait FlowRuntime: Send + Sync {
    /// `Message.ConversationId`.
    fn conversation_id(&self) -> String;
    /// The customer participant's data for `key`, if set.
    async fn participant_data(&self, key: &str) -> Option<String>;
    /// Sets one participant datum; `step` is the index of the action doing it.
    async fn set_participant_data(&self, key: &str, value: &str, step: usize);
    /// Runs a data action, found by category and name.
    async fn call_data_action(
        &self,
        category: &str,
        action: &str,
        inputs: &BTreeMap<String, String>,
        timeout: Option<Duration>,
    ) -> Outcome;
    /// Transfers the conversation to the queue named `queue`.
    async fn transfer_to_acd(&self, queue: &str, step: usize);
    /// Disconnects the conversation.
    async fn disconnect(&self, step: usize);
}

/// One action the run executed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Its position in the run (0-based).
    pub index: usize,
    /// The action type (`decision`, ...).
    pub action: String,
    /// The action's name.
    pub name: String,
    /// Its line in the flow file.
    pub line: usize,
    /// What it did (values of secret keys are never shown).
    pub detail: Value,
}

/// The path a run took.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FlowRun {
    /// Every action executed, in order.
    pub steps: Vec<Step>,
    /// The queue the conversation was transferred to.
    pub queue: Option<String>,
    /// Whether the flow disconnected it.
    pub disconnected: bool,
    /// The run error that took the flow's error handling, if any.
    pub error: Option<String>,
}

/// Why a flow cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read as a flow.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Something outside the subset.
    #[error("line {line}: `{action}` action \"{name}\": {reason}")]
    Refused {
        /// The action type.
        action: String,
        /// The action's name.
        name: String,
        /// Its line.
        line: usize,
        /// What is outside the subset.
        reason: String,
    },
}

/// A flow that passed the subset check.
#[derive(Debug, Clone)]
pub struct Loaded {
    flow: Flow,
    secret_keys: BTreeSet<String>,
}

/// Reads `text` with `substitutions` (every placeholder must have one) and checks the subset.
/// Values read from `secret_keys` (the session hash) never appear in a run's steps.
pub fn load(
    text: &str,
    substitutions: &BTreeMap<String, String>,
    secret_keys: BTreeSet<String>,
) -> Result<Loaded, LoadError> {
    let flow = flow::read(text, substitutions, Unfilled::Refuse)?;
    if flow.kind != "inboundShortMessage" {
        return Err(LoadError::Refused {
            action: flow.kind.clone(),
            name: flow.name.clone().unwrap_or_default(),
            line: flow.line,
            reason: "only inbound message flows (`inboundShortMessage`) are run".to_owned(),
        });
    }
    check(&flow, &flow.start().actions)?;
    Ok(Loaded { flow, secret_keys })
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    NotSet,
}

impl Val {
    fn show(&self) -> Value {
        match self {
            Self::Str(Some(s)) => json!(s),
            Self::Int(Some(i)) => json!(i),
            Self::Bool(Some(b)) => json!(b),
            _ => Value::Null,
        }
    }

    fn is_set(&self) -> bool {
        !matches!(
            self,
            Self::NotSet | Self::Str(None) | Self::Int(None) | Self::Bool(None)
        )
    }
}

enum Flowing {
    Continue,
    Ended,
}

struct Run<'a> {
    flow: &'a Flow,
    rt: &'a dyn FlowRuntime,
    vars: HashMap<String, Val>,
    secret_vars: BTreeSet<String>,
    secret_keys: &'a BTreeSet<String>,
    out: FlowRun,
}

const REDACTED: &str = "<set, not shown>";

impl Run<'_> {
    fn get(&self, name: &str) -> Val {
        if name == "Message.ConversationId" {
            return Val::Str(Some(self.rt.conversation_id()));
        }
        self.vars.get(name).cloned().unwrap_or(Val::NotSet)
    }

    fn set(&mut self, name: &str, v: Val) {
        let typed = match (self.flow.variable(name), v) {
            (Some(VarType::String), Val::NotSet) => Val::Str(None),
            (Some(VarType::Integer), Val::NotSet) => Val::Int(None),
            (Some(VarType::Boolean), Val::NotSet) => Val::Bool(None),
            (_, v) => v,
        };
        self.vars.insert(name.to_owned(), typed);
    }

    fn secret(&self, e: &Expr) -> bool {
        e.variables().iter().any(|v| self.secret_vars.contains(*v))
    }

    fn eval(&self, e: &Expr) -> Result<Val, String> {
        Ok(match e {
            Expr::Str(s) => Val::Str(Some(s.clone())),
            Expr::Int(i) => Val::Int(Some(*i)),
            Expr::Bool(b) => Val::Bool(Some(*b)),
            Expr::NotSet => Val::NotSet,
            Expr::Var(v) => self.get(v),
            Expr::Call(name, args) => {
                let arg = self.eval(args.first().ok_or("missing argument")?)?;
                match name.as_str() {
                    "IsNotSetOrEmpty" => Val::Bool(Some(match &arg {
                        Val::Str(Some(s)) => s.is_empty(),
                        other => !other.is_set(),
                    })),
                    "IsSet" => Val::Bool(Some(arg.is_set())),
                    "ToInt" => match arg {
                        Val::Int(Some(i)) => Val::Int(Some(i)),
                        Val::Str(Some(s)) => {
                            Val::Int(Some(s.trim().parse().map_err(|_| {
                                format!("ToInt of \"{s}\", which is not an integer")
                            })?))
                        }
                        _ => return Err("ToInt of NOT_SET".to_owned()),
                    },
                    "ToString" => match arg {
                        Val::Str(s) => Val::Str(s),
                        Val::Int(i) => Val::Str(i.map(|i| i.to_string())),
                        Val::Bool(b) => Val::Str(b.map(|b| b.to_string())),
                        Val::NotSet => Val::Str(None),
                    },
                    other => return Err(format!("function `{other}` is outside the subset")),
                }
            }
            Expr::Not(inner) => match self.eval(inner)? {
                Val::Bool(Some(b)) => Val::Bool(Some(!b)),
                _ => return Err("`not` of NOT_SET".to_owned()),
            },
            Expr::Bin(op, a, b) => {
                let (va, vb) = (self.eval(a)?, self.eval(b)?);
                let as_bool = |v: &Val| match v {
                    Val::Bool(Some(b)) => Ok(*b),
                    _ => Err(format!("`{e}`: a NOT_SET boolean")),
                };
                match op {
                    BinOp::And => Val::Bool(Some(as_bool(&va)? && as_bool(&vb)?)),
                    BinOp::Or => Val::Bool(Some(as_bool(&va)? || as_bool(&vb)?)),
                    BinOp::Eq => Val::Bool(Some(same(&va, &vb))),
                    BinOp::Ne => Val::Bool(Some(!same(&va, &vb))),
                    op => {
                        let (Val::Int(Some(x)), Val::Int(Some(y))) = (&va, &vb) else {
                            return Err(format!("`{e}` orders a NOT_SET value"));
                        };
                        Val::Bool(Some(match op {
                            BinOp::Lt => x < y,
                            BinOp::Le => x <= y,
                            BinOp::Gt => x > y,
                            _ => x >= y,
                        }))
                    }
                }
            }
        })
    }

    fn operand(&self, op: &Operand) -> Result<Val, String> {
        match op {
            Operand::Exp(e, _) => self.eval(e),
            Operand::Lit(s) => Ok(Val::Str(Some(s.clone()))),
            _ => Ok(Val::NotSet),
        }
    }

    fn condition(&self, op: &Operand) -> Result<bool, String> {
        match self.operand(op)? {
            Val::Bool(Some(b)) => Ok(b),
            _ => Err("a condition evaluated to NOT_SET".to_owned()),
        }
    }

    fn step(&mut self, a: &Action, detail: Value) -> usize {
        let index = self.out.steps.len();
        self.out.steps.push(Step {
            index,
            action: a.kind_name.clone(),
            name: a.name.clone(),
            line: a.line,
            detail,
        });
        index
    }

    async fn fail(&mut self, a: &Action, message: String) -> Flowing {
        tracing::info!(action = %a.kind_name, line = a.line, "flow run error: disconnecting");
        let index = self.step(a, json!({"error": message}));
        self.out.error = Some(format!("line {}: {message}", a.line));
        self.out.disconnected = true;
        self.rt.disconnect(index).await;
        Flowing::Ended
    }

    async fn actions(&mut self, actions: &[Action]) -> Flowing {
        for a in actions {
            if let Flowing::Ended = Box::pin(self.action(a)).await {
                return Flowing::Ended;
            }
        }
        Flowing::Continue
    }

    async fn action(&mut self, a: &Action) -> Flowing {
        match &a.kind {
            ActionKind::GetParticipantData(reads) => {
                let mut shown = Vec::new();
                for r in reads {
                    let Operand::Lit(key) = &r.key else { continue };
                    let value = self.rt.participant_data(key).await;
                    let secret = self.secret_keys.contains(key);
                    if secret {
                        self.secret_vars.insert(r.variable.clone());
                    }
                    shown.push(json!({
                        "key": key,
                        "variable": r.variable,
                        "value": match (&value, secret) {
                            (None, _) => Value::Null,
                            (Some(_), true) => json!(REDACTED),
                            (Some(v), false) => json!(v),
                        },
                    }));
                    self.set(&r.variable, Val::Str(value));
                }
                self.step(a, json!({"read": shown}));
                Flowing::Continue
            }
            ActionKind::SetParticipantData(writes) => {
                let mut pairs = Vec::new();
                for w in writes {
                    let Operand::Lit(key) = &w.key else { continue };
                    let value = match self.operand(&w.value) {
                        Ok(v) => v,
                        Err(e) => return self.fail(a, e).await,
                    };
                    let text = match value {
                        Val::Str(Some(s)) => s,
                        Val::Int(Some(i)) => i.to_string(),
                        Val::Bool(Some(b)) => b.to_string(),
                        _ => String::new(),
                    };
                    pairs.push((key.clone(), text));
                }
                let shown: Vec<Value> = pairs
                    .iter()
                    .map(|(k, v)| {
                        let v = if self.secret_keys.contains(k) {
                            REDACTED
                        } else {
                            v.as_str()
                        };
                        json!({"key": k, "value": v})
                    })
                    .collect();
                let index = self.step(a, json!({"set": shown}));
                for (k, v) in &pairs {
                    self.rt.set_participant_data(k, v, index).await;
                }
                Flowing::Continue
            }
            ActionKind::Decision { condition, yes, no } => {
                let result = match self.condition(condition) {
                    Ok(b) => b,
                    Err(e) => return self.fail(a, e).await,
                };
                self.step(a, json!({"condition": source(condition), "result": result, "path": if result { "yes" } else { "no" }}));
                self.actions(if result { yes } else { no }).await
            }
            ActionKind::Switch { cases, default } => {
                for (i, c) in cases.iter().enumerate() {
                    match self.condition(&c.value) {
                        Ok(true) => {
                            self.step(a, json!({"case": i + 1, "condition": source(&c.value)}));
                            return self.actions(&c.actions).await;
                        }
                        Ok(false) => {}
                        Err(e) => return self.fail(a, e).await,
                    }
                }
                self.step(a, json!({"case": "default"}));
                self.actions(default).await
            }
            ActionKind::CallData(call) => {
                let mut inputs = BTreeMap::new();
                let mut shown = Map::new();
                for (name, op, _) in &call.inputs {
                    let secret = matches!(op, Operand::Exp(e, _) if self.secret(e));
                    match self.operand(op) {
                        Ok(Val::Str(Some(v))) => {
                            shown.insert(
                                name.clone(),
                                if secret { json!(REDACTED) } else { json!(v) },
                            );
                            inputs.insert(name.clone(), v);
                        }
                        Ok(_) => {}
                        Err(e) => return self.fail(a, e).await,
                    }
                }
                let timeout = match call.timeout {
                    Some((Timeout::Duration(d), _)) => Some(d),
                    _ => None,
                };
                let outcome = self
                    .rt
                    .call_data_action(&call.category, &call.action, &inputs, timeout)
                    .await;
                let mut detail = json!({
                    "category": call.category,
                    "dataAction": call.action,
                    "inputs": shown,
                });
                let path = match outcome {
                    Outcome::Success(outputs) => {
                        let mut mapped = Map::new();
                        for (name, var, _) in &call.success_outputs {
                            let Some(var) = var else { continue };
                            let value = match outputs.get(name) {
                                Some(Value::String(s)) => Val::Str(Some(s.clone())),
                                Some(Value::Bool(b)) => Val::Bool(Some(*b)),
                                Some(Value::Number(n)) => Val::Int(n.as_i64()),
                                _ => Val::NotSet,
                            };
                            if value.is_set()
                                && Ty::of(self.flow.variable(var).unwrap_or(VarType::Other))
                                    != Some(val_ty(&value))
                            {
                                return self
                                    .fail(a, format!("output `{name}` does not fit `{var}`"))
                                    .await;
                            }
                            mapped.insert(var.clone(), value.show());
                            self.set(var, value);
                        }
                        detail["path"] = json!("success");
                        detail["outputs"] = Value::Object(mapped);
                        &call.success
                    }
                    Outcome::Failure(reason) => {
                        detail["path"] = json!("failure");
                        detail["reason"] = json!(reason);
                        &call.failure
                    }
                    Outcome::Timeout => {
                        detail["path"] = json!("timeout");
                        &call.on_timeout
                    }
                };
                self.step(a, detail);
                match path {
                    Some(actions) => self.actions(actions).await,
                    None => Flowing::Continue,
                }
            }
            ActionKind::UpdateData(statements) => {
                let mut shown = Vec::new();
                for s in statements {
                    let value = match self.operand(&s.value) {
                        Ok(v) => v,
                        Err(e) => return self.fail(a, e).await,
                    };
                    let secret = matches!(&s.value, Operand::Exp(e, _) if self.secret(e));
                    if secret {
                        self.secret_vars.insert(s.variable.clone());
                    }
                    shown.push(json!({"variable": s.variable, "value": if secret { json!(REDACTED) } else { value.show() }}));
                    self.set(&s.variable, value);
                }
                self.step(a, json!({"assigned": shown}));
                Flowing::Continue
            }
            ActionKind::TransferToAcd { queue } => {
                let name = match queue {
                    QueueRef::Name(n) => n.clone(),
                    QueueRef::Exp(op) => match self.operand(op) {
                        Ok(Val::Str(Some(n))) => n,
                        Ok(_) => return self.fail(a, "the queue name is NOT_SET".to_owned()).await,
                        Err(e) => return self.fail(a, e).await,
                    },
                    QueueRef::Unknown => return self.fail(a, "no queue".to_owned()).await,
                };
                let index = self.step(a, json!({"queue": name}));
                self.rt.transfer_to_acd(&name, index).await;
                self.out.queue = Some(name);
                Flowing::Ended
            }
            ActionKind::Disconnect => {
                let index = self.step(a, json!({}));
                self.out.disconnected = true;
                self.rt.disconnect(index).await;
                Flowing::Ended
            }
            ActionKind::Other { .. } => self.fail(a, "outside the subset".to_owned()).await,
        }
    }
}

fn val_ty(v: &Val) -> Ty {
    match v {
        Val::Str(_) => Ty::Str,
        Val::Int(_) => Ty::Int,
        Val::Bool(_) => Ty::Bool,
        Val::NotSet => Ty::Any,
    }
}

fn same(a: &Val, b: &Val) -> bool {
    let unset = |v: &Val| !v.is_set();
    match (a, b) {
        (x, y) if unset(x) || unset(y) => unset(x) && unset(y),
        (x, y) => x == y,
    }
}

fn source(op: &Operand) -> String {
    match op {
        Operand::Exp(_, src) => src.clone(),
        Operand::Lit(l) => l.clone(),
        _ => String::new(),
    }
}

impl Loaded {
    /// The flow as read.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// Runs the start-up state on `runtime`'s conversation.
    pub async fn run(&self, runtime: &dyn FlowRuntime) -> FlowRun {
        let mut run = Run {
            flow: &self.flow,
            rt: runtime,
            vars: HashMap::new(),
            secret_vars: BTreeSet::new(),
            secret_keys: &self.secret_keys,
            out: FlowRun::default(),
        };
        for v in &self.flow.variables {
            run.set(&v.name, Val::NotSet);
        }
        if let Flowing::Continue = run.actions(&self.flow.start().actions).await {
            // The state's actions ran out without a transfer: the flow ends and the
            // conversation is disconnected.
            run.out.disconnected = true;
            run.rt.disconnect(run.out.steps.len()).await;
        }
        run.out
    }
}
