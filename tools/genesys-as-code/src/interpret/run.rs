//! One run of a checked flow on a conversation: one method per action kind, each recording
//! the step it took.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use super::runtime::{FlowRun, FlowRuntime, Step};
use super::value::{Ty, Val, eval};
use crate::archy::flow::{
    Action, ActionKind, CallData, Decision, Flow, Operand, QueueRef, ReadAttribute, Statement,
    Switch, Timeout, Transfer, VarType, WriteAttribute,
};
use crate::data_action::Outcome;

const REDACTED: &str = "<set, not shown>";

/// Whether the path goes on after an action.
pub(super) enum Flowing {
    Continue,
    Ended,
}

pub(super) struct Run<'a> {
    pub(super) flow: &'a Flow,
    pub(super) rt: &'a dyn FlowRuntime,
    pub(super) vars: HashMap<String, Val>,
    pub(super) secret_vars: BTreeSet<String>,
    pub(super) secret_keys: &'a BTreeSet<String>,
    pub(super) out: FlowRun,
}

fn source(op: &Operand) -> String {
    match op {
        Operand::Exp(_, src) => src.clone(),
        Operand::Lit(l) => l.clone(),
        _ => String::new(),
    }
}

impl Run<'_> {
    fn get(&self, name: &str) -> Val {
        if name == "Message.ConversationId" {
            return Val::Str(Some(self.rt.conversation_id()));
        }
        self.vars.get(name).cloned().unwrap_or(Val::NotSet)
    }

    pub(super) fn set(&mut self, name: &str, v: Val) {
        let typed = v.typed(self.flow.variable(name));
        self.vars.insert(name.to_owned(), typed);
    }

    fn secret(&self, op: &Operand) -> bool {
        matches!(op, Operand::Exp(e, _) if e.variables().iter().any(|v| self.secret_vars.contains(*v)))
    }

    fn operand(&self, op: &Operand) -> Result<Val, String> {
        match op {
            Operand::Exp(e, _) => eval(e, &|name| self.get(name)),
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

    pub(super) async fn actions(&mut self, actions: &[Action]) -> Flowing {
        for a in actions {
            if let Flowing::Ended = Box::pin(self.action(a)).await {
                return Flowing::Ended;
            }
        }
        Flowing::Continue
    }

    /// Runs one action: the method of its kind.
    async fn action(&mut self, a: &Action) -> Flowing {
        let done = match &a.kind {
            ActionKind::GetParticipantData(reads) => self.get_participant_data(a, reads).await,
            ActionKind::SetParticipantData(writes) => self.set_participant_data(a, writes).await,
            ActionKind::Decision(decision) => self.decision(a, decision).await,
            ActionKind::Switch(switch) => self.switch(a, switch).await,
            ActionKind::CallData(call) => self.call_data(a, call).await,
            ActionKind::UpdateData(statements) => self.update_data(a, statements),
            ActionKind::TransferToAcd(transfer) => self.transfer(a, transfer).await,
            ActionKind::Disconnect => self.disconnect(a).await,
            ActionKind::Other(_) => Err("outside the subset".to_owned()),
        };
        match done {
            Ok(flowing) => flowing,
            Err(message) => self.fail(a, message).await,
        }
    }

    async fn get_participant_data(
        &mut self,
        a: &Action,
        reads: &[ReadAttribute],
    ) -> Result<Flowing, String> {
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
        Ok(Flowing::Continue)
    }

    async fn set_participant_data(
        &mut self,
        a: &Action,
        writes: &[WriteAttribute],
    ) -> Result<Flowing, String> {
        let mut pairs = Vec::new();
        for w in writes {
            let Operand::Lit(key) = &w.key else { continue };
            let text = match self.operand(&w.value)? {
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
        Ok(Flowing::Continue)
    }

    async fn decision(&mut self, a: &Action, d: &Decision) -> Result<Flowing, String> {
        let result = self.condition(&d.condition)?;
        let path = if result { "yes" } else { "no" };
        self.step(
            a,
            json!({"condition": source(&d.condition), "result": result, "path": path}),
        );
        Ok(self.actions(if result { &d.yes } else { &d.no }).await)
    }

    async fn switch(&mut self, a: &Action, s: &Switch) -> Result<Flowing, String> {
        for (i, c) in s.cases.iter().enumerate() {
            if self.condition(&c.value)? {
                self.step(a, json!({"case": i + 1, "condition": source(&c.value)}));
                return Ok(self.actions(&c.actions).await);
            }
        }
        self.step(a, json!({"case": "default"}));
        Ok(self.actions(&s.default).await)
    }

    async fn call_data(&mut self, a: &Action, call: &CallData) -> Result<Flowing, String> {
        let mut inputs = BTreeMap::new();
        let mut shown = Map::new();
        for input in &call.inputs {
            if let Val::Str(Some(v)) = self.operand(&input.value)? {
                let show = if self.secret(&input.value) {
                    json!(REDACTED)
                } else {
                    json!(v)
                };
                shown.insert(input.name.clone(), show);
                inputs.insert(input.name.clone(), v);
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
        let mut detail =
            json!({"category": call.category, "dataAction": call.action, "inputs": shown});
        let path = match outcome {
            Outcome::Success(outputs) => {
                let mapped = self.map_outputs(call, &outputs)?;
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
        Ok(match path {
            Some(actions) => self.actions(actions).await,
            None => Flowing::Continue,
        })
    }

    /// Sets the success outputs' variables; what a step shows of them.
    fn map_outputs(
        &mut self,
        call: &CallData,
        outputs: &Map<String, Value>,
    ) -> Result<Map<String, Value>, String> {
        let mut mapped = Map::new();
        for output in &call.success_outputs {
            let Some(var) = &output.variable else {
                continue;
            };
            let value = match outputs.get(&output.name) {
                Some(Value::String(s)) => Val::Str(Some(s.clone())),
                Some(Value::Bool(b)) => Val::Bool(Some(*b)),
                Some(Value::Number(n)) => Val::Int(n.as_i64()),
                _ => Val::NotSet,
            };
            let declared = Ty::of(self.flow.variable(var).unwrap_or(VarType::Other));
            if value.is_set() && declared != Some(value.ty()) {
                return Err(format!("output `{}` does not fit `{var}`", output.name));
            }
            mapped.insert(var.clone(), value.show());
            self.set(var, value);
        }
        Ok(mapped)
    }

    fn update_data(&mut self, a: &Action, statements: &[Statement]) -> Result<Flowing, String> {
        let mut shown = Vec::new();
        for s in statements {
            let value = self.operand(&s.value)?;
            let secret = self.secret(&s.value);
            if secret {
                self.secret_vars.insert(s.variable.clone());
            }
            let show = if secret {
                json!(REDACTED)
            } else {
                value.show()
            };
            shown.push(json!({"variable": s.variable, "value": show}));
            self.set(&s.variable, value);
        }
        self.step(a, json!({"assigned": shown}));
        Ok(Flowing::Continue)
    }

    async fn transfer(&mut self, a: &Action, transfer: &Transfer) -> Result<Flowing, String> {
        let name = match &transfer.queue {
            QueueRef::Name(n) => n.clone(),
            QueueRef::Exp(op) => match self.operand(op)? {
                Val::Str(Some(n)) => n,
                _ => return Err("the queue name is NOT_SET".to_owned()),
            },
            QueueRef::Unknown => return Err("no queue".to_owned()),
        };
        let index = self.step(a, json!({"queue": name}));
        self.rt.transfer_to_acd(&name, index).await;
        self.out.queue = Some(name);
        Ok(Flowing::Ended)
    }

    async fn disconnect(&mut self, a: &Action) -> Result<Flowing, String> {
        let index = self.step(a, json!({}));
        self.out.disconnected = true;
        self.rt.disconnect(index).await;
        Ok(Flowing::Ended)
    }
}
