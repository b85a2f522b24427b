//! YAML as a tree whose every node knows its line, built from `saphyr-parser`'s events.
//!
//! Archy files use a small part of YAML: block maps and lists, plain and quoted scalars. Every
//! scalar is kept as text (Archy decides what it means from where it stands: `lit: 0` is an
//! integer, `lit: Queue` a string), so YAML 1.1 spellings such as `yes`/`no` keys stay keys.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A YAML node and the (1-based) line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Where the node starts.
    pub line: usize,
    /// What it holds.
    pub value: Value,
}

/// The three kinds of YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A scalar's text; `quoted` is false for plain scalars.
    Scalar {
        /// The scalar's text after YAML unescaping.
        text: String,
        /// Whether it was written quoted or as a block scalar.
        quoted: bool,
    },
    /// A list.
    Seq(Vec<Node>),
    /// A map, in file order. Keys are scalars.
    Map(Vec<Entry>),
}

/// One `key: value` of a map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key's text.
    pub key: String,
    /// The key's line.
    pub line: usize,
    /// The value.
    pub value: Node,
}

/// Why a text is not YAML this loader accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct YamlError {
    /// Where.
    pub line: usize,
    /// What.
    pub message: String,
}

impl Node {
    /// The scalar's text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The map's entries, if this is a map.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The list's items, if this is a list.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// A map with exactly one entry (how Archy writes an action or a variable): its key and
    /// value.
    pub fn single_entry(&self) -> Option<&Entry> {
        match self.as_map()? {
            [only] => Some(only),
            _ => None,
        }
    }

    /// Every scalar in this subtree, with its line (used to find variables an unknown action
    /// writes).
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(Option<&'a str>, &'a Node)) {
        match &self.value {
            Value::Scalar { .. } => visit(None, self),
            Value::Seq(items) => items.iter().for_each(|i| i.walk(visit)),
            Value::Map(entries) => {
                for e in entries {
                    visit(Some(&e.key), &e.value);
                    e.value.walk(visit);
                }
            }
        }
    }
}

enum Frame {
    Seq(usize, Vec<Node>),
    Map(usize, Vec<Entry>, Option<(String, usize)>),
}

/// The tree under construction: open collections, anchors, and the document once closed.
#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    pending_anchor: Vec<usize>,
    root: Option<Node>,
}

fn error(line: usize, message: &str) -> YamlError {
    YamlError {
        line,
        message: message.to_owned(),
    }
}

/// Parses one YAML document. Anchors and aliases are resolved by copying the anchored node;
/// tags are ignored; keys must be scalars and appear once per map.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    while let Some(event) = parser.next_event() {
        let (event, span): (Event<'_>, Span) = event.map_err(|e| YamlError {
            line: e.marker().line(),
            message: e.info().to_owned(),
        })?;
        if let Some(node) = builder.event(event, span.start.line())? {
            builder.place(node)?;
        }
    }
    builder
        .root
        .ok_or_else(|| error(1, "the file holds no YAML document"))
}

impl Builder {
    /// Takes one event; returns the node it completes, if any.
    fn event(&mut self, event: Event<'_>, line: usize) -> Result<Option<Node>, YamlError> {
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {
                return Ok(None);
            }
            Event::DocumentStart(_) if self.root.is_some() => {
                return Err(error(line, "more than one YAML document"));
            }
            Event::DocumentStart(_) => return Ok(None),
            Event::SequenceStart(anchor, _) => {
                self.pending_anchor.push(anchor);
                self.stack.push(Frame::Seq(line, Vec::new()));
                return Ok(None);
            }
            Event::MappingStart(anchor, _) => {
                self.pending_anchor.push(anchor);
                self.stack.push(Frame::Map(line, Vec::new(), None));
                return Ok(None);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let anchor = self.pending_anchor.pop().unwrap_or(0);
                let value = match self.stack.pop() {
                    Some(Frame::Seq(start, items)) => (start, Value::Seq(items)),
                    Some(Frame::Map(start, entries, _)) => (start, Value::Map(entries)),
                    None => return Err(error(line, "unbalanced YAML events")),
                };
                let node = Node {
                    line: value.0,
                    value: value.1,
                };
                remember(&mut self.anchors, anchor, node)
            }
            Event::Scalar(text, style, anchor, _) => {
                let node = Node {
                    line,
                    value: Value::Scalar {
                        text: text.into_owned(),
                        quoted: style != ScalarStyle::Plain,
                    },
                };
                remember(&mut self.anchors, anchor, node)
            }
            Event::Alias(id) => self
                .anchors
                .iter()
                .rev()
                .find(|(a, _)| *a == id)
                .map(|(_, n)| Node {
                    line,
                    value: n.value.clone(),
                })
                .ok_or_else(|| error(line, "alias to an unknown anchor"))?,
        };
        Ok(Some(node))
    }

    /// Puts a finished node where it belongs: the root, a list item, a key or a value.
    fn place(&mut self, node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, key)) => match key.take() {
                None => {
                    let Value::Scalar { text, .. } = node.value else {
                        return Err(error(node.line, "a map key must be a scalar"));
                    };
                    if entries.iter().any(|e| e.key == text) {
                        return Err(error(node.line, &format!("duplicate key `{text}`")));
                    }
                    *key = Some((text, node.line));
                }
                Some((text, key_line)) => entries.push(Entry {
                    key: text,
                    line: key_line,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

fn remember(anchors: &mut Vec<(usize, Node)>, anchor: usize, node: Node) -> Node {
    if anchor != 0 {
        anchors.push((anchor, node.clone()));
    }
    node
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_node_knows_its_line() {
        let doc = parse("a:\n  b: 1\n  c:\n    - x\n    - \"y\"\nno: yes\n").unwrap();
        assert_eq!(doc.line, 1);
        let a = doc.get("a").unwrap();
        assert_eq!(a.get("b").unwrap().line, 2);
        let c = a.get("c").unwrap().as_seq().unwrap();
        assert_eq!((c[0].line, c[1].line), (4, 5));
        assert_eq!(
            c[1].value,
            Value::Scalar {
                text: "y".into(),
                quoted: true
            }
        );
        assert_eq!(
            doc.get("no").unwrap().as_str(),
            Some("yes"),
            "YAML 1.2: a key stays text"
        );
        assert_eq!(doc.as_map().unwrap()[1].line, 6);
    }

    #[test]
    fn bad_yaml_and_duplicate_keys_name_their_line() {
        let err = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(err.line >= 2, "{err}");
        let dup = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(dup.line, 3);
        assert!(dup.message.contains("duplicate key `a`"));
        assert_eq!(
            parse("").unwrap_err().message,
            "the file holds no YAML document"
        );
    }

    #[test]
    fn aliases_copy_the_anchored_node() {
        let doc = parse("a: &x {k: v}\nb: *x\n").unwrap();
        assert_eq!(doc.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
    }
}
