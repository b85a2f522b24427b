//! One walk over a flow's actions, after syn's `Visit` (dtolnay/syn, `src/gen/visit.rs`: a
//! `trait Visit<'ast>` whose every `visit_x(&mut self, i: &'ast X)` defaults to a free function
//! that walks into the node's children): a trait with a hook per action kind whose default walks
//! into every branch (a decision's two paths, each switch case and the default, a Call Data
//! Action's success, failure and timeout paths, and the action lists found inside an unknown
//! action). An analysis is a small visitor that overrides the hooks it cares about and calls the
//! matching free function to go on into the branches; those are named `walk_*` (as rustc's AST
//! visitor names them) so a hook and its default read apart.
//!
//! A visitor carries what it knows along one path as its [`PathState`]: each branch starts
//! from a copy of the state before the branching action, and the states at the ends of the
//! branches are merged into the state after it.

use super::model::{
    Action, ActionKind, CallData, Case, Decision, ReadAttribute, Statement, Switch, Transfer,
    Unknown, WriteAttribute,
};

/// What a visitor knows along one path.
pub trait PathState: Clone {
    /// The state after a branching action, from the state at the end of each branch (at least
    /// one).
    fn merge(branches: Vec<Self>) -> Self;
}

/// For visitors that need no per-path state.
impl PathState for () {
    fn merge(_: Vec<Self>) -> Self {}
}

/// A visitor over the actions of a flow. Every hook's default walks on; the leaf hooks do
/// nothing.
pub trait Visit<'a> {
    /// What the visitor knows along one path.
    type State: PathState;

    /// A list of actions, in order.
    fn visit_actions(&mut self, actions: &'a [Action], state: &mut Self::State) {
        walk_actions(self, actions, state);
    }

    /// One action: dispatches to the hook of its kind.
    fn visit_action(&mut self, action: &'a Action, state: &mut Self::State) {
        walk_action(self, action, state);
    }

    /// `getParticipantData`.
    fn visit_get_participant_data(
        &mut self,
        _action: &'a Action,
        _reads: &'a [ReadAttribute],
        _state: &mut Self::State,
    ) {
    }

    /// `setParticipantData`.
    fn visit_set_participant_data(
        &mut self,
        _action: &'a Action,
        _writes: &'a [WriteAttribute],
        _state: &mut Self::State,
    ) {
    }

    /// `decision`: walks both paths.
    fn visit_decision(
        &mut self,
        _action: &'a Action,
        decision: &'a Decision,
        state: &mut Self::State,
    ) {
        walk_decision(self, decision, state);
    }

    /// `switch`: walks each case (through [`Visit::visit_case`]) and the default.
    fn visit_switch(&mut self, action: &'a Action, switch: &'a Switch, state: &mut Self::State) {
        walk_switch(self, action, switch, state);
    }

    /// One case of a switch, on its own copy of the state: walks its actions.
    fn visit_case(&mut self, _action: &'a Action, case: &'a Case, state: &mut Self::State) {
        self.visit_actions(&case.actions, state);
    }

    /// `callData`: walks the success, failure and timeout paths.
    fn visit_call_data(
        &mut self,
        _action: &'a Action,
        call: &'a CallData,
        state: &mut Self::State,
    ) {
        walk_call_data(self, call, state);
    }

    /// `updateData`.
    fn visit_update_data(
        &mut self,
        _action: &'a Action,
        _statements: &'a [Statement],
        _state: &mut Self::State,
    ) {
    }

    /// `transferToAcd`.
    fn visit_transfer(
        &mut self,
        _action: &'a Action,
        _transfer: &'a Transfer,
        _state: &mut Self::State,
    ) {
    }

    /// `disconnect`.
    fn visit_disconnect(&mut self, _action: &'a Action, _state: &mut Self::State) {}

    /// An action this crate does not know: walks the action lists found inside it.
    fn visit_other(&mut self, _action: &'a Action, unknown: &'a Unknown, state: &mut Self::State) {
        walk_other(self, unknown, state);
    }
}

/// Visits each action in order.
pub fn walk_actions<'a, V: Visit<'a> + ?Sized>(
    visitor: &mut V,
    actions: &'a [Action],
    state: &mut V::State,
) {
    for action in actions {
        visitor.visit_action(action, state);
    }
}

/// Calls the hook of the action's kind.
pub fn walk_action<'a, V: Visit<'a> + ?Sized>(
    visitor: &mut V,
    action: &'a Action,
    state: &mut V::State,
) {
    match &action.kind {
        ActionKind::GetParticipantData(reads) => {
            visitor.visit_get_participant_data(action, reads, state);
        }
        ActionKind::SetParticipantData(writes) => {
            visitor.visit_set_participant_data(action, writes, state);
        }
        ActionKind::Decision(decision) => visitor.visit_decision(action, decision, state),
        ActionKind::Switch(switch) => visitor.visit_switch(action, switch, state),
        ActionKind::CallData(call) => visitor.visit_call_data(action, call, state),
        ActionKind::UpdateData(statements) => visitor.visit_update_data(action, statements, state),
        ActionKind::TransferToAcd(transfer) => visitor.visit_transfer(action, transfer, state),
        ActionKind::Disconnect => visitor.visit_disconnect(action, state),
        ActionKind::Other(unknown) => visitor.visit_other(action, unknown, state),
    }
}

/// Walks each path (an absent one leaves its copy of the state as it was) and merges them.
fn walk_paths<'a, V: Visit<'a> + ?Sized>(
    visitor: &mut V,
    paths: &[Option<&'a [Action]>],
    state: &mut V::State,
) {
    let ends = paths
        .iter()
        .map(|path| {
            let mut branch = state.clone();
            if let Some(actions) = path {
                visitor.visit_actions(actions, &mut branch);
            }
            branch
        })
        .collect();
    *state = V::State::merge(ends);
}

/// Walks the `yes` and `no` paths.
pub fn walk_decision<'a, V: Visit<'a> + ?Sized>(
    visitor: &mut V,
    decision: &'a Decision,
    state: &mut V::State,
) {
    walk_paths(
        visitor,
        &[Some(&decision.yes[..]), Some(&decision.no[..])],
        state,
    );
}

/// Walks each case, then the default.
pub fn walk_switch<'a, V: Visit<'a> + ?Sized>(
    visitor: &mut V,
    action: &'a Action,
    switch: &'a Switch,
    state: &mut V::State,
) {
    let mut ends = Vec::with_capacity(switch.cases.len() + 1);
    for case in &switch.cases {
        let mut branch = state.clone();
        visitor.visit_case(action, case, &mut branch);
        ends.push(branch);
    }
    let mut default = state.clone();
    visitor.visit_actions(&switch.default, &mut default);
    ends.push(default);
    *state = V::State::merge(ends);
}

/// Walks the success, failure and timeout paths.
pub fn walk_call_data<'a, V: Visit<'a> + ?Sized>(
    visitor: &mut V,
    call: &'a CallData,
    state: &mut V::State,
) {
    walk_paths(
        visitor,
        &[
            call.success.as_deref(),
            call.failure.as_deref(),
            call.on_timeout.as_deref(),
        ],
        state,
    );
}

/// Walks the action lists found inside an unknown action; none leaves the state as it was.
pub fn walk_other<'a, V: Visit<'a> + ?Sized>(
    visitor: &mut V,
    unknown: &'a Unknown,
    state: &mut V::State,
) {
    if unknown.branches.is_empty() {
        return;
    }
    let paths: Vec<Option<&'a [Action]>> = unknown.branches.iter().map(|b| Some(&b[..])).collect();
    walk_paths(visitor, &paths, state);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::archy::flow::{self, Flow};
    use crate::archy::template::Unfilled;

    /// What every path to here has read: copied into each branch, intersected after.
    #[derive(Debug, Clone, Default, PartialEq)]
    struct Read(BTreeSet<String>);

    impl PathState for Read {
        fn merge(branches: Vec<Self>) -> Self {
            let mut all = branches.into_iter();
            let first = all.next().unwrap_or_default();
            Read(all.fold(first.0, |known, b| {
                known.intersection(&b.0).cloned().collect()
            }))
        }
    }

    /// Records, at each transfer, what the path to it has read.
    #[derive(Default)]
    struct Transfers(Vec<(String, BTreeSet<String>)>);

    impl<'a> Visit<'a> for Transfers {
        type State = Read;

        fn visit_get_participant_data(
            &mut self,
            _: &'a Action,
            reads: &'a [ReadAttribute],
            state: &mut Read,
        ) {
            state.0.extend(reads.iter().map(|r| r.variable.clone()));
        }

        fn visit_transfer(&mut self, action: &'a Action, _: &'a Transfer, state: &mut Read) {
            self.0.push((action.name.clone(), state.0.clone()));
        }
    }

    const FLOW: &str = "
inboundShortMessage:
  states:
    - state:
        name: s
        actions:
          - getParticipantData:
              attributes:
                - attribute: {name: {lit: a}, variable: State.a}
          - decision:
              condition: {exp: State.a}
              outputs:
                yes:
                  actions:
                    - getParticipantData:
                        attributes:
                          - attribute: {name: {lit: b}, variable: State.yes}
                    - transferToAcd: {name: in yes}
                no:
                  actions:
                    - transferToAcd: {name: in no}
          - transferToAcd: {name: after}
";

    #[test]
    fn each_branch_starts_from_the_state_before_it_and_the_branches_merge_after_it() {
        let flow: Flow = flow::read(FLOW, &BTreeMap::new(), Unfilled::StandIn).unwrap();

        let mut transfers = Transfers::default();
        transfers.visit_actions(&flow.start().actions, &mut Read::default());

        let seen = |names: &[&str]| {
            names
                .iter()
                .map(|n| (*n).to_owned())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(
            transfers.0,
            vec![
                ("in yes".to_owned(), seen(&["State.a", "State.yes"])),
                ("in no".to_owned(), seen(&["State.a"])),
                ("after".to_owned(), seen(&["State.a"])),
            ]
        );
    }
}
