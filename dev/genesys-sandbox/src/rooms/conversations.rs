//! Conversations by id, in the order they were created (the order the admin list and Analytics
//! answer in): every conversation the initiation endpoint or a guest's first message started.

use std::collections::{BTreeMap, HashMap};

use crate::conversation::{Conversation, ConversationState};
use crate::flow::FlowRun;
use crate::rooms::room::Room;

/// Which id of a participant update is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unknown {
    Conversation,
    Participant,
}

impl Unknown {
    /// The resource's name in Genesys's 404 message.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Conversation => "conversation",
            Self::Participant => "participant",
        }
    }
}

/// What disconnecting a conversation did.
#[derive(Debug, Clone)]
pub(crate) struct Disconnected {
    /// The conversation as it is now.
    pub(crate) conversation: Conversation,
    /// Whether it was running until now (disconnecting twice changes nothing).
    pub(crate) was_connected: bool,
}

#[derive(Debug, Default)]
struct Book {
    by_id: HashMap<String, Conversation>,
    order: Vec<String>,
}

impl Book {
    fn in_order(&self, keep: impl Fn(&Conversation) -> bool) -> Vec<Conversation> {
        self.order
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .filter(|c| keep(c))
            .cloned()
            .collect()
    }
}

/// The sandbox's conversations.
#[derive(Debug, Clone)]
pub(crate) struct Conversations(Room<Book>);

impl Conversations {
    pub(crate) fn new() -> Self {
        Self(Room::new(Book::default()))
    }

    /// Stores a new conversation.
    pub(crate) fn insert(&self, conversation: Conversation) {
        self.0.with(|b| {
            b.order.push(conversation.id.clone());
            b.by_id.insert(conversation.id.clone(), conversation);
        });
    }

    /// One conversation.
    pub(crate) fn get(&self, id: &str) -> Option<Conversation> {
        self.0.with(|b| b.by_id.get(id).cloned())
    }

    /// Every conversation, oldest first.
    pub(crate) fn all(&self) -> Vec<Conversation> {
        self.0.with(|b| b.in_order(|_| true))
    }

    /// The conversations still connected, oldest first.
    pub(crate) fn connected(&self) -> Vec<Conversation> {
        self.0
            .with(|b| b.in_order(|c| c.state == ConversationState::Connected))
    }

    /// Whether `id` is a conversation still connected.
    pub(crate) fn is_connected(&self, id: &str) -> bool {
        self.0.with(|b| {
            b.by_id
                .get(id)
                .is_some_and(|c| c.state == ConversationState::Connected)
        })
    }

    /// A participant's attributes.
    pub(crate) fn participant_attributes(
        &self,
        id: &str,
        participant_id: &str,
    ) -> Option<BTreeMap<String, String>> {
        self.0.with(|b| {
            let conversation = b.by_id.get(id)?;
            let participant = conversation
                .participants
                .iter()
                .find(|p| p.id == participant_id)?;
            Some(participant.attributes.clone())
        })
    }

    /// Merges `attributes` into a participant's; the participant's attributes afterwards.
    pub(crate) fn merge_attributes(
        &self,
        id: &str,
        participant_id: &str,
        attributes: BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, Unknown> {
        self.0.with(|b| {
            let conversation = b.by_id.get_mut(id).ok_or(Unknown::Conversation)?;
            let participant = conversation
                .participants
                .iter_mut()
                .find(|p| p.id == participant_id)
                .ok_or(Unknown::Participant)?;
            participant.attributes.extend(attributes);
            Ok(participant.attributes.clone())
        })
    }

    /// Merges `attributes` into the customer's participant data, if the conversation has one.
    pub(crate) fn merge_customer(&self, id: &str, attributes: BTreeMap<String, String>) {
        self.0.with(|b| {
            let customer = b
                .by_id
                .get_mut(id)
                .and_then(|c| c.participants.iter_mut().find(|p| p.purpose == "customer"));
            if let Some(customer) = customer {
                customer.attributes.extend(attributes);
            }
        });
    }

    /// Disconnects every participant (at `now`, RFC 3339, if it was still connected).
    pub(crate) fn disconnect(&self, id: &str, now: &str) -> Option<Disconnected> {
        self.0.with(|b| {
            let conversation = b.by_id.get_mut(id)?;
            let was_connected = conversation.state == ConversationState::Connected;
            conversation.state = ConversationState::Disconnected;
            if was_connected {
                conversation.end_time = Some(now.to_owned());
            }
            Some(Disconnected {
                conversation: conversation.clone(),
                was_connected,
            })
        })
    }

    /// Stores what the inbound flow did on the conversation.
    pub(crate) fn set_flow_run(&self, id: &str, run: FlowRun) {
        self.0.with(|b| {
            if let Some(c) = b.by_id.get_mut(id) {
                c.inbound_flow = Some(run);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{NewConversation, new_conversation};

    fn started(attributes: &[(&str, &str)]) -> Conversation {
        new_conversation(NewConversation {
            widget_id: "w".to_owned(),
            queue_id: String::new(),
            skills: Vec::new(),
            initial_message: None,
            custom_attributes: attributes
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        })
    }

    #[test]
    fn conversations_are_found_by_id_and_listed_oldest_first() {
        let conversations = Conversations::new();
        let (first, second) = (started(&[]), started(&[]));
        conversations.insert(first.clone());
        conversations.insert(second.clone());
        assert_eq!(conversations.get(&second.id), Some(second.clone()));
        assert_eq!(conversations.get("unknown"), None);
        let ids: Vec<String> = conversations.all().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![first.id, second.id]);
    }

    #[test]
    fn a_disconnect_ends_a_conversation_once() {
        let conversations = Conversations::new();
        let c = started(&[]);
        conversations.insert(c.clone());
        let first = conversations.disconnect(&c.id, "t1").unwrap();
        let again = conversations.disconnect(&c.id, "t2").unwrap();
        assert!(first.was_connected);
        assert!(!again.was_connected);
        assert_eq!(again.conversation.end_time.as_deref(), Some("t1"));
        assert!(!conversations.is_connected(&c.id));
        assert!(conversations.connected().is_empty());
        assert!(conversations.disconnect("unknown", "t3").is_none());
    }

    #[test]
    fn attributes_merge_into_the_named_participant_or_name_the_unknown_id() {
        let conversations = Conversations::new();
        let c = started(&[("tier", "2")]);
        let customer = c.customer().unwrap().id.clone();
        conversations.insert(c.clone());
        let extra = BTreeMap::from([("geo".to_owned(), "eu".to_owned())]);
        let merged = conversations.merge_attributes(&c.id, &customer, extra.clone());
        assert_eq!(merged.unwrap().len(), 2);
        assert_eq!(
            conversations.merge_attributes(&c.id, "nobody", extra.clone()),
            Err(Unknown::Participant)
        );
        assert_eq!(
            conversations.merge_attributes("unknown", &customer, extra),
            Err(Unknown::Conversation)
        );
    }
}
