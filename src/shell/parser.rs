//! From tokens to simple commands.
//!
//! Compound commands are not built as a tree: keywords (`if`, `then`, `do`, `done`, …) are
//! skipped where a command could start, so the commands of their bodies come out in order,
//! and a small stack tracks only what changes how tokens read (subshells, `case` items).
//! Command substitutions and `sh -c` scripts are analysed by nested parsers, up to fixed
//! limits, so the work stays linear in the text and hostile nesting cannot exhaust the stack.

use std::ops::Range;

use super::lexer::{value_positions, Lexer, Op, Tok, Word};
use super::wrappers;
use super::{
    basename, Assignment, Connector, Redirect, Script, ShellOptions, ShellWord, SimpleCommand,
};

/// Deepest `sh -c` inside `sh -c` that is unwrapped.
const MAX_SHELL_DEPTH: u16 = 8;
/// Deepest command substitutions and `sh -c` scripts analysed inside one another.
const MAX_NESTING: usize = 24;
/// Most subshells and `case` commands open at once.
const MAX_FRAMES: usize = 1024;
/// Most simple commands kept from one script. Real RUNs have hundreds at most; a hostile
/// one of a million `a|a|…` would otherwise hold about 110 bytes of records per 2 bytes of
/// text. Commands past the limit are not analysed and the script is marked `unparsed`.
pub(crate) const MAX_COMMANDS: usize = 1 << 17;
/// Most words kept in one simple command (the same trade-off, for `a a a …`), and most
/// assignments and redirections.
pub(crate) const MAX_WORDS: usize = 1 << 16;

pub(super) fn analyze(text: &str) -> Script {
    let mut sink = Sink::default();
    let context = Context {
        depth: 0,
        nesting: 0,
        in_substitution: false,
        analyze_substitutions: true,
        options: ShellOptions::default(),
    };
    let set_options = Parser::new(text, 0..text.len(), context, &mut sink).run();
    Script {
        commands: sink.commands,
        set_options,
        unparsed: sink.unparsed,
    }
}

#[derive(Default)]
struct Sink {
    commands: Vec<SimpleCommand>,
    unparsed: bool,
}

impl Sink {
    /// Keeps `command`, unless [`MAX_COMMANDS`] are kept already.
    fn push(&mut self, command: SimpleCommand) {
        push_within(
            &mut self.commands,
            command,
            MAX_COMMANDS,
            &mut self.unparsed,
        );
    }
}

/// Pushes `item` onto `list` unless it holds `limit` items already, in which case the
/// script is marked `unparsed`.
fn push_within<T>(list: &mut Vec<T>, item: T, limit: usize, unparsed: &mut bool) {
    if list.len() >= limit {
        *unparsed = true;
    } else {
        list.push(item);
    }
}

#[derive(Clone, Copy)]
struct Context {
    depth: u16,
    nesting: usize,
    in_substitution: bool,
    analyze_substitutions: bool,
    options: ShellOptions,
}

/// What the next tokens mean.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Commands; reserved words are recognised where a command starts.
    Normal,
    /// After `for`/`select`: the variable name.
    ForName,
    /// After the variable: `in`, or `do` directly.
    ForIn,
    /// The words after `in`, up to `;` or a newline.
    ForWords,
    /// After `case`: the word matched.
    CaseWord,
    /// After the word: `in`.
    CaseIn,
    /// Patterns of a `case` item, up to `)`.
    CasePattern,
    /// After `function`: the name.
    FunctionName,
    /// Inside `[[ … ]]`, where operators are plain words.
    DoubleBracket,
}

enum Frame {
    /// A `( … )` subshell, with the options to restore when it ends.
    Subshell(ShellOptions),
    Case,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Subshell,
    Case,
}

impl Frame {
    fn kind(&self) -> Kind {
        match self {
            Frame::Subshell(_) => Kind::Subshell,
            Frame::Case => Kind::Case,
        }
    }
}

/// Open subshells and `case` commands, with counts so that a closer without an opener
/// (`)` or `esac` in broken text) costs no search.
#[derive(Default)]
struct Frames {
    stack: Vec<Frame>,
    subshells: usize,
    cases: usize,
}

impl Frames {
    fn count(&mut self, kind: Kind) -> &mut usize {
        match kind {
            Kind::Subshell => &mut self.subshells,
            Kind::Case => &mut self.cases,
        }
    }

    fn push(&mut self, frame: Frame) -> bool {
        if self.stack.len() >= MAX_FRAMES {
            return false;
        }
        *self.count(frame.kind()) += 1;
        self.stack.push(frame);
        true
    }

    /// Closes the innermost open frame of `kind` and any opened inside it (left unclosed in
    /// broken text).
    fn close(&mut self, kind: Kind) -> Option<Frame> {
        if *self.count(kind) == 0 {
            return None;
        }
        while let Some(frame) = self.stack.pop() {
            let popped = frame.kind();
            *self.count(popped) -= 1;
            if popped == kind {
                return Some(frame);
            }
        }
        None
    }
}

#[derive(Default)]
struct Builder {
    assignments: Vec<Assignment>,
    words: Vec<Word>,
    redirects: Vec<Redirect>,
    range: Option<Range<usize>>,
    connector: Connector,
    options: ShellOptions,
}

struct Parser<'s, 'o> {
    text: &'s str,
    lexer: Lexer<'s>,
    sink: &'o mut Sink,
    context: Context,
    state: State,
    frames: Frames,
    command: Builder,
    connector: Connector,
    peeked: Option<Tok>,
}

impl<'s, 'o> Parser<'s, 'o> {
    fn new(text: &'s str, range: Range<usize>, context: Context, sink: &'o mut Sink) -> Self {
        Parser {
            text,
            lexer: Lexer::new(text, range),
            sink,
            context,
            state: State::Normal,
            frames: Frames::default(),
            command: Builder::default(),
            connector: Connector::Start,
            peeked: None,
        }
    }

    /// Parses to the end; returns the options in effect there.
    fn run(mut self) -> ShellOptions {
        loop {
            let command_start = (self.state == State::Normal && self.command.range.is_none())
                || self.state == State::ForName;
            match self.next_token(command_start) {
                Tok::Eof => break,
                Tok::Newline => self.newline(),
                Tok::Op(op, range) => self.operator(op, range),
                Tok::Redir { fd, op, range } => self.redirect(fd, op, range),
                // An arithmetic command or a `for ((…))` header: no simple command.
                Tok::Arith => self.state = State::Normal,
                Tok::Word(word) => self.word(word),
            }
        }
        self.finish_command();
        if self.lexer.unterminated || !self.frames.stack.is_empty() {
            self.sink.unparsed = true;
        }
        self.context.options
    }

    fn next_token(&mut self, command_start: bool) -> Tok {
        match self.peeked.take() {
            Some(tok) => tok,
            None => self.lexer.next_token(command_start),
        }
    }

    fn newline(&mut self) {
        match self.state {
            State::Normal | State::DoubleBracket => {
                self.finish_command();
                self.connector = Connector::Sequence;
                self.state = State::Normal;
            }
            State::ForIn | State::ForWords => {
                self.finish_command();
                self.connector = Connector::Start;
                self.state = State::Normal;
            }
            // Newlines may separate the parts of `for`/`case` headers and `case` items.
            _ => {}
        }
    }

    fn operator(&mut self, op: Op, range: Range<usize>) {
        match self.state {
            State::DoubleBracket if !matches!(op, Op::Semi | Op::CaseEnd) => {
                let word = self.plain_word(range);
                self.add_word(word);
                return;
            }
            State::CasePattern => {
                if op == Op::RParen {
                    self.state = State::Normal;
                    self.connector = Connector::Start;
                }
                return;
            }
            State::Normal => {}
            _ => {
                // A header left unfinished: read the operator as in a command list.
                self.state = State::Normal;
                self.connector = Connector::Start;
            }
        }
        match op {
            Op::And | Op::Or | Op::Pipe | Op::Amp | Op::Semi => {
                self.finish_command();
                self.connector = match op {
                    Op::And => Connector::And,
                    Op::Or => Connector::Or,
                    Op::Pipe => Connector::Pipe,
                    Op::Amp => Connector::Background,
                    _ => Connector::Sequence,
                };
            }
            Op::CaseEnd => {
                self.finish_command();
                self.connector = Connector::Start;
                if matches!(self.frames.stack.last(), Some(Frame::Case)) {
                    self.state = State::CasePattern;
                }
            }
            Op::LParen => {
                let next = self.next_token(false);
                if matches!(next, Tok::Op(Op::RParen, _)) {
                    // `name() { …; }` defines a function: the name is no command.
                    if self.command.words.len() == 1 && self.command.assignments.is_empty() {
                        self.command = Builder::default();
                    }
                    self.connector = Connector::Start;
                    return;
                }
                self.peeked = Some(next);
                self.finish_command();
                self.push_frame(Frame::Subshell(self.context.options));
                self.connector = Connector::Start;
            }
            Op::RParen => {
                self.finish_command();
                match self.frames.close(Kind::Subshell) {
                    Some(Frame::Subshell(options)) => self.context.options = options,
                    _ => self.sink.unparsed = true,
                }
            }
        }
    }

    fn push_frame(&mut self, frame: Frame) {
        if !self.frames.push(frame) {
            self.sink.unparsed = true;
        }
    }

    fn pop_case(&mut self) {
        self.frames.close(Kind::Case);
    }

    fn redirect(&mut self, fd: Option<String>, op: &'static str, range: Range<usize>) {
        let target = match self.next_token(false) {
            Tok::Word(word) => Some(word),
            other => {
                self.peeked = Some(other);
                None
            }
        };
        if let Some(delimiter) = target.as_ref().filter(|_| op == "<<" || op == "<<-") {
            self.lexer
                .push_heredoc(delimiter.value.to_string(), op == "<<-");
        }
        match self.state {
            State::DoubleBracket => {
                // `[[ a < b ]]` compares strings.
                let word = self.plain_word(range);
                self.add_word(word);
                if let Some(target) = target {
                    self.add_word(target);
                }
            }
            State::Normal => {
                let end = target.as_ref().map_or(range.end, |t| t.range.end);
                let range = range.start..end;
                self.cover(&range);
                let redirect = Redirect {
                    fd,
                    op: op.to_string(),
                    target: target.map(Word::into_shell_word),
                    range,
                };
                let redirects = &mut self.command.redirects;
                push_within(redirects, redirect, MAX_WORDS, &mut self.sink.unparsed);
            }
            _ => {}
        }
    }

    fn word(&mut self, word: Word) {
        let keyword = |w: &Word, k: &str| w.plain && w.value == k;
        match self.state {
            State::Normal => self.command_word(word),
            State::DoubleBracket => {
                let closes = keyword(&word, "]]");
                self.add_word(word);
                if closes {
                    self.state = State::Normal;
                }
            }
            State::ForName => self.state = State::ForIn,
            State::ForIn if keyword(&word, "do") => {
                self.state = State::Normal;
                self.connector = Connector::Start;
            }
            State::ForIn => self.state = State::ForWords,
            State::ForWords => {}
            State::CaseWord => self.state = State::CaseIn,
            State::CaseIn => {
                self.push_frame(Frame::Case);
                self.state = State::CasePattern;
            }
            State::CasePattern => {
                if keyword(&word, "esac") {
                    self.pop_case();
                    self.state = State::Normal;
                }
            }
            State::FunctionName => self.state = State::Normal,
        }
    }

    /// A word in a command list: a reserved word where a command starts, an assignment
    /// before the program, or a word of the command.
    fn command_word(&mut self, word: Word) {
        if self.command.range.is_none() && word.plain {
            let mut reserved = true;
            match word.value.as_str() {
                "if" | "then" | "elif" | "else" | "fi" | "do" | "done" | "while" | "until"
                | "{" | "}" => self.connector = Connector::Start,
                // `! cmd` negates the status; the command keeps its connector.
                "!" => {}
                "for" | "select" => self.state = State::ForName,
                "case" => self.state = State::CaseWord,
                "esac" => self.pop_case(),
                "function" => self.state = State::FunctionName,
                "[[" => {
                    self.state = State::DoubleBracket;
                    reserved = false;
                }
                _ => reserved = false,
            }
            if reserved {
                return;
            }
        }
        if self.command.words.is_empty() {
            if let Some(assignment) = wrappers::assignment(&word, self.text) {
                self.cover(&word.range);
                let assignments = &mut self.command.assignments;
                push_within(assignments, assignment, MAX_WORDS, &mut self.sink.unparsed);
                return;
            }
        }
        self.add_word(word);
    }

    fn plain_word(&self, range: Range<usize>) -> Word {
        Word {
            value: self.lexer.text(range.clone()).into(),
            verbatim_at: Some(range.start),
            range,
            has_expansion: false,
            plain: true,
        }
    }

    fn add_word(&mut self, word: Word) {
        self.cover(&word.range);
        push_within(
            &mut self.command.words,
            word,
            MAX_WORDS,
            &mut self.sink.unparsed,
        );
    }

    /// Extends the command being built over `range`, starting it if needed.
    fn cover(&mut self, range: &Range<usize>) {
        self.command.range = Some(match self.command.range.take() {
            Some(r) => r.start.min(range.start)..r.end.max(range.end),
            None => {
                self.command.connector = self.connector;
                self.command.options = self.context.options;
                range.clone()
            }
        });
    }

    /// Ends the command being built: its substitutions' commands are emitted, then itself.
    fn finish_command(&mut self) {
        self.analyze_substitutions();
        let command = std::mem::take(&mut self.command);
        if command.words.is_empty() && command.assignments.is_empty() {
            return;
        }
        self.emit(command);
    }

    fn analyze_substitutions(&mut self) {
        let bodies = std::mem::take(&mut self.lexer.substitutions);
        if !self.context.analyze_substitutions {
            return;
        }
        for body in bodies {
            if self.context.nesting >= MAX_NESTING {
                self.sink.unparsed = true;
                continue;
            }
            let context = Context {
                nesting: self.context.nesting + 1,
                in_substitution: true,
                analyze_substitutions: true,
                ..self.context
            };
            Parser::new(self.text, body, context, self.sink).run();
        }
    }

    fn emit(&mut self, command: Builder) {
        let Builder {
            mut assignments,
            mut words,
            redirects,
            range,
            connector,
            options,
        } = command;
        let own_assignments = assignments.len();
        let program = wrappers::strip_wrappers(&words, self.text, &mut assignments);
        // `split_off(0)` would leave behind an empty list as large as the whole one.
        let words_run = if program == 0 {
            std::mem::take(&mut words)
        } else {
            words.split_off(program)
        };
        let mut prefixes = words;
        // `env A=b cmd`: `A=b` is reported as an assignment, not as a wrapper word.
        let from_wrappers = assignments.get(own_assignments..).unwrap_or_default();
        prefixes.retain(|w| from_wrappers.iter().all(|a| a.range != w.range));
        if let Some((script, flags)) = wrappers::shell_script(&words_run) {
            if self.context.depth >= MAX_SHELL_DEPTH || self.context.nesting >= MAX_NESTING {
                self.sink.unparsed = true;
            } else if let Some(inner) = self.analyze_inner_script(&words_run, script, flags) {
                let wrapper_words: Vec<ShellWord> = prefixes
                    .into_iter()
                    .chain(words_run.into_iter().take(script))
                    .map(Word::into_shell_word)
                    .collect();
                for (i, mut command) in inner.into_iter().enumerate() {
                    let own_prefixes = std::mem::take(&mut command.prefixes);
                    command.prefixes = wrapper_words.iter().cloned().chain(own_prefixes).collect();
                    command.assignments.extend(assignments.iter().cloned());
                    if i == 0 && command.connector == Connector::Start {
                        command.connector = connector;
                    }
                    command.shrink_to_fit();
                    self.sink.push(command);
                }
                return;
            }
        }
        if words_run.first().map(|w| basename(&w.value)) == Some("set") {
            wrappers::apply_set(
                words_run.get(1..).unwrap_or_default(),
                &mut self.context.options,
            );
        }
        let mut command = SimpleCommand {
            assignments: assignments.into(),
            words: shell_words(words_run),
            range: range.unwrap_or_default().into(),
            depth: self.context.depth,
            prefixes: prefixes.into_iter().map(Word::into_shell_word).collect(),
            redirects: redirects.into(),
            connector,
            options,
            in_substitution: self.context.in_substitution,
        };
        command.shrink_to_fit();
        self.sink.push(command);
    }

    /// The commands of the script of `sh -c 'script'`, one level deeper, with ranges mapped
    /// back into this text; `None` when the script is a single expansion (`sh -c "$CMD"`),
    /// whose commands are unknown here.
    fn analyze_inner_script(
        &mut self,
        words: &[Word],
        script: usize,
        flags: ShellOptions,
    ) -> Option<Vec<SimpleCommand>> {
        let script_word = words.get(script)?;
        let script_text = script_word.value.as_str();
        // A new shell starts with its options off, except those its flags turn on.
        let off = Some(false);
        let options = ShellOptions {
            errexit: flags.errexit.or(off),
            nounset: flags.nounset.or(off),
            xtrace: flags.xtrace.or(off),
            pipefail: flags.pipefail.or(off),
        };
        let context = Context {
            depth: self.context.depth + 1,
            nesting: self.context.nesting + 1,
            in_substitution: self.context.in_substitution,
            // Substitutions this shell expanded in the word were analysed here already.
            analyze_substitutions: !script_word.has_expansion,
            options,
        };
        let mut sink = Sink::default();
        Parser::new(script_text, 0..script_text.len(), context, &mut sink).run();
        if let [only] = sink.commands.as_slice() {
            let whole_script = script_text.trim();
            let is_one_expansion = only.assignments.is_empty()
                && only.redirects.is_empty()
                && matches!(only.words.as_slice(), [w] if w.has_expansion && script_text.get(w.range.range()) == Some(whole_script));
            if is_one_expansion {
                return None;
            }
        }
        self.sink.unparsed |= sink.unparsed;
        let map = PositionMap::new(script_word, self.text);
        for command in &mut sink.commands {
            map.apply_to_command(command, self.text);
        }
        Some(sink.commands)
    }
}

/// Maps positions in an `sh -c` script (the quote-removed word) to the text it was written in.
enum PositionMap {
    /// The script appears verbatim at this offset: exact.
    Offset(usize),
    /// The text each script byte was written as (quotes and escapes removed).
    Table {
        positions: Vec<Range<usize>>,
        word: Range<usize>,
    },
}

impl PositionMap {
    fn new(word: &Word, text: &str) -> Self {
        match word.verbatim_at {
            Some(offset) => PositionMap::Offset(offset),
            None => PositionMap::Table {
                positions: value_positions(text, word.range.clone()),
                word: word.range.clone(),
            },
        }
    }

    fn map(&self, range: &Range<usize>, text: &str) -> Range<usize> {
        let mapped = match self {
            PositionMap::Offset(offset) => offset + range.start..offset + range.end,
            PositionMap::Table { positions, word } => {
                let start = positions.get(range.start).map_or(word.end, |p| p.start);
                let end = if range.end > range.start {
                    positions.get(range.end - 1).map_or(word.end, |p| p.end)
                } else {
                    start
                };
                start..end.max(start)
            }
        };
        // Positions decoded from escapes can only approximate; never hand out a range that
        // would not slice the text.
        if text.get(mapped.clone()).is_some() {
            mapped
        } else {
            match self {
                PositionMap::Table { word, .. } => word.clone(),
                PositionMap::Offset(offset) => *offset..*offset,
            }
        }
    }

    fn apply_to_command(&self, command: &mut SimpleCommand, text: &str) {
        command.range = self.map(&command.range.range(), text).into();
        for assignment in &mut command.assignments {
            assignment.range = self.map(&assignment.range, text);
        }
        for word in command.words.iter_mut().chain(&mut command.prefixes) {
            word.range = self.map(&word.range.range(), text).into();
        }
        for redirect in &mut command.redirects {
            redirect.range = self.map(&redirect.range, text);
            if let Some(target) = &mut redirect.target {
                target.range = self.map(&target.range.range(), text).into();
            }
        }
    }
}

/// The converted words of a command. A short list gets a buffer of exactly its size:
/// collecting in place would keep the lexer's larger buffer, shrunk afterwards, which leaves
/// a hole per command (on a file of many one-word RUNs that fragmentation cost about a tenth
/// of the peak memory). A long list is converted in place, so that a command of a million
/// words is not held twice.
fn shell_words(words: Vec<Word>) -> Vec<ShellWord> {
    if words.len() > 64 {
        return words.into_iter().map(Word::into_shell_word).collect();
    }
    let mut out = Vec::with_capacity(words.len());
    out.extend(words.into_iter().map(Word::into_shell_word));
    out
}
