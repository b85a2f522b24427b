//! What each request does: the guest sessions' store decides, the sandbox's state keeps the
//! conversations, and the inbound flow runs after the echo left.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::guest_api::request::{self, Action, Inbound};
use crate::guests::{GuestError, Now, Said, frames};
use crate::state::SandboxState;

/// Handles one request frame of connection `socket`; every answer goes through its queue.
pub(crate) async fn handle(state: &SandboxState, socket: u64, text: &str) {
    let guests = &state.rooms().guests;
    let request = match request::parse(text) {
        Ok(r) => r,
        Err(refusal) => return guests.reply(socket, refusal.frame()),
    };
    let now = Now::current();
    let token = request.token.as_str();
    let tracing_id = request.tracing_id.as_deref();
    let outcome = match request.action {
        Action::Configure {
            deployment_id,
            start_new,
        } => {
            configure(
                state,
                socket,
                token,
                &deployment_id,
                start_new,
                tracing_id,
                &now,
            );
            Ok(())
        }
        Action::ConfigureAuthenticated => {
            // Verifying `data.code` is out of the sandbox's scope: its deployment has no
            // authentication (`config.json`: `auth.enabled: false`), and it refuses the request
            // as such a deployment does, 403.
            let text = "Authenticated sessions are not enabled for this deployment";
            guests.reply(socket, frames::error(403, text, tracing_id));
            Ok(())
        }
        Action::Message(Inbound::Said { said, attributes }) => {
            message(state, socket, token, said, attributes, tracing_id, &now)
        }
        Action::Message(Inbound::Clear) => clear(state, socket, token, &now),
        Action::Message(Inbound::Ignored) => guests.check(socket, token, &now),
        Action::Echo => guests.check(socket, token, &now).map(|()| {
            let id = Uuid::new_v4().to_string();
            guests.reply(socket, frames::echo(&id, tracing_id));
        }),
        Action::CloseSession { close_all } => guests
            .close_session(socket, token, close_all, &now)
            .map(|reply| guests.reply(socket, frames::session_response(&reply, tracing_id))),
        Action::GetJwt => guests
            .issue_jwt(socket, token, &now)
            .map(|(jwt, exp)| guests.reply(socket, frames::jwt(&jwt, exp, tracing_id))),
    };
    if let Err(error) = outcome {
        tracing::debug!(target: "genesys_sandbox", socket, ?error, "guest request refused");
        guests.reply(socket, error.frame(tracing_id));
    }
}

fn configure(
    state: &SandboxState,
    socket: u64,
    token: &str,
    deployment_id: &str,
    start_new: bool,
    tracing_id: Option<&str>,
    now: &Now,
) {
    let guests = &state.rooms().guests;
    if deployment_id != guests.deployment_id() {
        // The connection named its deployment in the URL; Genesys does not document a
        // mismatch, and the sandbox refuses it like any bad request.
        let text = "deploymentId does not match the connection's deployment";
        return guests.reply(socket, frames::error(400, text, tracing_id));
    }
    let reply = guests.configure(socket, token, start_new, now);
    tracing::debug!(target: "genesys_sandbox", socket, new = reply.new_session, "guest session configured");
    guests.reply(socket, frames::session_response(&reply, tracing_id));
}

/// A text or a `Join`: a conversation it starts is stored before the echo leaves, and its
/// inbound flow runs afterwards, on its own.
fn message(
    state: &SandboxState,
    socket: u64,
    token: &str,
    said: Said,
    attributes: Option<BTreeMap<String, String>>,
    tracing_id: Option<&str>,
    now: &Now,
) -> Result<(), GuestError> {
    let rooms = state.rooms();
    let guests = &rooms.guests;
    let received = guests.receive(socket, token, said, attributes, now)?;
    let started = received.started.as_ref().map(|c| c.id.clone());
    if let Some(conversation) = received.started {
        rooms.conversations.insert(conversation);
    }
    if let Some((id, attributes)) = received.merged {
        rooms.conversations.merge_customer(&id, attributes);
    }
    guests.echo_to_session(token, &received.echo, tracing_id);
    if let Some(id) = started {
        tracing::info!(target: "genesys_sandbox", conversation_id = %id, "messenger conversation started");
        let state = state.clone();
        tokio::spawn(async move { state.run_inbound_flow(&id).await });
    }
    Ok(())
}

fn clear(state: &SandboxState, socket: u64, token: &str, now: &Now) -> Result<(), GuestError> {
    if let Some(id) = state.rooms().guests.clear(socket, token, now)? {
        // The session has ended already, so no guest is told of this disconnect.
        state.end_conversation(&id, "customer");
    }
    Ok(())
}
