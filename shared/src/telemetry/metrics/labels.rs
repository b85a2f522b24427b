//! Labels the code emits, one enum per dimension, so a call site cannot spell a value the
//! catalogue does not list (the catalogue's tests hold each `ALL` to its dimension's values).

macro_rules! label {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in the catalogue's order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The dimension value.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }
    };
}

label!(
    /// The function emitting a metric.
    Function {
        /// POST /v1/initiations.
        Initiate => "initiate",
        /// POST /v1/initiations/refresh.
        RefreshToken => "refresh-token",
        /// The validate-session data action.
        ValidateSession => "validate-session",
    }
);

label!(
    /// How Architect called validate-session.
    EntryPoint {
        /// Through API Gateway (Web Services data action).
        WebServices => "web-services",
        /// Invoked directly (AWS Lambda data action).
        LambdaDataAction => "lambda-data-action",
    }
);

label!(
    /// How an initiation or a refresh ended.
    InitiationOutcome {
        /// 201, fresh.
        Issued => "issued",
        /// 201 replayed from an `Idempotency-Key`.
        IdempotentReplay => "idempotent-replay",
        /// 403 by the rules.
        Refused => "refused",
        /// 429.
        RateLimited => "rate-limited",
        /// 4xx before any rule ran.
        Rejected => "rejected",
        /// 502/504 from Genesys.
        UpstreamError => "upstream-error",
        /// 503.
        Unavailable => "unavailable",
    }
);

label!(
    /// A Genesys Cloud API call.
    Operation {
        /// The OAuth token.
        Token => "token",
        /// The initiation endpoint.
        CreateConversation => "create-conversation",
        /// The participant-attributes PATCH.
        UpdateParticipantAttributes => "update-participant-attributes",
        /// Ending the previous conversation (a refresh, initiation-api).
        DisconnectConversation => "disconnect-conversation",
        /// Looking up a conversation whose create answered too late (initiation-api).
        FindConversations => "find-conversations",
    }
);

label!(
    /// How one Genesys call ended, its retries included.
    CallOutcome {
        /// Answered.
        Ok => "ok",
        /// 429 until the deadline.
        Throttled => "throttled",
        /// 503 or unreachable.
        Unavailable => "unavailable",
        /// Refused or malformed.
        Refused => "refused",
        /// Out of time, or outcome unknown.
        Timeout => "timeout",
    }
);

label!(
    /// The configured initiation strategy (`api::strategy::StrategyKind`).
    Strategy {
        /// The default: a session hash for Messenger.
        Messenger => "messenger",
        /// The guide's initiation endpoint.
        InitiationApi => "initiation-api",
    }
);

impl InitiationOutcome {
    /// The outcome an answer of `status` reports; `replayed` when it came from an
    /// `Idempotency-Key`'s record, whatever its status.
    pub const fn from_status(status: u16, replayed: bool) -> Self {
        match status {
            _ if replayed => Self::IdempotentReplay,
            200..=299 => Self::Issued,
            403 => Self::Refused,
            429 => Self::RateLimited,
            502 | 504 => Self::UpstreamError,
            500..=599 => Self::Unavailable,
            _ => Self::Rejected,
        }
    }
}

/// Marks a response replayed from an `Idempotency-Key`'s record (a response extension), so the
/// handler counts it as `idempotent-replay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_s_status_tells_its_outcome() {
        use InitiationOutcome as O;
        let cases = [
            (201, false, O::Issued),
            (200, false, O::Issued),
            (201, true, O::IdempotentReplay),
            (504, true, O::IdempotentReplay),
            (403, false, O::Refused),
            (429, false, O::RateLimited),
            (401, false, O::Rejected),
            (405, false, O::Rejected),
            (409, false, O::Rejected),
            (422, false, O::Rejected),
            (502, false, O::UpstreamError),
            (504, false, O::UpstreamError),
            (503, false, O::Unavailable),
            (500, false, O::Unavailable),
        ];
        for (status, replayed, outcome) in cases {
            assert_eq!(
                InitiationOutcome::from_status(status, replayed),
                outcome,
                "{status} {replayed}"
            );
        }
    }
}
