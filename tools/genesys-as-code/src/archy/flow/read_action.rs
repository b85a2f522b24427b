//! Reading actions, operands and durations out of the YAML tree, leniently: what is not
//! understood becomes a note or an [`ActionKind::Other`].

use std::time::Duration;

use super::super::yaml::{Entry, Node, Value};
use super::model::{
    Action, ActionKind, CallData, Case, Decision, Input, Note, Operand, Output, QueueRef,
    ReadAttribute, Statement, Switch, Timeout, Transfer, Unknown, VarType, WriteAttribute,
};

/// A node's text, if it is a scalar.
pub(super) fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::as_str).map(str::to_owned)
}

/// Reads actions, keeping notes of what it skips.
pub(super) struct Reader {
    pub(super) notes: Vec<Note>,
}

impl Reader {
    pub(super) fn note(&mut self, line: usize, message: impl Into<String>) {
        self.notes.push(Note {
            line,
            message: message.into(),
        });
    }

    pub(super) fn actions(&mut self, node: Option<&Node>) -> Vec<Action> {
        let Some(node) = node else {
            return Vec::new();
        };
        let Some(items) = node.as_seq() else {
            self.note(node.line, "`actions` is not a list; skipped");
            return Vec::new();
        };
        items.iter().filter_map(|item| self.action(item)).collect()
    }

    fn path(&mut self, node: Option<&Node>) -> Option<Vec<Action>> {
        let node = node?;
        Some(self.actions(node.get("actions")))
    }

    fn action(&mut self, item: &Node) -> Option<Action> {
        let Some(entry) = item.single_entry() else {
            self.note(item.line, "an action must be a map with one key; skipped");
            return None;
        };
        let body = &entry.value;
        let name = body
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or(&entry.key)
            .to_owned();
        let kind = match entry.key.as_str() {
            "getParticipantData" => ActionKind::GetParticipantData(self.reads(body)),
            "setParticipantData" => ActionKind::SetParticipantData(self.writes(body)),
            "decision" => {
                let outputs = body.get("outputs");
                ActionKind::Decision(Decision {
                    condition: operand(body.get("condition")),
                    yes: self
                        .path(outputs.and_then(|o| o.get("yes")))
                        .unwrap_or_default(),
                    no: self
                        .path(outputs.and_then(|o| o.get("no")))
                        .unwrap_or_default(),
                })
            }
            "switch" => match body.get("evaluate").and_then(|e| e.get("firstTrue")) {
                Some(first) => ActionKind::Switch(Switch {
                    cases: self.cases(first.get("cases")),
                    default: self.path(first.get("default")).unwrap_or_default(),
                }),
                None => self.other(body),
            },
            "callData" => match self.call_data(body) {
                Some(call) => ActionKind::CallData(Box::new(call)),
                None => self.other(body),
            },
            "updateData" => ActionKind::UpdateData(self.statements(body)),
            "transferToAcd" => ActionKind::TransferToAcd(Transfer {
                queue: queue_ref(body.get("targetQueue")),
                priority: operand(body.get("priority")),
                preferred_agents: operand(body.get("preferredAgents")),
                language_skill: operand(body.get("languageSkill")),
            }),
            "disconnect" => ActionKind::Disconnect,
            _ => self.other(body),
        };
        Some(Action {
            kind_name: entry.key.clone(),
            name,
            line: entry.line,
            kind,
        })
    }

    fn reads(&mut self, body: &Node) -> Vec<ReadAttribute> {
        let mut out = Vec::new();
        for item in body
            .get("attributes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(attribute) = item.get("attribute") else {
                continue;
            };
            match attribute.get("variable").and_then(Node::as_str) {
                Some(variable) => out.push(ReadAttribute {
                    key: operand(attribute.get("name")),
                    variable: variable.to_owned(),
                    line: attribute.line,
                }),
                None => self.note(attribute.line, "attribute without a `variable`; skipped"),
            }
        }
        out
    }

    fn writes(&mut self, body: &Node) -> Vec<WriteAttribute> {
        body.get("attributes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|item| item.get("attribute"))
            .map(|attribute| WriteAttribute {
                key: operand(attribute.get("name")),
                value: operand(attribute.get("value")),
                line: attribute.line,
            })
            .collect()
    }

    fn cases(&mut self, node: Option<&Node>) -> Vec<Case> {
        let mut out = Vec::new();
        for item in node.and_then(Node::as_seq).unwrap_or_default() {
            let Some(case) = item.get("case") else {
                continue;
            };
            out.push(Case {
                value: operand(case.get("value")),
                actions: self.actions(case.get("actions")),
                line: case.line,
            });
        }
        out
    }

    fn statements(&mut self, body: &Node) -> Vec<Statement> {
        let mut out = Vec::new();
        for item in body
            .get("statements")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(entry) = item.single_entry() else {
                continue;
            };
            let ty = match entry.key.as_str() {
                "string" => VarType::String,
                "boolean" => VarType::Boolean,
                "integer" => VarType::Integer,
                _ => VarType::Other,
            };
            if let Some(variable) = entry.value.get("variable").and_then(Node::as_str) {
                out.push(Statement {
                    ty,
                    variable: variable.to_owned(),
                    value: operand(entry.value.get("value")),
                    line: entry.line,
                });
            }
        }
        out
    }

    fn call_data(&mut self, body: &Node) -> Option<CallData> {
        let category_node = body.get("category")?;
        let Some(category) = category_node.single_entry() else {
            self.note(
                category_node.line,
                "`category` must name one integration; skipped",
            );
            return None;
        };
        let action = category.value.get("dataAction")?.single_entry()?;
        let io = &action.value;
        let inputs = io
            .get("inputs")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|e| Input {
                name: e.key.clone(),
                value: operand(Some(&e.value)),
                line: e.line,
            })
            .collect();
        let outputs = body.get("outputs");
        Some(CallData {
            category: category.key.clone(),
            action: action.key.clone(),
            action_line: action.line,
            timeout: body.get("timeout").map(|t| (timeout(t), t.line)),
            inputs,
            success_outputs: mapped_outputs(io.get("successOutputs")),
            failure_outputs: mapped_outputs(io.get("failureOutputs")),
            success: self.path(outputs.and_then(|o| o.get("success"))),
            failure: self.path(outputs.and_then(|o| o.get("failure"))),
            on_timeout: self.path(outputs.and_then(|o| o.get("timeout"))),
        })
    }

    /// An action this reader does not know: its nested `actions` lists (under any key), its
    /// assignments and its expressions.
    fn other(&mut self, body: &Node) -> ActionKind {
        let mut branches = Vec::new();
        let mut writes = Vec::new();
        let mut expressions = Vec::new();
        self.scan(body, &mut branches, &mut writes, &mut expressions);
        ActionKind::Other(Unknown {
            branches,
            writes,
            expressions,
            body: body.clone(),
        })
    }

    fn scan(
        &mut self,
        node: &Node,
        branches: &mut Vec<Vec<Action>>,
        writes: &mut Vec<String>,
        expressions: &mut Vec<(Operand, usize)>,
    ) {
        match &node.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => {
                for i in items {
                    self.scan(i, branches, writes, expressions);
                }
            }
            Value::Map(entries) => {
                for Entry { key, line, value } in entries {
                    match key.as_str() {
                        "actions" => branches.push(self.actions(Some(value))),
                        "var" | "variable" => {
                            if let Some(v) = value.as_str() {
                                writes.push(v.to_owned());
                            }
                        }
                        "exp" => expressions.push((operand(Some(node)), *line)),
                        _ => self.scan(value, branches, writes, expressions),
                    }
                }
            }
        }
    }
}

fn mapped_outputs(node: Option<&Node>) -> Vec<Output> {
    node.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .map(|e| Output {
            name: e.key.clone(),
            variable: text(e.value.get("var")),
            line: e.line,
        })
        .collect()
}

/// Reads a `{lit: ..}` / `{exp: ..}` / `{noValue: true}` map.
pub fn operand(node: Option<&Node>) -> Operand {
    let Some(node) = node else {
        return Operand::Other;
    };
    if let Some(lit) = node.get("lit").and_then(Node::as_str) {
        return Operand::Lit(lit.to_owned());
    }
    if let Some(src) = node.get("exp").and_then(Node::as_str) {
        return Operand::exp(src);
    }
    if node.get("noValue").is_some() {
        return Operand::NoValue;
    }
    Operand::Other
}

fn queue_ref(node: Option<&Node>) -> QueueRef {
    let Some(node) = node else {
        return QueueRef::Unknown;
    };
    if let Some(name) = node
        .get("lit")
        .and_then(|l| l.get("name"))
        .and_then(Node::as_str)
    {
        return QueueRef::Name(name.to_owned());
    }
    match operand(Some(node)) {
        op @ (Operand::Exp(..) | Operand::BadExp(..)) => QueueRef::Exp(op),
        _ => QueueRef::Unknown,
    }
}

fn timeout(node: &Node) -> Timeout {
    let Some(lit) = node.get("lit") else {
        return Timeout::Unknown;
    };
    let Some(parts) = lit.as_map() else {
        return Timeout::Unknown;
    };
    let mut total = Duration::ZERO;
    for e in parts {
        let Some(n) = e.value.as_str().and_then(|s| s.parse::<u64>().ok()) else {
            return Timeout::Unknown;
        };
        let unit = match e.key.as_str() {
            "milliseconds" => Duration::from_millis(n),
            "seconds" => Duration::from_secs(n),
            "minutes" => Duration::from_secs(n.saturating_mul(60)),
            "hours" => Duration::from_secs(n.saturating_mul(3600)),
            _ => return Timeout::Unknown,
        };
        total = total.saturating_add(unit);
    }
    Timeout::Duration(total)
}
