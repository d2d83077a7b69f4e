//! The word splitters BuildKit's parser applies to an instruction line. All work on
//! byte ranges of the joined line so every word keeps its place in the source.

use std::ops::Range;

/// The separator of BuildKit's `reWhitespace` (`[\t\v\f\r ]+`).
pub(crate) fn is_ascii_sep(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// Go's `strings.TrimSpace` (Unicode white space) over `text[range]`.
pub(crate) fn trim_space(text: &str, range: Range<usize>) -> Range<usize> {
    let Some(slice) = text.get(range.clone()) else {
        return range.start..range.start;
    };
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.start + slice.trim_end().len();
    start..end.max(start)
}

/// Go's `reWhitespace.Split(text[range], -1)` for text without leading or
/// trailing separators: the ranges of the pieces.
pub(crate) fn split_ascii_ws(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let Some(slice) = text.get(range.clone()) else {
        return out;
    };
    let mut start = None;
    for (i, c) in slice.char_indices() {
        match (is_ascii_sep(c), start) {
            (true, Some(s)) => {
                out.push(range.start + s..range.start + i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(range.start + s..range.end);
    }
    out
}

/// BuildKit's `parseWords`: words split on white space, quotes and escapes kept as
/// written. Each word is a range of `text`; only a dangling escape character at the
/// very end is left out, so the word's value is always `text[range]`.
pub(crate) fn parse_words(text: &str, range: Range<usize>, escape: char) -> Vec<Range<usize>> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut words = Vec::new();
    let Some(slice) = text.get(range.clone()) else {
        return words;
    };
    let base = range.start;
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut start = 0;
    // End of the word's text so far (exclusive), relative to `slice`.
    let mut end = 0;
    let mut chars = slice.char_indices().peekable();
    while let Some((pos, ch)) = chars.next() {
        let next_pos = pos + ch.len_utf8();
        let at_end = next_pos == slice.len();
        if phase == Phase::Spaces {
            if ch.is_whitespace() {
                continue;
            }
            phase = Phase::Word;
            start = pos;
            end = pos;
        }
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || end > start {
                    words.push(base + start..base + end);
                }
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if at_end {
                    continue;
                }
                // The escaped character joins the word whatever it is.
                if let Some((p, c)) = chars.next() {
                    end = p + c.len_utf8();
                    continue;
                }
            }
            end = next_pos;
            continue;
        }
        // Inside quotes.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if at_end {
                phase = Phase::Word;
                continue;
            }
            if let Some((p, c)) = chars.next() {
                end = p + c.len_utf8();
                continue;
            }
        }
        end = next_pos;
    }
    if phase != Phase::Spaces && (blank_ok || end > start) {
        words.push(base + start..base + end);
    }
    words
}

/// A `--name[=value]` option found by [`extract_flags`].
pub(crate) struct RawFlag {
    /// The word with quotes and escapes removed, e.g. `--mount=type=cache`.
    pub word: String,
    /// The whole word as written.
    pub range: Range<usize>,
    /// Where the first `=` of `word` was written, if any.
    pub eq: Option<usize>,
}

/// BuildKit's `extractBuilderFlags`: leading words starting with `--` are flags
/// (quotes removed, `\` escapes the next character); a bare `--` ends them.
/// Returns the flags and where the remaining arguments start.
pub(crate) fn extract_flags(text: &str, range: Range<usize>) -> (Vec<RawFlag>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut flags = Vec::new();
    let Some(slice) = text.get(range.clone()) else {
        return (flags, range.end);
    };
    let base = range.start;
    let bytes = slice.as_bytes();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut start = 0;
    let mut eq = None;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut chars = slice.char_indices();
    loop {
        let Some((pos, ch)) = chars.next() else {
            if phase != Phase::Spaces && word != "--" && (blank_ok || !word.is_empty()) {
                flags.push(RawFlag {
                    word,
                    range: base + start..range.end,
                    eq,
                });
            }
            return (flags, range.end);
        };
        if phase == Phase::Spaces {
            if ch.is_ascii_whitespace() || ch == '\u{b}' {
                continue;
            }
            if ch != '-' || bytes.get(pos + 1) != Some(&b'-') {
                return (flags, base + pos);
            }
            phase = Phase::Word;
            start = pos;
        }
        let mut ch = ch;
        if phase == Phase::Word {
            if is_go_byte_space(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (flags, base + pos);
                }
                if blank_ok || !word.is_empty() {
                    flags.push(RawFlag {
                        word: std::mem::take(&mut word),
                        range: base + start..base + pos,
                        eq: eq.take(),
                    });
                }
                word.clear();
                eq = None;
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                continue;
            }
        } else if ch == quote {
            phase = Phase::Word;
            continue;
        }
        let mut at = pos;
        if ch == '\\' {
            match chars.next() {
                Some((p, c)) => {
                    at = p;
                    ch = c;
                }
                // A backslash at the very end is dropped.
                None => {
                    phase = Phase::Word;
                    continue;
                }
            }
        }
        if ch == '=' && eq.is_none() {
            eq = Some(base + at);
        }
        word.push(ch);
    }
}

/// Whether BuildKit's byte-wise scan (`unicode.IsSpace(rune(b))`) sees white space
/// in this character: ASCII white space, or a multi-byte character holding a
/// 0x85 or 0xA0 byte, which Go mistakes for NEL or NBSP.
pub(crate) fn is_go_byte_space(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_whitespace() || c == '\u{b}';
    }
    let mut buf = [0; 4];
    c.encode_utf8(&mut buf)
        .bytes()
        .skip(1)
        .any(|b| b == 0x85 || b == 0xA0)
}

/// Reads `${...}` after the `${` the way BuildKit's lexer does, far enough to
/// know whether it fails; returns the position after the closing brace.
fn skip_braced_var(text: &str, from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    let mut chars = rest.char_indices().peekable();
    let (_, first) = *chars.peek()?;
    if matches!(first, '{' | '}' | ':') {
        return None;
    }
    if first.is_ascii_digit() {
        while chars.next_if(|&(_, c)| c.is_ascii_digit()).is_some() {}
    } else if matches!(first, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
        chars.next();
    } else {
        while chars
            .next_if(|&(_, c)| c.is_alphanumeric() || c == '_')
            .is_some()
        {}
    }
    let (i, c) = chars.next()?;
    match c {
        '}' => Some(from + i + 1),
        ':' | '?' | '#' | '%' | '/' => {
            let close = rest.get(i + 1..)?.find('}')?;
            Some(from + i + 1 + close + 1)
        }
        _ => None,
    }
}

/// A word of the line as BuildKit's shell lexer splits it when looking for heredocs.
pub(crate) struct ShellWord {
    pub text: String,
    pub range: Range<usize>,
}

/// BuildKit's shell word splitting (escape `\`), reduced to what heredoc detection
/// needs: quotes group, `\` escapes, `${...}` is one unit (and fails where the
/// lexer fails on it), `$` is otherwise literal.
/// `raw_quotes`/`raw_escapes` keep quote and escape characters in the words.
/// `None` when a quote or `${` is left open, as the lexer then fails.
pub(crate) fn shell_words(
    text: &str,
    base: usize,
    raw_quotes: bool,
    raw_escapes: bool,
) -> Option<Vec<ShellWord>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((pos, ch)) = chars.next() {
        if ch.is_whitespace() {
            if let Some(s) = start.take() {
                if !word.is_empty() {
                    words.push(ShellWord {
                        text: std::mem::take(&mut word),
                        range: base + s..base + end,
                    });
                }
            }
            continue;
        }
        start.get_or_insert(pos);
        end = pos + ch.len_utf8();
        match ch {
            '\\' => {
                if raw_escapes {
                    word.push(ch);
                }
                if let Some((p, c)) = chars.next() {
                    word.push(c);
                    end = p + c.len_utf8();
                }
            }
            '\'' => {
                if raw_quotes {
                    word.push(ch);
                }
                loop {
                    let (p, c) = chars.next()?;
                    end = p + c.len_utf8();
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
                if raw_quotes {
                    word.push('\'');
                }
            }
            '"' => {
                if raw_quotes {
                    word.push(ch);
                }
                loop {
                    let (p, c) = chars.next()?;
                    end = p + c.len_utf8();
                    match c {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&(_, c2 @ ('"' | '$' | '\\'))) => {
                                chars.next();
                                if raw_escapes {
                                    word.push('\\');
                                }
                                word.push(c2);
                            }
                            Some(_) => word.push('\\'),
                            None => {}
                        },
                        _ => word.push(c),
                    }
                }
                if raw_quotes {
                    word.push('"');
                }
            }
            '$' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                let close = skip_braced_var(text, pos + 2)?;
                word.push_str(text.get(pos..close)?);
                end = close;
                while chars.next_if(|&(p, _)| p < close).is_some() {}
            }
            _ => word.push(ch),
        }
    }
    if let Some(s) = start {
        if !word.is_empty() {
            words.push(ShellWord {
                text: word,
                range: base + s..base + end,
            });
        }
    }
    Some(words)
}

/// A heredoc marker recognised in a word (`^(\d*)<<(-?)([^<]*)$` in BuildKit).
pub(crate) struct Marker {
    pub name: String,
    pub fd: u32,
    pub chomp: bool,
    pub quoted: bool,
}

/// Whether a lexed word opens a heredoc, and which; `Err` when BuildKit fails
/// to lex the delimiter word.
pub(crate) fn heredoc_marker(word: &str) -> Result<Option<Marker>, String> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Some(after) = word.get(digits..).and_then(|w| w.strip_prefix("<<")) else {
        return Ok(None);
    };
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, after),
    };
    if rest.is_empty() || rest.contains('<') {
        return Ok(None);
    }
    let unterminated = || format!("unexpected end of statement while lexing heredoc word {rest:?}");
    let plain = shell_words(rest, 0, false, false).ok_or_else(unterminated)?;
    let [name] = plain.as_slice() else {
        return Ok(None);
    };
    let raw = shell_words(rest, 0, true, false).ok_or_else(unterminated)?;
    let [raw] = raw.as_slice() else {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    };
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    // Go parses the digits as a uint; overflow yields 0.
    let fd = word.get(..digits).and_then(|d| d.parse().ok()).unwrap_or(0);
    Ok(Some(Marker {
        name: name.text.clone(),
        fd,
        chomp,
        quoted: quotes(&name.text) != quotes(&raw.text),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, escape: char) -> Vec<&str> {
        parse_words(text, 0..text.len(), escape)
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn parse_words_keeps_quotes_and_escapes() {
        assert_eq!(
            words(r#"a "b c" d\ e 'f\' g"#, '\\'),
            [r#"a"#, r#""b c""#, r#"d\ e"#, r#"'f\'"#, "g"]
        );
        assert_eq!(words("x=`\"y z`\" w", '`'), ["x=`\"y", "z`\"", "w"]);
        assert_eq!(words("trailing\\", '\\'), ["trailing"]);
        assert_eq!(words(r#""""#, '\\'), [r#""""#]);
    }

    #[test]
    fn flags_stop_at_first_non_flag_and_at_bare_double_dash() {
        let text = r#"--from=build --chmod="7 55" --link -- --not-a-flag x"#;
        let (flags, rest) = extract_flags(text, 0..text.len());
        let names: Vec<_> = flags.iter().map(|f| f.word.as_str()).collect();
        assert_eq!(names, ["--from=build", "--chmod=7 55", "--link"]);
        assert_eq!(text[rest..].trim(), "--not-a-flag x");
        assert_eq!(flags[0].eq, Some(6));
        let text = "-x --y";
        assert_eq!(extract_flags(text, 0..text.len()).1, 0);
    }

    #[test]
    fn heredoc_markers_follow_buildkit() {
        let m = heredoc_marker("<<-\"EOF\"").unwrap().unwrap();
        assert_eq!((m.name.as_str(), m.chomp, m.quoted), ("EOF", true, true));
        let m = heredoc_marker("2<<E'O'F").unwrap().unwrap();
        assert_eq!((m.name.as_str(), m.fd, m.quoted), ("EOF", 2, true));
        assert!(!heredoc_marker("<<EOF").unwrap().unwrap().quoted);
        assert!(heredoc_marker("<<<EOF").unwrap().is_none());
        assert!(heredoc_marker("cat<<EOF").unwrap().is_none());
        assert!(heredoc_marker("<<").unwrap().is_none());
        assert!(heredoc_marker("<<''").unwrap().is_none());
    }

    #[test]
    fn shell_words_group_quotes() {
        let w = shell_words(r#"RUN echo "<<EOF" 'a b' <<X"#, 0, true, true).unwrap();
        let texts: Vec<_> = w.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["RUN", "echo", "\"<<EOF\"", "'a b'", "<<X"]);
        assert!(shell_words("echo \"open", 0, true, true).is_none());
    }
}
