//! The line-level parser. It follows BuildKit's `frontend/dockerfile/parser`
//! step for step (directives, continuation lines, flag extraction, per-keyword
//! argument shapes, heredocs) while recording where every piece came from.

use std::fmt;
use std::ops::Range;
use thin_vec::ThinVec;

use super::ast::*;
use super::json::{self, JsonArray};
use super::words::{self, RawFlag};
use crate::span::{LineIndex, Span};

/// Why the source is not a Dockerfile BuildKit would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column (in characters) of `span.start`.
    pub column: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a Dockerfile the way BuildKit's parser does, keeping every span.
pub fn parse(source: &str) -> Result<Dockerfile, ParseError> {
    parse_owned(source.to_string()).map_err(|(e, _)| e)
}

/// [`parse`] for a text the caller hands over: the tree keeps it instead of a copy. On
/// failure the text comes back with the error.
pub fn parse_owned(source: String) -> Result<Dockerfile, (ParseError, String)> {
    if source.len() > crate::span::MAX_SOURCE_LEN {
        let error = ParseError {
            message: format!(
                "the file is {} bytes long; layerlint reads files of up to {} bytes",
                source.len(),
                crate::span::MAX_SOURCE_LEN
            ),
            span: Span::empty(0),
            line: 1,
            column: 1,
        };
        return Err((error, source));
    }
    let lines = LineIndex::new(&source);
    let bom = source.starts_with('\u{feff}');
    let mut parser = Parser {
        src: &source,
        lines: &lines,
        pos: if bom { '\u{feff}'.len_utf8() } else { 0 },
        line_no: 0,
        escape: '\\',
        directives: Vec::new(),
        comments: Vec::new(),
        instructions: Vec::new(),
    };
    match parser.run() {
        Ok(()) => {
            let Parser {
                escape,
                directives,
                mut comments,
                mut instructions,
                ..
            } = parser;
            instructions.shrink_to_fit();
            comments.shrink_to_fit();
            Ok(Dockerfile {
                source,
                bom,
                escape,
                directives,
                comments,
                instructions,
                lines,
            })
        }
        Err((message, span)) => {
            let at = lines.line_col(&source, span.start());
            let error = ParseError {
                message,
                span,
                line: at.line,
                column: at.column,
            };
            Err((error, source))
        }
    }
}

fn set_lines(instruction: &mut Instruction, lines: &LineIndex, start: usize, end: usize) {
    // A file holds at most `MAX_SOURCE_LEN` bytes, so its line numbers fit.
    let (start_line, end_line) = (
        u32::try_from(start).unwrap_or(u32::MAX),
        u32::try_from(end).unwrap_or(u32::MAX),
    );
    instruction.set_lines(lines, start_line, end_line);
    if let Args::Onbuild(inner) = &mut instruction.args {
        set_lines(inner, lines, start, end);
    }
}

type Failure = (String, Span);

/// One physical line: `start..end` is its text without the line ending (and
/// without trailing carriage returns); `next` is where the following line starts.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
    /// 1-based line number.
    number: usize,
}

struct Parser<'a> {
    src: &'a str,
    /// The index of the source's lines, which an instruction's lines are read from.
    lines: &'a LineIndex,
    pos: usize,
    /// Number of the line last read.
    line_no: usize,
    escape: char,
    directives: Vec<Directive>,
    comments: Vec<Comment>,
    instructions: Vec<Instruction>,
}

impl<'a> Parser<'a> {
    fn next_line(&mut self) -> Option<Line> {
        let rest = self.src.get(self.pos..).filter(|r| !r.is_empty())?;
        let start = self.pos;
        let (content_len, next) = match rest.find('\n') {
            Some(i) => (i, start + i + 1),
            None => (rest.len(), self.src.len()),
        };
        let end = start + rest[..content_len].trim_end_matches('\r').len();
        self.pos = next;
        self.line_no += 1;
        Some(Line {
            start,
            end,
            next,
            number: self.line_no,
        })
    }

    fn text(&self, range: Range<usize>) -> &'a str {
        self.src.get(range).unwrap_or("")
    }

    /// Start of the line's text after leading Unicode white space.
    fn trimmed_start(&self, line: Line) -> usize {
        let text = self.text(line.start..line.end);
        line.end - text.trim_start().len()
    }

    fn run(&mut self) -> Result<(), Failure> {
        let mut looking_for_directives = true;
        while let Some(line) = self.next_line() {
            let start = self.trimmed_start(line);
            if looking_for_directives {
                if self.directive(line, start)? {
                    continue;
                }
                looking_for_directives = false;
            }
            if self.text(start..line.end).starts_with('#') {
                self.comment(start, line.end);
                continue;
            }
            let (kept_end, continued) = self.trim_continuation(start, line.end);
            if !continued && kept_end == start {
                continue;
            }
            self.instruction(start, kept_end, continued, line)?;
        }
        if self.instructions.is_empty() {
            let end = self.src.len();
            return Err(("file with no instructions".to_string(), Span::empty(end)));
        }
        Ok(())
    }

    fn comment(&mut self, hash: usize, end: usize) {
        self.comments.push(Comment {
            span: Span::new(hash, end),
        });
    }

    /// Records a parser directive if the line is one; errors on repeated
    /// directives and bad escape characters, as BuildKit does.
    fn directive(&mut self, line: Line, start: usize) -> Result<bool, Failure> {
        let Some((name, value)) = match_directive(self.text(start..line.end), start) else {
            return Ok(false);
        };
        let name_text = self.text(name).to_ascii_lowercase();
        if !matches!(name_text.as_str(), "syntax" | "escape" | "check") {
            return Ok(false);
        }
        let span = Span::new(line.start, line.end);
        if self.directives.iter().any(|d| d.name == name_text) {
            return Err((
                format!("only one {name_text} parser directive can be used"),
                span,
            ));
        }
        let value_text = self.text(value.clone());
        if name_text == "escape" {
            self.escape = match value_text {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err((
                        format!("invalid escape token '{value_text}' does not match ` or \\"),
                        Span::new(value.start, value.end),
                    ))
                }
            };
        }
        self.directives.push(Directive {
            name: name_text,
            value: value_text.to_string(),
            span,
            value_span: Span::new(value.start, value.end),
        });
        Ok(true)
    }

    /// BuildKit's continuation rule: the escape character, then only spaces and
    /// tabs, ends the line, unless it is itself escaped. Returns the end of the
    /// kept text and whether the line continues.
    fn trim_continuation(&self, start: usize, end: usize) -> (usize, bool) {
        let text = self.text(start..end);
        let body = text.trim_end_matches([' ', '\t']);
        let Some(before) = body.strip_suffix(self.escape) else {
            return (end, false);
        };
        if before.ends_with(self.escape) {
            return (end, false);
        }
        (start + before.len(), true)
    }

    fn instruction(
        &mut self,
        start: usize,
        kept_end: usize,
        mut continued: bool,
        first: Line,
    ) -> Result<(), Failure> {
        let mut pieces: Vec<Range<usize>> = Vec::new();
        pieces.push(start..kept_end);
        let mut last_end = first.end;
        while continued {
            let Some(line) = self.next_line() else {
                break;
            };
            last_end = line.end;
            let trimmed = self.trimmed_start(line);
            if self.text(trimmed..line.end).starts_with('#') {
                self.comment(trimmed, line.end);
                continue;
            }
            if trimmed == line.end {
                continue;
            }
            let (end, more) = self.trim_continuation(line.start, line.end);
            pieces.push(line.start..end);
            continued = more;
        }
        let joined = join(self.src, &pieces);
        let whole = 0..joined.text.len();
        let mut node = parse_node(&joined, whole, self.escape)
            .map_err(|message| (message, Span::new(start, last_end)))?;
        node.set_end(last_end.max(node.span.start()));
        if let Some(target) = heredoc_target(&mut node) {
            if joined.text.contains("<<") {
                let mut heredocs = ThinVec::new();
                let markers = words::shell_words(&joined.text, 0, true, true).unwrap_or_default();
                for word in markers {
                    let marker = words::heredoc_marker(&word.text)
                        .map_err(|message| (message, Span::new(start, last_end)))?;
                    if let Some(marker) = marker {
                        let marker_span = joined.source_span(word.range.clone());
                        let heredoc = self.heredoc_body(marker, marker_span)?;
                        last_end = heredoc.end_span.end();
                        heredocs.push(heredoc);
                    }
                }
                if !heredocs.is_empty() {
                    target.set_heredocs(heredocs);
                    target.set_end(last_end);
                    node.set_end(last_end);
                }
            }
        }
        set_lines(&mut node, self.lines, first.number, self.line_no);
        node.shrink_to_fit();
        self.instructions.push(node);
        Ok(())
    }

    fn heredoc_body(
        &mut self,
        marker: words::Marker,
        marker_span: Span,
    ) -> Result<Heredoc, Failure> {
        let body_start = self.pos;
        let mut body = String::new();
        loop {
            let Some(line) = self.next_line() else {
                return Err(("unterminated heredoc".to_string(), marker_span));
            };
            let mut candidate = self.text(line.start..line.end);
            if marker.chomp {
                candidate = candidate.trim_start_matches('\t');
            }
            if candidate == marker.name {
                return Ok(Heredoc {
                    name: marker.name,
                    strip_tabs: marker.chomp,
                    quoted: marker.quoted,
                    fd: marker.fd,
                    marker_span,
                    body,
                    body_span: Span::new(body_start, line.start),
                    end_span: Span::new(line.start, line.end),
                });
            }
            let raw = self.text(line.start..line.next);
            body.push_str(if marker.chomp {
                raw.trim_start_matches('\t')
            } else {
                raw
            });
        }
    }
}

/// BuildKit's directive pattern on a left-trimmed line: `#`, white space,
/// `name`, `=`, value. Returns the name and value ranges.
fn match_directive(text: &str, base: usize) -> Option<(Range<usize>, Range<usize>)> {
    let after_hash = text.strip_prefix('#')?;
    let name_start = text.len() - after_hash.trim_start().len();
    let rest = &text[name_start..];
    let mut name_len = 0;
    for (i, c) in rest.char_indices() {
        let ok = if i == 0 {
            c.is_ascii_alphabetic()
        } else {
            c.is_ascii_alphanumeric()
        };
        if !ok {
            break;
        }
        name_len = i + 1;
    }
    if name_len == 0 {
        return None;
    }
    let is_space = |c: char| matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ');
    let after_name = &rest[name_len..];
    let after_eq = after_name.trim_start_matches(is_space).strip_prefix('=')?;
    let value_offset = text.len() - after_eq.len();
    let lead = after_eq.len() - after_eq.trim_start_matches(is_space).len();
    let trimmed = after_eq.trim_matches(is_space);
    let value = if !trimmed.is_empty() {
        value_offset + lead..value_offset + lead + trimmed.len()
    } else {
        // Only white space after `=`: the lazy `(.+?)` still takes its last character.
        let last = after_eq.chars().next_back()?;
        text.len() - last.len_utf8()..text.len()
    };
    let name = base + name_start..base + name_start + name_len;
    Some((name, base + value.start..base + value.end))
}

fn join(src: &str, pieces: &[Range<usize>]) -> JoinedText {
    let mut text = String::with_capacity(pieces.iter().map(|r| r.len()).sum());
    let mut out = ThinVec::with_capacity(pieces.len());
    for piece in pieces {
        if piece.is_empty() {
            continue;
        }
        out.push((text.len(), Span::new(piece.start, piece.end)));
        text.push_str(src.get(piece.clone()).unwrap_or(""));
    }
    if out.is_empty() {
        let at = pieces.first().map_or(0, |r| r.start);
        out.push((0, Span::empty(at)));
    }
    JoinedText::new(text.into(), out)
}

/// The instruction whose heredocs follow: RUN, COPY or ADD in shell form, also
/// when wrapped by ONBUILD.
fn heredoc_target(node: &mut Instruction) -> Option<&mut Instruction> {
    let node = match node.args {
        Args::Onbuild(ref mut inner) => inner.as_mut(),
        _ => node,
    };
    let allowed = matches!(node.keyword, Keyword::Run | Keyword::Copy | Keyword::Add);
    (allowed && !node.is_exec_form()).then_some(node)
}

fn word(joined: &JoinedText, range: Range<usize>) -> Word {
    Word {
        value: joined.text.get(range.clone()).unwrap_or("").into(),
        span: joined.source_span(range),
    }
}

/// BuildKit's `newNodeFromLine` over `joined.text[range]`.
fn parse_node(
    joined: &JoinedText,
    range: Range<usize>,
    escape: char,
) -> Result<Instruction, String> {
    let text = joined.text.as_str();
    let line = words::trim_space(text, range);
    let slice = text.get(line.clone()).unwrap_or("");
    let keyword_end = slice
        .find(words::is_ascii_sep)
        .map_or(line.end, |i| line.start + i);
    let keyword_word = word(joined, line.start..keyword_end);
    let keyword = Keyword::from_word(&keyword_word.value);
    // Within one piece of the joined text the source says the same; across a continuation
    // it does not, and the joined form is kept.
    let keyword_span = keyword_word.span;
    let keyword_joined =
        (keyword_span.len() != keyword_end - line.start).then_some(keyword_word.value);
    let mut flags = ThinVec::new();
    let mut rest = line.end..line.end;
    if keyword_end < line.end {
        let after = text.get(keyword_end..line.end).unwrap_or("");
        let args_start = line.end - after.trim_start_matches(words::is_ascii_sep).len();
        let (raw_flags, rest_start) = words::extract_flags(text, args_start..line.end);
        flags = raw_flags.into_iter().map(|f| flag(joined, f)).collect();
        rest = words::trim_space(text, rest_start..line.end);
    }
    let args = parse_args(joined, keyword, rest.clone(), escape)?;
    Ok(Instruction::new(
        keyword,
        // The keyword starts the instruction's span (see `Instruction::keyword_span`).
        keyword_span.len(),
        keyword_joined,
        flags,
        args,
        joined.source_span(line),
        joined.source_span(rest),
    ))
}

fn flag(joined: &JoinedText, raw: RawFlag) -> Flag {
    let body = raw.word.get(2..).unwrap_or("");
    let (name, value) = match body.split_once('=') {
        Some((name, value)) => (
            compact_str::CompactString::from(name),
            Some(compact_str::CompactString::from(value)),
        ),
        None => (compact_str::CompactString::from(body), None),
    };
    let name_start = raw.range.start + 2;
    let (name_end, value_span) = match raw.eq {
        Some(eq) => (eq, Some(joined.source_span(eq + 1..raw.range.end))),
        None => (raw.range.end, None),
    };
    Flag {
        name,
        name_span: joined.source_span(name_start..name_end.max(name_start)),
        value,
        value_span,
        span: joined.source_span(raw.range),
    }
}

/// Word arguments, a single word held in place.
fn words_args(mut words: Vec<Word>) -> Args {
    match (words.len(), words.pop()) {
        (1, Some(only)) => Args::Word(only),
        (_, last) => {
            words.extend(last);
            Args::Words(words.into_boxed_slice())
        }
    }
}

fn parse_args(
    joined: &JoinedText,
    keyword: Keyword,
    rest: Range<usize>,
    escape: char,
) -> Result<Args, String> {
    let text = joined.text.as_str();
    if rest.is_empty() && keyword != Keyword::Unknown {
        return Ok(Args::Empty);
    }
    let words_of = |ranges: Vec<Range<usize>>| -> Vec<Word> {
        ranges.into_iter().map(|r| word(joined, r)).collect()
    };
    Ok(match keyword {
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
            match exec_form(joined, rest.clone())? {
                Some(words) => Args::Exec(words),
                None => Args::Shell(joined.slice(rest)),
            }
        }
        Keyword::Add | Keyword::Copy | Keyword::Volume => match exec_form(joined, rest.clone())? {
            Some(words) => Args::Exec(words),
            None => words_args(words_of(words::split_ascii_ws(text, rest))),
        },
        Keyword::From | Keyword::Expose => words_args(words_of(words::split_ascii_ws(text, rest))),
        Keyword::Arg => words_args(words_of(words::parse_words(text, rest, escape))),
        Keyword::Env | Keyword::Label => key_values(joined, keyword, rest, escape)?,
        Keyword::Maintainer | Keyword::Stopsignal | Keyword::User | Keyword::Workdir => {
            Args::Word(word(joined, rest))
        }
        Keyword::Healthcheck => {
            // BuildKit scans bytes here, so only ASCII white space (and characters
            // Go misreads as white space) separate the kind from the command.
            let slice = text.get(rest.clone()).unwrap_or("");
            let (kind_end, command_start) = match slice
                .char_indices()
                .find(|&(_, c)| words::is_go_byte_space(c))
            {
                Some((i, c)) => (rest.start + i, rest.start + i + c.len_utf8()),
                None => (rest.end, rest.end),
            };
            let after = text.get(command_start..rest.end).unwrap_or("");
            let command = rest.end
                - after
                    .trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}')
                    .len()..rest.end;
            let command = if command.is_empty() {
                Args::Empty
            } else {
                match exec_form(joined, command.clone())? {
                    Some(words) => Args::Exec(words),
                    None => Args::Shell(joined.slice(command)),
                }
            };
            Args::Healthcheck {
                kind: Box::new(word(joined, rest.start..kind_end)),
                command: Box::new(command),
            }
        }
        Keyword::Onbuild => Args::Onbuild(Box::new(parse_node(joined, rest, escape)?)),
        Keyword::Unknown => Args::Shell(joined.slice(rest)),
    })
}

/// The JSON form if the text is a JSON array of strings; `None` to fall back to
/// the other form; an error for a JSON array holding non-strings.
fn exec_form(joined: &JoinedText, rest: Range<usize>) -> Result<Option<Box<[Word]>>, String> {
    let text = joined.text.get(rest.clone()).unwrap_or("");
    match json::parse_array(text) {
        JsonArray::Strings(items) => Ok(Some(
            items
                .into_iter()
                .map(|(value, r)| Word {
                    value: value.into(),
                    span: joined.source_span(rest.start + r.start..rest.start + r.end),
                })
                .collect(),
        )),
        JsonArray::NotStrings => Err(
            "when using JSON array syntax, arrays must be comprised of strings only".to_string(),
        ),
        JsonArray::Invalid => Ok(None),
    }
}

/// BuildKit's `parseNameVal`: `key=value` pairs, or the legacy `key value` form
/// when the first word has no `=`.
fn key_values(
    joined: &JoinedText,
    keyword: Keyword,
    rest: Range<usize>,
    escape: char,
) -> Result<Args, String> {
    let text = joined.text.as_str();
    let found = words::parse_words(text, rest.clone(), escape);
    let Some(first) = found.first() else {
        return Ok(Args::Empty);
    };
    let has_eq = |r: &Range<usize>| text.get(r.clone()).is_some_and(|w| w.contains('='));
    if !has_eq(first) {
        let slice = text.get(rest.clone()).unwrap_or("");
        let Some(sep) = slice.find(words::is_ascii_sep) else {
            return Err(format!("{} must have two arguments", keyword.as_str()));
        };
        let value_start = rest.end - slice[sep..].trim_start_matches(words::is_ascii_sep).len();
        return Ok(Args::KeyValues(Box::new([KeyValue {
            key: word(joined, rest.start..rest.start + sep),
            value: word(joined, value_start..rest.end),
            equals: false,
        }])));
    }
    let mut pairs = Vec::with_capacity(found.len());
    for r in found {
        let w = text.get(r.clone()).unwrap_or("");
        let Some(eq) = w.find('=') else {
            return Err(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                super::dump::go_quote(w)
            ));
        };
        pairs.push(KeyValue {
            key: word(joined, r.start..r.start + eq),
            value: word(joined, r.start + eq + 1..r.end),
            equals: true,
        });
    }
    Ok(Args::KeyValues(pairs.into_boxed_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::buildkit_dump;

    fn ok(source: &str) -> Dockerfile {
        parse(source).unwrap_or_else(|e| panic!("{source:?}: {e}"))
    }

    fn dump(source: &str) -> String {
        buildkit_dump(&ok(source))
    }

    fn shell_text(instruction: &Instruction) -> &str {
        match &instruction.args {
            Args::Shell(joined) => &joined.text,
            other => panic!("not shell form: {other:?}"),
        }
    }

    #[test]
    fn heredoc_kinds() {
        let src = "FROM a\nRUN <<EOF bash\necho $HOME\nEOF\nCOPY <<-\"A\" <<'B' /dst\n\t\tfoo\n\tA\nbar\nB\nRUN 3<<X cat\nx\nX\n";
        let df = ok(src);
        let run = &df.instructions[1];
        assert_eq!(shell_text(run), "<<EOF bash");
        let [doc] = run.heredocs() else {
            panic!("one heredoc expected")
        };
        assert_eq!(
            (doc.name.as_str(), doc.quoted, doc.strip_tabs),
            ("EOF", false, false)
        );
        assert_eq!(doc.body, "echo $HOME\n");
        assert_eq!(df.text(doc.body_span), "echo $HOME\n");
        assert_eq!(df.text(doc.end_span), "EOF");
        assert_eq!(df.text(doc.marker_span), "<<EOF");
        assert_eq!((run.start_line(&df.lines), run.end_line(&df.lines)), (2, 4));

        let copy = &df.instructions[2];
        assert_eq!(copy.heredocs().len(), 2);
        assert_eq!(copy.heredocs()[0].name, "A");
        assert!(copy.heredocs()[0].strip_tabs && copy.heredocs()[0].quoted);
        assert_eq!(copy.heredocs()[0].body, "foo\n");
        assert_eq!(copy.heredocs()[1].body, "bar\n");
        assert!(copy.heredocs()[1].quoted);
        assert!(df.text(copy.span).ends_with("bar\nB"));
        assert_eq!(df.instructions[3].heredocs()[0].fd, 3);
        assert_eq!(df.instructions.len(), 4);
    }

    #[test]
    fn heredoc_markers_need_a_word_of_their_own() {
        let df = ok("FROM a\nRUN echo \"<<EOF\" cat<<EOF <<<EOF\nRUN [\"sh\", \"<<EOF\"]\n");
        assert!(df.instructions.iter().all(|i| i.heredocs().is_empty()));
        assert_eq!(df.instructions.len(), 3);
    }

    #[test]
    fn heredoc_inside_onbuild_and_unterminated_heredoc() {
        let df = ok("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n");
        let Args::Onbuild(inner) = &df.instructions[1].args else {
            panic!("onbuild")
        };
        assert_eq!(inner.heredocs()[0].body, "x\n");
        let err = parse("FROM a\nRUN <<EOF\nx\n").unwrap_err();
        assert_eq!(err.message, "unterminated heredoc");
        assert_eq!((err.line, err.column), (2, 5));
    }

    #[test]
    fn escape_directive_with_backtick_keeps_windows_paths() {
        let src = "# escape=`\nFROM mcr.microsoft.com/windows\nCOPY C:\\foo\\ C:\\bar\\\nRUN dir C:\\ `\n  && echo done\n";
        let df = ok(src);
        assert_eq!(df.escape, '`');
        assert_eq!(df.directives[0].name, "escape");
        assert_eq!(df.text(df.directives[0].value_span), "`");
        let words: Vec<_> = df.instructions[1]
            .words()
            .iter()
            .map(|w| &w.value)
            .collect();
        assert_eq!(words, ["C:\\foo\\", "C:\\bar\\"]);
        assert_eq!(shell_text(&df.instructions[2]), "dir C:\\   && echo done");
    }

    #[test]
    fn directives_only_at_the_top() {
        let df = ok("# syntax=docker/dockerfile:1\n# CHECK = skip=all\n\n# escape=`\nFROM a\n");
        let names: Vec<_> = df.directives.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["syntax", "check"]);
        assert_eq!(df.directives[1].value, "skip=all");
        assert_eq!(df.escape, '\\');
        assert_eq!(df.comments.len(), 1);
        assert!(ok("# hello\n# escape=`\nFROM a\n").escape == '\\');
        assert!(parse("# escape=`\n# escape=\\\nFROM a\n").is_err());
        assert!(parse("# escape=x\nFROM a\n").is_err());
    }

    #[test]
    fn bom_crlf_and_lowercase_keywords() {
        let src = "\u{feff}# escape=`\r\nfrom alpine AS build\r\nrun echo a `\r\n  b\r\n";
        let df = ok(src);
        assert!(df.bom);
        assert_eq!(df.escape, '`');
        assert_eq!(df.instructions[0].keyword, Keyword::From);
        assert_eq!(df.instructions[0].keyword_text(&df.source), "from");
        assert_eq!(shell_text(&df.instructions[1]), "echo a   b");
        assert_eq!(df.text(df.instructions[1].span), "run echo a `\r\n  b");
        assert_eq!(
            dump(src),
            "(from \"alpine\" \"AS\" \"build\")\n(run \"echo a   b\")\n"
        );
    }

    #[test]
    fn continuation_drops_comments_and_blank_lines() {
        let src = "FROM a\nRUN apt-get update \\\n    # ignore=LL101\n\n   \n    && apt-get install -y curl\n";
        let df = ok(src);
        let run = &df.instructions[1];
        let Args::Shell(joined) = &run.args else {
            panic!("shell form")
        };
        assert_eq!(joined.text, "apt-get update     && apt-get install -y curl");
        let at = joined.text.find("&&").unwrap_or_default();
        assert_eq!(df.text(joined.source_span(at..at + 2)), "&&");
        assert_eq!(df.comment_text(&df.comments[0]), "ignore=LL101");
        assert_eq!(df.text(df.comments[0].span), "# ignore=LL101");
        assert_eq!((run.start_line(&df.lines), run.end_line(&df.lines)), (2, 6));
    }

    #[test]
    fn lines_are_kept_only_where_the_span_does_not_give_them() {
        // The RUN's first line holds only a continuation: BuildKit counts it, the span
        // starts at the keyword a line below.
        let df = ok("FROM a\n \\\nRUN x \\\n  y\nONBUILD RUN z\nRUN <<EOF\nb\nEOF\n");
        let lines: Vec<(u32, u32)> = df
            .instructions
            .iter()
            .map(|i| (i.start_line(&df.lines), i.end_line(&df.lines)))
            .collect();
        assert_eq!(lines, [(1, 1), (2, 4), (5, 5), (6, 8)]);
        let Args::Onbuild(inner) = &df.instructions[2].args else {
            panic!("onbuild")
        };
        assert_eq!(
            (inner.start_line(&df.lines), inner.end_line(&df.lines)),
            (5, 5)
        );
        // Only the RUN keeps its lines; the others hold nothing beyond their record.
        let extras: Vec<bool> = df
            .instructions
            .iter()
            .map(Instruction::has_extras)
            .collect();
        assert_eq!(extras, [false, true, false, true]);
        assert_eq!(df.instructions[3].heredocs().len(), 1);
    }

    #[test]
    fn continuation_at_end_of_file_and_escaped_escape() {
        assert_eq!(dump("FROM a\nRUN x \\"), "(from \"a\")\n(run \"x\")\n");
        assert_eq!(
            dump("FROM a\nENV A b\\\\\nENV C d\n"),
            "(from \"a\")\n(env \"A\" \"b\\\\\\\\\" \"\")\n(env \"C\" \"d\" \"\")\n"
        );
    }

    #[test]
    fn flags_for_every_instruction() {
        let src = "FROM --platform=$BUILDPLATFORM golang AS b\nCOPY --link --chmod=755 --from=b /src /dst\nRUN --mount=type=cache,target=/root/.cache,sharing=locked --network=none go build\n";
        let df = ok(src);
        let copy = &df.instructions[1];
        let link = copy.flag("link").expect("--link");
        assert_eq!(
            (link.value.as_deref(), df.text(link.span)),
            (None, "--link")
        );
        let from = copy.flag("from").expect("--from");
        assert_eq!(from.value.as_deref(), Some("b"));
        assert_eq!(df.text(from.name_span), "from");
        assert_eq!(from.value_span.map(|s| df.text(s)), Some("b"));
        let run = &df.instructions[2];
        assert_eq!(shell_text(run), "go build");
        assert_eq!(df.text(run.args_span()), "go build");
        let mounts = run.mounts();
        assert_eq!(mounts.len(), 1);
        assert_eq!(mounts[0].kind, "cache");
        assert_eq!(mounts[0].target(), Some("/root/.cache"));
        assert_eq!(
            df.text(mounts[0].span),
            "type=cache,target=/root/.cache,sharing=locked"
        );
    }

    #[test]
    fn quoted_mount_flag() {
        // Flag quoting is removed first, so CSV quotes must survive it.
        let df = ok("FROM a\nRUN --mount='type=bind,\"target=/a,b\"' ls\n");
        let mounts = df.instructions[1].mounts();
        assert_eq!(mounts[0].target(), Some("/a,b"));
    }

    #[test]
    fn json_form_and_fallbacks() {
        let df = ok("FROM a\nCMD [\"a\", \"b c\"]\nCMD ['a']\nCOPY [\"a b\", \"/c\"]\nENTRYPOINT [\"x\"] trailing\n");
        let cmd = &df.instructions[1];
        assert!(cmd.is_exec_form());
        assert_eq!(df.text(cmd.words()[1].span), "\"b c\"");
        assert_eq!(shell_text(&df.instructions[2]), "['a']");
        assert_eq!(df.instructions[3].words()[0].value, "a b");
        assert!(df.instructions[4].is_exec_form());
        let err = parse("FROM a\nCMD [\"a\", [\"b\"]]\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn env_label_arg_and_friends() {
        let src = "FROM a\nENV A=\"x y\" B=z\nENV C d e\nLABEL k=v\nARG V=1 W\nUSER a b\nONBUILD RUN x\nHEALTHCHECK NONE\nFOO --x bar\nMAINTAINER me\n";
        assert_eq!(
            dump(src),
            "(from \"a\")\n(env \"A\" \"\\\"x y\\\"\" \"=\" \"B\" \"z\" \"=\")\n(env \"C\" \"d e\" \"\")\n(label \"k\" \"v\" \"=\")\n(arg \"V=1\" \"W\")\n(user \"a b\")\n(onbuild (run \"x\"))\n(healthcheck \"NONE\")\n(foo [\"--x\"] \"\")\n(maintainer \"me\")\n"
        );
        assert!(parse("FROM a\nENV PATH\n").is_err());
        assert!(parse("FROM a\nLABEL k\n").is_err());
        assert!(parse("FROM a\nENV a=b c\n").is_err());
        assert!(parse("").is_err());
        assert!(parse("# only\n\n").is_err());
    }

    #[test]
    fn spans_slice_the_source_and_reconstruct_is_lossless() {
        let src = "\u{feff}FROM a\r\nRUN é \\\n  # c\n  ü\nCOPY <<E /x\nbody\nE\n  WORKDIR /w  \n";
        let df = ok(src);
        assert_eq!(df.reconstruct(), src);
        let texts: Vec<_> = df.instructions.iter().map(|i| df.text(i.span)).collect();
        assert_eq!(
            texts,
            [
                "FROM a",
                "RUN é \\\n  # c\n  ü",
                "COPY <<E /x\nbody\nE",
                "WORKDIR /w  "
            ]
        );
        for instruction in &df.instructions {
            assert_eq!(
                df.text(instruction.keyword_span()),
                instruction.keyword_text(&df.source)
            );
            assert!(instruction.keyword_joined().is_none());
        }
    }

    #[test]
    fn a_keyword_split_by_a_continuation_keeps_its_joined_form() {
        let df = parse("FROM a\nRU\\\nN echo hi\nonbu\\\nild ru\\\nn x\n").unwrap();
        let texts: Vec<&str> = df
            .instructions
            .iter()
            .map(|i| i.keyword_text(&df.source))
            .collect();
        assert_eq!(texts, ["FROM", "RUN", "onbuild"]);
        assert_eq!(df.instructions[1].keyword, Keyword::Run);
        assert_eq!(df.text(df.instructions[1].keyword_span()), "RU\\\nN");
        let Args::Onbuild(inner) = &df.instructions[2].args else {
            panic!("ONBUILD wraps an instruction");
        };
        assert_eq!(inner.keyword_text(&df.source), "run");
        assert!(df.instructions[0].keyword_joined().is_none());
    }

    #[test]
    fn never_panics_on_odd_input() {
        let inputs = [
            "\\",
            "`",
            "#",
            "\u{feff}",
            "RUN",
            "RUN [",
            "RUN <<",
            "RUN <<-",
            "COPY <<\"",
            "ENV \"",
            "ARG \\",
            "HEALTHCHECK",
            "ONBUILD",
            "ONBUILD ONBUILD",
            "RUN --",
            "RUN --\"",
            "RUN --a\\",
            "\r\r\n",
            "FROM a\nRUN ${",
            "RUN ${X:-<<A}",
            "é\u{a0}--x é",
            "HEALTHCHECK é\u{a0}CMD",
        ];
        for input in inputs {
            let _ = parse(input);
            let _ = parse(&format!("FROM a\n{input}\n"));
        }
    }

    #[test]
    fn long_continuations_and_many_heredocs_parse() {
        let mut src = String::from("FROM a\nRUN true \\\n");
        for _ in 0..100_000 {
            src.push_str("  && x \\\n");
        }
        src.push_str("  && y\nRUN");
        for i in 0..10_000 {
            src.push_str(&format!(" <<E{i}"));
        }
        src.push('\n');
        for i in 0..10_000 {
            src.push_str(&format!("body\nE{i}\n"));
        }
        let df = ok(&src);
        assert_eq!(df.instructions[2].heredocs().len(), 10_000);
    }
}
