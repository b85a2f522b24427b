//! The book (`docs/src/`) and the README as a reader sees them: parsed with pulldown-cmark, the
//! Markdown parser mdbook renders with, into the code spans, fenced blocks, links and heading
//! ids each page holds. The drift checks (`checks.rs`) and the command runner
//! (`docs_commands.rs`) read these.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod checks;
pub mod names;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One fenced code block: its info string (`sh,local-stack`) and its text.
#[derive(Debug, Clone)]
pub struct Block {
    pub info: String,
    pub text: String,
    pub line: usize,
}

impl Block {
    /// Whether the info string carries `tag` (`sh,local-stack` carries `local-stack`).
    pub fn has(&self, tag: &str) -> bool {
        self.info.split([',', ' ']).any(|t| t == tag)
    }

    /// The block's language: the info string's first word.
    pub fn language(&self) -> &str {
        self.info.split([',', ' ']).next().unwrap_or("")
    }
}

/// One page: where it is, and what a reader sees in it.
#[derive(Debug, Clone)]
pub struct Page {
    /// Relative to the repository root (`README.md`, `docs/src/web/origins.md`).
    pub path: String,
    /// The Markdown as written.
    pub text: String,
    /// Code spans that name something of this repository (or a tool's option, a variable).
    pub spans: Vec<String>,
    /// Code spans that are the text of a link to another site: they name that site's file or
    /// option (`[`samcli/lib/build/build_strategy.py`](https://github.com/aws/aws-sam-cli/…)`),
    /// and the link says whose; the drift checks leave them to it.
    pub foreign_spans: Vec<String>,
    pub blocks: Vec<Block>,
    /// Link and image destinations, as written.
    pub links: Vec<String>,
    /// The ids its headings get (mdbook's and GitHub's rule), and explicit `{#id}`s.
    pub anchors: BTreeSet<String>,
}

impl Page {
    pub fn parse(path: &str, text: &str) -> Self {
        let mut page = Page {
            path: path.to_owned(),
            text: text.to_owned(),
            spans: Vec::new(),
            foreign_spans: Vec::new(),
            blocks: Vec::new(),
            links: Vec::new(),
            anchors: BTreeSet::new(),
        };
        let mut heading: Option<(String, Option<String>)> = None;
        let mut block: Option<Block> = None;
        let mut foreign_link = false;
        let options = Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES;
        for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
            let line = text[..range.start].lines().count() + 1;
            match event {
                Event::Start(Tag::Heading { id, .. }) => {
                    heading = Some((String::new(), id.map(|i| i.to_string())));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((words, id)) = heading.take() {
                        let id = id.unwrap_or_else(|| slug(&words));
                        let mut unique = id.clone();
                        let mut n = 1;
                        while page.anchors.contains(&unique) {
                            unique = format!("{id}-{n}");
                            n += 1;
                        }
                        page.anchors.insert(unique);
                    }
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let info = match kind {
                        CodeBlockKind::Fenced(info) => info.to_string(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    block = Some(Block {
                        info,
                        text: String::new(),
                        line,
                    });
                }
                Event::End(TagEnd::CodeBlock) => page.blocks.extend(block.take()),
                Event::Text(t) => {
                    if let Some(b) = block.as_mut() {
                        b.text.push_str(&t);
                    } else if let Some((words, _)) = heading.as_mut() {
                        words.push_str(&t);
                    }
                }
                Event::Code(c) => {
                    if let Some((words, _)) = heading.as_mut() {
                        words.push_str(&c);
                    }
                    if foreign_link {
                        page.foreign_spans.push(c.to_string());
                    } else {
                        page.spans.push(c.to_string());
                    }
                }
                Event::Start(Tag::Link { dest_url, .. }) => {
                    foreign_link = dest_url.contains("://");
                    page.links.push(dest_url.to_string());
                }
                Event::End(TagEnd::Link) => foreign_link = false,
                Event::Start(Tag::Image { dest_url, .. }) => {
                    page.links.push(dest_url.to_string());
                }
                Event::Html(h) | Event::InlineHtml(h) => {
                    for id in html_ids(&h) {
                        page.anchors.insert(id);
                    }
                }
                _ => {}
            }
        }
        page
    }
}

/// The id mdbook gives a heading (`utils::normalize_id`), which is GitHub's rule too for the
/// headings this book writes: lower case; letters, digits, `_` and `-` kept; each whitespace a
/// `-`; everything else dropped.
pub fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

fn html_ids(html: &str) -> Vec<String> {
    html.split("id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The README, the web package's README (its links reach into the book) and every page of the
/// book, parsed.
pub fn pages() -> Vec<Page> {
    let mut files = vec![root().join("README.md"), root().join("web/README.md")];
    collect_markdown(&root().join("docs/src"), &mut files);
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f:?}: {e}"));
            Page::parse(&relative(f), &text)
        })
        .collect()
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_markdown(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// `path` relative to the repository root, with `/` separators.
pub fn relative(path: &Path) -> String {
    let root = root().canonicalize().unwrap();
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Shell words of one command line: whitespace-separated, quotes removed (enough for the
/// commands the book shows; no expansion).
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => word.push(c),
        }
    }
    if started || !word.is_empty() {
        words.push(word);
    }
    words
}

/// The commands of a shell block: continuation lines joined, comments dropped, split at `&&`,
/// `;` and `|`.
pub fn commands(block: &str) -> Vec<String> {
    let joined = block.replace("\\\n", " ");
    joined
        .lines()
        .map(|l| l.split(" #").next().unwrap_or(l))
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| {
            l.split("&&")
                .flat_map(|c| c.split(';'))
                .flat_map(|c| c.split(" | "))
                .map(|c| c.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .collect()
}
