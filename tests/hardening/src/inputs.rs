//! Hostile request bodies and headers, hand-written, against all three function routes: each
//! gets its documented 4xx problem, never a 5xx, and the stack keeps serving.

use std::collections::BTreeMap;

use serde_json::json;

use crate::harness::{Auth, Exposure, Stack, assert_problem, conversation};

/// One hostile request.
#[derive(Debug, Clone)]
pub struct Input {
    /// What it tries.
    pub name: String,
    /// `Content-Type`, if any.
    pub content_type: Option<&'static str>,
    /// The raw body.
    pub body: Vec<u8>,
    /// Expected status.
    pub status: u16,
    /// Expected problem slug.
    pub slug: &'static str,
}

fn case(name: &str, ct: Option<&'static str>, body: impl Into<Vec<u8>>, status: u16) -> Input {
    let slug = match status {
        400 => "malformed-request",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        422 => "invalid-fields",
        403 => "session-not-refreshable",
        _ => "",
    };
    Input {
        name: name.to_owned(),
        content_type: ct,
        body: body.into(),
        status,
        slug,
    }
}

const JSON: Option<&str> = Some("application/json");

fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_objects(depth: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
}

/// Cases every route answers the same way (the body never gets past parsing).
fn common(valid: &str, cap: usize) -> Vec<Input> {
    let mib = 1024 * 1024;
    vec![
        case("no content type", None, valid, 415),
        case("text/plain", Some("text/plain"), valid, 415),
        case(
            "form encoded",
            Some("application/x-www-form-urlencoded"),
            "a=b",
            415,
        ),
        case(
            "multipart",
            Some("multipart/form-data; boundary=x"),
            valid,
            415,
        ),
        case(
            "a look-alike media type",
            Some("application/jsonx"),
            valid,
            415,
        ),
        case("empty body", JSON, "", 400),
        case("whitespace only", JSON, " \n\t ", 400),
        case(
            "1 MiB body",
            JSON,
            format!(r#"{{"x":"{}"}}"#, "a".repeat(mib)),
            413,
        ),
        case(
            "3 MiB body (over the transport cap)",
            JSON,
            vec![b' '; 3 * mib],
            413,
        ),
        case(
            "one byte over the route's cap",
            JSON,
            format!(r#"{{"x":"{}"}}"#, "a".repeat(cap)),
            413,
        ),
        case(
            "arrays nested 1,000 deep",
            JSON,
            format!(r#"{{"x":{}}}"#, nested_arrays(1000)),
            400,
        ),
        case(
            "a bare nest of 1,500 arrays",
            JSON,
            nested_arrays(1500),
            400,
        ),
        case("objects nested 400 deep", JSON, nested_objects(400), 400),
        case("duplicate keys", JSON, r#"{"x":"1","x":"2"}"#, 400),
        case("invalid UTF-8", JSON, b"{\"x\":\"\xff\xfe\"}".to_vec(), 400),
        case("a byte-order mark", JSON, format!("\u{feff}{valid}"), 400),
        case(
            "UTF-16 encoded",
            JSON,
            valid
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
            400,
        ),
        case("a top-level array", JSON, "[]", 400),
        case("a top-level string", JSON, r#""{}""#, 400),
        case("a top-level number", JSON, "42", 400),
        case("null", JSON, "null", 400),
        case("trailing garbage", JSON, format!("{valid} x"), 400),
        case("two objects", JSON, format!("{valid}{valid}"), 400),
        case("NaN literal", JSON, r#"{"x":NaN}"#, 400),
        case("a lone surrogate escape", JSON, r#"{"x":"\ud800"}"#, 400),
        case("a number out of range", JSON, r#"{"x":1e400}"#, 400),
        case("a raw NUL byte", JSON, b"{\"x\":\"a\0b\"}".to_vec(), 400),
        case("a comment", JSON, r#"{/* hi */}"#, 400),
        case("single quotes", JSON, "{'x':'y'}", 400),
        case("an unterminated string", JSON, r#"{"x":"abc"#, 400),
    ]
}

fn initiate_cases() -> Vec<Input> {
    let mut cases = common(r#"{"orderId":"88472"}"#, 16 * 1024);
    cases.extend([
        // An integer has one decimal spelling, so a string attribute takes it losslessly (and
        // then applies its pattern); every other non-string is refused.
        case(
            "an integer where a string belongs (taken as `88472`)",
            JSON,
            r#"{"orderId":88472}"#,
            201,
        ),
        case(
            "a fraction where a string belongs",
            JSON,
            r#"{"orderId":88472.5}"#,
            422,
        ),
        case(
            "an exponent where a string belongs",
            JSON,
            r#"{"orderId":8.8472e4}"#,
            422,
        ),
        case(
            "a negative integer where digits belong",
            JSON,
            r#"{"orderId":-1}"#,
            422,
        ),
        case(
            "a boolean where a string belongs",
            JSON,
            r#"{"orderId":true}"#,
            422,
        ),
        case(
            "an object where a string belongs",
            JSON,
            r#"{"orderId":{"$gt":""}}"#,
            422,
        ),
        case(
            "a number as the first message",
            JSON,
            r#"{"initialMessage":5}"#,
            422,
        ),
        case(
            "a routing attribute from the browser",
            JSON,
            r#"{"priority_tier":"1"}"#,
            422,
        ),
        case(
            "a composite value",
            JSON,
            r#"{"orderId":"1|priority_tier:3"}"#,
            422,
        ),
        case(
            "a control character in the first message",
            JSON,
            r#"{"initialMessage":"hi\u0007"}"#,
            422,
        ),
        case(
            "an order id with a newline",
            JSON,
            r#"{"orderId":"1\n2"}"#,
            422,
        ),
        case(
            "an order id with full-width digits",
            JSON,
            r#"{"orderId":"８８４７２"}"#,
            422,
        ),
    ]);
    cases
}

fn refresh_cases() -> Vec<Input> {
    let mut cases = common(r#"{"sessionHash":"AAAAAAAAAAAAAAAAAAAAAA"}"#, 16 * 1024);
    cases.extend([
        case(
            "a number where a string belongs",
            JSON,
            r#"{"sessionHash":12345}"#,
            422,
        ),
        case(
            "an array where a string belongs",
            JSON,
            r#"{"sessionHash":["a"]}"#,
            422,
        ),
        case("no session hash", JSON, "{}", 422),
        case(
            "an unknown field",
            JSON,
            r#"{"sessionHash":"x","subject":"admin"}"#,
            422,
        ),
        case(
            "a hash nobody issued",
            JSON,
            r#"{"sessionHash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
            403,
        ),
    ]);
    cases
}

fn validate_cases() -> Vec<Input> {
    let conv = conversation();
    let valid = format!(r#"{{"sessionHash":"x","conversationId":"{conv}"}}"#);
    let mut cases = common(&valid, 4096);
    cases.extend([
        case(
            "numbers where strings belong",
            JSON,
            r#"{"sessionHash":1,"conversationId":2}"#,
            422,
        ),
        case(
            "a conversation id that is not a UUID",
            JSON,
            r#"{"sessionHash":"x","conversationId":"../../admin"}"#,
            422,
        ),
        case(
            "a participant id that is not a UUID",
            JSON,
            format!(
                r#"{{"sessionHash":"x","conversationId":"{conv}","participantId":"1 OR 1=1"}}"#
            ),
            422,
        ),
        case(
            "a 300-byte session hash",
            JSON,
            format!(
                r#"{{"sessionHash":"{}","conversationId":"{conv}"}}"#,
                "A".repeat(300)
            ),
            422,
        ),
        case(
            "an unknown field",
            JSON,
            format!(r#"{{"sessionHash":"x","conversationId":"{conv}","valid":true}}"#),
            422,
        ),
        case("no conversation id", JSON, r#"{"sessionHash":"x"}"#, 422),
    ]);
    cases
}

/// What the hostile-input run measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFigures {
    /// Requests sent.
    pub requests: usize,
    /// How many got each status (each as the case expected).
    pub statuses: BTreeMap<u16, usize>,
}

/// Sends every case to its route; each must get its documented problem.
pub async fn run_all(stack: &Stack, seen: &mut Exposure) -> InputFigures {
    let token = stack.token("hostile-inputs");
    seen.secret(token.clone());
    let bearer = Auth::Bearer(token.clone());
    let basic = stack.basic();
    let mut requests = 0;
    let mut statuses = BTreeMap::new();
    for (path, auth, cases) in [
        ("/v1/initiations", &bearer, initiate_cases()),
        ("/v1/initiations/refresh", &bearer, refresh_cases()),
        ("/v1/session-validations", &basic, validate_cases()),
    ] {
        for input in cases {
            let reply = stack
                .send(path, auth, input.content_type, input.body.clone(), &[])
                .await;
            assert!(
                reply.status < 500,
                "{} on {path}: {}",
                input.name,
                reply.body
            );
            assert_eq!(
                reply.status, input.status,
                "{} on {path}: {}",
                input.name, reply.body
            );
            if input.status >= 400 {
                assert_problem(&reply, input.status, input.slug);
            } else {
                seen.secret(reply.json()["sessionHash"].as_str().unwrap_or_default());
            }
            seen.reply(&reply);
            *statuses.entry(reply.status).or_insert(0) += 1;
            requests += 1;
        }
    }
    // Still serving, and the subject was never charged for a refused body.
    let ok = stack.initiate(&token, &json!({"orderId": "1"}), None).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    seen.reply(&ok);
    seen.secret(ok.json()["sessionHash"].as_str().unwrap_or_default());
    InputFigures { requests, statuses }
}
