//! How a conversation ends, wherever the end comes from (the Platform API's `PATCH`, an agent,
//! the inbound flow's Disconnect, a guest's clear): every participant is disconnected and, when
//! a guest's session holds the conversation, the guest learns it (an outbound `Presence`
//! `Disconnect` on every connection of its session) and its session records who ended it.

use crate::conversation::Conversation;
use crate::guests::{GuestStore, Now};
use crate::rooms::Conversations;

/// Ends conversation `id` (a no-op when it ended already); `by` says who ended it (`agent`,
/// `customer`). `None` for an unknown id.
pub(crate) fn end_conversation(
    conversations: &Conversations,
    guests: &GuestStore,
    id: &str,
    by: &str,
) -> Option<Conversation> {
    let now = Now::current();
    let ended = conversations.disconnect(id, &now.text)?;
    if ended.was_connected && ended.conversation.messenger_session_id.is_some() {
        guests.conversation_ended(id, by, &now);
    }
    Some(ended.conversation)
}
