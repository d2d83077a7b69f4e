//! The lossless syntax tree of a Dockerfile.
//!
//! Every node keeps the byte span of the text it came from, and the tree keeps
//! the whole source, so the original bytes can always be reproduced and fixes
//! can edit the text in place.

use compact_str::CompactString;
use ecow::EcoString;
use thin_vec::ThinVec;

use crate::span::{LineIndex, Span};

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The source text as read (a leading UTF-8 BOM is kept here and skipped by the parser).
    pub source: String,
    /// Whether the source starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// The escape character in force (`\` unless `# escape=` says otherwise).
    pub escape: char,
    /// Parser directives at the top of the file (`syntax`, `escape`, `check`).
    /// Directive lines are not repeated in `comments`.
    pub directives: Vec<Directive>,
    /// Every comment line in the file, including those inside continued instructions.
    pub comments: Vec<Comment>,
    /// Instructions in file order.
    pub instructions: Vec<Instruction>,
    pub lines: LineIndex,
}

impl Dockerfile {
    /// A comment's text after the `#`, with surrounding whitespace trimmed.
    pub fn comment_text(&self, comment: &Comment) -> &str {
        let text = self.text(comment.span);
        text.strip_prefix('#').unwrap_or(text).trim()
    }

    /// Text covered by `span` (empty if the span is out of range or not on char boundaries).
    pub fn text(&self, span: Span) -> &str {
        self.source.get(span.range()).unwrap_or("")
    }

    /// The source text, byte for byte: the tree never drops or rewrites input.
    pub fn reconstruct(&self) -> String {
        self.source.clone()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lowercased directive name (`syntax`, `escape`, `check`).
    pub name: String,
    pub value: String,
    /// The whole directive line (without its line ending).
    pub span: Span,
    pub value_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment from `#` to the end of the line (without its line ending).
    /// [`Dockerfile::comment_text`] gives the text after the `#`.
    pub span: Span,
}

/// Instruction keywords; matching is case-insensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// A keyword BuildKit's parser accepts but the builder rejects; kept so nothing is lost.
    Unknown,
}

impl Keyword {
    pub fn from_word(word: &str) -> Keyword {
        match word.to_ascii_lowercase().as_str() {
            "add" => Keyword::Add,
            "arg" => Keyword::Arg,
            "cmd" => Keyword::Cmd,
            "copy" => Keyword::Copy,
            "entrypoint" => Keyword::Entrypoint,
            "env" => Keyword::Env,
            "expose" => Keyword::Expose,
            "from" => Keyword::From,
            "healthcheck" => Keyword::Healthcheck,
            "label" => Keyword::Label,
            "maintainer" => Keyword::Maintainer,
            "onbuild" => Keyword::Onbuild,
            "run" => Keyword::Run,
            "shell" => Keyword::Shell,
            "stopsignal" => Keyword::Stopsignal,
            "user" => Keyword::User,
            "volume" => Keyword::Volume,
            "workdir" => Keyword::Workdir,
            _ => Keyword::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => "UNKNOWN",
        }
    }
}

/// A string value and where it was written.
///
/// 24 bytes: every argument of every instruction is one, and the value is inline up to
/// 15 bytes, which holds most paths, image names and `ENV` names and values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The value: raw text as written for shell-form words; the decoded string for JSON elements.
    pub value: EcoString,
    pub span: Span,
}

/// A `--name` or `--name=value` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Inline strings: a flag's name and most values are short, and every flag of a file
    /// of many `COPY --from=…` lines is held.
    pub name: CompactString,
    pub name_span: Span,
    /// `None` for a bare flag such as `--link`.
    pub value: Option<CompactString>,
    pub value_span: Option<Span>,
    /// From the leading `--` to the end of the value.
    pub span: Span,
}

/// Text whose continuation lines were joined the way BuildKit joins them, with a
/// map back to the source so that any range of `text` has a source span.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JoinedText {
    /// Texts of up to 15 bytes (many `CMD`s, some `RUN`s) stay inline; longer ones share
    /// one allocation between clones.
    pub text: EcoString,
    /// Where the text is in the source.
    place: Place,
}

/// Where a [`JoinedText`] is in the source. An enum rather than a start beside a list: the
/// spare values of its tag hold the tag of [`Args`], which so stays 32 bytes (and
/// [`Instruction`] 56).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// One contiguous piece (the usual case, which takes no allocation) starting here.
    /// A [`Span`] offset, so 32 bits.
    Start(u32),
    /// `(offset in text, source span)` of each contiguous piece, in order, when there are
    /// two or more; the text is the concatenation of the pieces' source text.
    Pieces(ThinVec<(usize, Span)>),
}

impl Default for Place {
    fn default() -> Self {
        Place::Start(0)
    }
}

/// A source offset as a [`Place::Start`]: offsets come from [`Span`]s, which hold 32 bits.
fn place_start(offset: usize) -> Place {
    Place::Start(u32::try_from(offset).unwrap_or(u32::MAX))
}

impl JoinedText {
    /// Joined text from its pieces (`(offset in text, source span)`, in order).
    pub fn new(text: EcoString, pieces: ThinVec<(usize, Span)>) -> Self {
        let place = match pieces.as_slice() {
            [] => Place::Start(0),
            [(0, span)] if span.len() == text.len() => place_start(span.start()),
            _ => Place::Pieces(pieces),
        };
        JoinedText { text, place }
    }

    /// The listed pieces: empty for one contiguous piece.
    fn listed(&self) -> &[(usize, Span)] {
        match &self.place {
            Place::Start(_) => &[],
            Place::Pieces(pieces) => pieces,
        }
    }

    /// `(offset in text, source span)` of each contiguous piece, in order.
    pub fn pieces(&self) -> impl Iterator<Item = (usize, Span)> + '_ {
        let single = match self.place {
            Place::Start(start) => {
                let start = start as usize;
                Some((0, Span::new(start, start + self.text.len())))
            }
            Place::Pieces(_) => None,
        };
        single.into_iter().chain(self.listed().iter().copied())
    }

    /// The source offset of a text offset (offsets at a piece boundary map to the piece start).
    pub fn source_offset(&self, text_offset: usize) -> usize {
        let pieces = match &self.place {
            Place::Start(start) => {
                let start = *start as usize;
                return (start + text_offset).min(start + self.text.len());
            }
            Place::Pieces(pieces) => pieces,
        };
        let i = match pieces.binary_search_by(|(o, _)| o.cmp(&text_offset)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        let (o, span) = pieces[i];
        (span.start() + (text_offset - o)).min(span.end().max(span.start()))
    }

    /// The source span covering `range` of `text`.
    pub fn source_span(&self, range: std::ops::Range<usize>) -> Span {
        if range.is_empty() {
            let at = self.source_offset(range.start);
            return Span::new(at, at);
        }
        let start = self.source_offset(range.start);
        let end = self.source_offset(range.end - 1) + 1;
        Span::new(start, end.max(start))
    }

    /// The source span of the whole text.
    pub fn span(&self) -> Span {
        match &self.place {
            Place::Start(start) => {
                let start = *start as usize;
                Span::new(start, start + self.text.len())
            }
            Place::Pieces(pieces) => match (pieces.first(), pieces.last()) {
                (Some((_, a)), Some((_, b))) => Span::new(a.start(), b.end()),
                _ => Span::new(0, self.text.len()),
            },
        }
    }

    /// The part of the text in `range` (clamped to the text), with its pieces.
    pub fn slice(&self, range: std::ops::Range<usize>) -> JoinedText {
        let end = range.end.min(self.text.len());
        let start = range.start.min(end);
        let text = EcoString::from(self.text.get(start..end).unwrap_or(""));
        if start == end {
            let at = self.source_offset(start);
            return JoinedText {
                text,
                place: place_start(at),
            };
        }
        let listed = match &self.place {
            Place::Start(at) => {
                return JoinedText {
                    text,
                    place: place_start(*at as usize + start),
                }
            }
            Place::Pieces(pieces) => pieces,
        };
        let first = match listed.binary_search_by(|(o, _)| o.cmp(&start)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let mut pieces = ThinVec::new();
        for &(offset, span) in listed.iter().skip(first) {
            if offset >= end {
                break;
            }
            let piece_end = offset + span.len();
            if piece_end <= start {
                continue;
            }
            let from = start.max(offset);
            let to = end.min(piece_end);
            pieces.push((
                from - start,
                Span::new(span.start() + (from - offset), span.start() + (to - offset)),
            ));
        }
        JoinedText::new(text, pieces)
    }
}

impl Args {
    fn shrink_to_fit(&mut self) {
        match self {
            Args::Empty => {}
            Args::Shell(joined) => {
                if let Place::Pieces(pieces) = &mut joined.place {
                    pieces.shrink_to_fit();
                }
            }
            // Boxed slices hold exactly their elements.
            Args::Exec(_) | Args::Words(_) | Args::Word(_) | Args::KeyValues(_) => {}
            Args::Onbuild(inner) => inner.shrink_to_fit(),
            Args::Healthcheck { command, .. } => command.shrink_to_fit(),
        }
    }
}

/// An `ENV` or `LABEL` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Word,
    /// The value as written, quotes and escapes included (BuildKit keeps them in its AST).
    pub value: Word,
    /// `true` for `key=value`, `false` for the legacy `key value` form.
    pub equals: bool,
}

/// A heredoc introduced by `<<EOF`, `<<-EOF`, `<<"EOF"` or `<<'EOF'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word without quotes.
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body lines.
    pub strip_tabs: bool,
    /// The delimiter was quoted: no expansion inside the body.
    pub quoted: bool,
    /// The file descriptor written before `<<` (`2<<EOF`); 0 when absent.
    pub fd: u32,
    /// The `<<EOF` marker on the instruction line.
    pub marker_span: Span,
    /// The body as the build sees it (leading tabs stripped for `<<-`), each line
    /// keeping its line ending as written.
    pub body: String,
    /// The body lines in the source, without the terminating delimiter line.
    pub body_span: Span,
    /// The terminating delimiter line (empty at end of file).
    pub end_span: Span,
}

/// The arguments of an instruction, in the shape BuildKit's parser gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// No arguments (e.g. a bare `HEALTHCHECK`).
    Empty,
    /// Shell form of RUN, CMD, ENTRYPOINT and SHELL: one joined string. Unknown
    /// instructions also keep their raw argument text here (BuildKit's parser
    /// accepts them and drops the arguments; the builder rejects them later).
    Shell(JoinedText),
    /// JSON (exec) form: the decoded array elements.
    ///
    /// The lists are boxed slices: no header and no spare capacity, so `COPY a b` holds
    /// 48 bytes of words in a 64-byte block.
    Exec(Box<[Word]>),
    /// Words as written: whitespace-separated for FROM, EXPOSE and the shell form of
    /// COPY/ADD/VOLUME; quote-aware for ARG; a single word holding the whole
    /// argument text for USER, WORKDIR, STOPSIGNAL and MAINTAINER.
    Words(Box<[Word]>),
    /// [`Args::Words`] of exactly one word, held in place: `ARG NAME`, `USER app`,
    /// `WORKDIR /app` and `FROM image` need no list of their own.
    Word(Word),
    /// ENV and LABEL pairs.
    KeyValues(Box<[KeyValue]>),
    /// ONBUILD's wrapped instruction.
    Onbuild(Box<Instruction>),
    /// HEALTHCHECK NONE, or HEALTHCHECK CMD followed by shell or exec args
    /// (`command` is `Empty`, `Shell` or `Exec`).
    /// Both boxed: HEALTHCHECK is rare, and an inline `Word` would make every instruction larger.
    Healthcheck { kind: Box<Word>, command: Box<Args> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: Keyword,
    /// Where the keyword and the arguments are, as distances from the ends of `span`
    /// ([`Instruction::keyword_span`], [`Instruction::args_span`]); when one does not fit,
    /// both spans are in the extras.
    places: Places,
    /// Flags, heredocs and a keyword split by a continuation, behind one pointer: most
    /// instructions have none of them, and a file of many short instructions holds one
    /// record per instruction.
    extras: Option<Box<Extras>>,
    pub args: Args,
    /// From the keyword to the end of the instruction's last line, heredoc bodies and
    /// their delimiter lines included; the trailing line ending is excluded. Changed
    /// through [`Instruction::set_end`] only, which keeps the other spans in place.
    pub span: Span,
}

/// The keyword's length, and the distances from the start of an instruction to its
/// arguments and from their end to the instruction's end (heredoc bodies), in 6 bytes:
/// the record of every instruction holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Places {
    keyword_len: u16,
    args_from_start: u16,
    args_to_end: u16,
}

impl Places {
    /// Marks spans kept in the extras.
    const FAR: Places = Places {
        keyword_len: u16::MAX,
        args_from_start: u16::MAX,
        args_to_end: u16::MAX,
    };

    fn of(span: Span, keyword_len: usize, args: Span) -> Option<Places> {
        let places = Places {
            keyword_len: u16::try_from(keyword_len).ok()?,
            args_from_start: u16::try_from(args.start().checked_sub(span.start())?).ok()?,
            args_to_end: u16::try_from(span.end().checked_sub(args.end())?).ok()?,
        };
        (places != Places::FAR && args.start() <= args.end()).then_some(places)
    }
}

/// What an instruction keeps of its places when they are not the usual ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Far {
    /// The keyword's and the arguments' spans, when [`Places`] cannot hold them.
    spans: Option<(Span, Span)>,
    /// The first and last line, when they are not the lines of the span's ends
    /// ([`Instruction::start_line`]).
    lines: Option<(u32, u32)>,
}

/// The parts of an instruction that most instructions do not have.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Extras {
    /// Spans and lines that the instruction's record cannot give.
    far: Option<Box<Far>>,
    /// The keyword as BuildKit reads it, kept only when that differs from the source text of
    /// [`Instruction::keyword_span`] (a keyword split by a line continuation, `RU\⏎N`).
    keyword_joined: Option<Box<str>>,
    flags: ThinVec<Flag>,
    /// Heredocs whose bodies follow this instruction. For `ONBUILD RUN <<EOF` they
    /// belong to the wrapped instruction, not to the ONBUILD.
    heredocs: ThinVec<Heredoc>,
}

impl Extras {
    fn is_empty(&self) -> bool {
        self.keyword_joined.is_none()
            && self.flags.is_empty()
            && self.heredocs.is_empty()
            && self.far.is_none()
    }
}

impl Instruction {
    /// An instruction with no heredocs (they are attached once their bodies are read) and
    /// lines still to be set.
    pub(crate) fn new(
        keyword: Keyword,
        keyword_len: usize,
        keyword_joined: Option<EcoString>,
        flags: ThinVec<Flag>,
        args: Args,
        span: Span,
        args_span: Span,
    ) -> Self {
        let extras = Extras {
            far: None,
            keyword_joined: keyword_joined.map(|k| Box::from(k.as_str())),
            flags,
            heredocs: ThinVec::new(),
        };
        let mut instruction = Instruction {
            keyword,
            places: Places::FAR,
            extras: (!extras.is_empty()).then(|| Box::new(extras)),
            args,
            span,
        };
        let keyword_span = Span::new(span.start(), span.start().saturating_add(keyword_len));
        instruction.place(keyword_span, args_span);
        instruction
    }

    /// Records the keyword's and the arguments' spans for the present `span`.
    fn place(&mut self, keyword: Span, args: Span) {
        match Places::of(self.span, keyword.len(), args) {
            Some(places) => {
                self.places = places;
                self.set_far(|far| far.spans = None);
            }
            None => {
                self.places = Places::FAR;
                self.set_far(|far| far.spans = Some((keyword, args)));
            }
        }
    }

    /// Changes the far places, which are allocated only while they hold something.
    fn set_far(&mut self, change: impl FnOnce(&mut Far)) {
        let mut far = match self.extras.as_mut().and_then(|e| e.far.take()) {
            Some(far) => *far,
            None => Far::default(),
        };
        change(&mut far);
        if far.spans.is_none() && far.lines.is_none() {
            self.drop_empty_extras();
        } else {
            self.extras.get_or_insert_with(Box::default).far = Some(Box::new(far));
        }
    }

    /// Whether the instruction holds anything beyond its record.
    #[cfg(test)]
    pub(crate) fn has_extras(&self) -> bool {
        self.extras.is_some()
    }

    fn far(&self) -> Option<&Far> {
        self.extras.as_ref()?.far.as_deref()
    }

    /// Sets the 1-based first and last line as BuildKit reports them, `lines` being the
    /// index of the file's lines. Set once the span is final; kept only when they are not
    /// the lines of the span's ends (an instruction whose first line holds only a
    /// continuation, say): a file of many short instructions holds one record each.
    pub(crate) fn set_lines(&mut self, lines: &LineIndex, start: u32, end: u32) {
        let derived = (
            Self::line_at(lines, self.span.start()),
            Self::line_at(lines, self.span.end()),
        );
        self.set_far(|far| far.lines = (derived != (start, end)).then_some((start, end)));
    }

    fn line_at(lines: &LineIndex, offset: usize) -> u32 {
        // A file holds at most `MAX_SOURCE_LEN` bytes, so its line numbers fit.
        u32::try_from(lines.line(offset)).unwrap_or(u32::MAX)
    }

    /// The 1-based first line as BuildKit reports it: the first line of the instruction,
    /// which may hold only a continuation. `lines` is the index of the file's lines.
    pub fn start_line(&self, lines: &LineIndex) -> u32 {
        match self.far().and_then(|f| f.lines) {
            Some((start, _)) => start,
            None => Self::line_at(lines, self.span.start()),
        }
    }

    /// The 1-based last line as BuildKit reports it: the last line read for the
    /// instruction, heredoc bodies included. `lines` is the index of the file's lines.
    pub fn end_line(&self, lines: &LineIndex) -> u32 {
        match self.far().and_then(|f| f.lines) {
            Some((_, end)) => end,
            None => Self::line_at(lines, self.span.end()),
        }
    }

    /// Moves the end of the instruction's span (to take in heredoc bodies, say); the
    /// keyword and the arguments stay where they are.
    pub(crate) fn set_end(&mut self, end: usize) {
        let (keyword, args) = (self.keyword_span(), self.args_span());
        self.span = Span::new(self.span.start(), end);
        self.place(keyword, args);
    }

    /// The source span of the arguments after the flags (before heredoc bodies).
    pub fn args_span(&self) -> Span {
        if let Some((_, args)) = self.far().and_then(|f| f.spans) {
            return args;
        }
        let p = self.places;
        Span::new(
            self.span.start() + p.args_from_start as usize,
            self.span.end().saturating_sub(p.args_to_end as usize),
        )
    }

    /// The `--name[=value]` flags after the keyword, in order.
    pub fn flags(&self) -> &[Flag] {
        self.extras.as_ref().map_or(&[], |e| &e.flags)
    }

    /// Heredocs whose bodies follow this instruction. For `ONBUILD RUN <<EOF` they belong
    /// to the wrapped instruction, not to the ONBUILD.
    pub fn heredocs(&self) -> &[Heredoc] {
        self.extras.as_ref().map_or(&[], |e| &e.heredocs)
    }

    /// The keyword as BuildKit reads it when a line continuation splits it (`RU\⏎N`).
    pub fn keyword_joined(&self) -> Option<&str> {
        self.extras.as_ref()?.keyword_joined.as_deref()
    }

    pub(crate) fn set_heredocs(&mut self, heredocs: ThinVec<Heredoc>) {
        if heredocs.is_empty() && self.extras.is_none() {
            return;
        }
        self.extras.get_or_insert_with(Box::default).heredocs = heredocs;
        self.drop_empty_extras();
    }

    fn drop_empty_extras(&mut self) {
        if self.extras.as_ref().is_some_and(|e| e.is_empty()) {
            self.extras = None;
        }
    }

    /// Give back the spare capacity of every list the instruction holds: a file of many
    /// short instructions would otherwise keep several times its size in empty slots.
    pub fn shrink_to_fit(&mut self) {
        if let Some(e) = &mut self.extras {
            e.flags.shrink_to_fit();
            e.heredocs.shrink_to_fit();
        }
        self.drop_empty_extras();
        self.args.shrink_to_fit();
    }

    /// The keyword's span in the source; [`Instruction::keyword_text`] gives it as written.
    pub fn keyword_span(&self) -> Span {
        if let Some((keyword, _)) = self.far().and_then(|f| f.spans) {
            return keyword;
        }
        let start = self.span.start();
        Span::new(
            start,
            start.saturating_add(self.places.keyword_len as usize),
        )
    }

    /// The keyword as written (any case), line continuations removed; `source` is the text
    /// of the file the instruction was parsed from.
    pub fn keyword_text<'a>(&'a self, source: &'a str) -> &'a str {
        match self.keyword_joined() {
            Some(joined) => joined,
            None => source.get(self.keyword_span().range()).unwrap_or(""),
        }
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags()
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags()
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
    }

    /// Arguments as a list of words when the instruction has word or exec args.
    pub fn words(&self) -> &[Word] {
        match &self.args {
            Args::Words(w) | Args::Exec(w) => w,
            Args::Word(w) => std::slice::from_ref(w),
            _ => &[],
        }
    }

    pub fn is_exec_form(&self) -> bool {
        matches!(self.args, Args::Exec(_))
    }

    /// The `--mount` flags parsed as BuildKit reads them; unparsable ones are skipped.
    pub fn mounts(&self) -> ThinVec<Mount> {
        self.flags_named("mount")
            .filter_map(|flag| {
                let value = flag.value.as_deref()?;
                let span = flag.value_span.unwrap_or(flag.span);
                crate::syntax::mount::parse_mount(value, span).ok()
            })
            .collect()
    }
}

/// A `--mount=…` flag value parsed into its CSV fields.
///
/// Only the fields as written are stored (a RUN with two cache mounts used to carry ten
/// optional strings per mount); the named values are looked up in them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mount {
    /// `bind` when not given, as BuildKit defaults.
    pub kind: CompactString,
    /// BuildKit's default unless `ro`/`rw` say otherwise: read-only for `bind`,
    /// `secret` and `ssh`, writable for `cache` and `tmpfs`.
    pub readonly: bool,
    pub required: bool,
    /// Every field as written, lowercased key first, in order.
    pub fields: ThinVec<(CompactString, Option<CompactString>)>,
    /// The span of the flag's value.
    pub span: Span,
}

impl Mount {
    /// The value of the last field named by one of `keys` (a later field wins, as in BuildKit).
    fn value(&self, keys: &[&str]) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, v)| v.is_some() && keys.contains(&k.as_str()))
            .and_then(|(_, v)| v.as_deref())
    }
}

/// One accessor per named mount field: the last value written under any of its keys.
macro_rules! mount_fields {
    ($($(#[$doc:meta])* $name:ident => [$($key:literal),+];)*) => {
        impl Mount {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Option<&str> {
                    self.value(&[$($key),+])
                }
            )*
        }
    };
}

mount_fields! {
    /// `target=`, `dst=` or `destination=`.
    target => ["target", "dst", "destination"];
    /// `source=` or `src=`.
    source => ["source", "src"];
    from => ["from"];
    id => ["id"];
    sharing => ["sharing"];
    mode => ["mode"];
    uid => ["uid"];
    gid => ["gid"];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_pieces() -> JoinedText {
        // Source `RUN ab \\\n  cd` joined: `ab ` from 4..7, `  cd` from 9..13.
        JoinedText::new(
            "ab   cd".into(),
            thin_vec::thin_vec![(0, Span::new(4, 7)), (3, Span::new(9, 13))],
        )
    }

    #[test]
    fn one_piece_is_kept_without_a_list() {
        let joined = JoinedText::new("abc".into(), thin_vec::thin_vec![(0, Span::new(10, 13))]);
        assert!(joined.listed().is_empty());
        assert_eq!(
            joined.pieces().collect::<Vec<_>>(),
            [(0, Span::new(10, 13))]
        );
        assert_eq!(joined.span(), Span::new(10, 13));
        assert_eq!(joined.source_offset(1), 11);
        assert_eq!(joined.source_offset(9), 13);
        assert_eq!(joined.source_span(1..3), Span::new(11, 13));
        let part = joined.slice(1..2);
        assert_eq!((part.text.as_str(), part.span()), ("b", Span::new(11, 12)));
        assert_eq!(joined.slice(2..2).span(), Span::empty(12));
    }

    #[test]
    fn pieces_map_offsets_across_a_continuation() {
        let joined = two_pieces();
        assert_eq!(joined.pieces().count(), 2);
        assert_eq!(joined.span(), Span::new(4, 13));
        assert_eq!(joined.source_offset(3), 9);
        assert_eq!(joined.source_span(1..6), Span::new(5, 12));
        // A slice inside one piece takes the one-piece form and equals one built so.
        let inner = joined.slice(5..7);
        assert!(inner.listed().is_empty());
        assert_eq!(
            inner,
            JoinedText::new("cd".into(), thin_vec::thin_vec![(0, Span::new(11, 13))])
        );
        // A slice across the continuation keeps both pieces.
        let across = joined.slice(1..6);
        assert_eq!(
            across.pieces().collect::<Vec<_>>(),
            [(0, Span::new(5, 7)), (2, Span::new(9, 12))]
        );
    }
}

#[cfg(all(test, target_pointer_width = "64"))]
mod layout_tests {
    use super::*;

    /// A file of many short instructions holds one record per instruction: rare parts
    /// (flags, heredocs, a split keyword) stay behind one pointer.
    #[test]
    fn an_instruction_record_stays_small() {
        // The lists of `Args` are boxed slices (16 bytes) and the largest variant, `Shell`,
        // leaves room beside its own tag for `Args`'.
        assert!(std::mem::size_of::<JoinedText>() <= 32);
        assert!(std::mem::size_of::<Args>() <= 32);
        assert!(std::mem::size_of::<Instruction>() <= 56);
        // Every instruction with a flag or a heredoc has one.
        assert!(std::mem::size_of::<Extras>() <= 40);
        let df = crate::syntax::parse("FROM a\nRUN x\nRUN --mount=type=cache,target=/c x\n")
            .expect("parses");
        assert!(df.instructions[1].extras.is_none());
        assert_eq!(df.instructions[2].flags().len(), 1);
    }

    /// Every argument is a word, and every `ENV` or `LABEL` pair two: `COPY a b` holds its
    /// two words in one 64-byte block, `ENV A=1` its pair in one too.
    #[test]
    fn words_and_pairs_stay_small() {
        assert!(std::mem::size_of::<Word>() <= 24);
        assert!(std::mem::size_of::<KeyValue>() <= 56);
        let df = crate::syntax::parse("FROM a\nCOPY a b\nENV A=1\n").expect("parses");
        assert!(matches!(&df.instructions[1].args, Args::Words(w) if w.len() == 2));
        assert!(matches!(&df.instructions[2].args, Args::KeyValues(p) if p.len() == 1));
    }

    /// Spans too far apart for the record's 16-bit distances are kept whole.
    #[test]
    fn far_spans_survive() {
        let long = "x".repeat(70_000);
        let src = format!(
            "FROM a\nRUN --mount=type=cache,target=/{long} make\nRUN cat <<EOF\n{long}\nEOF\nRUN \\\n  go build\n"
        );
        let df = crate::syntax::parse(&src).expect("parses");
        let [_, flagged, heredoc, continued] = &df.instructions[..] else {
            panic!("four instructions");
        };
        assert_eq!(df.text(flagged.args_span()), "make");
        assert_eq!(df.text(flagged.keyword_span()), "RUN");
        assert_eq!(df.text(heredoc.args_span()), "cat <<EOF");
        assert_eq!(df.text(heredoc.keyword_span()), "RUN");
        assert!(df.text(heredoc.span).ends_with("EOF"));
        assert_eq!(df.text(continued.args_span()), "go build");
        assert!(continued.extras.is_none());
    }
}
