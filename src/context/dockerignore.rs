//! `.dockerignore` parsing and matching, with the semantics BuildKit uses.
//!
//! BuildKit and the docker CLI read the file with moby's `patternmatcher/ignorefile`
//! and match with `patternmatcher` (<https://github.com/moby/patternmatcher>); the
//! user-facing rules are in Docker's docs
//! (<https://docs.docker.com/build/concepts/context/#dockerignore-files>):
//!
//! - a line starting with `#` in column 1 is a comment; blank lines are skipped;
//! - each pattern is trimmed, cleaned like Go's `filepath.Clean` (so `./a/`, `a//` and
//!   `a/.` all mean `a`) and a leading `/` is dropped;
//! - `!` makes an exception; the last pattern that matches a path decides;
//! - a pattern matches a path when it matches the path itself or one of its parent
//!   directories, so `node_modules` excludes everything under it;
//! - `*` and `?` never match `/`, `[...]` is a class (negated by `^`), `\` escapes,
//!   and `**` matches any number of directories, including none.
//!
//! moby turns each pattern into a Go regular expression; this module builds the same
//! expression and translates it to the `regex` crate, whose automata match in linear
//! time, so no pattern can make matching blow up. Known deviations, none of which a
//! real `.dockerignore` relies on: `\b`/`\B` use Unicode word characters (Go: ASCII),
//! and the Go-only escapes `\Q…\E`, `\C` and octal `\123` are reported as invalid.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

/// A parsed `.dockerignore` file.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<IgnorePattern>,
    invalid: Vec<InvalidPattern>,
}

/// One usable pattern of a `.dockerignore` file.
#[derive(Debug, Clone)]
pub struct IgnorePattern {
    /// 1-based line of the pattern in the file.
    pub line: usize,
    /// The pattern after cleaning, without its `!`.
    pub pattern: String,
    /// Whether the line started with `!` (re-includes what earlier lines excluded).
    pub exception: bool,
    matcher: Matcher,
}

/// A line BuildKit would reject: a build that uses this file fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPattern {
    /// 1-based line of the pattern in the file.
    pub line: usize,
    /// The line as written, trimmed.
    pub text: String,
    /// Why the pattern is rejected.
    pub reason: String,
}

/// How a pattern is matched; moby uses plain string comparisons when a pattern has
/// no wildcard, or only a leading or trailing `**`, and a regular expression otherwise.
#[derive(Debug, Clone)]
enum Matcher {
    Exact,
    Prefix(String),
    Suffix(String),
    /// A pattern of literals, `*`, `?` and `**` only: matched directly, with the
    /// meaning of the regular expression moby builds for it.
    Glob(Vec<GlobToken>),
    Regex(LazyRegex),
}

/// One piece of a [`Matcher::Glob`], named by the regular expression it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GlobToken {
    /// A run of literal characters.
    Literal(Box<str>),
    /// `*`: `[^/]*`.
    Star,
    /// `?`: `[^/]`.
    Question,
    /// `**/`, or `**` before more pattern: `(.*/)?`.
    Dirs,
    /// A trailing `**`: `.*`.
    Any,
    /// A simple character class, `[a-z_]` or `[^0-9]` (ranges inclusive).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Reads a class of plain characters and ranges starting at the `[` at `chars[start]`;
/// `None` for anything else (escapes, nested brackets, wildcards inside), which stays
/// with the regular expression. Returns the token and the index after the `]`.
fn simple_class(chars: &[char], start: usize) -> Option<(GlobToken, usize)> {
    let plain = |c: char| !"*?.+()|{}$\\[]-^:&~".contains(c);
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    loop {
        let c = *chars.get(i)?;
        if c == ']' {
            break;
        }
        if !plain(c) {
            return None;
        }
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&d| plain(d)) {
            let d = chars[i + 2];
            if d < c {
                return None;
            }
            ranges.push((c, d));
            i += 3;
        } else {
            ranges.push((c, c));
            i += 1;
        }
    }
    (!ranges.is_empty()).then_some((GlobToken::Class { negated, ranges }, i + 1))
}

/// A translated regular expression, compiled the first time it is matched: a file of
/// thousands of patterns pays for the ones it uses.
#[derive(Debug, Clone)]
struct LazyRegex {
    source: Box<str>,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn is_match(&self, path: &str) -> bool {
        self.compiled
            .get_or_init(|| build_regex(&self.source).ok())
            .as_ref()
            .is_some_and(|r| r.is_match(path))
    }
}

fn build_regex(source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// Marks in `next` every char boundary reachable from a position in `at` without
/// crossing the byte `stop`; whether any was marked.
fn run_until(path: &str, at: &[bool], next: &mut [bool], stop: u8) -> bool {
    let bytes = path.as_bytes();
    let mut open = false;
    let mut any = false;
    for p in 0..at.len() {
        open = at[p] || (open && bytes[p - 1] != stop);
        if open && path.is_char_boundary(p) {
            next[p] = true;
            any = true;
        }
    }
    any
}

/// Whether `tokens` match all of `path`: the set of positions reachable after each
/// token, so time is at most tokens × path length (no backtracking blow-up).
fn glob_match(tokens: &[GlobToken], path: &str) -> bool {
    let bytes = path.as_bytes();
    let n = bytes.len();
    let mut at = vec![false; n + 1];
    at[0] = true;
    let mut next = vec![false; n + 1];
    for token in tokens {
        next.iter_mut().for_each(|b| *b = false);
        let mut any = false;
        match token {
            GlobToken::Literal(text) => {
                let lit = text.as_bytes();
                for p in (0..=n).filter(|&p| at[p]) {
                    if bytes[p..].starts_with(lit) {
                        next[p + lit.len()] = true;
                        any = true;
                    }
                }
            }
            GlobToken::Class { negated, ranges } => {
                for p in (0..n).filter(|&p| at[p]) {
                    if let Some(ch) = path.get(p..).and_then(|r| r.chars().next()) {
                        let inside = ranges.iter().any(|&(lo, hi)| lo <= ch && ch <= hi);
                        if inside != *negated {
                            next[p + ch.len_utf8()] = true;
                            any = true;
                        }
                    }
                }
            }
            GlobToken::Question => {
                for p in (0..n).filter(|&p| at[p]) {
                    if let Some(ch) = path.get(p..).and_then(|r| r.chars().next()) {
                        if ch != '/' {
                            next[p + ch.len_utf8()] = true;
                            any = true;
                        }
                    }
                }
            }
            // `[^/]*`: every position from a reachable one up to the next `/`.
            GlobToken::Star => any = run_until(path, &at, &mut next, b'/'),
            GlobToken::Dirs => {
                // The position itself, or just after a `/` that `.*` (no newline) reaches.
                let mut reach = false;
                for p in 0..=n {
                    let after_dir = p > 0 && reach && bytes[p - 1] == b'/';
                    if at[p] || after_dir {
                        next[p] = true;
                        any = true;
                    }
                    reach = at[p] || after_dir || (reach && p > 0 && bytes[p - 1] != b'\n');
                }
            }
            // `.*`: the same, up to a newline (`.` does not match one).
            GlobToken::Any => any = run_until(path, &at, &mut next, b'\n'),
        }
        if !any {
            return false;
        }
        std::mem::swap(&mut at, &mut next);
    }
    at[n]
}

/// Regular expressions larger than this are rejected instead of compiled.
const REGEX_SIZE_LIMIT: usize = 1 << 22;

impl DockerIgnore {
    /// Parses the text of a `.dockerignore` file. Lines BuildKit would reject are kept
    /// in [`DockerIgnore::invalid_patterns`] and take no part in matching.
    pub fn parse(text: &str) -> DockerIgnore {
        let mut ignore = DockerIgnore::default();
        for (index, raw_line) in text.split('\n').enumerate() {
            let line = index + 1;
            let mut content = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            if index == 0 {
                content = content.strip_prefix('\u{feff}').unwrap_or(content);
            }
            // Only a `#` in column 1 starts a comment; ` # x` is a pattern.
            if content.starts_with('#') {
                continue;
            }
            let trimmed = content.trim();
            if trimmed.is_empty() {
                continue;
            }
            match parse_pattern(trimmed) {
                Ok((exception, pattern, matcher)) => ignore.patterns.push(IgnorePattern {
                    line,
                    pattern,
                    exception,
                    matcher,
                }),
                Err(reason) => ignore.invalid.push(InvalidPattern {
                    line,
                    text: trimmed.to_string(),
                    reason,
                }),
            }
        }
        ignore
    }

    /// The usable patterns, in file order.
    pub fn patterns(&self) -> &[IgnorePattern] {
        &self.patterns
    }

    /// Lines BuildKit would reject, in file order.
    pub fn invalid_patterns(&self) -> &[InvalidPattern] {
        &self.invalid
    }

    /// Whether any pattern is an exception (`!`).
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// Whether `path` (relative to the context root, `/`-separated) is left out of
    /// the build context. The context root itself is never excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.deciding_pattern(path).is_some_and(|p| !p.exception)
    }

    /// The pattern that decides whether `path` is excluded: the last one matching the
    /// path or one of its parent directories. `None` when no pattern matches.
    pub fn deciding_pattern(&self, path: &str) -> Option<&IgnorePattern> {
        let path = normalize_path(path)?;
        self.deciding_index(&path).map(|i| &self.patterns[i])
    }

    /// Whether the directory `dir` and everything under it is excluded: the
    /// directory is excluded and no later exception can re-include anything below it.
    /// When unsure whether an exception reaches below `dir`, answers `false`.
    pub fn excludes_dir(&self, dir: &str) -> bool {
        let Some(dir) = normalize_path(dir) else {
            return false;
        };
        let Some(deciding) = self.deciding_index(&dir) else {
            return false;
        };
        if self.patterns[deciding].exception {
            return false;
        }
        // Patterns before the deciding one cannot matter: it also matches every path
        // under `dir` through parent-directory matching.
        !self.patterns[deciding + 1..]
            .iter()
            .any(|p| p.exception && p.may_match_below(&dir))
    }

    fn deciding_index(&self, path: &str) -> Option<usize> {
        // The last matching pattern decides, so search from the end.
        self.patterns
            .iter()
            .rposition(|p| p.matches_path_or_parent(path))
    }
}

impl IgnorePattern {
    /// Whether the pattern matches exactly this (normalized) path.
    fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Exact => path == self.pattern,
            Matcher::Prefix(prefix) => path.starts_with(prefix.as_str()),
            // `**foo` is a plain suffix test in moby, so it also matches `barfoo`.
            Matcher::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Matcher::Glob(tokens) => glob_match(tokens, path),
            Matcher::Regex(regex) => regex.is_match(path),
        }
    }

    fn matches_path_or_parent(&self, path: &str) -> bool {
        self.matches(path)
            || path
                .match_indices('/')
                .any(|(slash, _)| self.matches(&path[..slash]))
    }

    /// Whether this pattern might match a path strictly below `dir` (conservative:
    /// `true` when the pattern is too dynamic to tell).
    fn may_match_below(&self, dir: &str) -> bool {
        let pattern = self.pattern.as_str();
        if pattern.contains("**") || pattern.contains('[') || pattern.contains('\\') {
            return true;
        }
        // Without `**`, classes or escapes, `/` separates components one to one.
        let dir_depth = dir.split('/').count();
        let components: Vec<&str> = pattern.split('/').collect();
        if components.len() <= dir_depth {
            return false;
        }
        let leading = components[..dir_depth].join("/");
        match compile(&leading) {
            Ok(Matcher::Exact) => leading == dir,
            Ok(matcher) => IgnorePattern {
                line: self.line,
                pattern: leading,
                exception: self.exception,
                matcher,
            }
            .matches(dir),
            Err(_) => true,
        }
    }
}

/// Cleans a path given to the matcher; `None` for the context root.
fn normalize_path(path: &str) -> Option<String> {
    let cleaned = clean(path);
    let relative = cleaned.trim_start_matches('/');
    if relative.is_empty() || relative == "." {
        None
    } else {
        Some(relative.to_string())
    }
}

/// Turns a trimmed, non-comment line into `(exception, cleaned pattern, matcher)`,
/// following `ignorefile.ReadAll` and then `patternmatcher.New`.
fn parse_pattern(trimmed: &str) -> Result<(bool, String, Matcher), String> {
    let (invert, body) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mut cleaned = if body.is_empty() {
        String::new()
    } else {
        clean(body)
    };
    if cleaned.len() > 1 && cleaned.starts_with('/') {
        cleaned.remove(0);
    }
    // `patternmatcher.New` cleans again with the `!` in place, so `!/` becomes `!`.
    let entry = clean(&if invert {
        format!("!{cleaned}")
    } else {
        cleaned
    });
    let (exception, pattern) = match entry.strip_prefix('!') {
        Some("") => return Err("illegal exclusion pattern: \"!\"".to_string()),
        Some(rest) => (true, rest.to_string()),
        None => (false, entry),
    };
    validate_glob(&pattern)?;
    let matcher = compile(&pattern)?;
    Ok((exception, pattern, matcher))
}

/// Go's `filepath.Clean` for `/`-separated paths.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// The syntax check moby runs through `filepath.Match(pattern, ".")`: a trailing
/// `\`, an unterminated `[`, an empty class, or `-`/`]` where a class character is
/// expected make the pattern (and the build) fail.
fn validate_glob(pattern: &str) -> Result<(), String> {
    const BAD: &str = "syntax error in pattern";
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if i + 1 >= chars.len() {
                    return Err(BAD.to_string());
                }
                i += 2;
            }
            '[' => {
                i += 1;
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                let mut ranges = 0;
                loop {
                    if chars.get(i) == Some(&']') && ranges > 0 {
                        i += 1;
                        break;
                    }
                    i = glob_class_char(&chars, i).ok_or(BAD)?;
                    if chars.get(i) == Some(&'-') {
                        i = glob_class_char(&chars, i + 1).ok_or(BAD)?;
                    }
                    ranges += 1;
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// One class character of a glob (Go's `getEsc`); returns the index after it.
fn glob_class_char(chars: &[char], mut i: usize) -> Option<usize> {
    match chars.get(i)? {
        '-' | ']' => return None,
        '\\' => i += 1,
        _ => {}
    }
    chars.get(i)?;
    // Something (at least the closing `]`) must follow.
    (i + 1 < chars.len()).then_some(i + 1)
}

/// moby's `Pattern.compile`: picks the match kind and, when needed, builds the same
/// Go regular expression, then translates it.
fn compile(pattern: &str) -> Result<Matcher, String> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut go_regex = String::from("^");
    // The same pattern as glob tokens, while it has nothing but literals and wildcards.
    let mut tokens: Option<Vec<GlobToken>> = Some(Vec::new());
    let token = |t: GlobToken, tokens: &mut Option<Vec<GlobToken>>| {
        let Some(list) = tokens else {
            return;
        };
        match (list.last_mut(), t) {
            (Some(GlobToken::Literal(run)), GlobToken::Literal(more)) => {
                *run = format!("{run}{more}").into_boxed_str();
            }
            (_, t) => list.push(t),
        }
    };
    let mut kind = Kind::Exact;
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        match ch {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                // `**/` behaves like `**`.
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i == chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        go_regex.push_str(".*");
                        token(GlobToken::Any, &mut tokens);
                        kind = Kind::Regex;
                    }
                } else {
                    go_regex.push_str("(.*/)?");
                    token(GlobToken::Dirs, &mut tokens);
                    kind = Kind::Regex;
                }
                if first {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                go_regex.push_str("[^/]*");
                token(GlobToken::Star, &mut tokens);
                kind = Kind::Regex;
            }
            '?' => {
                go_regex.push_str("[^/]");
                token(GlobToken::Question, &mut tokens);
                kind = Kind::Regex;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                go_regex.push('\\');
                go_regex.push(ch);
                token(GlobToken::Literal(ch.to_string().into()), &mut tokens);
            }
            '\\' => {
                // Escapes stay with the regular expression.
                tokens = None;
                match chars.get(i) {
                    Some(&next) => {
                        i += 1;
                        go_regex.push('\\');
                        go_regex.push(next);
                        kind = Kind::Regex;
                    }
                    None => go_regex.push('\\'),
                }
            }
            '[' | ']' => {
                // A simple class is copied to the expression whole, exactly as the
                // character-by-character copy would have.
                match simple_class(&chars, i - 1).filter(|_| ch == '[' && tokens.is_some()) {
                    Some((class, end)) => {
                        go_regex.extend(&chars[i - 1..end]);
                        token(class, &mut tokens);
                        i = end;
                    }
                    None => {
                        go_regex.push(ch);
                        tokens = None;
                    }
                }
                kind = Kind::Regex;
            }
            // Everything else, `^` included, is copied as is: in a regular
            // expression a `^` is an anchor, exactly as in moby.
            _ => {
                go_regex.push(ch);
                if ch == '^' {
                    tokens = None;
                }
                token(GlobToken::Literal(ch.to_string().into()), &mut tokens);
            }
        }
        first = false;
    }
    match kind {
        Kind::Exact => Ok(Matcher::Exact),
        Kind::Prefix => Ok(Matcher::Prefix(
            pattern.strip_suffix("**").unwrap_or(pattern).to_string(),
        )),
        Kind::Suffix => Ok(Matcher::Suffix(
            pattern.strip_prefix("**").unwrap_or(pattern).to_string(),
        )),
        Kind::Regex => {
            go_regex.push('$');
            let translated = translate_go_regex(&go_regex)?;
            if let Some(mut tokens) = tokens {
                tokens.shrink_to_fit();
                return Ok(Matcher::Glob(tokens));
            }
            validate_regex(&translated)?;
            Ok(Matcher::Regex(LazyRegex {
                source: translated.into_boxed_str(),
                compiled: OnceLock::new(),
            }))
        }
    }
}

/// Checks that a translated expression compiles, without keeping it: a syntax check for
/// ordinary patterns, a real compilation for long ones (only those can outgrow
/// [`REGEX_SIZE_LIMIT`]: the translation emits no counted repetitions).
fn validate_regex(translated: &str) -> Result<(), String> {
    let message = |err: regex::Error| match err {
        regex::Error::CompiledTooBig(_) => "pattern is too complex".to_string(),
        other => format!("invalid pattern: {other}"),
    };
    if translated.len() > 1024 {
        return build_regex(translated).map(drop).map_err(message);
    }
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(translated)
        .map(drop)
        .map_err(|err| message(regex::Error::Syntax(err.to_string())))
}

/// Translates the Go (RE2) syntax that [`compile`] produces into `regex` crate
/// syntax with the same meaning. The two differ inside classes (`regex` nests `[`
/// and has `&&`, `--`, `~~` operators; Go treats those as literals) and in Perl
/// classes (`\d` is ASCII-only in Go), so classes and escapes are re-emitted.
fn translate_go_regex(go: &str) -> Result<String, String> {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let (atom, next) = escape_atom(&chars, i, false)?;
                atom.push_to(&mut out);
                i = next;
            }
            '[' => i = translate_class(&chars, i, &mut out)?,
            // Only [`compile`] emits these unescaped, as regex operators.
            c @ ('^' | '$' | '.' | '*' | '?' | '(' | ')') => {
                out.push(c);
                i += 1;
            }
            c => {
                push_literal(&mut out, c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// A piece of a translated regular expression.
enum Atom {
    Char(char),
    Raw(String),
}

impl Atom {
    fn push_to(self, out: &mut String) {
        match self {
            Atom::Char(c) => push_literal(out, c),
            Atom::Raw(raw) => out.push_str(&raw),
        }
    }
}

fn push_literal(out: &mut String, c: char) {
    let mut buffer = [0u8; 4];
    out.push_str(&regex::escape(c.encode_utf8(&mut buffer)));
}

/// Parses the Go escape starting at `chars[i] == '\\'`.
fn escape_atom(chars: &[char], i: usize, in_class: bool) -> Result<(Atom, usize), String> {
    let escaped = *chars
        .get(i + 1)
        .ok_or("trailing backslash at end of expression")?;
    let after = i + 2;
    let raw = |s: &str| Ok((Atom::Raw(s.to_string()), after));
    match escaped {
        'd' => raw("[0-9]"),
        'D' => raw("[^0-9]"),
        's' => raw("[\\t\\n\\x0C\\r ]"),
        'S' => raw("[^\\t\\n\\x0C\\r ]"),
        'w' => raw("[0-9A-Za-z_]"),
        'W' => raw("[^0-9A-Za-z_]"),
        'a' => Ok((Atom::Char('\u{7}'), after)),
        'f' => Ok((Atom::Char('\u{c}'), after)),
        't' => Ok((Atom::Char('\t'), after)),
        'n' => Ok((Atom::Char('\n'), after)),
        'r' => Ok((Atom::Char('\r'), after)),
        'v' => Ok((Atom::Char('\u{b}'), after)),
        'A' | 'z' | 'b' | 'B' if !in_class => Ok((Atom::Raw(format!("\\{escaped}")), after)),
        'x' => hex_escape(chars, after),
        'p' | 'P' => {
            let end = if chars.get(after) == Some(&'{') {
                let close = chars[after..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("invalid Unicode class")?;
                after + close + 1
            } else {
                after + 1
            };
            let body: String = chars
                .get(i..end)
                .ok_or("invalid Unicode class")?
                .iter()
                .collect();
            Ok((Atom::Raw(body), end))
        }
        c if c.is_ascii_punctuation() => Ok((Atom::Char(c), after)),
        c => Err(format!("invalid escape sequence: `\\{c}`")),
    }
}

/// `\x41` or `\x{263A}`, starting after the `x`.
fn hex_escape(chars: &[char], start: usize) -> Result<(Atom, usize), String> {
    const BAD: &str = "invalid hexadecimal escape";
    let (digits, end): (String, usize) = if chars.get(start) == Some(&'{') {
        let close = chars[start..].iter().position(|&c| c == '}').ok_or(BAD)?;
        (
            chars[start + 1..start + close].iter().collect(),
            start + close + 1,
        )
    } else {
        (
            chars.get(start..start + 2).ok_or(BAD)?.iter().collect(),
            start + 2,
        )
    };
    let value = u32::from_str_radix(&digits, 16).map_err(|_| BAD)?;
    let c = char::from_u32(value).ok_or(BAD)?;
    Ok((Atom::Char(c), end))
}

/// The POSIX class names both syntaxes accept inside brackets.
const POSIX_CLASSES: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Re-emits the Go class starting at `chars[start] == '['`; returns the index after it.
fn translate_class(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    const UNCLOSED: &str = "missing closing ]";
    let mut class = String::from("[");
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        class.push('^');
        i += 1;
    }
    // In Go a `]` right after `[` or `[^` is a literal.
    let mut first = true;
    loop {
        let c = *chars.get(i).ok_or(UNCLOSED)?;
        if c == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        if c == '[' && chars.get(i + 1) == Some(&':') {
            let rest = &chars[i + 2..];
            if let Some(close) = rest.windows(2).position(|w| w == [':', ']']) {
                let name: String = rest[..close].iter().collect();
                if !POSIX_CLASSES.contains(&name.trim_start_matches('^')) {
                    return Err("invalid character class range".to_string());
                }
                class.push_str(&format!("[:{name}:]"));
                i += 2 + close + 2;
                continue;
            }
        }
        let (low, next) = class_atom(chars, i)?;
        i = next;
        let Atom::Char(low) = low else {
            low.push_to(&mut class);
            continue;
        };
        let is_range = chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']');
        if !is_range {
            push_literal(&mut class, low);
            continue;
        }
        let (high, next) = class_atom(chars, i + 1)?;
        i = next;
        let Atom::Char(high) = high else {
            return Err("invalid character class range".to_string());
        };
        if high < low {
            return Err("invalid character class range".to_string());
        }
        push_literal(&mut class, low);
        class.push('-');
        push_literal(&mut class, high);
    }
    class.push(']');
    out.push_str(&class);
    Ok(i)
}

fn class_atom(chars: &[char], i: usize) -> Result<(Atom, usize), String> {
    match chars.get(i) {
        Some('\\') => escape_atom(chars, i, true),
        Some(&c) => Ok((Atom::Char(c), i + 1)),
        None => Err("missing closing ]".to_string()),
    }
}

#[cfg(test)]
mod glob_tests {
    use super::*;

    /// The regular expression moby would build for the same tokens.
    fn as_regex(tokens: &[GlobToken]) -> Regex {
        let mut go = String::from("^");
        for t in tokens {
            match t {
                GlobToken::Literal(text) => go.push_str(&regex::escape(text)),
                GlobToken::Star => go.push_str("[^/]*"),
                GlobToken::Question => go.push_str("[^/]"),
                GlobToken::Dirs => go.push_str("(.*/)?"),
                GlobToken::Any => go.push_str(".*"),
                GlobToken::Class { negated, ranges } => {
                    go.push('[');
                    if *negated {
                        go.push('^');
                    }
                    for (lo, hi) in ranges {
                        go.push_str(&format!("{lo}-{hi}"));
                    }
                    go.push(']');
                }
            }
        }
        go.push('$');
        Regex::new(&go).expect("valid")
    }

    #[test]
    fn glob_matching_agrees_with_the_regular_expression() {
        // Every pattern and path over a small alphabet, up to a few characters long.
        let pattern_parts = [
            "a", "b", "/", "*", "?", "**/", "**", ".", "é", "[a-b]", "[^b/]",
        ];
        let path_chars = ['a', 'b', '/', '.', 'é', '\n'];
        // Every string of up to four parts, each part one of `parts`.
        fn up_to_four(parts: &[String]) -> Vec<String> {
            let mut all = vec![String::new()];
            for _ in 0..4 {
                let longer: Vec<String> = all
                    .iter()
                    .flat_map(|p| parts.iter().map(move |q| format!("{p}{q}")))
                    .collect();
                all.extend(longer);
                all.sort();
                all.dedup();
            }
            all
        }
        let patterns = up_to_four(&pattern_parts.map(String::from));
        let paths = up_to_four(&path_chars.map(String::from));
        let mut globs = 0;
        for pattern in &patterns {
            let Ok(Matcher::Glob(tokens)) = compile(pattern) else {
                continue;
            };
            globs += 1;
            let regex = as_regex(&tokens);
            for path in &paths {
                assert_eq!(
                    glob_match(&tokens, path),
                    regex.is_match(path),
                    "pattern {pattern:?} on {path:?}"
                );
            }
        }
        assert!(globs > 1000, "{globs}");
    }

    #[test]
    fn patterns_with_classes_or_escapes_stay_regular_expressions() {
        assert!(matches!(compile("a/[bc]*"), Ok(Matcher::Glob(_))));
        assert!(matches!(compile("a/[b.]*"), Ok(Matcher::Regex(_))));
        assert!(matches!(compile("a/[[:alpha:]]"), Ok(Matcher::Regex(_))));
        assert!(matches!(compile("a\\*b"), Ok(Matcher::Regex(_))));
        assert!(matches!(compile("^a*"), Ok(Matcher::Regex(_))));
        assert!(matches!(compile("a/*.o"), Ok(Matcher::Glob(_))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text)
    }

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let di = ignore("# a comment\n\n   \nfoo\n");
        assert_eq!(di.patterns().len(), 1);
        assert_eq!(di.patterns()[0].line, 4);
        assert!(di.is_excluded("foo"));
        assert!(!di.is_excluded("# a comment"));
    }

    #[test]
    fn a_hash_after_column_one_is_a_pattern() {
        let di = ignore(" #notes");
        assert!(di.is_excluded("#notes"));
    }

    #[test]
    fn bom_and_crlf_are_stripped() {
        let di = ignore("\u{feff}foo\r\nbar\r\n");
        assert!(di.is_excluded("foo"));
        assert!(di.is_excluded("bar"));
        assert_eq!(di.patterns()[1].line, 2);
    }

    #[test]
    fn patterns_are_cleaned_and_rooted_at_the_context() {
        let di = ignore("/foo/bar\n./baz/\nqux//x/.\na/../b");
        assert!(di.is_excluded("foo/bar"));
        assert!(di.is_excluded("baz"));
        assert!(di.is_excluded("qux/x"));
        assert!(di.is_excluded("b"));
        assert!(!di.is_excluded("a"));
        assert_eq!(di.patterns()[1].pattern, "baz");
    }

    #[test]
    fn paths_are_cleaned_before_matching() {
        let di = ignore("foo/bar");
        assert!(di.is_excluded("./foo/bar"));
        assert!(di.is_excluded("/foo/bar/"));
        assert!(!di.is_excluded("."));
        assert!(!di.is_excluded(""));
    }

    #[test]
    fn star_does_not_cross_a_slash() {
        let di = ignore("*/temp*");
        assert!(di.is_excluded("somedir/temporary.txt"));
        assert!(di.is_excluded("somedir/temp"));
        assert!(!di.is_excluded("temp"));
        assert!(!di.is_excluded("a/b/temp"));
    }

    #[test]
    fn two_levels_of_stars() {
        let di = ignore("*/*/temp*");
        assert!(di.is_excluded("somedir/subdir/temporary.txt"));
        assert!(!di.is_excluded("somedir/temporary.txt"));
    }

    #[test]
    fn question_mark_matches_one_character_but_not_a_slash() {
        let di = ignore("temp?");
        assert!(di.is_excluded("tempa"));
        assert!(!di.is_excluded("temp"));
        assert!(!di.is_excluded("tempab"));
        assert!(!ignore("a?b").is_excluded("a/b"));
    }

    #[test]
    fn double_star_matches_any_number_of_directories() {
        let di = ignore("**/*.go");
        assert!(di.is_excluded("main.go"));
        assert!(di.is_excluded("cmd/app/main.go"));
        assert!(!di.is_excluded("main.rs"));
        let middle = ignore("a/**/b");
        assert!(middle.is_excluded("a/b"));
        assert!(middle.is_excluded("a/x/y/b"));
        assert!(!middle.is_excluded("a/xb"));
    }

    #[test]
    fn leading_double_star_is_a_suffix_test() {
        let di = ignore("**/node_modules");
        assert!(di.is_excluded("node_modules"));
        assert!(di.is_excluded("packages/web/node_modules/react/index.js"));
        assert!(!di.is_excluded("my_node_modules_notes"));
        // moby compares a plain suffix, so `**foo` also matches `barfoo`.
        assert!(ignore("**foo").is_excluded("barfoo"));
    }

    #[test]
    fn double_star_alone_excludes_everything() {
        let di = ignore("**");
        assert!(di.is_excluded("a"));
        assert!(di.is_excluded("a/b/c"));
    }

    #[test]
    fn trailing_double_star_matches_below_but_not_the_directory() {
        let di = ignore("build/**");
        assert!(di.is_excluded("build/out.o"));
        assert!(di.is_excluded("build/x/y"));
        assert!(!di.is_excluded("build"));
    }

    #[test]
    fn double_star_without_slash_in_the_middle_needs_a_directory_boundary() {
        // moby turns `a**b` into `^a(.*/)?b$`.
        let di = ignore("a**b");
        assert!(di.is_excluded("ab"));
        assert!(di.is_excluded("ax/b"));
        assert!(!di.is_excluded("axb"));
    }

    #[test]
    fn a_directory_pattern_excludes_its_contents() {
        let di = ignore("node_modules\n.git/");
        assert!(di.is_excluded("node_modules/react/package.json"));
        assert!(di.is_excluded(".git/HEAD"));
        assert!(!di.is_excluded("src/node_modules.txt"));
        let nested = ignore("*.md");
        assert!(nested.is_excluded("docs.md/readme.txt"));
    }

    #[test]
    fn exceptions_re_include_and_the_last_match_wins() {
        let di = ignore("*.md\n!README.md");
        assert!(di.is_excluded("CHANGELOG.md"));
        assert!(!di.is_excluded("README.md"));

        let secret_last = ignore("*.md\n!README*.md\nREADME-secret.md");
        assert!(di.is_excluded("notes.md"));
        assert!(!secret_last.is_excluded("README-public.md"));
        assert!(secret_last.is_excluded("README-secret.md"));

        let exception_last = ignore("*.md\nREADME-secret.md\n!README*.md");
        assert!(!exception_last.is_excluded("README-secret.md"));
    }

    #[test]
    fn an_exception_reaches_into_an_excluded_directory() {
        let di = ignore("node_modules\n!node_modules/keep/file.txt");
        assert!(di.is_excluded("node_modules/other.js"));
        assert!(!di.is_excluded("node_modules/keep/file.txt"));
        assert!(di.is_excluded("node_modules/keep/other.txt"));
    }

    #[test]
    fn include_only_with_star_then_exceptions() {
        let di = ignore("*\n!src\n!package.json");
        assert!(di.is_excluded("README.md"));
        assert!(!di.is_excluded("src/index.ts"));
        assert!(!di.is_excluded("package.json"));
    }

    #[test]
    fn deciding_pattern_reports_its_line() {
        let di = ignore("# header\n*.log\n!keep.log\n");
        assert_eq!(di.deciding_pattern("a.log").map(|p| p.line), Some(2));
        assert_eq!(di.deciding_pattern("keep.log").map(|p| p.line), Some(3));
        assert!(di.deciding_pattern("main.rs").is_none());
    }

    #[test]
    fn character_classes_match_one_character() {
        let di = ignore("file[0-9].txt\nlog[!a].txt\nx[^ab]");
        assert!(di.is_excluded("file7.txt"));
        assert!(!di.is_excluded("filex.txt"));
        // `!` is not negation in Go globs: it is a member.
        assert!(di.is_excluded("log!.txt"));
        assert!(di.is_excluded("loga.txt"));
        assert!(!di.is_excluded("logb.txt"));
        assert!(di.is_excluded("xc"));
        assert!(!di.is_excluded("xa"));
    }

    #[test]
    fn backslash_escapes_a_wildcard() {
        let di = ignore("a\\*b");
        assert!(di.is_excluded("a*b"));
        assert!(!di.is_excluded("axb"));
    }

    #[test]
    fn regex_metacharacters_are_literal() {
        let di = ignore("a+b(c)|{d}$.txt");
        assert!(di.is_excluded("a+b(c)|{d}$.txt"));
        assert!(!ignore("*.txt").is_excluded("atxt"));
        // `&&`, `~~` and `--` are class operators in the `regex` crate, literals in Go.
        assert!(ignore("[&&][~~]x").is_excluded("&~x"));
        assert!(!ignore("[-x]").invalid_patterns().is_empty());
    }

    #[test]
    fn caret_outside_a_class_is_literal_only_without_wildcards() {
        assert!(ignore("a^b").is_excluded("a^b"));
        // With a wildcard moby builds a regex where `^` is an anchor.
        assert!(!ignore("a^b*").is_excluded("a^bc"));
    }

    #[test]
    fn invalid_patterns_are_reported_with_their_line() {
        let di = ignore("ok\n!\n! \n[abc\nfoo\\\n[z-a]\n[]x]\n!/");
        let lines: Vec<usize> = di.invalid_patterns().iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(di.patterns().len(), 1);
        assert!(di.invalid_patterns()[0]
            .reason
            .contains("illegal exclusion"));
    }

    #[test]
    fn has_exceptions_is_true_only_with_a_bang_line() {
        assert!(ignore("a\n!b").has_exceptions());
        assert!(!ignore("a\nb").has_exceptions());
    }

    #[test]
    fn excludes_dir_when_nothing_below_is_re_included() {
        let di = ignore(".git\nnode_modules/\n*.log");
        assert!(di.excludes_dir(".git"));
        assert!(di.excludes_dir("./node_modules/"));
        assert!(!di.excludes_dir("src"));
        assert!(!di.excludes_dir("."));
    }

    #[test]
    fn excludes_dir_is_false_when_an_exception_reaches_below() {
        let di = ignore("node_modules\n!node_modules/keep");
        assert!(di.is_excluded("node_modules"));
        assert!(!di.excludes_dir("node_modules"));
        assert!(!ignore("node_modules\n!**/keep").excludes_dir("node_modules"));
        assert!(!ignore("vendor\n!*/keep").excludes_dir("vendor"));
    }

    #[test]
    fn excludes_dir_ignores_exceptions_that_cannot_reach_it() {
        assert!(ignore("!node_modules/keep\nnode_modules").excludes_dir("node_modules"));
        assert!(ignore("node_modules\n!src/keep").excludes_dir("node_modules"));
        assert!(ignore("vendor\n!*.md").excludes_dir("vendor"));
        assert!(ignore("a/b\n!a/c/d").excludes_dir("a/b"));
    }

    #[test]
    fn excludes_dir_through_a_parent() {
        let di = ignore("build");
        assert!(di.excludes_dir("build/cache"));
    }

    #[test]
    fn perl_classes_follow_go_ascii_meaning() {
        // `\d` reaches Go's regexp as a digit class.
        let di = ignore("v\\d*");
        assert!(di.is_excluded("v1.2"));
        assert!(!di.is_excluded("vd"));
        assert!(!ignore("x\\q").invalid_patterns().is_empty());
    }

    #[test]
    fn many_patterns_match_deep_paths() {
        let text: String = (0..3000).map(|i| format!("dir{i}/**/*.tmp\n")).collect();
        let di = ignore(&text);
        assert_eq!(di.patterns().len(), 3000);
        let deep = "a/".repeat(200) + "file.txt";
        assert!(!di.is_excluded(&deep));
        assert!(di.is_excluded("dir2999/a/b/c.tmp"));
    }

    #[test]
    fn pathological_patterns_do_not_blow_up() {
        let stars = "**/".repeat(300) + "x";
        let long_star = "*a".repeat(2000) + "b";
        let text = format!("{stars}\n{long_star}\n");
        let di = ignore(&text);
        let path = "a/".repeat(300) + &"a".repeat(4000);
        assert!(!di.is_excluded(&path));
        assert!(di.is_excluded(&("d/".repeat(50) + "x")));
    }

    #[test]
    fn clean_matches_go() {
        assert_eq!(clean(""), ".");
        assert_eq!(clean("/"), "/");
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("a//b/./c/"), "a/b/c");
    }
}
