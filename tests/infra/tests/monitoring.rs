//! The template's dashboard, alarms and concurrency settings against the code's metric
//! catalogue (`secure_initiation::telemetry::metrics`): a metric renamed in the code, a
//! dimension dropped or a value the code never emits fails here instead of silencing an alarm
//! or blanking a graph.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::read;
use common::template::{function, function_crates, of_type, properties, resources, template};
use secure_initiation::telemetry::metrics::{
    CATALOGUE, DEFAULT_NAMESPACE, ENTRY_POINT, Metric, REASON, STRATEGY, metric,
};
use serde_json::{Value, json};

/// One metric a dashboard widget or an alarm names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Named {
    namespace: String,
    name: String,
    dimensions: BTreeMap<String, String>,
}

/// What `${X}` stands for when the template is deployed with its defaults: parameters become
/// their default, resources a placeholder that says which resource.
fn substitute(t: &Value, text: &str, overrides: &[(&str, &str)]) -> String {
    let params = t["Parameters"].as_object().unwrap();
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        let name = &rest[start + 2..end];
        let value = if let Some((_, v)) = overrides.iter().find(|(k, _)| *k == name) {
            (*v).to_owned()
        } else if name == "AWS::Region" {
            "us-east-1".to_owned()
        } else if let Some(p) = params.get(name) {
            match &p["Default"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => panic!("${{{name}}} has no default ({other})"),
            }
        } else {
            let resource = name.split('.').next().unwrap();
            assert!(
                resources(t).contains_key(resource),
                "${{{name}}} names no parameter or resource"
            );
            format!("resource:{name}")
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn dashboard(t: &Value, overrides: &[(&str, &str)]) -> Value {
    let body = t["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
        .as_str()
        .expect("DashboardBody is a !Sub string");
    serde_json::from_str(&substitute(t, body, overrides))
        .unwrap_or_else(|e| panic!("the dashboard body is not JSON once substituted: {e}"))
}

/// Every metric of every dashboard widget (`[namespace, name, dim, value, ..., {options}]`;
/// expressions name none).
fn dashboard_metrics(d: &Value) -> Vec<(String, Named)> {
    let mut out = Vec::new();
    for w in d["widgets"].as_array().unwrap() {
        let title = w["properties"]["title"].as_str().unwrap_or("").to_owned();
        let Some(metrics) = w["properties"]["metrics"].as_array() else {
            continue;
        };
        for m in metrics {
            let parts: Vec<&str> = m
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if parts.is_empty() {
                continue; // an expression
            }
            assert!(
                parts.len() >= 2 && parts.len().is_multiple_of(2),
                "{title}: {m}"
            );
            let dimensions = parts[2..]
                .chunks(2)
                .map(|c| (c[0].to_owned(), c[1].to_owned()))
                .collect();
            out.push((
                title.clone(),
                Named {
                    namespace: parts[0].to_owned(),
                    name: parts[1].to_owned(),
                    dimensions,
                },
            ));
        }
    }
    out
}

/// A namespace as the template writes it: `!Ref MetricsNamespace` or a literal.
fn namespace_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other if other["Ref"] == "MetricsNamespace" => DEFAULT_NAMESPACE.to_owned(),
        other => panic!("namespace {other}"),
    }
}

fn dimension_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => format!(
            "resource:{}",
            other["Ref"].as_str().unwrap_or_else(|| panic!("{other}"))
        ),
    }
}

fn named(metric: &Value) -> Named {
    Named {
        namespace: namespace_of(&metric["Namespace"]),
        name: metric["MetricName"].as_str().unwrap().to_owned(),
        dimensions: metric["Dimensions"]
            .as_array()
            .map(|ds| {
                ds.iter()
                    .map(|d| {
                        (
                            d["Name"].as_str().unwrap().to_owned(),
                            dimension_value(&d["Value"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The metrics an alarm watches: its one metric, or every `MetricStat` of its math.
fn alarm_metrics(alarm: &Value) -> Vec<(String, Named)> {
    let p = &alarm["Properties"];
    match p["Metrics"].as_array() {
        Some(queries) => queries
            .iter()
            .filter(|q| q.get("MetricStat").is_some())
            .map(|q| {
                (
                    q["Id"].as_str().unwrap().to_owned(),
                    named(&q["MetricStat"]["Metric"]),
                )
            })
            .collect(),
        None => vec![("m".to_owned(), named(p))],
    }
}

fn alarms(t: &Value) -> Vec<(&String, &Value)> {
    of_type(t, "AWS::CloudWatch::Alarm")
}

fn alarm<'a>(t: &'a Value, name: &str) -> &'a Value {
    &t["Resources"][name]
}

/// Panics unless `m` is in the catalogue with exactly its dimension set and values it emits.
fn assert_catalogued(m: &Named, what: &str) -> &'static Metric {
    assert_eq!(m.namespace, DEFAULT_NAMESPACE, "{what}: {m:?}");
    let entry = metric(&m.name).unwrap_or_else(|| {
        panic!(
            "{what}: `{}` is not a metric the code emits (telemetry::metrics::CATALOGUE)",
            m.name
        )
    });
    let want: BTreeSet<&str> = entry.dimensions.iter().map(|d| d.name).collect();
    let got: BTreeSet<&str> = m.dimensions.keys().map(String::as_str).collect();
    assert_eq!(got, want, "{what}: `{}`'s dimension set", m.name);
    for d in entry.dimensions {
        let value = &m.dimensions[d.name];
        assert!(
            d.values.contains(&value.as_str()),
            "{what}: `{}` {}={value} is never emitted (emitted: {:?})",
            m.name,
            d.name,
            d.values
        );
    }
    let function = &m.dimensions["Function"];
    assert!(
        entry.functions.contains(&function.as_str()),
        "{what}: {function} never emits `{}`",
        m.name
    );
    entry
}

/// The Lambda function resource a `resource:X` placeholder names.
fn function_resource(t: &Value, value: &str) -> String {
    let logical = value
        .strip_prefix("resource:")
        .unwrap_or_else(|| panic!("{value} is not a resource"));
    assert_eq!(
        t["Resources"][logical]["Type"], "AWS::Serverless::Function",
        "{logical}"
    );
    logical.to_owned()
}

fn function_resources(t: &Value) -> BTreeSet<String> {
    function_crates()
        .iter()
        .map(|c| function(t, c).0.clone())
        .collect()
}

#[test]
fn the_namespace_parameter_defaults_to_the_code_s_namespace() {
    let t = template();
    assert_eq!(
        t["Parameters"]["MetricsNamespace"]["Default"],
        DEFAULT_NAMESPACE
    );
}

#[test]
fn every_dashboard_metric_is_one_the_code_emits_with_its_dimensions() {
    let t = template();
    let mut shown = BTreeSet::new();
    // The strategy is a parameter: every value it allows must be one the code emits.
    let strategies = t["Parameters"]["InitiationStrategy"]["AllowedValues"]
        .as_array()
        .unwrap();
    assert_eq!(
        strategies
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>(),
        STRATEGY.values
    );
    for strategy in STRATEGY.values {
        let d = dashboard(&t, &[("InitiationStrategy", strategy)]);
        for (title, m) in dashboard_metrics(&d) {
            match m.namespace.as_str() {
                "AWS/Lambda" => {
                    function_resource(&t, &m.dimensions["FunctionName"]);
                }
                "AWS/ApiGateway" => {
                    assert_eq!(m.dimensions["ApiId"], "resource:HttpApi", "{title}");
                }
                _ => {
                    shown.insert(assert_catalogued(&m, &title).name);
                }
            }
        }
    }
    let catalogued: BTreeSet<&str> = CATALOGUE.iter().map(|m| m.name).collect();
    assert_eq!(shown, catalogued, "every catalogued metric has a graph");
}

#[test]
fn the_dashboard_shows_every_reason_and_entry_point_and_each_function_s_errors_and_throttles() {
    let t = template();
    let d = dashboard(&t, &[]);
    let metrics = dashboard_metrics(&d);
    let validations: BTreeSet<(String, String)> = metrics
        .iter()
        .filter(|(_, m)| m.name == "Validations")
        .map(|(_, m)| {
            (
                m.dimensions["EntryPoint"].clone(),
                m.dimensions["Reason"].clone(),
            )
        })
        .collect();
    let every: BTreeSet<(String, String)> = ENTRY_POINT
        .values
        .iter()
        .flat_map(|e| {
            REASON
                .values
                .iter()
                .map(|r| ((*e).to_owned(), (*r).to_owned()))
        })
        .collect();
    assert_eq!(validations, every);
    for lambda_metric in ["Errors", "Throttles"] {
        let per_function: BTreeSet<String> = metrics
            .iter()
            .filter(|(_, m)| m.namespace == "AWS/Lambda" && m.name == lambda_metric)
            .map(|(_, m)| function_resource(&t, &m.dimensions["FunctionName"]))
            .collect();
        assert_eq!(per_function, function_resources(&t), "{lambda_metric}");
    }
    // The answer-time graph carries the deadline it is measured against.
    let latency = d["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| {
            w["properties"]["metrics"]
                .as_array()
                .is_some_and(|ms| ms.iter().any(|m| m[1] == "ValidationDuration"))
        })
        .unwrap();
    let deadline = &t["Parameters"]["ValidationDeadlineMs"]["Default"];
    assert_eq!(
        latency["properties"]["annotations"]["horizontal"][0]["value"],
        *deadline
    );
    let stats: BTreeSet<&str> = latency["properties"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m[4]["stat"].as_str().unwrap())
        .collect();
    assert_eq!(stats, BTreeSet::from(["p50", "p99"]));
}

#[test]
fn every_alarm_metric_is_one_the_code_emits_or_a_function_s_or_the_api_s() {
    let t = template();
    let all = alarms(&t);
    assert_eq!(all.len(), 6, "the six alarms of the book's alarms page");
    for (name, a) in all {
        for (id, m) in alarm_metrics(a) {
            let what = format!("{name} ({id})");
            match m.namespace.as_str() {
                "AWS/Lambda" => {
                    function_resource(&t, &m.dimensions["FunctionName"]);
                    assert_eq!(m.dimensions.len(), 1, "{what}");
                }
                "AWS/ApiGateway" => {
                    assert_eq!(
                        m.dimensions,
                        BTreeMap::from([("ApiId".to_owned(), "resource:HttpApi".to_owned())]),
                        "{what}"
                    );
                    assert_eq!(m.name, "5xx", "{what}");
                }
                _ => {
                    assert_catalogued(&m, &what);
                }
            }
        }
    }
}

#[test]
fn every_alarm_says_what_it_means_notifies_the_topic_and_has_a_runbook_line() {
    let t = template();
    let runbook = read("docs/src/operations/alarms.md");
    let topic =
        json!({"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]});
    for (name, a) in alarms(&t) {
        let p = &a["Properties"];
        let description = p["AlarmDescription"].as_str().unwrap();
        assert!(
            description.len() > 80,
            "{name}: a description that explains"
        );
        assert!(description.contains("Runbook"), "{name}");
        assert_eq!(p["AlarmActions"], json!([topic]), "{name}");
        assert_eq!(p["OKActions"], json!([topic]), "{name}");
        assert_eq!(p["TreatMissingData"], "notBreaching", "{name}");
        assert!(
            runbook.contains(&format!("| `{name}`")),
            "{name} has no runbook line in docs/src/operations/alarms.md"
        );
    }
    assert_eq!(
        t["Resources"]["AlarmTopic"]["Condition"], "CreateAlarmTopic",
        "the topic is created only when AlarmTopicArn is empty"
    );
    assert_eq!(
        t["Conditions"]["CreateAlarmTopic"],
        json!({"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]})
    );
    assert_eq!(t["Parameters"]["AlarmTopicArn"]["Default"], "");
}

/// The reasons and entry points an alarm sums.
fn validations_watched(a: &Value) -> BTreeSet<(String, String)> {
    alarm_metrics(a)
        .into_iter()
        .map(|(_, m)| {
            assert_eq!(m.name, "Validations");
            (
                m.dimensions["EntryPoint"].clone(),
                m.dimensions["Reason"].clone(),
            )
        })
        .collect()
}

/// An alarm's math expression, with every query id it uses.
fn expression(a: &Value) -> (String, BTreeSet<String>) {
    let queries = a["Properties"]["Metrics"].as_array().unwrap();
    let returned: Vec<&Value> = queries.iter().filter(|q| q["ReturnData"] == true).collect();
    assert_eq!(returned.len(), 1, "one returned series");
    let expr = returned[0]["Expression"].as_str().unwrap().to_owned();
    let ids = queries
        .iter()
        .filter(|q| q.get("MetricStat").is_some())
        .map(|q| q["Id"].as_str().unwrap().to_owned())
        .collect();
    (expr, ids)
}

fn assert_sums_every_query(a: &Value, name: &str) {
    let (expr, ids) = expression(a);
    for id in &ids {
        assert!(
            expr.contains(&format!("FILL({id}, 0)")),
            "{name}: `{expr}` leaves out {id}"
        );
    }
}

#[test]
fn the_forged_or_replayed_alarm_sums_unknown_malformed_and_replayed_from_both_entry_points() {
    let t = template();
    let a = alarm(&t, "ForgedOrReplayedValidationsAlarm");
    let want: BTreeSet<(String, String)> = ENTRY_POINT
        .values
        .iter()
        .flat_map(|e| ["unknown", "malformed", "replayed"].map(|r| ((*e).to_owned(), r.to_owned())))
        .collect();
    assert_eq!(validations_watched(a), want);
    assert_sums_every_query(a, "ForgedOrReplayedValidationsAlarm");
    let p = &a["Properties"];
    assert_eq!(p["Threshold"], json!({"Ref": "ForgedValidationsThreshold"}));
    assert_eq!(p["ComparisonOperator"], "GreaterThanThreshold");
    for q in p["Metrics"].as_array().unwrap() {
        if let Some(stat) = q.get("MetricStat") {
            assert_eq!(stat["Period"], 300);
            assert_eq!(stat["Stat"], "Sum");
        }
    }
}

#[test]
fn the_latency_alarm_fires_at_80_percent_of_the_configured_deadline() {
    let t = template();
    let a = alarm(&t, "ValidationLatencyAlarm");
    let p = &a["Properties"];
    let (expr, ids) = expression(a);
    assert_eq!(ids, BTreeSet::from(["p99".to_owned()]));
    // p99 × 1.25 > deadline exactly when p99 > 0.8 × deadline.
    assert_eq!(expr, "p99 * 1.25");
    assert_eq!(p["Threshold"], json!({"Ref": "ValidationDeadlineMs"}));
    assert_eq!(p["ComparisonOperator"], "GreaterThanThreshold");
    let query = p["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["Id"] == "p99")
        .unwrap();
    assert_eq!(query["MetricStat"]["Stat"], "p99");
    assert_eq!(
        named(&query["MetricStat"]["Metric"]).name,
        "ValidationDuration"
    );
    // The deadline parameter is the one validate-session reads.
    let (_, f) = function(&t, "validate-session");
    assert_eq!(
        properties(&t, f)["Environment"]["Variables"]["VALIDATION_DEADLINE_MS"],
        json!({"Ref": "ValidationDeadlineMs"})
    );
}

#[test]
fn the_error_and_throttle_alarms_cover_every_function() {
    let t = template();
    for (name, metric_name) in [
        ("FunctionErrorsAlarm", "Errors"),
        ("FunctionThrottlesAlarm", "Throttles"),
    ] {
        let a = alarm(&t, name);
        let covered: BTreeSet<String> = alarm_metrics(a)
            .into_iter()
            .map(|(_, m)| {
                assert_eq!(m.name, metric_name, "{name}");
                function_resource(&t, &m.dimensions["FunctionName"])
            })
            .collect();
        assert_eq!(covered, function_resources(&t), "{name}");
        assert_sums_every_query(a, name);
    }
    let api = &alarm(&t, "Api5xxAlarm")["Properties"];
    assert_eq!(api["Namespace"], "AWS/ApiGateway");
    assert_eq!(api["Threshold"], json!({"Ref": "Api5xxThreshold"}));
}

#[test]
fn the_write_back_alarm_exists_only_with_the_write_back_and_counts_failures_and_timeouts() {
    let t = template();
    let a = alarm(&t, "WriteBackFailuresAlarm");
    assert_eq!(a["Condition"], "WriteBack");
    let outcomes: BTreeSet<String> = alarm_metrics(a)
        .into_iter()
        .map(|(_, m)| {
            assert_eq!(m.name, "ParticipantWriteBacks");
            m.dimensions["Outcome"].clone()
        })
        .collect();
    assert_eq!(
        outcomes,
        BTreeSet::from(["failed".to_owned(), "timeout".to_owned()])
    );
    assert_sums_every_query(a, "WriteBackFailuresAlarm");
}

#[test]
fn only_validate_session_reserves_concurrency_from_its_parameter_and_its_throttles_are_watched() {
    let t = template();
    let param = &t["Parameters"]["ValidateSessionReservedConcurrency"];
    assert!(
        param["Default"].as_i64().unwrap() > 0,
        "reserved by default"
    );
    assert_eq!(param["MinValue"], 0);
    for crate_name in function_crates() {
        let (name, f) = function(&t, &crate_name);
        let reserved = &properties(&t, f)["ReservedConcurrentExecutions"];
        if crate_name == "validate-session" {
            assert_eq!(
                *reserved,
                json!({"Fn::If": ["ReserveValidateSession", {"Ref": "ValidateSessionReservedConcurrency"}, {"Ref": "AWS::NoValue"}]}),
                "{name}"
            );
        } else {
            assert!(reserved.is_null(), "{name} reserves nothing");
        }
    }
    // 0 means "reserve nothing", never Lambda's "throttle everything".
    assert_eq!(
        t["Conditions"]["ReserveValidateSession"],
        json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "ValidateSessionReservedConcurrency"}, 0]}]})
    );
    // A reservation that is too small shows as throttles: the alarm and the graph watch it.
    let throttled: BTreeSet<String> = alarm_metrics(alarm(&t, "FunctionThrottlesAlarm"))
        .into_iter()
        .map(|(_, m)| m.dimensions["FunctionName"].clone())
        .collect();
    assert!(throttled.contains("resource:ValidateSessionFunction"));
    let body = t["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
        .as_str()
        .unwrap();
    assert!(body.contains("\"value\": ${ValidateSessionReservedConcurrency}"));
}

#[test]
fn provisioned_concurrency_is_off_by_default_and_sits_on_the_live_alias() {
    let t = template();
    for (crate_name, param, condition) in [
        (
            "validate-session",
            "ValidateSessionProvisionedConcurrency",
            "ProvisionValidateSession",
        ),
        (
            "initiate",
            "InitiateProvisionedConcurrency",
            "ProvisionInitiate",
        ),
    ] {
        assert_eq!(t["Parameters"][param]["Default"], 0, "{param}");
        let (name, f) = function(&t, crate_name);
        let p = properties(&t, f);
        assert_eq!(p["AutoPublishAlias"], "live", "{name}");
        assert_eq!(
            p["ProvisionedConcurrencyConfig"],
            json!({"Fn::If": [condition, {"ProvisionedConcurrentExecutions": {"Ref": param}}, {"Ref": "AWS::NoValue"}]}),
            "{name}"
        );
        assert!(
            t["Parameters"][param]["Description"]
                .as_str()
                .unwrap()
                .contains("GenesysWarmUp"),
            "{param} says it pairs with the warm-up"
        );
    }
}

#[test]
fn the_custom_domain_is_optional_and_the_execute_api_endpoint_can_only_go_with_one() {
    let t = template();
    for p in ["DomainName", "CertificateArn"] {
        assert_eq!(t["Parameters"][p]["Default"], "", "{p}");
    }
    assert_eq!(t["Parameters"]["ExecuteApiEndpoint"]["Default"], "enabled");
    for r in ["ApiDomain", "ApiDomainMapping"] {
        assert_eq!(t["Resources"][r]["Condition"], "HasCustomDomain", "{r}");
    }
    let config = &t["Resources"]["ApiDomain"]["Properties"]["DomainNameConfigurations"][0];
    assert_eq!(config["SecurityPolicy"], "TLS_1_2");
    assert_eq!(config["CertificateArn"], json!({"Ref": "CertificateArn"}));
    assert_eq!(
        t["Resources"]["HttpApi"]["Properties"]["DisableExecuteApiEndpoint"],
        json!({"Fn::If": ["DisableExecuteApi", true, false]})
    );
    let rule = &t["Rules"]["DisabledEndpointNeedsDomain"];
    assert_eq!(
        rule["RuleCondition"],
        json!({"Fn::Equals": [{"Ref": "ExecuteApiEndpoint"}, "disabled"]})
    );
    assert!(t["Rules"]["CustomDomainNeedsCertificate"].is_object());
    // The URL clients and the data action use follows the domain.
    assert_eq!(
        t["Outputs"]["ApiUrl"]["Value"]["Fn::If"][0],
        "HasCustomDomain"
    );
}

#[test]
fn the_book_describes_every_catalogued_metric_as_the_code_does() {
    let catalogue = read("docs/src/reference/metrics.md");
    for m in CATALOGUE {
        let dimensions: Vec<String> = m
            .dimensions
            .iter()
            .map(|d| format!("`{}`", d.name))
            .collect();
        let row = format!(
            "| `{}` | {} | {} | {} |",
            m.name,
            m.unit.as_str(),
            dimensions.join(", "),
            m.meaning
        );
        assert!(
            catalogue.contains(&row),
            "docs/src/reference/metrics.md's metric table lacks:\n{row}"
        );
    }
}

#[test]
fn the_book_lists_every_dashboard_widget_in_order() {
    let d = dashboard(&template(), &[]);
    let titles: Vec<&str> = d["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .filter_map(|w| w["properties"]["title"].as_str())
        .collect();
    let page = read("docs/src/operations/dashboard.md");
    let listed: Vec<&str> = page
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() == 4 && cells[1].parse::<usize>().is_ok()).then(|| cells[2])
        })
        .collect();
    assert_eq!(
        listed, titles,
        "docs/src/operations/dashboard.md lists the dashboard's widgets in order"
    );
}
