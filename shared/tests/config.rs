//! Configuration fails fast, naming the variable and what it accepts; nothing quietly turns a
//! bad value into a default.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use secure_initiation::api::risk::FailPolicy;
use secure_initiation::api::strategy::StrategyKind;
use std::cell::RefCell;
use std::collections::BTreeSet;

use secure_initiation::config::{
    ConfigError, EnvSource, Function, InitiateConfig, LAMBDA_LOG_LEVEL, RefreshConfig,
    StrategyConfig, ValidateConfig, log_level, metrics_settings, vars,
};

fn browser_env() -> BTreeMap<String, String> {
    [
        ("SESSION_TABLE", "sessions"),
        ("SESSION_KEY_SECRET_ID", "secure-initiation/session-key"),
        (
            "ALLOWED_ORIGINS",
            "https://shop.example.com, https://www.example.com",
        ),
        ("JWKS_URL", "https://idp.example.com/.well-known/jwks.json"),
        ("JWT_ISSUER", "https://idp.example.com/"),
        ("JWT_AUDIENCE", "shop"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn with(mut env: BTreeMap<String, String>, k: &str, v: &str) -> BTreeMap<String, String> {
    env.insert(k.to_owned(), v.to_owned());
    env
}

fn invalid_variable(e: ConfigError) -> &'static str {
    e.variable()
}

#[test]
fn defaults_are_the_documented_ones() {
    let cfg = InitiateConfig::from_env(&browser_env()).unwrap();
    assert_eq!(cfg.browser.strategy, StrategyConfig::Messenger);
    assert_eq!(cfg.settings.ticket.ttl_secs, 60);
    assert_eq!(cfg.settings.rate.per_window, 5);
    assert_eq!(cfg.settings.rate.window_secs, 60);
    assert_eq!(cfg.browser.risk.policy.on_failure, FailPolicy::Closed);
    assert_eq!(
        cfg.browser.cors.origins(),
        ["https://shop.example.com", "https://www.example.com"]
    );
    assert_eq!(cfg.browser.jwt.algorithms.len(), 2);
}

#[test]
fn every_missing_required_variable_is_named() {
    for var in [
        "SESSION_TABLE",
        "SESSION_KEY_SECRET_ID",
        "ALLOWED_ORIGINS",
        "JWKS_URL",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
    ] {
        let mut env = browser_env();
        env.remove(var);
        let e = InitiateConfig::from_env(&env).unwrap_err();
        assert!(
            matches!(e, ConfigError::Missing { variable, .. } if variable == var),
            "{var}: {e}"
        );
        assert!(e.to_string().contains(var));
    }
}

#[test]
fn bad_values_stop_the_cold_start_naming_the_variable_and_what_it_accepts() {
    let cases = [
        ("TICKET_TTL_SECS", "301"),
        ("TICKET_TTL_SECS", "sixty"),
        ("RATE_LIMIT_PER_MINUTE", "0"),
        ("INITIATION_STRATEGY", "popup"),
        ("JWT_ALGORITHMS", "RS256,HS256"),
        ("JWT_ALGORITHMS", "none"),
        ("JWKS_URL", "http://idp.example.com/jwks"),
        ("ALLOWED_ORIGINS", "*"),
        ("ALLOWED_ORIGINS", "https://shop.example.com/path"),
        ("RISK_FAIL_POLICY", "open:150"),
        ("RISK_FAIL_POLICY", "maybe"),
        ("RISK_SCORER_URL", "ftp://scorer"),
    ];
    for (var, value) in cases {
        let e = InitiateConfig::from_env(&with(browser_env(), var, value)).unwrap_err();
        assert_eq!(invalid_variable(e.clone()), var, "{var}={value}: {e}");
        let message = e.to_string();
        assert!(
            message.contains(var) && message.contains(value),
            "{message}"
        );
    }
}

#[test]
fn the_initiation_api_strategy_needs_its_genesys_settings() {
    let env = with(browser_env(), "INITIATION_STRATEGY", "initiation-api");
    assert_eq!(
        invalid_variable(InitiateConfig::from_env(&env).unwrap_err()),
        "GENESYS_REGION"
    );
    let env = with(env, "GENESYS_REGION", "euw2.pure.cloud");
    assert_eq!(
        invalid_variable(InitiateConfig::from_env(&env).unwrap_err()),
        "GENESYS_CREDENTIALS_SECRET_ID"
    );
    let env = with(env, "GENESYS_CREDENTIALS_SECRET_ID", "genesys");
    let env = with(env, "GENESYS_WIDGET_ID", "not-a-uuid");
    assert_eq!(
        invalid_variable(InitiateConfig::from_env(&env).unwrap_err()),
        "GENESYS_WIDGET_ID"
    );
    let env = with(
        env,
        "GENESYS_WIDGET_ID",
        "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37",
    );
    let env = with(
        env,
        "GENESYS_QUEUE_ID",
        "3c9e7b12-0a4d-4f6e-8b2c-5d1e9f7a6c40",
    );
    let env = with(
        env,
        "GENESYS_SKILLS",
        "b7e4c1d9-2f6a-4e3b-a8d5-0c9f1e2b3a74:9",
    );
    assert_eq!(
        invalid_variable(InitiateConfig::from_env(&env).unwrap_err()),
        "GENESYS_SKILLS"
    );
    let env = with(
        env,
        "GENESYS_SKILLS",
        "b7e4c1d9-2f6a-4e3b-a8d5-0c9f1e2b3a74:2",
    );
    let cfg = InitiateConfig::from_env(&env).unwrap();
    assert_eq!(cfg.browser.strategy.kind(), StrategyKind::InitiationApi);
    let refresh = RefreshConfig::from_env(&env).unwrap();
    assert_eq!(refresh.settings.genesys_deadline, Duration::from_secs(5));
}

#[test]
fn validate_session_reads_its_own_variables() {
    let env: BTreeMap<String, String> = [("SESSION_TABLE", "t"), ("DATA_ACTION_SECRET_ID", "da")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let cfg = ValidateConfig::from_env(&env).unwrap();
    assert_eq!(cfg.settings.deadline, Duration::from_millis(2500));
    assert!(!cfg.settings.write_back);
    assert!(cfg.genesys.is_none());
    let e =
        ValidateConfig::from_env(&with(env.clone(), "PARTICIPANT_WRITE_BACK", "yes")).unwrap_err();
    assert_eq!(invalid_variable(e), "PARTICIPANT_WRITE_BACK");
    let e =
        ValidateConfig::from_env(&with(env.clone(), "PARTICIPANT_WRITE_BACK", "true")).unwrap_err();
    assert_eq!(invalid_variable(e), "GENESYS_REGION");
    let e = ValidateConfig::from_env(&with(env, "VALIDATION_DEADLINE_MS", "60000")).unwrap_err();
    assert_eq!(invalid_variable(e), "VALIDATION_DEADLINE_MS");
}

/// Records every variable a configuration asks for.
struct Recording<'a> {
    env: &'a BTreeMap<String, String>,
    asked: RefCell<BTreeSet<String>>,
}

impl EnvSource for Recording<'_> {
    fn var(&self, name: &str) -> Option<String> {
        self.asked.borrow_mut().insert(name.to_owned());
        self.env.get(name).cloned()
    }
}

/// Everything set, so every branch (initiation-api, the write-back) reads its variables.
fn full_env() -> BTreeMap<String, String> {
    let mut env = browser_env();
    for (k, v) in [
        ("INITIATION_STRATEGY", "initiation-api"),
        ("GENESYS_REGION", "mypurecloud.com"),
        ("GENESYS_CREDENTIALS_SECRET_ID", "genesys"),
        ("GENESYS_WIDGET_ID", "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37"),
        ("GENESYS_QUEUE_ID", "3c9e7b12-0a4d-4f6e-8b2c-5d1e9f7a6c40"),
        ("DATA_ACTION_SECRET_ID", "da"),
        ("PARTICIPANT_WRITE_BACK", "true"),
    ] {
        env.insert(k.to_owned(), v.to_owned());
    }
    env
}

#[test]
fn each_function_reads_exactly_the_variables_its_rows_name() {
    let env = full_env();
    for function in Function::ALL {
        let recording = Recording {
            env: &env,
            asked: RefCell::default(),
        };
        match function {
            Function::Initiate => drop(InitiateConfig::from_env(&recording).unwrap()),
            Function::Refresh => drop(RefreshConfig::from_env(&recording).unwrap()),
            Function::Validate => drop(ValidateConfig::from_env(&recording).unwrap()),
        }
        // The log level and the metrics settings are read by every function's start-up, not
        // by its configuration.
        log_level(&recording).unwrap();
        metrics_settings(&recording).unwrap();
        let mut asked = recording.asked.into_inner();
        // Set by Lambda itself, not by the template: no row.
        assert!(asked.remove(LAMBDA_LOG_LEVEL));
        let rows: BTreeSet<String> = vars::read_by(function).map(|v| v.name.to_owned()).collect();
        assert_eq!(asked, rows, "{}", function.crate_name());
    }
    let mut env = BTreeMap::new();
    env.insert("LOG_LEVEL".to_owned(), "verbose".to_owned());
    assert_eq!(invalid_variable(log_level(&env).unwrap_err()), "LOG_LEVEL");
}

#[test]
fn lambda_s_application_log_level_wins_over_log_level_and_a_bad_one_is_refused() {
    use tracing::Level;
    let env = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(log_level(&env(&[])).unwrap(), Level::INFO);
    assert_eq!(
        log_level(&env(&[("LOG_LEVEL", "debug")])).unwrap(),
        Level::DEBUG
    );
    for (lambda, level) in [
        ("TRACE", Level::TRACE),
        ("DEBUG", Level::DEBUG),
        ("INFO", Level::INFO),
        ("WARN", Level::WARN),
        ("ERROR", Level::ERROR),
        ("FATAL", Level::ERROR),
        ("warn", Level::WARN),
    ] {
        let both = env(&[("LOG_LEVEL", "debug"), (LAMBDA_LOG_LEVEL, lambda)]);
        assert_eq!(log_level(&both).unwrap(), level, "{lambda}");
    }
    let e = log_level(&env(&[(LAMBDA_LOG_LEVEL, "LOUD")])).unwrap_err();
    assert_eq!(invalid_variable(e), LAMBDA_LOG_LEVEL);
    // A bad LOG_LEVEL is refused even when Lambda's level would win: nothing is ignored quietly.
    let e = log_level(&env(&[
        ("LOG_LEVEL", "verbose"),
        (LAMBDA_LOG_LEVEL, "INFO"),
    ]))
    .unwrap_err();
    assert_eq!(invalid_variable(e), "LOG_LEVEL");
}

#[test]
fn metrics_settings_come_from_their_rows_and_a_bad_value_names_its_variable() {
    let mut env = BTreeMap::new();
    let defaults = metrics_settings(&env).unwrap();
    assert_eq!(defaults.namespace, "SecureInitiation");
    assert!(defaults.dimensions.is_empty());
    env.insert("METRICS_NAMESPACE".to_owned(), "Shop/Chat".to_owned());
    env.insert(
        "METRICS_DIMENSIONS".to_owned(),
        "Environment=prod".to_owned(),
    );
    let set = metrics_settings(&env).unwrap();
    assert_eq!(set.namespace, "Shop/Chat");
    assert_eq!(
        set.dimensions,
        vec![("Environment".to_owned(), "prod".to_owned())]
    );
    env.insert("METRICS_NAMESPACE".to_owned(), "AWS/Lambda".to_owned());
    assert_eq!(
        invalid_variable(metrics_settings(&env).unwrap_err()),
        "METRICS_NAMESPACE"
    );
    env.remove("METRICS_NAMESPACE");
    env.insert("METRICS_DIMENSIONS".to_owned(), "Reason=forged".to_owned());
    assert_eq!(
        invalid_variable(metrics_settings(&env).unwrap_err()),
        "METRICS_DIMENSIONS"
    );
}
