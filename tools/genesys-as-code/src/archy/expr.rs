//! Architect expressions (`exp:` values): a parser for the general syntax (so the linter can
//! read any flow) and an evaluator for the subset the generated flow uses.
//!
//! The subset: string, integer and boolean literals, `NOT_SET`, `Flow.`/`State.` variables,
//! `Message.ConversationId`, the comparisons `== != < <= > >=`, `and`/`or`/`not`, and the
//! functions `IsNotSetOrEmpty`, `IsSet`, `ToInt` and `ToString`.

mod ast;
mod lex;
mod parse;

pub use ast::*;
pub use parse::parse;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_forms_parse() {
        let e = parse(r#"State.geo_segment == "emea" and ToInt(State.risk_score) >= 50"#).unwrap();
        assert_eq!(e.variables(), vec!["State.geo_segment", "State.risk_score"]);
        assert_eq!(e.functions(), vec!["ToInt"]);
        assert_eq!(
            e.to_string(),
            r#"State.geo_segment == "emea" and ToInt(State.risk_score) >= 50"#
        );
        assert_eq!(
            parse("IsNotSetOrEmpty(State.session_hash)").unwrap(),
            Expr::Call(
                "IsNotSetOrEmpty".into(),
                vec![Expr::Var("State.session_hash".into())]
            )
        );
        assert_eq!(
            parse("not State.valid").unwrap(),
            Expr::Not(Box::new(Expr::Var("State.valid".into())))
        );
    }

    #[test]
    fn blueprint_style_expressions_parse_with_unknown_functions() {
        let src = "Trim(Append(\n    ToDisplayString(Append(\"Hi \", State.Name, \", \")), \n    If(IsNotSetOrEmpty(State.Name), \"\", \" \")))";
        let e = parse(src).unwrap();
        assert!(e.functions().contains(&"Append"));
        assert_eq!(
            parse(r#"State.TheIntent=="Check Order Status""#)
                .unwrap()
                .variables(),
            vec!["State.TheIntent"]
        );
        assert_eq!(
            parse(r#""say \"hi\"""#).unwrap(),
            Expr::Str("say \"hi\"".into())
        );
    }

    #[test]
    fn broken_expressions_are_errors_with_a_position() {
        assert!(parse("State.x ==").is_err());
        assert!(parse("ToInt(State.x").is_err());
        assert!(parse("\"open").is_err());
        assert_eq!(parse("a b").unwrap_err().at, 2);
        assert!(parse("1.5 > 1").is_err());
    }
}
