//! refresh-token with `initiation-api` over each store, racing the validation that binds the
//! ticket being refreshed: the conversation a customer is using is never ended by a refresh
//! that then fails, a bound ticket's refresh answers `used`, and a just-replaced ticket never
//! binds the chain to the conversation the refresh ended.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use genesys_sandbox::idp::{Algorithm, DevIdp};
use http::{HeaderMap, Method};
use secure_initiation::api::risk::RuleScorer;
use secure_initiation::api::strategy::{InitiationStrategy, StrategyKind, StrategyOutcome};
use secure_initiation::api::{Browser, BrowserPorts, BrowserSettings, Handler, RefreshHandler};
use secure_initiation::attributes::{AttributeSet, Schema};
use secure_initiation::http::{ApiRequest, ApiResponse, Cors};
use secure_initiation::payload::{GenesysId, InitialMessage};
use secure_initiation::ports::{
    BindOutcome, Clock, CreatedConversation, GatewayError, SecretString, SessionRecord,
    SessionStatus,
};
use secure_initiation::session::{SessionKeys, SessionVerifier, StaticJwksSource, VerifierConfig};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Backend, START_MS, Store};

const NOW: i64 = START_MS / 1000;
const ORIGIN: &str = "https://shop.example.com";
const LIVE: &str = "2f5d1c7e-0b7a-4c1e-9a55-6d0d3c1e2a01";

fn id(text: &str) -> GenesysId {
    GenesysId::parse(text, "conversationId").unwrap()
}

/// A validation that Messenger sends while the refresh is at Genesys.
type During = Box<dyn Fn() -> futures::future::BoxFuture<'static, ()> + Send + Sync>;

/// `initiation-api` as the refresh sees it: creates number their conversations, and a
/// disconnect first lets `during` run (a validation landing while Genesys is being called).
#[derive(Default)]
pub struct FakeGenesys {
    pub ended: Mutex<Vec<GenesysId>>,
    pub created: Mutex<Vec<GenesysId>>,
    during_end: Mutex<Option<During>>,
}

impl std::fmt::Debug for FakeGenesys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeGenesys")
    }
}

#[async_trait]
impl InitiationStrategy for FakeGenesys {
    fn kind(&self) -> StrategyKind {
        StrategyKind::InitiationApi
    }
    async fn start(
        &self,
        _attributes: &AttributeSet,
        _message: Option<&InitialMessage>,
        _deadline: Instant,
    ) -> Result<StrategyOutcome, GatewayError> {
        let n = self.created.lock().unwrap().len() + 1;
        let conversation_id = id(&format!("00000000-0000-4000-8000-{n:012}"));
        self.created.lock().unwrap().push(conversation_id);
        Ok(StrategyOutcome::Conversation(CreatedConversation {
            conversation_id,
            token: SecretString::new("platform-token"),
        }))
    }
    async fn end(&self, conversation: &GenesysId, _deadline: Instant) -> Result<(), GatewayError> {
        let during = self.during_end.lock().unwrap().take();
        if let Some(during) = during {
            during().await;
        }
        tokio::task::yield_now().await;
        self.ended.lock().unwrap().push(*conversation);
        Ok(())
    }
}

/// refresh-token over `b` with `genesys`, and a session token for `sub`.
pub struct Refresh {
    pub handler: RefreshHandler,
    pub genesys: Arc<FakeGenesys>,
    pub keys: Arc<SessionKeys>,
    token: String,
}

impl Refresh {
    pub fn over(b: &Backend) -> Self {
        let clock = b.clock.clone();
        let idp = DevIdp::with_defaults()
            .unwrap()
            .with_clock(Arc::new(move || clock.now_ms() / 1000));
        let mut claims = idp.claims_for("user-1");
        claims.insert("tier".into(), json!(2));
        claims.insert("geo".into(), json!("emea"));
        let token = idp.sign(&claims, Algorithm::ES256).unwrap();
        let config = VerifierConfig::new(
            "https://idp.example.com/jwks".parse().unwrap(),
            idp.issuer(),
            idp.audience(),
        );
        let jwks = Arc::new(StaticJwksSource::new(idp.jwks()));
        let clock: Arc<dyn Clock> = Arc::new(b.clock.clone());
        let keys = Arc::new(SessionKeys::from_secret(&[42u8; 32]).unwrap());
        let browser = Browser {
            schema: Arc::new(Schema::default_schema().unwrap()),
            clock: clock.clone(),
            keys: keys.clone(),
            verifier: Arc::new(SessionVerifier::new(config, jwks, clock).unwrap()),
            cors: Cors::new(vec![ORIGIN.to_owned()]),
        };
        let genesys = Arc::new(FakeGenesys::default());
        // The race trials refresh more often than a subject may in a minute.
        let mut settings = BrowserSettings::refresh();
        settings.rate.per_window = 1000;
        let ports = BrowserPorts {
            sessions: b.store.clone(),
            rate: b.store.clone(),
            risk: Arc::new(RuleScorer),
            strategy: genesys.clone(),
        };
        Self {
            handler: RefreshHandler::new(browser, ports, settings),
            genesys,
            keys,
            token,
        }
    }

    /// A ticket of the chain, in its refresh window, whose conversation is `LIVE`.
    pub async fn ticket(&self, store: &Arc<dyn Store>) -> SessionRecord {
        let hash = self.keys.mint();
        let record = SessionRecord {
            attributes: BTreeMap::from([
                ("session_hash".to_owned(), hash.as_str().to_owned()),
                ("priority_tier".to_owned(), "2".to_owned()),
                ("geo_segment".to_owned(), "emea".to_owned()),
                ("risk_score".to_owned(), "10".to_owned()),
                ("authenticated".to_owned(), "true".to_owned()),
            ]),
            session_hash: hash,
            subject_key: self.keys.subject_key("user-1"),
            chain_started_at: NOW - 50,
            created_at: NOW - 50,
            expires_at: NOW + 10,
            status: SessionStatus::Active,
            conversation_id: None,
            refresh_count: 0,
            ttl: NOW + 3600,
            grace_until: None,
            initiated_conversation: Some(id(LIVE)),
        };
        store.create_session(&record).await.unwrap();
        record
    }

    /// Sends `POST /v1/initiations/refresh` for `ticket`: the status and the problem's reason.
    pub async fn send(&self, ticket: &SessionRecord) -> (u16, Value) {
        let mut headers = HeaderMap::new();
        let bearer = format!("Bearer {}", self.token);
        headers.insert("authorization", bearer.parse().unwrap());
        headers.insert("origin", ORIGIN.parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        let body = json!({"sessionHash": ticket.session_hash.as_str()}).to_string();
        let response: ApiResponse = self
            .handler
            .handle(ApiRequest {
                method: Method::POST,
                path: "/v1/initiations/refresh".to_owned(),
                headers,
                body: Bytes::from(body),
                client_ip: Some("198.51.100.7".to_owned()),
                request_id: "req".to_owned(),
                deadline_ms: None,
            })
            .await;
        let status = response.status().as_u16();
        let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        (status, body)
    }

    /// Runs `during` once, inside the next disconnect.
    pub fn during_end(&self, during: During) {
        *self.genesys.during_end.lock().unwrap() = Some(during);
    }
}

fn bind(store: &Arc<dyn Store>, ticket: &SessionRecord) -> During {
    let store = store.clone();
    let hash = ticket.session_hash.clone();
    Box::new(move || {
        let store = store.clone();
        let hash = hash.clone();
        Box::pin(async move {
            store.bind_session(&hash, &id(LIVE), NOW).await.unwrap();
        })
    })
}

pub async fn a_validation_that_binds_during_a_refresh_keeps_its_conversation(b: Backend) {
    let refresh = Refresh::over(&b);
    let ticket = refresh.ticket(&b.store).await;
    // Messenger's first message is validated while the refresh is talking to Genesys.
    refresh.during_end(bind(&b.store, &ticket));
    let (status, body) = refresh.send(&ticket).await;
    let stored = b.store.get_session(&ticket.session_hash).await.unwrap();
    let ended = refresh.genesys.ended.lock().unwrap().clone();
    match stored.map(|t| t.status) {
        // The validation won: the customer's conversation lives and the refresh says why.
        Some(SessionStatus::Bound) => {
            assert!(ended.is_empty(), "the validated conversation was ended");
            assert_eq!((status, body["reason"].as_str()), (403, Some("used")));
        }
        // The refresh won: the old conversation ends, the chain moves to the new one.
        other => {
            assert_eq!(other, Some(SessionStatus::Revoked));
            assert_eq!(status, 201, "{body}");
            assert_eq!(ended, vec![id(LIVE)]);
        }
    }
}

pub async fn a_ticket_replaced_under_initiation_api_never_binds_afterwards(b: Backend) {
    let refresh = Refresh::over(&b);
    let ticket = refresh.ticket(&b.store).await;
    let (status, body) = refresh.send(&ticket).await;
    assert_eq!(status, 201, "{body}");
    let new_hash = body["sessionHash"].as_str().unwrap().to_owned();
    // A first message that left with the old hash, a second after the refresh: the old hash
    // belongs to the conversation the refresh ended, so it must not bind the chain.
    let late = b
        .store
        .bind_session(&ticket.session_hash, &id(LIVE), NOW + 1)
        .await
        .unwrap();
    assert_eq!(late, BindOutcome::Revoked);
    let new = b
        .store
        .get_session(&secure_initiation::session::SessionHash::parse(&new_hash).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        new.status,
        SessionStatus::Active,
        "the live ticket is intact"
    );
}

pub async fn racing_refreshes_and_validations_never_end_a_validated_conversation(b: Backend) {
    let refresh = Arc::new(Refresh::over(&b));
    for trial in 0..12 {
        let ticket = refresh.ticket(&b.store).await;
        let ended_before = refresh.genesys.ended.lock().unwrap().len();
        let (r, s, t) = (refresh.clone(), b.store.clone(), ticket.clone());
        let refreshing = tokio::spawn(async move { r.send(&t).await });
        if trial % 2 == 0 {
            tokio::task::yield_now().await;
        }
        let bound = s.bind_session(&ticket.session_hash, &id(LIVE), NOW).await;
        let (status, body) = refreshing.await.unwrap();
        let ended_now = refresh.genesys.ended.lock().unwrap().len() - ended_before;
        match bound.unwrap() {
            BindOutcome::Bound(_) => {
                assert_eq!(
                    ended_now, 0,
                    "trial {trial}: a validated conversation ended"
                );
                assert_eq!(
                    (status, body["reason"].as_str()),
                    (403, Some("used")),
                    "trial {trial}"
                );
            }
            BindOutcome::Revoked => {
                assert_eq!(status, 201, "trial {trial}: {body}");
                assert_eq!(ended_now, 1, "trial {trial}");
            }
            other => panic!("trial {trial}: {other:?}"),
        }
    }
}
