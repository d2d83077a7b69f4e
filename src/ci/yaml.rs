//! A small YAML tree with byte spans, built from `saphyr-parser` events.
//!
//! `saphyr-parser` was chosen over `yaml-rust2` because its events carry a start *and* an
//! end position (yaml-rust2 0.13 gives one marker per event, often after the token), and it
//! needs no hash-map or float crates: the tree below is all this module needs. JSON bake
//! files are read with it too, since JSON is YAML.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use super::CiError;
use crate::span::{LineIndex, Span};

/// How a scalar was written; block scalars need care when mapping offsets back to the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Short texts (keys, most values) stay inline: a workflow of thousands of jobs holds
    /// a node per key and value.
    Scalar {
        text: compact_str::CompactString,
        style: Style,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte span in the source; block scalars start at their first content character.
    pub span: Span,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn style(&self) -> Option<Style> {
        match &self.value {
            Value::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// The key node and value node of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// Scalars of a sequence, or the scalar itself: `[a, b]` and `a` both give strings.
    pub fn strings(&self) -> Vec<&str> {
        match &self.value {
            Value::Scalar { text, .. } => vec![text.as_str()],
            Value::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
            Value::Map(_) => Vec::new(),
        }
    }
}

/// Parses the first document of `source`. An empty document is an empty mapping.
pub fn parse(source: &str, lines: &LineIndex) -> Result<Node, CiError> {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: Vec::new(),
        root: None,
    };
    for event in Parser::new_from_str(source) {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            CiError {
                message: format!("invalid YAML: {}", e.info()),
                line: m.line(),
                column: m.col() + 1,
            }
        })?;
        let start = byte_offset(source, lines, span.start);
        let end = byte_offset(source, lines, span.end).max(start);
        if builder.on_event(event, Span::new(start, end)) {
            break;
        }
    }
    Ok(builder.root.unwrap_or(Node {
        value: Value::Map(Vec::new()),
        span: Span::empty(0),
    }))
}

/// A marker's line and column (in chars) turned into a byte offset.
fn byte_offset(source: &str, lines: &LineIndex, marker: Marker) -> usize {
    let start = lines.line_start(marker.line());
    source
        .get(start..)
        .and_then(|rest| {
            rest.char_indices()
                .nth(marker.col())
                .map(|(i, _)| start + i)
        })
        .unwrap_or_else(|| {
            // Past the end of the text (end markers of the last line).
            let line_end = source
                .get(start..)
                .and_then(|rest| rest.find('\n'))
                .map_or(source.len(), |i| start + i);
            line_end.min(source.len())
        })
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        start: usize,
        anchor: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
}

/// Aliases expand to copies; this caps the work a "billion laughs" document can cause.
const MAX_ALIAS_EXPANSIONS: usize = 10_000;

impl Builder {
    /// Returns true once the first document is complete.
    fn on_event(&mut self, event: Event<'_>, span: Span) -> bool {
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let node = Node {
                    value: Value::Scalar {
                        text: compact_str::CompactString::from(text),
                        style,
                    },
                    span,
                };
                self.push(node, anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                items: Vec::new(),
                start: span.start(),
                anchor,
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                entries: Vec::new(),
                key: None,
                start: span.start(),
                anchor,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let (value, start, anchor) = match frame {
                        Frame::Seq {
                            items,
                            start,
                            anchor,
                        } => (Value::Seq(items), start, anchor),
                        Frame::Map {
                            entries,
                            start,
                            anchor,
                            ..
                        } => (Value::Map(entries), start, anchor),
                    };
                    let end = self.last_end(&value).max(start);
                    self.push(
                        Node {
                            value,
                            span: Span::new(start, end),
                        },
                        anchor,
                    );
                }
            }
            Event::Alias(id) => {
                let copy = if self.anchors.len() < MAX_ALIAS_EXPANSIONS {
                    self.anchors
                        .iter()
                        .rev()
                        .find(|(a, _)| *a == id)
                        .map(|(_, n)| Node {
                            value: n.value.clone(),
                            span,
                        })
                } else {
                    None
                };
                let node = copy.unwrap_or(Node {
                    value: Value::Scalar {
                        text: compact_str::CompactString::default(),
                        style: Style::Plain,
                    },
                    span,
                });
                self.push(node, 0);
            }
            Event::DocumentEnd => return self.root.is_some(),
            _ => {}
        }
        false
    }

    /// End of the last child, so a collection's span stops at its content rather than at
    /// the next key (the parser reports the end event there).
    fn last_end(&self, value: &Value) -> usize {
        match value {
            Value::Seq(items) => items.last().map_or(0, |n| n.span.end()),
            Value::Map(entries) => entries.last().map_or(0, |(_, v)| v.span.end()),
            Value::Scalar { .. } => 0,
        }
    }

    fn push(&mut self, node: Node, anchor: usize) {
        if anchor != 0 && self.anchors.len() < MAX_ALIAS_EXPANSIONS {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }
}

/// Where each line of a scalar's value starts in the source, when that can be known
/// exactly: literal block scalars (each value line is a source line minus the indentation)
/// and one-line plain or quoted scalars written verbatim. `None` otherwise.
pub fn scalar_line_starts(source: &str, lines: &LineIndex, node: &Node) -> Option<Vec<usize>> {
    let (text, style) = match &node.value {
        Value::Scalar { text, style } => (text, *style),
        _ => return None,
    };
    match style {
        Style::Literal => {
            let first_line = lines.line(node.span.start());
            let indent = node.span.start() - lines.line_start(first_line);
            let mut starts = Vec::new();
            for (i, value_line) in text.split('\n').enumerate() {
                let line_start = lines.line_start(first_line + i);
                let at = line_start + indent;
                let fits = value_line.is_empty()
                    || source
                        .get(at..)
                        .is_some_and(|rest| rest.starts_with(value_line));
                if !fits {
                    return None;
                }
                starts.push(at);
            }
            Some(starts)
        }
        Style::Plain | Style::Quoted if !text.contains('\n') => {
            let at = if style == Style::Quoted {
                node.span.start() + 1
            } else {
                node.span.start()
            };
            source
                .get(at..)
                .is_some_and(|rest| rest.starts_with(text.as_str()))
                .then(|| vec![at])
        }
        _ => None,
    }
}

/// The source span of `needle` inside the node's span, if it is written there verbatim.
pub fn find_in(source: &str, within: Span, needle: &str) -> Option<Span> {
    if needle.is_empty() {
        return None;
    }
    let hay = source.get(within.start()..within.end().min(source.len()))?;
    hay.find(needle)
        .map(|i| Span::new(within.start() + i, within.start() + i + needle.len()))
}

/// Comment lines of a YAML or HCL file: `(1-based line, text after the comment marker)`.
/// Only whole-line comments count; that is where suppression directives go.
pub fn comment_lines(source: &str) -> Vec<(usize, &str)> {
    source
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let t = line.trim_start();
            let text = t.strip_prefix('#').or_else(|| t.strip_prefix("//"))?.trim();
            Some((i + 1, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(src: &str) -> Node {
        parse(src, &LineIndex::new(src)).expect("valid yaml")
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let src = "a: é\nb: value\n";
        let root = tree(src);
        let (k, v) = root.entry("b").expect("b");
        assert_eq!(&src[k.span.range()], "b");
        assert_eq!(&src[v.span.range()], "value");
    }

    #[test]
    fn literal_block_lines_map_to_source() {
        let src = "x:\n  cache-from: |\n    type=gha,scope=a\n    type=registry,ref=r:c\n";
        let lines = LineIndex::new(src);
        let root = tree(src);
        let v = root
            .get("x")
            .and_then(|x| x.get("cache-from"))
            .expect("value");
        let starts = scalar_line_starts(src, &lines, v).expect("literal");
        assert!(src[starts[0]..].starts_with("type=gha,scope=a"));
        assert!(src[starts[1]..].starts_with("type=registry"));
    }

    #[test]
    fn folded_scalar_is_joined() {
        let src = "k: >-\n  type=gha,\n  mode=max\n";
        let root = tree(src);
        assert_eq!(root.get_str("k"), Some("type=gha, mode=max"));
    }

    #[test]
    fn aliases_are_copied() {
        let src = "a: &x [1, 2]\nb: *x\n";
        let root = tree(src);
        assert_eq!(root.get("b").map(|n| n.items().len()), Some(2));
    }

    #[test]
    fn errors_name_the_line() {
        let src = "a: [1, 2\nb: c\n";
        let err = parse(src, &LineIndex::new(src)).expect_err("invalid");
        assert!(err.line >= 1);
    }
}
