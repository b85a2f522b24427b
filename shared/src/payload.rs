//! The exact JSON bodies this package sends to Genesys Cloud and to Architect.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use uuid::Uuid;

use crate::attributes::{AttributeSet, Schema};

/// Why routing configuration or a request-level field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Genesys expects this id as a UUID.
    #[error("`{field}` must be a UUID")]
    NotUuid {
        /// The field as the client or the configuration names it.
        field: &'static str,
    },
    /// A skill proficiency level outside Genesys's 0..=5.
    #[error("skill level {level} is outside 0..=5")]
    SkillLevel {
        /// The level given.
        level: i64,
    },
    /// The initial message is over its cap.
    #[error("`initialMessage` has {len} characters, over the limit of {max}")]
    MessageTooLong {
        /// Its length, in characters.
        len: usize,
        /// The schema's `initial_message_max_chars`.
        max: usize,
    },
    /// The initial message contains control characters.
    #[error("`initialMessage` must not contain control characters")]
    MessageControlCharacter,
    /// The initial message is blank.
    #[error("`initialMessage` must not be blank")]
    MessageBlank,
}

/// A Genesys id that must be a UUID (deployment/widget, queue, skill), stored lowercase hyphenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GenesysId(Uuid);

impl GenesysId {
    /// Parses a UUID; `field` names it in the error.
    pub fn parse(s: &str, field: &'static str) -> Result<Self, PayloadError> {
        // Only the hyphenated form Genesys prints; no braces, no URN, no simple form.
        if s.len() != 36 {
            return Err(PayloadError::NotUuid { field });
        }
        Uuid::try_parse(s)
            .map(Self)
            .map_err(|_| PayloadError::NotUuid { field })
    }
}

impl std::fmt::Display for GenesysId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl Serialize for GenesysId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.hyphenated())
    }
}

/// A checked first chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct InitialMessage(String);

impl InitialMessage {
    /// Checks the cap (characters) and refuses control characters and blank messages.
    pub fn parse(s: &str, max_chars: usize) -> Result<Self, PayloadError> {
        let len = s.chars().count();
        if len > max_chars {
            return Err(PayloadError::MessageTooLong {
                len,
                max: max_chars,
            });
        }
        if s.chars().any(char::is_control) {
            return Err(PayloadError::MessageControlCharacter);
        }
        if s.trim().is_empty() {
            return Err(PayloadError::MessageBlank);
        }
        Ok(Self(s.to_owned()))
    }

    /// The message text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One routing skill requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillRequirement {
    skill_id: GenesysId,
    level: u8,
}

impl SkillRequirement {
    /// A skill with a proficiency level in 0..=5.
    pub fn new(skill_id: GenesysId, level: i64) -> Result<Self, PayloadError> {
        match u8::try_from(level) {
            Ok(l) if l <= 5 => Ok(Self { skill_id, level: l }),
            _ => Err(PayloadError::SkillLevel { level }),
        }
    }
}

/// Where the initiation API routes the conversation (configuration, never the browser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingTarget {
    /// The widget (Messenger deployment) id.
    pub widget_id: GenesysId,
    /// The queue the conversation is routed to.
    pub queue_id: GenesysId,
    /// Skill requirements, possibly none.
    pub skills: Vec<SkillRequirement>,
}

/// The guide's initiation body for `POST /api/v2/webmessaging/widgets/{widgetId}/conversations`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiationBody<'a> {
    widget_id: GenesysId,
    custom_attributes: &'a AttributeSet,
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_message: Option<&'a InitialMessage>,
    routing: Routing<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Routing<'a> {
    queue_id: GenesysId,
    routing_config: RoutingConfig<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RoutingConfig<'a> {
    skill_requirements: &'a [SkillRequirement],
}

impl<'a> InitiationBody<'a> {
    /// Assembles the body from validated parts; nothing here can fail.
    pub fn new(
        target: &'a RoutingTarget,
        attributes: &'a AttributeSet,
        message: Option<&'a InitialMessage>,
    ) -> Self {
        Self {
            widget_id: target.widget_id,
            custom_attributes: attributes,
            initial_message: message,
            routing: Routing {
                queue_id: target.queue_id,
                routing_config: RoutingConfig {
                    skill_requirements: &target.skills,
                },
            },
        }
    }

    /// The widget id the URL is built from.
    pub fn widget_id(&self) -> GenesysId {
        self.widget_id
    }

    /// The exact bytes sent on the wire.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain structs and string maps into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The body of `PATCH /api/v2/conversations/messages/{conversationId}/participants/{participantId}/attributes`.
#[derive(Debug, Serialize)]
pub struct ParticipantAttributesBody {
    attributes: BTreeMap<String, String>,
}

impl ParticipantAttributesBody {
    /// The attributes Architect is given (`expose = true`), as canonical strings.
    pub fn exposed(schema: &Schema, attributes: &AttributeSet) -> Self {
        Self {
            attributes: attributes
                .iter()
                .filter(|(k, _)| schema.attribute(k).is_some_and(|d| d.expose()))
                .map(|(k, v)| (k.to_owned(), v.canonical().into_owned()))
                .collect(),
        }
    }

    /// The attributes to write.
    pub fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }

    /// The exact bytes sent on the wire.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Why validate-session answered the way it did. Architect branches on these strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationReason {
    /// Genuine and bound to this conversation.
    Ok,
    /// Never issued (forged or mistyped).
    Unknown,
    /// Issued, but its ticket lifetime has passed.
    Expired,
    /// Replaced by a refresh.
    Revoked,
    /// Already bound to another conversation.
    Replayed,
    /// Not shaped like a session hash at all.
    Malformed,
    /// Refused by the risk rules.
    Risk,
}

impl ValidationReason {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unknown => "unknown",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Replayed => "replayed",
            Self::Malformed => "malformed",
            Self::Risk => "risk",
        }
    }

    /// Every reason, for contracts and docs.
    pub const ALL: [Self; 7] = [
        Self::Ok,
        Self::Unknown,
        Self::Expired,
        Self::Revoked,
        Self::Replayed,
        Self::Malformed,
        Self::Risk,
    ];
}

/// Outcome of the optional participant-attributes write-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParticipantUpdate {
    /// Not requested (no `participantId`) or disabled.
    Skipped,
    /// Genesys accepted the attributes.
    Written,
    /// Genesys refused or failed.
    Failed,
    /// Did not finish within the deadline.
    Timeout,
}

impl ParticipantUpdate {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skipped => "skipped",
            Self::Written => "written",
            Self::Failed => "failed",
            Self::Timeout => "timeout",
        }
    }

    /// Every outcome, for contracts and docs.
    pub const ALL: [Self; 4] = [Self::Skipped, Self::Written, Self::Failed, Self::Timeout];
}

/// The flat output of the validate-session data action: `valid`, `reason`,
/// `participant_update`, then every exposed attribute as a string (empty when invalid, so the
/// contract's shape never changes).
#[derive(Debug, Clone, PartialEq)]
pub struct DataActionOutput {
    valid: bool,
    reason: ValidationReason,
    participant_update: ParticipantUpdate,
    attributes: Vec<(String, String)>,
}

impl DataActionOutput {
    /// A valid answer carrying the exposed attributes.
    pub fn valid(
        schema: &Schema,
        attributes: &AttributeSet,
        participant_update: ParticipantUpdate,
    ) -> Self {
        Self {
            valid: true,
            reason: ValidationReason::Ok,
            participant_update,
            attributes: schema
                .exposed()
                .map(|d| {
                    let v = attributes
                        .get(d.key())
                        .map(|v| v.canonical().into_owned())
                        .unwrap_or_default();
                    (d.key().to_owned(), v)
                })
                .collect(),
        }
    }

    /// An invalid answer: every exposed attribute present and empty.
    pub fn invalid(schema: &Schema, reason: ValidationReason) -> Self {
        Self {
            valid: false,
            reason,
            participant_update: ParticipantUpdate::Skipped,
            attributes: schema
                .exposed()
                .map(|d| (d.key().to_owned(), String::new()))
                .collect(),
        }
    }

    /// Whether the session hash was genuine.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Why it was (or was not) valid: the flow's branch.
    pub fn reason(&self) -> ValidationReason {
        self.reason
    }

    /// The write-back outcome.
    pub fn participant_update(&self) -> ParticipantUpdate {
        self.participant_update
    }

    /// The exposed attribute values in schema order.
    pub fn attributes(&self) -> &[(String, String)] {
        &self.attributes
    }

    /// The exact bytes returned to Architect.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl Serialize for DataActionOutput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(3 + self.attributes.len()))?;
        map.serialize_entry("valid", &self.valid)?;
        map.serialize_entry("reason", &self.reason)?;
        map.serialize_entry("participant_update", &self.participant_update)?;
        for (k, v) in &self.attributes {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
