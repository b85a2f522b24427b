//! infra/openapi.yaml against the handlers on the local stack: the same routes as the SAM
//! template, nothing served that the spec lacks, every request example answered with its
//! documented status and a body that matches the documented schema, and every documented status
//! provoked (500 excepted: only a bug produces it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{assert_valid, deref, inline, openapi, schema_errors, yaml_file};
use genesys_sandbox::Fault;
use local::{Options, Running, Store, spawn};
use reqwest::{Method, Response};
use secure_initiation::api::BrowserSettings;
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::attributes::Schema;
use serde_json::{Value, json};

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "options", "head"];
const EVIL_ORIGIN: &str = "https://evil.example";
const UNKNOWN_HASH: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
/// Statuses the spec documents that no request can provoke on a correct build.
const NOT_PROVOKABLE: &[(&str, &str)] = &[("500", "ApiError::Internal: only a bug produces it")];

/// (path, method) of every operation.
fn operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((path.clone(), method.to_owned()));
            }
        }
    }
    out
}

fn operation<'a>(spec: &'a Value, id: &str) -> (&'a str, &'a str, &'a Value) {
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method)
                && op["operationId"] == id
            {
                return (path, method, op);
            }
        }
    }
    panic!("no operation `{id}`")
}

#[test]
fn the_spec_and_the_sam_template_declare_the_same_routes() {
    let template = yaml_file("infra/template.yaml");
    let mut routes = BTreeSet::new();
    for resource in template["Resources"].as_object().unwrap().values() {
        for event in resource["Properties"]["Events"]
            .as_object()
            .into_iter()
            .flat_map(|e| e.values())
        {
            if event["Type"] == "HttpApi" {
                routes.insert((
                    event["Properties"]["Path"].as_str().unwrap().to_owned(),
                    event["Properties"]["Method"]
                        .as_str()
                        .unwrap()
                        .to_lowercase(),
                ));
            }
        }
    }
    assert_eq!(routes, operations(&openapi()));
}

#[test]
fn the_initiation_request_schema_is_the_attribute_schemas_request_fields() {
    let spec = openapi();
    let schema = Schema::default_schema().unwrap();
    let request = &spec["components"]["schemas"]["InitiationRequest"];
    let documented: BTreeSet<&str> = request["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut accepted: BTreeSet<&str> = schema.request_fields().collect();
    accepted.insert(secure_initiation::attributes::INITIAL_MESSAGE_FIELD);
    assert_eq!(documented, accepted);
    for field in schema.request_fields() {
        let def = schema.attribute_for_request_field(field).unwrap();
        let property = &request["properties"][field];
        if let Some(pattern) = def.pattern() {
            assert_eq!(property["pattern"], format!("^{pattern}$"), "{field}");
        }
        if let Some(max) = def.max_len() {
            assert_eq!(property["maxLength"], max, "{field}");
        }
    }
    assert_eq!(
        request["properties"]["initialMessage"]["maxLength"],
        schema.limits().initial_message_max_chars
    );
}

#[test]
fn every_example_in_the_spec_matches_its_schema() {
    let spec = openapi();
    let mut checked = 0;
    for ((path, method), op) in operations(&spec)
        .iter()
        .map(|k| (k, &spec["paths"][&k.0][&k.1]))
    {
        let mut media: Vec<(String, &Value)> = Vec::new();
        if let Some(content) = op["requestBody"]["content"].as_object() {
            media.extend(
                content
                    .iter()
                    .map(|(ct, m)| (format!("{method} {path} request {ct}"), m)),
            );
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            if let Some(content) = deref(&spec, response)["content"].as_object() {
                media.extend(
                    content
                        .iter()
                        .map(|(ct, m)| (format!("{method} {path} {status} {ct}"), m)),
                );
            }
        }
        for (what, m) in media {
            let schema = inline(&spec, &m["schema"]);
            let mut examples: Vec<(String, Value, Option<u64>)> = Vec::new();
            if let Some(e) = m.get("example") {
                examples.push(("example".into(), e.clone(), None));
            }
            for (name, e) in m["examples"].as_object().into_iter().flatten() {
                let e = deref(&spec, e);
                examples.push((
                    name.clone(),
                    e["value"].clone(),
                    e["x-expect-status"].as_u64(),
                ));
            }
            for (name, value, expect) in examples {
                checked += 1;
                let errors = schema_errors(&schema, &value);
                match expect {
                    Some(422) => assert!(
                        !errors.is_empty(),
                        "{what} `{name}` expects 422 yet matches the schema"
                    ),
                    Some(s) if s >= 300 => {}
                    _ => assert!(errors.is_empty(), "{what} `{name}`: {errors:?}"),
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} examples");
}

/// The local stack, variants, and an HTTP client.
struct Harness {
    http: reqwest::Client,
}

async fn stack(options: Options) -> Running {
    spawn(Options { port: 0, ..options })
        .await
        .expect("the local stack starts")
}

fn initiation_api() -> Options {
    Options {
        strategy: StrategyKind::InitiationApi,
        initiate: BrowserSettings {
            genesys_deadline: Duration::from_millis(800),
            ..BrowserSettings::initiate()
        },
        refresh: BrowserSettings {
            genesys_deadline: Duration::from_millis(800),
            ..BrowserSettings::refresh()
        },
        ..Options::default()
    }
}

/// A DynamoDB client whose endpoint refuses connections: every store call fails (503).
async fn unreachable_store() -> Options {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, retry::RetryConfig};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("offline", "offline", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .build();
    Options {
        store: Store::Dynamo {
            client: aws_sdk_dynamodb::Client::from_conf(config),
            table: "unreachable".to_owned(),
        },
        ..Options::default()
    }
}

impl Harness {
    async fn token(&self, running: &Running, sub: &str) -> String {
        let body: Value = self
            .http
            .get(format!(
                "{}/dev/login?sub={sub}&tier=2&geo=na-east",
                running.base_url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    async fn post(
        &self,
        running: &Running,
        path: &str,
        auth: Auth<'_>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        let mut req = self
            .http
            .post(format!("{}{path}", running.base_url()))
            .header("content-type", content_type)
            .body(body);
        req = match auth {
            Auth::Bearer(token) => req.bearer_auth(token),
            Auth::Basic => {
                let (u, p) = &running.data_action_credential;
                req.basic_auth(u, Some(p))
            }
            Auth::None => req,
        };
        req.send().await.unwrap()
    }

    async fn preflight(&self, running: &Running, path: &str, origin: &str) -> Response {
        self.http
            .request(Method::OPTIONS, format!("{}{path}", running.base_url()))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap()
    }

    /// A fresh ticket, with the stack's clock moved into its refresh window.
    async fn refreshable_hash(&self, running: &Running, token: &str) -> String {
        let hash = self.live_hash(running, token).await;
        running.clock.advance_ms(46_000);
        hash
    }

    async fn live_hash(&self, running: &Running, token: &str) -> String {
        let r = self
            .post(
                running,
                "/v1/initiations",
                Auth::Bearer(token),
                "application/json",
                "{}",
            )
            .await;
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        body["sessionHash"].as_str().unwrap().to_owned()
    }
}

#[derive(Clone, Copy)]
enum Auth<'a> {
    Bearer(&'a str),
    Basic,
    None,
}

/// Checks a response against the spec: documented status, media type, schema, headers.
async fn assert_documented(spec: &Value, op_id: &str, response: Response, status: u16) {
    let (path, method, op) = operation(spec, op_id);
    let what = format!("{method} {path} → {status}");
    assert_eq!(response.status().as_u16(), status, "{what}");
    let documented = deref(spec, &op["responses"][status.to_string()]);
    assert!(documented.is_object(), "{what} is not documented");
    let headers = response.headers().clone();
    for (name, header) in documented["headers"].as_object().into_iter().flatten() {
        let header = deref(spec, header);
        let value = headers
            .get(name.as_str())
            .map(|v| v.to_str().unwrap().to_owned());
        if header["required"] == true || name == "Cache-Control" {
            let value = value.unwrap_or_else(|| panic!("{what}: no {name} header"));
            assert_valid(
                &inline(spec, &header["schema"]),
                &json!(value),
                &format!("{what} {name}"),
            );
        }
    }
    let body = response.bytes().await.unwrap();
    match documented["content"].as_object() {
        None => assert!(body.is_empty(), "{what}: undocumented body"),
        Some(content) => {
            let ct = headers["content-type"].to_str().unwrap();
            let media = content
                .get(ct)
                .unwrap_or_else(|| panic!("{what}: undocumented content type {ct}"));
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_valid(&inline(spec, &media["schema"]), &body, &what);
            if ct == "application/problem+json" {
                assert_eq!(body["status"], status, "{what}");
            }
        }
    }
}

#[tokio::test]
async fn every_documented_route_is_served_and_no_other_method_is() {
    let spec = openapi();
    let h = Harness {
        http: reqwest::Client::new(),
    };
    let running = stack(Options::default()).await;
    let documented = operations(&spec);
    let token = h.token(&running, "routes").await;
    for path in spec["paths"].as_object().unwrap().keys() {
        for method in METHODS {
            let url = format!("{}{path}", running.base_url());
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = if method == "options" {
                h.preflight(&running, path, &running.base_url()).await
            } else {
                h.http
                    .request(m, &url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body("{}")
                    .send()
                    .await
                    .unwrap()
            };
            let status = response.status().as_u16();
            if documented.contains(&(path.clone(), method.to_owned())) {
                assert!(
                    !matches!(status, 404 | 405),
                    "{method} {path} is documented but answers {status}"
                );
            } else {
                assert_eq!(
                    status, 405,
                    "{method} {path} is not documented but answers {status}"
                );
            }
        }
    }
    let unknown = h
        .http
        .post(format!("{}/v1/unknown", running.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn request_examples_get_their_documented_status_and_a_documented_body() {
    let spec = openapi();
    let h = Harness {
        http: reqwest::Client::new(),
    };
    let running = stack(Options::default()).await;
    let mut sent = 0;
    for (path, method) in operations(&spec) {
        let op = &spec["paths"][&path][&method];
        let Some(content) = op["requestBody"]["content"].as_object() else {
            continue;
        };
        let basic = op["security"][0].get("dataActionCredential").is_some();
        for (name, example) in content["application/json"]["examples"].as_object().unwrap() {
            let example = deref(&spec, example);
            let status = u16::try_from(example["x-expect-status"].as_u64().unwrap()).unwrap();
            let mut body = example["value"].clone();
            let token = h.token(&running, &format!("example-{sent}")).await;
            if name == "genuine" {
                body["sessionHash"] = json!(h.live_hash(&running, &token).await);
            }
            let auth = if basic {
                Auth::Basic
            } else {
                Auth::Bearer(&token)
            };
            let response = h
                .post(&running, &path, auth, "application/json", body.to_string())
                .await;
            let id = op["operationId"].as_str().unwrap();
            assert_documented(&spec, id, response, status).await;
            sent += 1;
        }
    }
    assert!(sent >= 10, "only {sent} examples sent");
}

#[tokio::test]
async fn every_documented_status_is_provoked_on_the_local_stack() {
    let spec = openapi();
    let h = Harness {
        http: reqwest::Client::new(),
    };
    let default = stack(Options::default()).await;
    let api = stack(initiation_api()).await;
    let broken = stack(unreachable_store().await).await;
    let json_ct = "application/json";
    let big = json!({"initialMessage": "x".repeat(20_000)}).to_string();
    let mut provoked: BTreeSet<(String, String)> = BTreeSet::new();

    for (path, method) in operations(&spec) {
        let op = &spec["paths"][&path][&method];
        let id = op["operationId"].as_str().unwrap().to_owned();
        for status in op["responses"].as_object().unwrap().keys() {
            if NOT_PROVOKABLE.iter().any(|(s, _)| s == status) {
                continue;
            }
            let code: u16 = status.parse().unwrap();
            let tok = h.token(&default, &format!("{id}-{status}")).await;
            let response = match (id.as_str(), code) {
                ("initiatePreflight" | "refreshPreflight", 204) => {
                    h.preflight(&default, &path, &default.base_url()).await
                }
                ("initiatePreflight" | "refreshPreflight", 403) => {
                    h.preflight(&default, &path, EVIL_ORIGIN).await
                }
                (_, 400) => {
                    let auth = if id == "validateSession" {
                        Auth::Basic
                    } else {
                        Auth::Bearer(&tok)
                    };
                    h.post(&default, &path, auth, json_ct, "{").await
                }
                (_, 401) => h.post(&default, &path, Auth::None, json_ct, "{}").await,
                (_, 413) => {
                    let auth = if id == "validateSession" {
                        Auth::Basic
                    } else {
                        Auth::Bearer(&tok)
                    };
                    h.post(&default, &path, auth, json_ct, big.clone()).await
                }
                (_, 415) => {
                    let auth = if id == "validateSession" {
                        Auth::Basic
                    } else {
                        Auth::Bearer(&tok)
                    };
                    h.post(&default, &path, auth, "text/plain", "{}").await
                }
                ("initiate", 201) => {
                    h.post(
                        &default,
                        &path,
                        Auth::Bearer(&tok),
                        json_ct,
                        r#"{"orderId":"88472"}"#,
                    )
                    .await
                }
                ("initiate", 403) => h
                    .http
                    .post(format!("{}{path}", default.base_url()))
                    .bearer_auth(&tok)
                    .header("origin", EVIL_ORIGIN)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap(),
                ("initiate", 409) => {
                    let url = format!("{}{path}", default.base_url());
                    let first = h
                        .http
                        .post(&url)
                        .bearer_auth(&tok)
                        .header("idempotency-key", "k1")
                        .json(&json!({"orderId": "1"}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(first.status(), 201);
                    h.http
                        .post(&url)
                        .bearer_auth(&tok)
                        .header("idempotency-key", "k1")
                        .json(&json!({"orderId": "2"}))
                        .send()
                        .await
                        .unwrap()
                }
                ("initiate", 422) => {
                    h.post(
                        &default,
                        &path,
                        Auth::Bearer(&tok),
                        json_ct,
                        r#"{"priority_tier":"3"}"#,
                    )
                    .await
                }
                ("initiate", 429) => {
                    let limit = BrowserSettings::initiate().rate.per_window;
                    for _ in 0..limit {
                        let r = h
                            .post(&default, &path, Auth::Bearer(&tok), json_ct, "{}")
                            .await;
                        assert_eq!(r.status(), 201);
                    }
                    h.post(&default, &path, Auth::Bearer(&tok), json_ct, "{}")
                        .await
                }
                ("initiate", 502) => {
                    api.sandbox
                        .inject(Fault::status(400).on_path("/api/v2/webmessaging").times(1));
                    let tok = h.token(&api, "upstream-error").await;
                    h.post(&api, &path, Auth::Bearer(&tok), json_ct, "{}").await
                }
                ("initiate" | "refresh" | "validateSession", 503) => {
                    let tok = h.token(&broken, &format!("unavailable-{id}")).await;
                    let (auth, body) = match id.as_str() {
                        "validateSession" => (
                            Auth::Basic,
                            json!({"sessionHash": UNKNOWN_HASH, "conversationId": uuid::Uuid::new_v4().to_string()}),
                        ),
                        "refresh" => (Auth::Bearer(&tok), json!({"sessionHash": UNKNOWN_HASH})),
                        _ => (Auth::Bearer(&tok), json!({})),
                    };
                    h.post(&broken, &path, auth, json_ct, body.to_string())
                        .await
                }
                ("initiate", 504) => {
                    api.sandbox.inject(
                        Fault::delay(Duration::from_secs(3))
                            .on_path("/api/v2/webmessaging")
                            .times(1),
                    );
                    let tok = h.token(&api, "upstream-timeout").await;
                    h.post(&api, &path, Auth::Bearer(&tok), json_ct, "{}").await
                }
                ("refresh", 201) => {
                    let hash = h.refreshable_hash(&default, &tok).await;
                    h.post(
                        &default,
                        &path,
                        Auth::Bearer(&tok),
                        json_ct,
                        json!({"sessionHash": hash}).to_string(),
                    )
                    .await
                }
                ("refresh", 403) => {
                    h.post(
                        &default,
                        &path,
                        Auth::Bearer(&tok),
                        json_ct,
                        json!({"sessionHash": UNKNOWN_HASH}).to_string(),
                    )
                    .await
                }
                ("refresh", 422) => {
                    h.post(&default, &path, Auth::Bearer(&tok), json_ct, "{}")
                        .await
                }
                ("refresh", 429) => {
                    // Before the ticket's refresh window opens.
                    let hash = h.live_hash(&default, &tok).await;
                    h.post(
                        &default,
                        &path,
                        Auth::Bearer(&tok),
                        json_ct,
                        json!({"sessionHash": hash}).to_string(),
                    )
                    .await
                }
                ("refresh", 502 | 504) => {
                    let tok = h.token(&api, &format!("refresh-{code}")).await;
                    let hash = h.refreshable_hash(&api, &tok).await;
                    let fault = if code == 502 {
                        Fault::status(400)
                    } else {
                        Fault::delay(Duration::from_secs(3))
                    };
                    api.sandbox
                        .inject(fault.on_path("/api/v2/webmessaging").times(1));
                    h.post(
                        &api,
                        &path,
                        Auth::Bearer(&tok),
                        json_ct,
                        json!({"sessionHash": hash}).to_string(),
                    )
                    .await
                }
                ("validateSession", 200) => {
                    let body = json!({"sessionHash": UNKNOWN_HASH, "conversationId": uuid::Uuid::new_v4().to_string()});
                    h.post(&default, &path, Auth::Basic, json_ct, body.to_string())
                        .await
                }
                ("validateSession", 422) => {
                    h.post(
                        &default,
                        &path,
                        Auth::Basic,
                        json_ct,
                        json!({"sessionHash": "x", "conversationId": "no"}).to_string(),
                    )
                    .await
                }
                (other, code) => {
                    panic!("{other} documents {code}: provoke it here or list it in NOT_PROVOKABLE")
                }
            };
            assert_documented(&spec, &id, response, code).await;
            provoked.insert((id.clone(), status.clone()));
        }
    }
    assert!(
        provoked.len() >= 30,
        "only {} statuses provoked",
        provoked.len()
    );
}
