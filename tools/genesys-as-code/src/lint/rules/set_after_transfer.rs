//! `set-after-transfer`: Set Participant Data of a schema attribute after Transfer to ACD on
//! the same path (the guide's Edge Case 3: WEM takes its snapshot when the agent connects, so
//! agents, WEM and analytics miss the value).

use super::super::context::Cx;
use super::super::diagnostic::Code;
use super::super::state::PathState;
use crate::archy::flow::{Operand, WriteAttribute};

/// Checks one attribute written.
pub(in crate::lint) fn check(cx: &mut Cx<'_>, write: &WriteAttribute, state: &PathState) {
    if let (Some(t), Operand::Lit(key)) = (state.transferred, &write.key)
        && cx.is_schema_key(key)
    {
        cx.finding(
            Code::SetAfterTransfer,
            write.line,
            format!("sets `{key}` after the Transfer to ACD at line {t}: WEM takes its snapshot when the agent connects, so agents, WEM and analytics miss it (the guide's Edge Case 3)"),
            "move this Set Participant Data before the transfer".to_owned(),
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::findings;

    #[test]
    fn a_write_after_the_transfer_is_found_naming_the_transfer() {
        let text = include_str!("../../../../../tests/architect/fixtures/set-after-transfer.yaml");

        let found = findings(text);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].code, found[0].line), ("set-after-transfer", 72));
        assert!(
            found[0]
                .message
                .contains("after the Transfer to ACD at line 63")
        );
    }
}
