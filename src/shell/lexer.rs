//! Tokens of a shell script: words (quote-removed), operators, redirections.
//!
//! The lexer never fails: an unterminated quote, substitution or here-document runs to the
//! end of the text and sets `unterminated`. It works on bytes and only ever stops at ASCII
//! bytes or at the end, so every range it returns lies on UTF-8 character boundaries.

use std::ops::Range;

/// A word as lexed, with what the parser needs beyond [`super::ShellWord`].
#[derive(Debug, Clone)]
pub(super) struct Word {
    /// Short values stay inline: a script of many short words would otherwise hold a heap
    /// string per word while it is parsed.
    pub value: compact_str::CompactString,
    pub range: Range<usize>,
    pub has_expansion: bool,
    /// No quotes, escapes or expansions: the word may be a reserved word (`if`, `done`).
    pub plain: bool,
    /// Where the value can be found verbatim in the text (`Some(o)`: `value == text[o..o + len]`),
    /// which makes positions inside it exact to map back.
    pub verbatim_at: Option<usize>,
}

impl Word {
    pub fn into_shell_word(self) -> super::ShellWord {
        super::ShellWord {
            value: self.value,
            range: self.range.into(),
            has_expansion: self.has_expansion,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    And,
    Or,
    /// `;`
    Semi,
    /// `;;`, `;&`, `;;&`: end of a `case` item.
    CaseEnd,
    /// `|` or `|&`
    Pipe,
    Amp,
    LParen,
    RParen,
}

#[derive(Debug, Clone)]
pub(super) enum Tok {
    Word(Word),
    Op(Op, Range<usize>),
    Redir {
        fd: Option<String>,
        op: &'static str,
        range: Range<usize>,
    },
    /// `(( … ))` arithmetic command.
    Arith,
    Newline,
    Eof,
}

struct PendingHeredoc {
    delimiter: String,
    strip_tabs: bool,
}

pub(super) struct Lexer<'s> {
    text: &'s str,
    bytes: &'s [u8],
    pos: usize,
    end: usize,
    pub unterminated: bool,
    /// Bodies of `$(…)`, `` `…` ``, `<(…)` and `>(…)` met so far, for the parser to analyse.
    pub substitutions: Vec<Range<usize>>,
    heredocs: Vec<PendingHeredoc>,
    /// When set, records for each value byte of the words lexed the text it was written as
    /// (one byte, or a whole escape); used to map an `sh -c` script back to the outer text.
    pub value_map: Option<Vec<Range<usize>>>,
}

/// Accumulates a word's value.
struct WordBuf {
    bytes: Vec<u8>,
    first: Option<usize>,
    verbatim: bool,
    has_expansion: bool,
    plain: bool,
}

impl WordBuf {
    fn new() -> Self {
        WordBuf {
            bytes: Vec::with_capacity(32),
            first: None,
            verbatim: true,
            has_expansion: false,
            plain: true,
        }
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r')
}

/// Bytes that end an unquoted word.
fn ends_word(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

/// Bytes that need a closer look inside an unquoted word.
fn special_in_word(b: u8) -> bool {
    ends_word(b) || matches!(b, b'\'' | b'"' | b'\\' | b'$' | b'`')
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Length of the UTF-8 sequence a leading byte starts (1 for stray continuation bytes).
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Whether the word written so far is an assignment prefix (`NAME=` / `NAME+=`), after which
/// `(` opens an array value rather than ending the word.
fn is_assignment_prefix(raw: &[u8]) -> bool {
    let Some(stripped) = raw.strip_suffix(b"=") else {
        return false;
    };
    let name = stripped.strip_suffix(b"+").unwrap_or(stripped);
    matches!(name.first(), Some(&b) if is_name_start(b)) && name.iter().all(|&b| is_name_char(b))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Nest {
    Paren,
    Brace,
    DoubleQuote,
    Backquote,
}

impl<'s> Lexer<'s> {
    pub fn new(text: &'s str, range: Range<usize>) -> Self {
        let bytes = text.as_bytes();
        let end = range.end.min(bytes.len());
        Lexer {
            text,
            bytes,
            pos: range.start.min(end),
            end,
            unterminated: false,
            substitutions: Vec::new(),
            heredocs: Vec::new(),
            value_map: None,
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        if i < self.end {
            self.bytes.get(i).copied()
        } else {
            None
        }
    }

    fn starts_with(&self, i: usize, s: &[u8]) -> bool {
        i + s.len() <= self.end && self.bytes.get(i..i + s.len()) == Some(s)
    }

    /// The text of a range, e.g. an operator where operators are plain words (`[[ a < b ]]`).
    pub fn text(&self, range: Range<usize>) -> String {
        self.text.get(range).unwrap_or_default().to_owned()
    }

    /// Registers a here-document whose body starts after the next newline.
    pub fn push_heredoc(&mut self, delimiter: String, strip_tabs: bool) {
        self.heredocs.push(PendingHeredoc {
            delimiter,
            strip_tabs,
        });
    }

    /// A backslash, optional blanks, then a newline. Trailing blanks after the backslash are
    /// accepted between words because BuildKit accepts them in Dockerfile continuations and
    /// authors carry the habit into scripts.
    fn continuation_len(&self, i: usize, allow_blanks: bool) -> Option<usize> {
        if self.at(i) != Some(b'\\') {
            return None;
        }
        let mut j = i + 1;
        if allow_blanks {
            while self.at(j).is_some_and(is_blank) {
                j += 1;
            }
        } else if self.at(j) == Some(b'\r') {
            j += 1;
        }
        (self.at(j) == Some(b'\n')).then_some(j + 1 - i)
    }

    /// The next token. `command_start` enables `((` as an arithmetic command.
    pub fn next_token(&mut self, command_start: bool) -> Tok {
        loop {
            match self.at(self.pos) {
                Some(b) if is_blank(b) => self.pos += 1,
                Some(b'\\') => match self.continuation_len(self.pos, true) {
                    Some(n) => self.pos += n,
                    None => break,
                },
                Some(b'#') => {
                    while self.at(self.pos).is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let start = self.pos;
        let Some(b) = self.at(start) else {
            return Tok::Eof;
        };
        let next = self.at(start + 1);
        let op = |lexer: &mut Self, op: Op, len: usize| {
            lexer.pos = start + len;
            Tok::Op(op, start..start + len)
        };
        match b {
            b'\n' => {
                self.pos += 1;
                self.skip_heredoc_bodies();
                Tok::Newline
            }
            b';' => {
                if self.starts_with(start, b";;&") {
                    op(self, Op::CaseEnd, 3)
                } else if matches!(next, Some(b';' | b'&')) {
                    op(self, Op::CaseEnd, 2)
                } else {
                    op(self, Op::Semi, 1)
                }
            }
            b'&' => match next {
                Some(b'&') => op(self, Op::And, 2),
                Some(b'>') => self.redirect(start, None),
                _ => op(self, Op::Amp, 1),
            },
            b'|' => match next {
                Some(b'|') => op(self, Op::Or, 2),
                Some(b'&') => op(self, Op::Pipe, 2),
                _ => op(self, Op::Pipe, 1),
            },
            b'(' if command_start && next == Some(b'(') => {
                self.pos = self.skip_nested(start, Nest::Paren);
                Tok::Arith
            }
            b'(' => op(self, Op::LParen, 1),
            b')' => op(self, Op::RParen, 1),
            b'<' | b'>' if next == Some(b'(') => self.word_token(),
            b'<' | b'>' => self.redirect(start, None),
            _ => self.word_token(),
        }
    }

    fn word_token(&mut self) -> Tok {
        let word = self.word();
        // `2>file`, `{fd}>&-`: a descriptor written right before a redirection operator.
        if word.plain
            && matches!(self.at(self.pos), Some(b'<' | b'>'))
            && self.at(self.pos + 1) != Some(b'(')
        {
            let v = word.value.as_bytes();
            let is_fd = (!v.is_empty() && v.iter().all(u8::is_ascii_digit))
                || (v.len() > 2
                    && v.first() == Some(&b'{')
                    && v.last() == Some(&b'}')
                    && v[1..v.len() - 1].iter().all(|&b| is_name_char(b)));
            if is_fd {
                return self.redirect(word.range.start, Some(word.value.into()));
            }
        }
        Tok::Word(word)
    }

    fn redirect(&mut self, start: usize, fd: Option<String>) -> Tok {
        // Longest first, so that `<<-` is not read as `<<` then `-`.
        const OPS: [&str; 12] = [
            "&>>", "<<<", "<<-", "&>", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">",
        ];
        let at = self.pos;
        let op = OPS
            .iter()
            .find(|op| self.starts_with(at, op.as_bytes()))
            .copied()
            .unwrap_or(">");
        self.pos = (at + op.len()).min(self.end);
        Tok::Redir {
            fd,
            op,
            range: start..self.pos,
        }
    }

    /// Skips the bodies of the here-documents opened on the line just ended.
    fn skip_heredoc_bodies(&mut self) {
        for doc in std::mem::take(&mut self.heredocs) {
            loop {
                if self.pos >= self.end {
                    self.unterminated = true;
                    break;
                }
                let line_start = self.pos;
                let mut line_end = line_start;
                while self.at(line_end).is_some_and(|b| b != b'\n') {
                    line_end += 1;
                }
                self.pos = (line_end + 1).min(self.end);
                let mut line = self.bytes.get(line_start..line_end).unwrap_or_default();
                if let Some(l) = line.strip_suffix(b"\r") {
                    line = l;
                }
                if doc.strip_tabs {
                    while let Some(l) = line.strip_prefix(b"\t") {
                        line = l;
                    }
                }
                if line == doc.delimiter.as_bytes() {
                    break;
                }
            }
        }
    }

    fn push_text(&mut self, w: &mut WordBuf, from: usize, to: usize) {
        let to = to.min(self.end);
        if from >= to {
            return;
        }
        match w.first {
            None if w.bytes.is_empty() => w.first = Some(from),
            Some(first) if first + w.bytes.len() == from => {}
            _ => w.verbatim = false,
        }
        w.bytes
            .extend_from_slice(self.bytes.get(from..to).unwrap_or_default());
        if let Some(map) = &mut self.value_map {
            map.extend((from..to).map(|p| p..p + 1));
        }
    }

    /// The character at `from..to`, escaped by the backslash at `backslash`.
    fn push_escaped(&mut self, w: &mut WordBuf, backslash: usize, from: usize, to: usize) {
        let mapped = self.value_map.as_ref().map(Vec::len);
        self.push_text(w, from, to);
        if let (Some(first), Some(map)) = (mapped, &mut self.value_map) {
            if let Some(entry) = map.get_mut(first) {
                entry.start = backslash;
            }
        }
    }

    /// A byte that is not in the text as such, decoded from the escape at `written` (`$'\n'`).
    fn push_decoded(&mut self, w: &mut WordBuf, byte: u8, written: Range<usize>) {
        w.verbatim = false;
        w.bytes.push(byte);
        if let Some(map) = &mut self.value_map {
            map.push(written);
        }
    }

    /// Lexes one word starting at the current position.
    fn word(&mut self) -> Word {
        let start = self.pos;
        if let Some(word) = self.plain_word() {
            return word;
        }
        let mut w = WordBuf::new();
        if matches!(self.at(start), Some(b'<' | b'>')) && self.at(start + 1) == Some(b'(') {
            self.substitution(&mut w, start, start + 1);
        }
        while let Some(b) = self.at(self.pos) {
            match b {
                b'(' => {
                    // `NAME=(a b)` arrays and `!(x)`-style globs keep their parentheses.
                    let raw = self.bytes.get(start..self.pos).unwrap_or_default();
                    let glob = self.pos > start
                        && matches!(
                            self.bytes.get(self.pos - 1),
                            Some(b'@' | b'!' | b'+' | b'*' | b'?')
                        );
                    if !glob && !is_assignment_prefix(raw) {
                        break;
                    }
                    let end = self.skip_nested(self.pos, Nest::Paren);
                    self.push_text(&mut w, self.pos, end);
                    self.pos = end;
                }
                b if ends_word(b) => break,
                b'\'' => {
                    w.plain = false;
                    self.single_quoted(&mut w);
                }
                b'"' => {
                    w.plain = false;
                    self.double_quoted(&mut w);
                }
                b'\\' => {
                    w.plain = false;
                    self.escape(&mut w, true);
                }
                b'$' => self.dollar(&mut w, false),
                b'`' => self.backquoted(&mut w),
                _ => {
                    let from = self.pos;
                    while self.at(self.pos).is_some_and(|b| !special_in_word(b)) {
                        self.pos += 1;
                    }
                    self.push_text(&mut w, from, self.pos);
                }
            }
        }
        let value = String::from_utf8(w.bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            .into();
        Word {
            value,
            range: start..self.pos,
            has_expansion: w.has_expansion,
            plain: w.plain,
            verbatim_at: w.verbatim.then_some(w.first.unwrap_or(start)),
        }
    }

    /// Most words are plain text up to a blank or an operator: those are copied in one go.
    fn plain_word(&mut self) -> Option<Word> {
        if self.value_map.is_some() {
            return None;
        }
        let start = self.pos;
        let mut end = start;
        while self.at(end).is_some_and(|b| !special_in_word(b)) {
            end += 1;
        }
        // `(` may continue the word (`A=(…)`, `@(…)`); anything else special needs decoding.
        if end == start || self.at(end).is_some_and(|b| b == b'(' || !ends_word(b)) {
            return None;
        }
        let value = compact_str::CompactString::from(self.text.get(start..end)?);
        self.pos = end;
        Some(Word {
            value,
            range: start..end,
            has_expansion: false,
            plain: true,
            verbatim_at: Some(start),
        })
    }

    /// A backslash outside quotes (`any`) or inside double quotes (only `$`, `` ` ``, `"`, `\`
    /// and newline are escaped there).
    fn escape(&mut self, w: &mut WordBuf, any: bool) {
        let at = self.pos;
        if let Some(n) = self.continuation_len(at, false) {
            self.pos += n;
            return;
        }
        match self.at(at + 1) {
            Some(next) if any || matches!(next, b'$' | b'`' | b'"' | b'\\') => {
                let len = char_len(next);
                self.push_escaped(w, at, at + 1, at + 1 + len);
                self.pos = (at + 1 + len).min(self.end);
            }
            _ => {
                self.push_text(w, at, at + 1);
                self.pos = at + 1;
            }
        }
    }

    fn single_quoted(&mut self, w: &mut WordBuf) {
        let open = self.pos;
        let mut i = open + 1;
        while self.at(i).is_some_and(|b| b != b'\'') {
            i += 1;
        }
        self.push_text(w, open + 1, i);
        if i >= self.end {
            self.unterminated = true;
            self.pos = self.end;
        } else {
            self.pos = i + 1;
        }
    }

    fn double_quoted(&mut self, w: &mut WordBuf) {
        self.pos += 1;
        loop {
            match self.at(self.pos) {
                None => {
                    self.unterminated = true;
                    return;
                }
                Some(b'"') => {
                    self.pos += 1;
                    return;
                }
                Some(b'\\') => self.escape(w, false),
                Some(b'$') => self.dollar(w, true),
                Some(b'`') => self.backquoted(w),
                Some(_) => {
                    let from = self.pos;
                    while self
                        .at(self.pos)
                        .is_some_and(|b| !matches!(b, b'"' | b'\\' | b'$' | b'`'))
                    {
                        self.pos += 1;
                    }
                    self.push_text(w, from, self.pos);
                }
            }
        }
    }

    fn dollar(&mut self, w: &mut WordBuf, in_double_quotes: bool) {
        let at = self.pos;
        match self.at(at + 1) {
            Some(b'(') if self.at(at + 2) == Some(b'(') => {
                w.plain = false;
                w.has_expansion = true;
                let end = self.skip_nested(at + 1, Nest::Paren);
                self.push_text(w, at, end);
                self.pos = end;
            }
            Some(b'(') => self.substitution(w, at, at + 1),
            Some(b'{') => {
                w.plain = false;
                w.has_expansion = true;
                let end = self.skip_nested(at + 1, Nest::Brace);
                self.push_text(w, at, end);
                self.pos = end;
            }
            Some(b'\'') if !in_double_quotes => {
                w.plain = false;
                self.ansi_c_quoted(w);
            }
            Some(b'"') if !in_double_quotes => {
                // `$"…"` (a translatable string) is a double-quoted string for our purposes.
                w.plain = false;
                self.pos += 1;
                self.double_quoted(w);
            }
            Some(b) if is_name_start(b) => {
                w.plain = false;
                w.has_expansion = true;
                let mut end = at + 1;
                while self.at(end).is_some_and(is_name_char) {
                    end += 1;
                }
                self.push_text(w, at, end);
                self.pos = end;
            }
            Some(b) if b.is_ascii_digit() || b"@*#?$!-".contains(&b) => {
                w.plain = false;
                w.has_expansion = true;
                self.push_text(w, at, at + 2);
                self.pos = at + 2;
            }
            _ => {
                self.push_text(w, at, at + 1);
                self.pos = at + 1;
            }
        }
    }

    /// `$(…)`, `<(…)` or `>(…)` starting at `at`, whose `(` is at `open`: kept as written,
    /// its body recorded for the parser.
    fn substitution(&mut self, w: &mut WordBuf, at: usize, open: usize) {
        w.plain = false;
        w.has_expansion = true;
        let end = self.skip_nested(open, Nest::Paren);
        let body_end = if self.bytes.get(end.wrapping_sub(1)) == Some(&b')') && end > open + 1 {
            end - 1
        } else {
            end
        };
        self.substitutions.push(open + 1..body_end.max(open + 1));
        self.push_text(w, at, end);
        self.pos = end;
    }

    fn backquoted(&mut self, w: &mut WordBuf) {
        w.plain = false;
        w.has_expansion = true;
        let open = self.pos;
        let mut i = open + 1;
        loop {
            match self.at(i) {
                None => {
                    self.unterminated = true;
                    break;
                }
                Some(b'\\') => i += 2,
                Some(b'`') => break,
                Some(_) => i += 1,
            }
        }
        let body_end = i.min(self.end);
        self.substitutions.push(open + 1..body_end.max(open + 1));
        let end = (body_end + 1).min(self.end);
        self.push_text(w, open, end);
        self.pos = end;
    }

    /// `$'…'`: the value gets the decoded characters.
    fn ansi_c_quoted(&mut self, w: &mut WordBuf) {
        let mut i = self.pos + 2;
        loop {
            let Some(b) = self.at(i) else {
                self.unterminated = true;
                break;
            };
            match b {
                b'\'' => {
                    i += 1;
                    break;
                }
                b'\\' => {
                    let Some(e) = self.at(i + 1) else {
                        self.push_text(w, i, i + 1);
                        i += 1;
                        continue;
                    };
                    let simple = match e {
                        b'n' => Some(b'\n'),
                        b't' => Some(b'\t'),
                        b'r' => Some(b'\r'),
                        b'a' => Some(7),
                        b'b' => Some(8),
                        b'e' | b'E' => Some(27),
                        b'f' => Some(12),
                        b'v' => Some(11),
                        b'\\' | b'\'' | b'"' | b'?' => Some(e),
                        _ => None,
                    };
                    if let Some(byte) = simple {
                        self.push_decoded(w, byte, i..i + 2);
                        i += 2;
                    } else if e == b'x' || (b'0'..=b'7').contains(&e) {
                        let (radix, max, first) = if e == b'x' {
                            (16, 2, i + 2)
                        } else {
                            (8, 3, i + 1)
                        };
                        let mut value: u32 = 0;
                        let mut j = first;
                        while j < first + max {
                            match self.at(j).and_then(|d| (d as char).to_digit(radix)) {
                                Some(d) => value = value * radix + d,
                                None => break,
                            }
                            j += 1;
                        }
                        if j == first {
                            self.push_text(w, i, i + 2);
                            i += 2;
                        } else {
                            self.push_decoded(w, (value & 0xFF) as u8, i..j);
                            i = j;
                        }
                    } else {
                        // Unknown escapes stay as written, backslash included.
                        let len = char_len(e);
                        self.push_text(w, i, i + 1 + len);
                        i += 1 + len;
                    }
                }
                _ => {
                    let from = i;
                    while self.at(i).is_some_and(|b| b != b'\'' && b != b'\\') {
                        i += 1;
                    }
                    self.push_text(w, from, i);
                }
            }
        }
        self.pos = i.min(self.end);
    }

    /// End (exclusive) of the group opened at `open` (`(` or `{`), past nested groups,
    /// quotes, substitutions and comments. Iterative with an explicit stack, so hostile
    /// nesting cannot exhaust the call stack.
    fn skip_nested(&mut self, open: usize, first: Nest) -> usize {
        let mut stack = vec![first];
        let mut i = open + 1;
        while let Some(&top) = stack.last() {
            let Some(b) = self.at(i) else {
                self.unterminated = true;
                return self.end;
            };
            let next = self.at(i + 1);
            match top {
                Nest::DoubleQuote => match b {
                    b'\\' => i += 1,
                    b'"' => {
                        stack.pop();
                    }
                    b'$' if next == Some(b'(') => {
                        stack.push(Nest::Paren);
                        i += 1;
                    }
                    b'$' if next == Some(b'{') => {
                        stack.push(Nest::Brace);
                        i += 1;
                    }
                    b'`' => stack.push(Nest::Backquote),
                    _ => {}
                },
                Nest::Backquote => match b {
                    b'\\' => i += 1,
                    b'`' => {
                        stack.pop();
                    }
                    _ => {}
                },
                Nest::Paren | Nest::Brace => match b {
                    b'\\' => i += 1,
                    b'\'' => {
                        i += 1;
                        while self.at(i).is_some_and(|b| b != b'\'') {
                            i += 1;
                        }
                    }
                    b'"' => stack.push(Nest::DoubleQuote),
                    b'`' => stack.push(Nest::Backquote),
                    b'$' if next == Some(b'(') => {
                        stack.push(Nest::Paren);
                        i += 1;
                    }
                    b'$' if next == Some(b'{') => {
                        stack.push(Nest::Brace);
                        i += 1;
                    }
                    b'(' if top == Nest::Paren => stack.push(Nest::Paren),
                    b')' if top == Nest::Paren => {
                        stack.pop();
                    }
                    b'{' if top == Nest::Brace => stack.push(Nest::Brace),
                    b'}' if top == Nest::Brace => {
                        stack.pop();
                    }
                    b'#' if top == Nest::Paren
                        && matches!(
                            self.bytes.get(i.wrapping_sub(1)),
                            Some(b' ' | b'\t' | b'\n')
                        ) =>
                    {
                        while self.at(i + 1).is_some_and(|b| b != b'\n') {
                            i += 1;
                        }
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        i.min(self.end)
    }
}

/// For the word written at `range`, the text each byte of its value was written as.
pub(super) fn value_positions(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut lexer = Lexer::new(text, range);
    lexer.value_map = Some(Vec::new());
    lexer.word();
    lexer.value_map.unwrap_or_default()
}
