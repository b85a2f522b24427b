//! infra/template.yaml against the code: one function resource per function crate, exactly the
//! environment each function's configuration reads (with defaults it accepts), least-privilege
//! IAM, the Genesys trust policy, the table and secrets the adapters expect. What the functions
//! share sits in `Globals`; every check here sees a function as SAM deploys it, Globals merged.
//! The dashboard and alarms are checked against the metric catalogue in `monitoring.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::read;
use common::template::{env, function, function_crates, of_type, properties, resources, template};
use genesys_as_code::generate::data_actions::DATA_ACTION_TIMEOUT_SECS;
use secure_initiation::adapters::StaticSecrets;
use secure_initiation::adapters::dynamodb::{PARTITION_KEY, TTL_ATTRIBUTE};
use secure_initiation::config::{Function, InitiateConfig, RefreshConfig, ValidateConfig, vars};
use serde_json::{Value, json};

fn variables_read_by(crate_name: &str) -> Vec<&'static str> {
    let Some(function) = Function::ALL
        .into_iter()
        .find(|f| f.crate_name() == crate_name)
    else {
        panic!("no configuration for function crate `{crate_name}`: add it to config::Function")
    };
    vars::read_by(function).map(|v| v.name).collect()
}

#[test]
fn every_function_crate_has_exactly_one_function_resource_and_vice_versa() {
    let t = template();
    let crates = function_crates();
    assert_eq!(
        crates,
        BTreeSet::from([
            "initiate".into(),
            "refresh-token".into(),
            "validate-session".into()
        ])
    );
    let mut deployed = BTreeSet::new();
    for (name, f) in of_type(&t, "AWS::Serverless::Function") {
        let code = f["Properties"]["CodeUri"].as_str().unwrap();
        let crate_name = code.strip_prefix("../functions/").unwrap();
        assert!(
            crates.contains(crate_name),
            "{name} builds `{code}`, not a function crate"
        );
        assert!(
            deployed.insert(crate_name.to_owned()),
            "two resources build `{crate_name}`"
        );
        let manifest = read(&format!("functions/{crate_name}/Cargo.toml"));
        assert!(manifest.contains(&format!("name = \"{crate_name}\"")));
        assert_eq!(f["Metadata"]["BuildMethod"], "rust-cargolambda", "{name}");
        assert_eq!(
            f["Metadata"]["BuildProperties"]["Binary"], crate_name,
            "{name}"
        );
        let p = &properties(&t, f);
        assert_eq!(p["Runtime"], "provided.al2023", "{name}");
        assert_eq!(p["Architectures"], json!(["arm64"]), "{name}");
        assert_eq!(p["Handler"], "bootstrap", "{name}");
        assert_eq!(p["Tracing"], "Active", "{name}");
        assert_eq!(p["AutoPublishAlias"], "live", "{name}");
        assert_eq!(p["LoggingConfig"]["LogFormat"], "JSON", "{name}");
        assert!(
            p.get("Policies").is_none(),
            "{name}: permissions live in its own role"
        );
        assert!(
            p["Role"]["Fn::GetAtt"].is_string(),
            "{name} uses its own role"
        );
    }
    assert_eq!(deployed, crates);
}

#[test]
fn each_function_gets_exactly_the_variables_its_configuration_reads() {
    let t = template();
    for crate_name in function_crates() {
        let (_, f) = function(&t, &crate_name);
        let env = env(&t, f);
        let set: BTreeSet<&str> = env.keys().map(String::as_str).collect();
        let read: BTreeSet<&str> = variables_read_by(&crate_name).iter().copied().collect();
        assert_eq!(set, read, "{crate_name}");
    }
}

/// The environment a function gets when deployed with the parameters' defaults (and sample
/// values for the parameters without one); resources become placeholder ids.
fn deployed_env(
    t: &Value,
    crate_name: &str,
    overrides: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let samples: BTreeMap<&str, &str> = BTreeMap::from([
        (
            "AllowedOrigins",
            "https://shop.example.com,https://www.example.com",
        ),
        ("JwksUrl", "https://idp.example.com/.well-known/jwks.json"),
        ("JwtIssuer", "https://idp.example.com/"),
        ("JwtAudience", "secure-initiation"),
        ("GenesysOrgId", "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b"),
    ]);
    let params = t["Parameters"].as_object().unwrap();
    let (_, f) = function(t, crate_name);
    env(t, f)
        .iter()
        .map(|(var, value)| {
            // A literal is deployed as written (`METRICS_DIMENSIONS: ""`).
            if let Value::String(literal) = value {
                return (var.clone(), literal.clone());
            }
            let name = value["Ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{var} is neither a literal nor a !Ref"));
            let resolved = if let Some((_, v)) = overrides.iter().find(|(p, _)| *p == name) {
                (*v).to_owned()
            } else if let Some(p) = params.get(name) {
                match &p["Default"] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Null => samples
                        .get(name)
                        .unwrap_or_else(|| panic!("no sample for required parameter {name}"))
                        .to_string(),
                    other => panic!("{name} default {other}"),
                }
            } else {
                assert!(
                    resources(t).contains_key(name),
                    "{var} refers to unknown `{name}`"
                );
                format!("{name}-physical-id")
            };
            (var.clone(), resolved)
        })
        .collect()
}

fn loads(crate_name: &str, env: &BTreeMap<String, String>) -> Result<(), String> {
    // What every function's start-up reads besides its configuration.
    secure_initiation::config::log_level(env).map_err(|e| e.to_string())?;
    secure_initiation::config::metrics_settings(env).map_err(|e| e.to_string())?;
    match crate_name {
        "initiate" => InitiateConfig::from_env(env).map(|_| ()),
        "refresh-token" => RefreshConfig::from_env(env).map(|_| ()),
        "validate-session" => ValidateConfig::from_env(env).map(|_| ()),
        other => panic!("unknown function crate `{other}`"),
    }
    .map_err(|e| e.to_string())
}

#[test]
fn the_parameter_defaults_start_every_function() {
    let t = template();
    for crate_name in function_crates() {
        loads(&crate_name, &deployed_env(&t, &crate_name, &[])).unwrap();
    }
    loads(
        "validate-session",
        &deployed_env(&t, "validate-session", &[("ParticipantWriteBack", "true")]),
    )
    .unwrap();
    let uuid = "3c9e7b12-0a4d-4f6e-8b2c-5d1e9f7a6c40";
    let api = [
        ("InitiationStrategy", "initiation-api"),
        ("GenesysWidgetId", uuid),
        ("GenesysQueueId", uuid),
    ];
    loads("initiate", &deployed_env(&t, "initiate", &api)).unwrap();
    loads("refresh-token", &deployed_env(&t, "refresh-token", &api)).unwrap();
}

#[test]
fn every_value_a_parameter_allows_is_accepted_by_the_configuration() {
    let t = template();
    let params = t["Parameters"].as_object().unwrap();
    for crate_name in function_crates() {
        let (_, f) = function(&t, &crate_name);
        for (var, value) in &env(&t, f) {
            let Some(name) = value["Ref"].as_str() else {
                continue;
            };
            let Some(p) = params.get(name) else { continue };
            let mut allowed: Vec<String> = Vec::new();
            for bound in ["MinValue", "MaxValue"] {
                if let Some(n) = p[bound].as_i64() {
                    allowed.push(n.to_string());
                }
            }
            if let Some(values) = p["AllowedValues"].as_array() {
                allowed.extend(
                    values
                        .iter()
                        .map(|v| v.as_str().map_or(v.to_string(), str::to_owned)),
                );
            }
            for v in allowed {
                // The template's Rules require routing ids with initiation-api.
                let uuid = "3c9e7b12-0a4d-4f6e-8b2c-5d1e9f7a6c40";
                let routing = [("GenesysWidgetId", uuid), ("GenesysQueueId", uuid)];
                let mut overrides = vec![(name, v.as_str())];
                overrides.extend(routing.iter().filter(|(p, _)| *p != name));
                let env = deployed_env(&t, &crate_name, &overrides);
                if let Err(e) = loads(&crate_name, &env) {
                    panic!("{crate_name}: {var} = `{v}` (allowed by {name}) is refused: {e}");
                }
            }
        }
    }
}

#[test]
fn the_region_parameter_allows_exactly_the_known_regions() {
    let t = template();
    let allowed: BTreeSet<&str> = t["Parameters"]["GenesysRegion"]["AllowedValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let known: BTreeSet<&str> = secure_initiation::genesys::REGIONS
        .iter()
        .map(|(_, d)| *d)
        .collect();
    assert_eq!(allowed, known);
}

/// Every statement of a role's inline policies, both branches of `Fn::If` included.
fn statements(role: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for policy in role["Properties"]["Policies"].as_array().unwrap() {
        for s in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            match s.get("Fn::If") {
                Some(branches) => {
                    for b in &branches.as_array().unwrap()[1..] {
                        if b.get("Ref") != Some(&json!("AWS::NoValue")) {
                            out.push(b.clone());
                        }
                    }
                }
                None => out.push(s.clone()),
            }
        }
    }
    out
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

#[test]
fn every_iam_statement_names_specific_actions_and_resources() {
    let t = template();
    let roles = of_type(&t, "AWS::IAM::Role");
    assert_eq!(
        roles.len(),
        4,
        "one role per function and the Genesys data-action role"
    );
    for (name, role) in roles {
        assert!(
            role["Properties"].get("ManagedPolicyArns").is_none(),
            "{name}"
        );
        for s in statements(role) {
            assert_eq!(s["Effect"], "Allow", "{name}: {s}");
            assert!(s.get("NotAction").is_none() && s.get("NotResource").is_none());
            for action in as_list(&s["Action"]) {
                let action = action.as_str().unwrap();
                assert!(!action.contains('*'), "{name}: wildcard action {action}");
                assert!(action.contains(':'), "{name}: {action}");
            }
            for resource in as_list(&s["Resource"]) {
                if resource == "*" {
                    // The one deliberate exception: X-Ray's write actions take no resource
                    // (IAM has no ARN for a trace segment), so `*` is their only form.
                    let actions: BTreeSet<String> = as_list(&s["Action"])
                        .iter()
                        .map(|a| a.as_str().unwrap().to_owned())
                        .collect();
                    assert_eq!(
                        actions,
                        XRAY_ACTIONS.map(str::to_owned).into(),
                        "{name}: `*` only for X-Ray's write actions"
                    );
                    continue;
                }
                // `!Ref F.Alias` is SAM's name for the `live` alias of function F.
                let target = resource["Ref"]
                    .as_str()
                    .map(|r| r.strip_suffix(".Alias").unwrap_or(r))
                    .or_else(|| {
                        resource["Fn::GetAtt"]
                            .as_str()
                            .map(|g| g.split('.').next().unwrap())
                    })
                    .unwrap_or_else(|| {
                        panic!("{name}: resource {resource} is not a template resource")
                    });
                assert!(resources(&t).contains_key(target), "{name}: {resource}");
            }
        }
    }
}

/// What `Tracing: Active` needs in a function's role; neither action takes a resource.
const XRAY_ACTIONS: [&str; 2] = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

#[test]
fn each_traced_function_may_write_only_its_trace_segments_to_x_ray() {
    let t = template();
    for crate_name in function_crates() {
        let (name, f) = function(&t, &crate_name);
        assert_eq!(properties(&t, f)["Tracing"], "Active", "{name}");
        let xray: Vec<Value> = statements(role_of(&t, f))
            .into_iter()
            .filter(|s| {
                as_list(&s["Action"])
                    .iter()
                    .any(|a| a.as_str().unwrap().starts_with("xray:"))
            })
            .collect();
        assert_eq!(xray.len(), 1, "{name}: one X-Ray statement");
        assert_eq!(as_list(&xray[0]["Action"]), XRAY_ACTIONS.map(Value::from));
        assert_eq!(xray[0]["Resource"], "*");
        assert!(xray[0].get("Condition").is_none());
    }
    // The role Genesys assumes runs no code: it gets no X-Ray action.
    let genesys = statements(&t["Resources"]["GenesysDataActionRole"]);
    assert!(
        genesys
            .iter()
            .all(|s| as_list(&s["Action"]) == vec![json!("lambda:InvokeFunction")])
    );
}

/// Actions of a role on a resource, from every statement.
fn actions_on(role: &Value, resource: &str) -> BTreeSet<String> {
    statements(role)
        .iter()
        .filter(|s| {
            as_list(&s["Resource"])
                .iter()
                .any(|r| r["Ref"] == resource || r["Fn::GetAtt"] == format!("{resource}.Arn"))
        })
        .flat_map(|s| as_list(&s["Action"]))
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

fn role_of<'a>(t: &'a Value, f: &Value) -> &'a Value {
    let role = f["Properties"]["Role"]["Fn::GetAtt"].as_str().unwrap();
    &t["Resources"][role.trim_end_matches(".Arn")]
}

#[test]
fn each_function_may_make_only_the_dynamodb_calls_its_flows_make() {
    // From shared/src/adapters/dynamodb: initiate creates sessions (PutItem), records the
    // conversation initiation-api created (UpdateItem), counts (UpdateItem) and keeps
    // idempotency records (PutItem, GetItem, UpdateItem, DeleteItem); refresh reads (GetItem),
    // counts (UpdateItem) and rotates in a TransactWriteItems of an Update and a Put; validate
    // binds (UpdateItem, two of them in a transaction for a ticket in its grace) and explains a
    // refusal (GetItem).
    let expected = [
        (
            "initiate",
            vec!["PutItem", "UpdateItem", "GetItem", "DeleteItem"],
        ),
        ("refresh-token", vec!["GetItem", "UpdateItem", "PutItem"]),
        ("validate-session", vec!["UpdateItem", "GetItem"]),
    ];
    let t = template();
    for (crate_name, actions) in expected {
        let (_, f) = function(&t, crate_name);
        let want: BTreeSet<String> = actions.iter().map(|a| format!("dynamodb:{a}")).collect();
        assert_eq!(
            actions_on(role_of(&t, f), "SessionTable"),
            want,
            "{crate_name}"
        );
    }
    // Refresh creates sessions only inside its rotation transaction. Outside it, it updates only
    // its rate counters and, with initiation-api, records the conversation on a session.
    let (_, refresh) = function(&t, "refresh-token");
    for s in statements(role_of(&t, refresh)) {
        let actions = as_list(&s["Action"]);
        let keys = &s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
        let in_transaction = s["Condition"]["ForAnyValue:StringEquals"]["dynamodb:EnclosingOperation"]
            == json!(["TransactWriteItems"]);
        if actions.iter().any(|a| a == "dynamodb:PutItem") {
            assert!(in_transaction, "{s}");
        }
        if actions.iter().any(|a| a == "dynamodb:UpdateItem") && !in_transaction {
            assert!(
                *keys == json!(["rate#*"])
                    || *keys == json!(["pending#*"])
                    || s["Sid"] == "RecordConversation",
                "{s}"
            );
        }
    }
}

/// With `initiation-api`, initiate and refresh record a create before they send it, clear it
/// once it answered and read the subject's pending creates when it comes back
/// (`shared/src/adapters/dynamodb/pending.rs`): without this grant every recording is refused,
/// and a create that answered too late is never reconciled.
#[test]
fn initiate_and_refresh_may_keep_pending_creates_under_initiation_api_only() {
    let t = template();
    for crate_name in ["initiate", "refresh-token"] {
        let (_, f) = function(&t, crate_name);
        let policies = &role_of(&t, f)["Properties"]["Policies"];
        let conditional: Vec<&Value> = policies
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap())
            .filter_map(|s| s.get("Fn::If"))
            .filter(|branches| branches[1]["Sid"] == "PendingCreates")
            .collect();
        assert_eq!(
            conditional.len(),
            1,
            "{crate_name}: one PendingCreates statement"
        );
        let branches = conditional[0];
        assert_eq!(branches[0], json!("UseInitiationApi"), "{crate_name}");
        assert_eq!(branches[2], json!({"Ref": "AWS::NoValue"}), "{crate_name}");
        let s = &branches[1];
        let actions: BTreeSet<String> = as_list(&s["Action"])
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        let want: BTreeSet<String> = ["dynamodb:UpdateItem", "dynamodb:GetItem"]
            .map(String::from)
            .into();
        assert_eq!(actions, want, "{crate_name}");
        assert_eq!(
            s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"],
            json!(["pending#*"]),
            "{crate_name}"
        );
        assert_eq!(
            s["Resource"],
            json!({"Fn::GetAtt": "SessionTable.Arn"}),
            "{crate_name}"
        );
    }
}

#[test]
fn each_function_may_read_exactly_the_secrets_its_variables_name() {
    let t = template();
    for crate_name in function_crates() {
        let (_, f) = function(&t, &crate_name);
        let role = role_of(&t, f);
        let named: BTreeSet<String> = env(&t, f)
            .iter()
            .filter(|(k, _)| k.ends_with("_SECRET_ID"))
            .map(|(_, v)| v["Ref"].as_str().unwrap().to_owned())
            .collect();
        let readable: BTreeSet<String> = of_type(&t, "AWS::SecretsManager::Secret")
            .into_iter()
            .filter(|(name, _)| actions_on(role, name).contains("secretsmanager:GetSecretValue"))
            .map(|(name, _)| name.clone())
            .collect();
        assert_eq!(readable, named, "{crate_name}");
        for secret in &named {
            assert_eq!(
                actions_on(role, secret),
                BTreeSet::from(["secretsmanager:GetSecretValue".to_owned()]),
                "{crate_name}"
            );
        }
    }
}

#[test]
fn each_function_writes_only_to_its_own_log_group_which_has_a_retention() {
    let t = template();
    for crate_name in function_crates() {
        let (name, f) = function(&t, &crate_name);
        let logging = &properties(&t, f)["LoggingConfig"];
        let group = logging["LogGroup"]["Ref"].as_str().unwrap();
        assert!(
            t["Resources"][group]["Properties"]["RetentionInDays"].is_object(),
            "{name}"
        );
        let role = role_of(&t, f);
        assert_eq!(
            actions_on(role, group),
            BTreeSet::from([
                "logs:CreateLogStream".to_owned(),
                "logs:PutLogEvents".to_owned()
            ])
        );
    }
}

#[test]
fn the_data_action_role_trusts_only_genesys_with_the_org_id_and_may_only_invoke_validate_session() {
    let t = template();
    let role = &t["Resources"]["GenesysDataActionRole"]["Properties"];
    let trust = role["AssumeRolePolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    assert_eq!(trust.len(), 1);
    let s = &trust[0];
    assert_eq!(s["Effect"], "Allow");
    assert_eq!(s["Action"], "sts:AssumeRole");
    assert_eq!(
        s["Principal"],
        json!({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${GenesysAwsAccountId}:root"}})
    );
    assert_eq!(
        s["Condition"],
        json!({"StringEquals": {"sts:ExternalId": {"Ref": "GenesysOrgId"}}})
    );
    assert_eq!(
        t["Parameters"]["GenesysAwsAccountId"]["Default"],
        "765628985471"
    );
    let statements = statements(&t["Resources"]["GenesysDataActionRole"]);
    assert_eq!(statements.len(), 1);
    assert_eq!(
        as_list(&statements[0]["Action"]),
        vec![json!("lambda:InvokeFunction")]
    );
    // The `live` alias: the version deployed last, with its provisioned concurrency.
    assert_eq!(
        statements[0]["Resource"],
        json!({"Ref": "ValidateSessionFunction.Alias"})
    );
    assert_eq!(
        t["Outputs"]["ValidateSessionFunctionArn"]["Value"],
        json!({"Ref": "ValidateSessionFunction.Alias"})
    );
    assert_eq!(
        function(&t, "validate-session").0,
        "ValidateSessionFunction"
    );
}

#[test]
fn the_table_is_the_one_the_dynamodb_adapter_expects() {
    let t = template();
    let tables = of_type(&t, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1);
    let p = &tables[0].1["Properties"];
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["KeySchema"],
        json!([{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}])
    );
    assert_eq!(
        p["AttributeDefinitions"],
        json!([{"AttributeName": PARTITION_KEY, "AttributeType": "S"}])
    );
    assert_eq!(
        p["TimeToLiveSpecification"],
        json!({"AttributeName": TTL_ATTRIBUTE, "Enabled": true})
    );
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
}

#[tokio::test]
async fn the_generated_session_key_is_one_the_functions_accept() {
    let t = template();
    let generate = &t["Resources"]["SessionKeySecret"]["Properties"]["GenerateSecretString"];
    assert_eq!(
        generate["GenerateStringKey"],
        secure_initiation_lambda::bootstrap::HMAC_KEY_FIELD
    );
    assert_eq!(generate["ExcludePunctuation"], true);
    let len = usize::try_from(generate["PasswordLength"].as_u64().unwrap()).unwrap();
    // What Secrets Manager generates: letters and digits only, which base64 accepts.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut random = vec![0u8; len];
    aws_lc_rs::rand::fill(&mut random).unwrap();
    let key: String = random
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect();
    let secrets = StaticSecrets::new().with("key", &[("hmac_key", &key)]);
    secure_initiation_lambda::bootstrap::session_keys(&secrets, "key")
        .await
        .unwrap();
}

#[test]
fn no_secret_value_is_in_the_template_and_the_generated_fields_are_the_ones_read() {
    let t = template();
    let fields = |name: &str| -> BTreeSet<String> {
        let g = &t["Resources"][name]["Properties"]["GenerateSecretString"];
        assert!(
            t["Resources"][name]["Properties"]
                .get("SecretString")
                .is_none(),
            "{name}"
        );
        let template: Value =
            serde_json::from_str(g["SecretStringTemplate"].as_str().unwrap()).unwrap();
        let mut keys: BTreeSet<String> = template.as_object().unwrap().keys().cloned().collect();
        keys.insert(g["GenerateStringKey"].as_str().unwrap().to_owned());
        keys
    };
    assert_eq!(
        fields("SessionKeySecret"),
        BTreeSet::from(["hmac_key".to_owned()])
    );
    assert_eq!(
        fields("GenesysCredentialsSecret"),
        BTreeSet::from([
            secure_initiation::genesys::CLIENT_ID_FIELD.to_owned(),
            secure_initiation::genesys::CLIENT_SECRET_FIELD.to_owned()
        ])
    );
    assert_eq!(
        fields("DataActionSecret"),
        BTreeSet::from(["username".to_owned(), "password".to_owned()])
    );
}

#[test]
fn timeouts_nest_deadline_inside_function_inside_data_action() {
    let t = template();
    let params = &t["Parameters"];
    let (_, validate) = function(&t, "validate-session");
    let timeout_ms = validate["Properties"]["Timeout"].as_i64().unwrap() * 1000;
    let deadline = &params["ValidationDeadlineMs"];
    assert!(deadline["MaxValue"].as_i64().unwrap() < timeout_ms);
    assert!(deadline["Default"].as_i64().unwrap() < timeout_ms);
    assert!(timeout_ms < i64::from(DATA_ACTION_TIMEOUT_SECS) * 1000);
    for crate_name in ["initiate", "refresh-token"] {
        let (_, f) = function(&t, crate_name);
        let timeout_ms = f["Properties"]["Timeout"].as_i64().unwrap() * 1000;
        let budget = params["GenesysDeadlineMs"]["MaxValue"].as_i64().unwrap()
            + params["RiskDeadlineMs"]["MaxValue"].as_i64().unwrap();
        assert!(
            budget + 1000 <= timeout_ms,
            "{crate_name}: {budget} ms of calls in {timeout_ms} ms"
        );
    }
}
