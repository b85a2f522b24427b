//! A Web Services data action (`custom-rest-actions`) run the way Genesys Cloud runs the
//! imported JSON: the `requestTemplate` rendered with the inputs (the Velocity subset these
//! actions use: `${input.x}`, `$!{input.x}` and `$esc.jsonString(...)`), the configured headers
//! plus the integration's Basic credential, the action's timeout, then the response's
//! `translationMap` (JSONPath `$.field`), `translationMapDefaults` and `successTemplate`, and
//! the output contract. A non-2xx answer, a template or translation that fails and an output
//! that breaks the contract all take the Failure path.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value};

/// An HTTP request the action sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST`, ...
    pub method: String,
    /// The rendered URL.
    pub url: String,
    /// Header names and values (the credential included).
    pub headers: Vec<(String, String)>,
    /// The rendered body.
    pub body: String,
}

/// What the service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends a rendered request (real HTTP, or a handler in the same process).
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends `request`; an error is a transport failure (refused, reset).
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String>;
}

/// The integration's Basic credential.
#[derive(Clone)]
pub struct BasicCredential {
    user: String,
    password: String,
}

impl std::fmt::Debug for BasicCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCredential")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl BasicCredential {
    /// A credential.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            password: password.into(),
        }
    }

    fn header(&self) -> String {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.user, self.password));
        format!("Basic {token}")
    }
}

/// Why the action definition cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("data action definition: {0}")]
pub struct DefinitionError(String);

/// How a run ended: the three paths of Call Data Action.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The translated, contract-checked outputs.
    Success(Map<String, Value>),
    /// The Failure path, with why (no secret or body in it).
    Failure(String),
    /// The Timeout path.
    Timeout,
}

/// A Web Services data action, read from its imported JSON.
#[derive(Debug, Clone)]
pub struct WebServicesAction {
    /// The action's name.
    pub name: String,
    url_template: String,
    method: String,
    headers: Vec<(String, String)>,
    request_template: String,
    translation_map: Vec<(String, String)>,
    defaults: BTreeMap<String, String>,
    success_template: String,
    /// The action's own timeout (`config.timeoutSeconds`).
    pub timeout: Duration,
    output_schema: Value,
}

fn text(v: &Value, path: &str) -> Result<String, DefinitionError> {
    v.pointer(path)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| DefinitionError(format!("`{path}` is missing or not a string")))
}

fn string_map(v: &Value, path: &str) -> Result<Vec<(String, String)>, DefinitionError> {
    let Some(map) = v.pointer(path).and_then(Value::as_object) else {
        return Err(DefinitionError(format!(
            "`{path}` is missing or not an object"
        )));
    };
    map.iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), s.to_owned()))
                .ok_or_else(|| DefinitionError(format!("`{path}/{k}` is not a string")))
        })
        .collect()
}

impl WebServicesAction {
    /// Reads the action from its importable JSON (`validate-session.web-services.json`).
    pub fn from_json(v: &Value) -> Result<Self, DefinitionError> {
        if v.get("integrationType").and_then(Value::as_str) != Some("custom-rest-actions") {
            return Err(DefinitionError(
                "only Web Services (`custom-rest-actions`) actions are run".to_owned(),
            ));
        }
        let secs = v
            .pointer("/config/timeoutSeconds")
            .and_then(Value::as_u64)
            .filter(|s| (1..=60).contains(s))
            .ok_or_else(|| DefinitionError("`/config/timeoutSeconds` must be 1..=60".to_owned()))?;
        Ok(Self {
            name: text(v, "/name")?,
            url_template: text(v, "/config/request/requestUrlTemplate")?,
            method: text(v, "/config/request/requestType")?,
            headers: string_map(v, "/config/request/headers")?,
            request_template: text(v, "/config/request/requestTemplate")?,
            translation_map: string_map(v, "/config/response/translationMap")?,
            defaults: string_map(v, "/config/response/translationMapDefaults")?
                .into_iter()
                .collect(),
            success_template: text(v, "/config/response/successTemplate")?,
            timeout: Duration::from_secs(secs),
            output_schema: v
                .pointer("/contract/output/successSchema")
                .cloned()
                .ok_or_else(|| DefinitionError("no output contract".to_owned()))?,
        })
    }

    /// The request for `inputs`, sent to `base_url` instead of the placeholder host the
    /// imported JSON carries (`placeholder_base`).
    pub fn request(
        &self,
        inputs: &BTreeMap<String, String>,
        credential: &BasicCredential,
        placeholder_base: &str,
        base_url: &str,
    ) -> Result<HttpRequest, String> {
        let url = render(&self.url_template, inputs)?.replacen(placeholder_base, base_url, 1);
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| render(v, inputs).map(|v| (k.clone(), v)))
            .collect::<Result<_, _>>()?;
        headers.push(("Authorization".to_owned(), credential.header()));
        Ok(HttpRequest {
            method: self.method.clone(),
            url,
            headers,
            body: render(&self.request_template, inputs)?,
        })
    }

    /// Translates a response into the action's outputs, or why it takes the Failure path.
    pub fn response(&self, response: &HttpResponse) -> Result<Map<String, Value>, String> {
        if !(200..300).contains(&response.status) {
            return Err(format!("the service answered {}", response.status));
        }
        let body: Value = serde_json::from_slice(&response.body)
            .map_err(|_| "the response is not JSON".to_owned())?;
        let mut rendered = self.success_template.clone();
        for (name, path) in &self.translation_map {
            let literal = match json_path(&body, path)? {
                Some(v) => v.to_string(),
                None => self.defaults.get(name).cloned().ok_or_else(|| {
                    format!("`{name}` is missing from the response and has no default")
                })?,
            };
            rendered = rendered.replace(&format!("${{{name}}}"), &literal);
        }
        let output: Value = serde_json::from_str(&rendered)
            .map_err(|_| "the success template did not render JSON".to_owned())?;
        let Value::Object(output) = output else {
            return Err("the success template did not render an object".to_owned());
        };
        check_contract(&self.output_schema, &output)?;
        Ok(output)
    }

    /// Runs the action: renders, sends within `min(action timeout, flow timeout)`, translates.
    pub async fn run(
        &self,
        transport: &dyn HttpTransport,
        inputs: &BTreeMap<String, String>,
        credential: &BasicCredential,
        (placeholder_base, base_url): (&str, &str),
        flow_timeout: Option<Duration>,
    ) -> Outcome {
        let request = match self.request(inputs, credential, placeholder_base, base_url) {
            Ok(r) => r,
            Err(e) => return Outcome::Failure(e),
        };
        let budget = flow_timeout.map_or(self.timeout, |t| t.min(self.timeout));
        match tokio::time::timeout(budget, transport.send(request)).await {
            Err(_) => Outcome::Timeout,
            Ok(Err(e)) => Outcome::Failure(e),
            Ok(Ok(response)) => match self.response(&response) {
                Ok(out) => Outcome::Success(out),
                Err(e) => Outcome::Failure(e),
            },
        }
    }
}

/// `$.a.b` JSONPath (the form translation maps use): the value, or `None` when absent.
fn json_path<'a>(body: &'a Value, path: &str) -> Result<Option<&'a Value>, String> {
    let rest = path
        .strip_prefix("$.")
        .ok_or_else(|| format!("JSONPath `{path}` is outside the supported `$.field` form"))?;
    let mut at = body;
    for part in rest.split('.') {
        match at.get(part) {
            Some(v) => at = v,
            None => return Ok(None),
        }
    }
    Ok(Some(at))
}

/// The output contract's required properties and flat types.
fn check_contract(schema: &Value, output: &Map<String, Value>) -> Result<(), String> {
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !output.contains_key(name) {
            return Err(format!(
                "the output lacks `{name}`, which the contract requires"
            ));
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, value) in output {
        let Some(ty) = properties
            .and_then(|p| p.get(name))
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str)
        else {
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                return Err(format!(
                    "the output has `{name}`, which the contract does not declare"
                ));
            }
            continue;
        };
        let ok = match ty {
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            _ => true,
        };
        if !ok {
            return Err(format!(
                "output `{name}` is not a {ty}, as the contract says"
            ));
        }
    }
    Ok(())
}

/// Renders the Velocity subset: `${input.x}` / `$input.x` (loud: an unset input stays as the
/// reference text, as Velocity leaves it), `$!{input.x}` (quiet: empty) and
/// `$esc.jsonString(REF)` / `$!esc.jsonString(REF)` (JSON string escaping). Anything else after
/// a `$` is refused.
pub fn render(template: &str, inputs: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let (value, used) = reference(after, inputs)?;
        out.push_str(&value);
        rest = &after[used..];
    }
    out.push_str(rest);
    Ok(out)
}

/// One reference at the start of `s` (which starts with `$`): its rendering and its length.
fn reference(s: &str, inputs: &BTreeMap<String, String>) -> Result<(String, usize), String> {
    let (quiet, body) = match s.strip_prefix("$!") {
        Some(b) => (true, b),
        None => (false, &s[1..]),
    };
    let prefix = s.len() - body.len();
    for esc in ["esc.jsonString(", "{esc.jsonString("] {
        if let Some(inner) = body.strip_prefix(esc) {
            let (value, used) = reference(inner, inputs)?;
            let close = if esc.starts_with('{') { ")}" } else { ")" };
            if !inner[used..].starts_with(close) {
                return Err("`$esc.jsonString(` without its `)`".to_owned());
            }
            let quoted = serde_json::to_string(&value).unwrap_or_default();
            let escaped = quoted[1..quoted.len() - 1].to_owned();
            return Ok((escaped, prefix + esc.len() + used + close.len()));
        }
    }
    let (name, len) = if let Some(braced) = body.strip_prefix('{') {
        let end = braced.find('}').ok_or("`${` without its `}`".to_owned())?;
        (&braced[..end], end + 2)
    } else {
        let end = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(body.len());
        (&body[..end], end)
    };
    let Some(field) = name.strip_prefix("input.") else {
        return Err(format!(
            "Velocity reference `${name}` is outside the supported subset (`input.*`, `esc.jsonString`)"
        ));
    };
    let whole = &s[..prefix + len];
    Ok(match inputs.get(field) {
        Some(v) => (v.clone(), prefix + len),
        None if quiet => (String::new(), prefix + len),
        None => (whole.to_owned(), prefix + len),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::generate::data_actions::{API_BASE_PLACEHOLDER, web_services_action};
    use secure_initiation::attributes::Schema;

    fn inputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn action() -> WebServicesAction {
        WebServicesAction::from_json(&web_services_action(&Schema::default_schema().unwrap()))
            .unwrap()
    }

    #[test]
    fn the_request_template_escapes_inputs_and_quiets_the_optional_one() {
        let a = action();
        let request = a
            .request(
                &inputs(&[("sessionHash", "a\"b\\c"), ("conversationId", "c-1")]),
                &BasicCredential::new("u", "p"),
                API_BASE_PLACEHOLDER,
                "http://127.0.0.1:9",
            )
            .unwrap();
        assert_eq!(request.url, "http://127.0.0.1:9/v1/session-validations");
        let body: Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["sessionHash"], "a\"b\\c");
        assert_eq!(body["participantId"], "");
        assert!(
            request
                .headers
                .contains(&("Authorization".into(), "Basic dTpw".into()))
        );
        assert!(
            request
                .headers
                .contains(&("Content-Type".into(), "application/json".into()))
        );
        assert_eq!(
            render("${input.missing}", &inputs(&[])).unwrap(),
            "${input.missing}"
        );
        assert!(render("$math.add(1)", &inputs(&[])).is_err());
    }

    #[test]
    fn translation_uses_defaults_and_the_contract_decides() {
        let a = action();
        let ok = |body: &str| {
            a.response(&HttpResponse {
                status: 200,
                body: body.as_bytes().to_vec(),
            })
        };
        let partial = ok(r#"{"valid": true, "reason": "ok"}"#).unwrap();
        assert_eq!(partial["valid"], true);
        assert_eq!(
            partial["priority_tier"], "",
            "a missing field gets its default"
        );
        assert!(
            ok(r#"{"valid": "yes"}"#)
                .unwrap_err()
                .contains("not a boolean")
        );
        assert!(ok("not json").is_err());
        assert!(
            a.response(&HttpResponse {
                status: 401,
                body: vec![]
            })
            .unwrap_err()
            .contains("401")
        );
    }

    struct Slow;

    #[async_trait::async_trait]
    impl HttpTransport for Slow {
        async fn send(&self, _: HttpRequest) -> Result<HttpResponse, String> {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Err("unreachable".to_owned())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_service_takes_the_timeout_path_at_the_shorter_timeout() {
        let a = action();
        let started = tokio::time::Instant::now();
        let outcome = a
            .run(
                &Slow,
                &inputs(&[]),
                &BasicCredential::new("u", "p"),
                (API_BASE_PLACEHOLDER, "http://x"),
                Some(Duration::from_secs(2)),
            )
            .await;
        assert_eq!(outcome, Outcome::Timeout);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
    }
}
