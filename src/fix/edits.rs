//! Building blocks for rule fixes: each returns [`Edit`]s against the original source.
//!
//! Every helper edits the smallest range it can, so the bytes a fix does not touch stay
//! identical: inserted lines take the line ending (LF or CRLF) and the indentation of
//! the instruction they sit next to, and keywords take the case the file uses.
//!
//! Rules call these from their `check` and attach the result to their `Diagnostic`:
//!
//! ```ignore
//! let edit = fix::edits::insert_flag(ctx.file, inst, &["--mount=type=cache,target=/root/.npm"]);
//! diagnostic.with_fix(Fix { title, applicability: Applicability::Safe, edits: vec![edit] })
//! ```

use crate::diagnostic::Edit;
use crate::graph::Command;
use crate::shell::Connector;
use crate::span::Span;
use crate::syntax::{Args, Dockerfile, Instruction};

/// Where the text proper starts (after a UTF-8 byte-order mark, which must stay first).
fn text_start(df: &Dockerfile) -> usize {
    if df.bom {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

/// Offset of the start of the line holding `offset`.
fn line_start(df: &Dockerfile, offset: usize) -> usize {
    let offset = offset.min(df.source.len());
    let start = df.source[..offset].rfind('\n').map_or(0, |i| i + 1);
    start.max(text_start(df).min(offset))
}

/// Offset just past the line ending of the line holding `offset` (the end of the file
/// when that line has no line ending).
fn line_end_after_newline(df: &Dockerfile, offset: usize) -> usize {
    let offset = offset.min(df.source.len());
    df.source[offset..]
        .find('\n')
        .map_or(df.source.len(), |i| offset + i + 1)
}

/// The line ending used by the line holding `offset`: that line's own ending, else the
/// file's first one, else `\n`.
pub fn line_ending_at(df: &Dockerfile, offset: usize) -> &'static str {
    let offset = offset.min(df.source.len());
    let own = df.source[offset..].find('\n').map(|i| offset + i);
    let first = df.source.find('\n');
    match own.or(first) {
        Some(nl) if nl > 0 && df.source.as_bytes().get(nl - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// The whitespace before the instruction's keyword on its line.
pub fn indentation<'a>(df: &'a Dockerfile, inst: &Instruction) -> &'a str {
    let start = line_start(df, inst.keyword_span().start());
    let before = df.text(Span::new(start, inst.keyword_span().start()));
    if before.chars().all(|c| c == ' ' || c == '\t') {
        before
    } else {
        ""
    }
}

/// `keyword` (e.g. `COPY`) in the case the instruction's own keyword is written in.
pub fn keyword_like(df: &Dockerfile, inst: &Instruction, keyword: &str) -> String {
    let written = inst.keyword_text(&df.source);
    if !written.is_empty() && written.chars().all(|c| !c.is_ascii_uppercase()) {
        keyword.to_ascii_lowercase()
    } else {
        keyword.to_ascii_uppercase()
    }
}

/// The comment lines directly above an instruction (no blank line between), which
/// belong to it: `# layerlint ignore=…` must stay right above its instruction.
fn attached_comments_start(df: &Dockerfile, inst: &Instruction) -> usize {
    let mut start = line_start(df, inst.keyword_span().start());
    while start > text_start(df) {
        let prev_start = line_start(df, start - 1);
        let line = df.text(Span::new(prev_start, start));
        // Both lists are in file order: binary searches keep long comment runs linear.
        let first_comment = df.comments.partition_point(|c| c.span.start() < prev_start);
        let has_comment = df
            .comments
            .get(first_comment)
            .is_some_and(|c| c.span.start() < start);
        let next_instruction = df
            .instructions
            .partition_point(|i| i.span.start() <= prev_start);
        let inside_instruction = next_instruction
            .checked_sub(1)
            .and_then(|i| df.instructions.get(i))
            .is_some_and(|i| prev_start < i.span.end());
        let is_comment = line.trim_start().starts_with('#') && has_comment && !inside_instruction;
        if !is_comment {
            break;
        }
        start = prev_start;
    }
    start
}

/// The instruction's lines with the comment lines attached above it, up to and including
/// the line ending of its last line.
pub fn instruction_block(df: &Dockerfile, inst: &Instruction) -> Span {
    let start = attached_comments_start(df, inst);
    let end = line_end_after_newline(df, inst.span.end().max(inst.keyword_span().end()));
    Span::new(start, end)
}

/// Insert `lines` (instructions without line endings) as new lines right before the
/// instruction and the comments attached to it.
pub fn insert_lines_before(df: &Dockerfile, inst: &Instruction, lines: &[String]) -> Edit {
    let at = attached_comments_start(df, inst);
    let indent = indentation(df, inst);
    let ending = line_ending_at(df, inst.keyword_span().start());
    let mut text = String::new();
    for line in lines {
        text.push_str(indent);
        text.push_str(line);
        text.push_str(ending);
    }
    Edit {
        span: Span::empty(at),
        replacement: text.into(),
    }
}

/// Insert `lines` as new lines right after the instruction's last line.
pub fn insert_lines_after(df: &Dockerfile, inst: &Instruction, lines: &[String]) -> Edit {
    let indent = indentation(df, inst);
    let ending = line_ending_at(df, inst.keyword_span().start());
    let block = instruction_block(df, inst);
    // After the last line of a file that has no final newline, each new line starts
    // with a line ending instead of ending with one.
    let at_eof = !df.source[..block.end()].ends_with('\n');
    let mut text = String::new();
    for line in lines {
        if at_eof {
            text.push_str(ending);
        }
        text.push_str(indent);
        text.push_str(line);
        if !at_eof {
            text.push_str(ending);
        }
    }
    Edit {
        span: Span::empty(block.end()),
        replacement: text.into(),
    }
}

/// Insert flags (`--mount=…`) right after the instruction keyword. Works for shell,
/// exec and heredoc forms alike: BuildKit reads flags before any of them.
pub fn insert_flag(df: &Dockerfile, inst: &Instruction, flags: &[String]) -> Edit {
    let _ = df;
    let mut text = String::new();
    for flag in flags {
        text.push(' ');
        text.push_str(flag);
    }
    Edit {
        span: Span::empty(inst.keyword_span().end()),
        replacement: text.into(),
    }
}

/// Remove a flag and the whitespace before it.
pub fn remove_flag(df: &Dockerfile, inst: &Instruction, flag_index: usize) -> Option<Edit> {
    let flag = inst.flags().get(flag_index)?;
    let before = df.source.get(..flag.span.start())?;
    let ws = before.len() - before.trim_end_matches([' ', '\t']).len();
    Some(Edit {
        span: Span::new(flag.span.start() - ws, flag.span.end()),
        replacement: "".into(),
    })
}

/// Delete the instruction's lines (comments above it are kept: they may say more than
/// the instruction did).
pub fn remove_instruction(df: &Dockerfile, inst: &Instruction) -> Edit {
    let start = line_start(df, inst.keyword_span().start());
    let end = line_end_after_newline(df, inst.span.end().max(inst.keyword_span().end()));
    let mut span = Span::new(start, end);
    // The last line of a file without a final newline: take the newline before it instead.
    if !df.source[..end].ends_with('\n') && start > text_start(df) {
        let nl = if df.source[..start].ends_with("\r\n") {
            2
        } else {
            1
        };
        span = Span::new(start - nl, end);
    }
    Edit {
        span,
        replacement: "".into(),
    }
}

/// Move an instruction, with the comments attached above it, to right after `after`'s
/// last line. The instruction keeps its text byte for byte.
pub fn move_instruction_after(
    df: &Dockerfile,
    inst: &Instruction,
    after: &Instruction,
) -> Option<Vec<Edit>> {
    let block = instruction_block(df, inst);
    let target = instruction_block(df, after);
    if block.start() < target.end() && target.start() < block.end() {
        return None;
    }
    let text = df.text(block);
    let mut moved = text.to_string();
    let mut deletion = block;
    if !text.ends_with('\n') {
        // The moved block was the file's last line: it now needs a line ending, and the
        // line ending before it goes.
        moved.push_str(line_ending_at(df, inst.keyword_span().start()));
        let nl = if df.source[..block.start()].ends_with("\r\n") {
            2
        } else {
            usize::from(df.source[..block.start()].ends_with('\n'))
        };
        deletion = Span::new(block.start() - nl, block.end());
    }
    let insertion = if df.source[..target.end()].ends_with('\n') {
        Edit {
            span: Span::empty(target.end()),
            replacement: moved.into(),
        }
    } else {
        let ending = line_ending_at(df, after.keyword_span().start());
        let body = moved.strip_suffix(ending).unwrap_or(&moved);
        Edit {
            span: Span::empty(target.end()),
            replacement: format!("{ending}{body}").into(),
        }
    };
    Some(vec![
        Edit {
            span: deletion,
            replacement: "".into(),
        },
        insertion,
    ])
}

/// Move an instruction, with the comments attached above it, to right before `before`
/// (and the comments attached to `before`).
pub fn move_instruction_before(
    df: &Dockerfile,
    inst: &Instruction,
    before: &Instruction,
) -> Option<Vec<Edit>> {
    let block = instruction_block(df, inst);
    let target = instruction_block(df, before);
    if block.start() < target.end() && target.start() < block.end() {
        return None;
    }
    let text = df.text(block);
    if !text.ends_with('\n') {
        let ending = line_ending_at(df, inst.keyword_span().start());
        let removal = remove_instruction(df, inst);
        let mut moved = text.to_string();
        moved.push_str(ending);
        // Keep the comments that were attached to the last line with it.
        let comments = Span::new(block.start(), line_start(df, inst.keyword_span().start()));
        let deletion = Span::new(
            removal.span.start().min(comments.start()),
            removal.span.end(),
        );
        let deletion = if comments.is_empty() {
            removal.span
        } else {
            deletion
        };
        return Some(vec![
            Edit {
                span: Span::empty(target.start()),
                replacement: moved.into(),
            },
            Edit {
                span: deletion,
                replacement: "".into(),
            },
        ]);
    }
    Some(vec![
        Edit {
            span: Span::empty(target.start()),
            replacement: text.to_string().into(),
        },
        Edit {
            span: block,
            replacement: "".into(),
        },
    ])
}

/// What separates two commands in the source, once whitespace and line continuations
/// are skipped: `&&`, `;`, or a plain newline (heredoc bodies).
fn separator(gap: &str, escape: char) -> Option<&'static str> {
    let mut rest = String::new();
    let mut newline = false;
    let mut chars = gap.chars().peekable();
    while let Some(c) = chars.next() {
        if c == escape {
            // A line continuation: the escape, optional blanks, then the line ending.
            let mut ok = false;
            while let Some(&n) = chars.peek() {
                chars.next();
                if n == '\n' {
                    ok = true;
                    break;
                }
                if !matches!(n, ' ' | '\t' | '\r') {
                    break;
                }
            }
            if !ok {
                return None;
            }
            continue;
        }
        match c {
            ' ' | '\t' | '\r' => {}
            '\n' => newline = true,
            '#' => return None,
            other => rest.push(other),
        }
    }
    match rest.as_str() {
        "&&" => Some("&&"),
        ";" => Some(";"),
        "" if newline => Some("\n"),
        _ => None,
    }
}

/// Remove one command of a RUN (`cmds` are its commands) together with the `&&`/`;` that
/// joins it to its neighbour: `a && b && c` without `b` is `a && c`. When it is the RUN's
/// only command, the whole RUN goes. `None` when the command cannot be cut out cleanly (it
/// is part of a pipe, an `||`, a subshell, an `sh -c` string, or the RUN is in exec form).
pub fn remove_command(
    df: &Dockerfile,
    inst: &Instruction,
    cmds: &[Command],
    command: usize,
) -> Option<Edit> {
    CommandCuts::new(cmds).remove(df, inst, command)
}

/// A RUN's commands prepared for [`remove_command`] on several of them: which ones share
/// bytes with another is worked out once (in `n log n`), where a scan per command made a
/// RUN of many removable commands quadratic.
pub struct CommandCuts<'c> {
    cmds: &'c [Command],
    overlapped: Vec<bool>,
}

impl<'c> CommandCuts<'c> {
    pub fn new(cmds: &'c [Command]) -> Self {
        CommandCuts {
            cmds,
            overlapped: overlapped(cmds),
        }
    }

    /// [`remove_command`] for command `command` of these commands.
    pub fn remove(&self, df: &Dockerfile, inst: &Instruction, command: usize) -> Option<Edit> {
        let cmds = self.cmds;
        if !matches!(inst.args, Args::Shell(_)) {
            return None;
        }
        let target = cmds.get(command)?;
        if !cut_out_cleanly(target) {
            return None;
        }
        if self.overlapped[command] || target.span().is_empty() {
            return None;
        }
        let heredoc_of = |s: Span| {
            inst.heredocs()
                .iter()
                .position(|h| h.body_span.contains(s.start()))
        };
        let script = heredoc_of(target.span());
        let top_level = |c: &&Command| {
            heredoc_of(c.span()) == script && c.cmd.depth == 0 && !c.cmd.in_substitution
        };
        if cmds.len() == 1 && inst.heredocs().is_empty() {
            return Some(remove_instruction(df, inst));
        }
        // The top-level commands of the same script next to the target.
        let next = cmds
            .get(command + 1..)
            .and_then(|after| after.iter().find(top_level));
        let prev = cmds[..command].iter().rev().find(top_level);
        finish_removal(df, target, prev, next)
    }
}

/// Whether each command shares bytes with another (`a` inside `sh -c "a"`): the largest
/// end among the commands starting before a command's end, itself left out, is past its
/// start.
fn overlapped(cmds: &[Command]) -> Vec<bool> {
    let spans: Vec<(usize, usize)> = cmds
        .iter()
        .map(|c| (c.span().start(), c.span().end()))
        .collect();
    overlapped_spans(&spans)
}

/// [`overlapped`] for `(start, end)` pairs.
fn overlapped_spans(spans: &[(usize, usize)]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| spans[i].0);
    let starts: Vec<usize> = order.iter().map(|&i| spans[i].0).collect();
    // best[k]: the largest end among the first k commands by start, which command has it,
    // and the second largest end (0 when there is none: no span ends past a start of 0).
    let mut best = Vec::with_capacity(order.len() + 1);
    best.push((0, usize::MAX, 0));
    for &i in &order {
        let (e1, i1, e2) = best[best.len() - 1];
        let e = spans[i].1;
        best.push(if e > e1 {
            (e, i, e1)
        } else {
            (e1, i1, e2.max(e))
        });
    }
    spans
        .iter()
        .enumerate()
        .map(|(i, &(start, end))| {
            let (e1, i1, e2) = best[starts.partition_point(|&s| s < end)];
            (if i1 == i { e2 } else { e1 }) > start
        })
        .collect()
}

/// The edit removing `target` with the separator joining it to its neighbour.
fn finish_removal(
    df: &Dockerfile,
    target: &Command,
    prev: Option<&Command>,
    next: Option<&Command>,
) -> Option<Edit> {
    if let Some(next) = next {
        if matches!(next.cmd.connector, Connector::And | Connector::Sequence)
            && next.span().start() >= target.span().end()
        {
            let gap = df.text(Span::new(target.span().end(), next.span().start()));
            if separator(gap, df.escape).is_some() {
                return Some(Edit {
                    span: Span::new(target.span().start(), next.span().start()),
                    replacement: "".into(),
                });
            }
        }
        return None;
    }
    let prev = prev?;
    if !matches!(target.cmd.connector, Connector::And | Connector::Sequence)
        || prev.span().end() > target.span().start()
    {
        return None;
    }
    let gap = df.text(Span::new(prev.span().end(), target.span().start()));
    match separator(gap, df.escape) {
        Some("\n") => {
            // A line of a heredoc body: remove the line itself.
            let start = line_start(df, target.span().start());
            let end = line_end_after_newline(df, target.span().end());
            Some(Edit {
                span: Span::new(start, end),
                replacement: "".into(),
            })
        }
        Some(_) => Some(Edit {
            span: Span::new(prev.span().end(), target.span().end()),
            replacement: "".into(),
        }),
        None => None,
    }
}

fn cut_out_cleanly(c: &Command) -> bool {
    c.cmd.depth == 0 && !c.cmd.in_substitution
}

/// Remove one word of a command (a flag such as `--no-cache-dir`) and the blanks before
/// it. `None` for the program word, or when the word has no span of its own (`sh -c`).
pub fn remove_word(df: &Dockerfile, command: &Command, word: usize) -> Option<Edit> {
    if word == 0 {
        return None;
    }
    let span = command.word_span(word)?;
    let prev = command.word_span(word - 1)?;
    if prev.end() > span.start() || span.is_empty() || span == command.span() {
        return None;
    }
    let gap = df.text(Span::new(prev.end(), span.start()));
    if separator(gap, df.escape).is_some() || gap.trim().contains(|c: char| c != df.escape) {
        return None;
    }
    Some(Edit {
        span: Span::new(prev.end(), span.end()),
        replacement: "".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply::apply_edits;
    use crate::graph::{self, NodeKind};
    use crate::syntax::parse;

    /// The commands of the RUN at instruction `index`.
    fn run_of(df: &Dockerfile, index: usize) -> crate::graph::Commands {
        let g = graph::build(df);
        g.nodes()
            .iter()
            .find_map(|n| match &n.kind {
                NodeKind::Run(r) if n.instruction() == index => Some(g.commands(df, r)),
                _ => None,
            })
            .expect("a RUN")
    }

    #[test]
    fn flag_goes_right_after_the_keyword_in_every_form() {
        for (src, want) in [
            (
                "FROM a\nRUN pip install x\n",
                "FROM a\nRUN --m pip install x\n",
            ),
            (
                "FROM a\nRUN [\"pip\", \"install\"]\n",
                "FROM a\nRUN --m [\"pip\", \"install\"]\n",
            ),
            (
                "FROM a\nRUN <<EOF\npip install x\nEOF\n",
                "FROM a\nRUN --m <<EOF\npip install x\nEOF\n",
            ),
        ] {
            let df = parse(src).expect("parses");
            let e = insert_flag(&df, &df.instructions[1], &["--m".to_string()]);
            assert_eq!(apply_edits(src, &[e]).expect("applies"), want);
        }
    }

    #[test]
    fn inserted_lines_keep_crlf_and_indentation() {
        let src = "FROM a\r\n  RUN x\r\n";
        let df = parse(src).expect("parses");
        let e = insert_lines_before(&df, &df.instructions[1], &["RUN y".to_string()]);
        assert_eq!(
            apply_edits(src, &[e]).expect("applies"),
            "FROM a\r\n  RUN y\r\n  RUN x\r\n"
        );
    }

    #[test]
    fn lines_go_above_attached_comments() {
        let src = "FROM a\n\n# layerlint ignore=LL101\nRUN x\n";
        let df = parse(src).expect("parses");
        let e = insert_lines_before(&df, &df.instructions[1], &["RUN y".to_string()]);
        assert_eq!(
            apply_edits(src, &[e]).expect("applies"),
            "FROM a\n\nRUN y\n# layerlint ignore=LL101\nRUN x\n"
        );
    }

    #[test]
    fn move_after_carries_comments_and_continuations() {
        let src = "FROM a\n# why\nARG V=1\nRUN a \\\n  b\nRUN c";
        let df = parse(src).expect("parses");
        let edits =
            move_instruction_after(&df, &df.instructions[1], &df.instructions[3]).expect("movable");
        assert_eq!(
            apply_edits(src, &edits).expect("applies"),
            "FROM a\nRUN a \\\n  b\nRUN c\n# why\nARG V=1"
        );
    }

    #[test]
    fn move_before_moves_up() {
        let src = "FROM a\nRUN a\nARG V=1\n";
        let df = parse(src).expect("parses");
        let edits = move_instruction_before(&df, &df.instructions[2], &df.instructions[1])
            .expect("movable");
        assert_eq!(
            apply_edits(src, &edits).expect("applies"),
            "FROM a\nARG V=1\nRUN a\n"
        );
    }

    #[test]
    fn removes_a_command_with_its_connector() {
        let cases = [
            (
                "FROM a\nRUN a && rm -rf /x && b\n",
                1,
                "FROM a\nRUN a && b\n",
            ),
            ("FROM a\nRUN a && \\\n    rm -rf /x\n", 1, "FROM a\nRUN a\n"),
            ("FROM a\nRUN rm -rf /x; b\n", 0, "FROM a\nRUN b\n"),
            ("FROM a\nRUN rm -rf /x\nRUN b\n", 0, "FROM a\nRUN b\n"),
            (
                "# escape=`\nFROM a\nRUN a && `\n    rm -rf /x\n",
                1,
                "# escape=`\nFROM a\nRUN a\n",
            ),
        ];
        for (src, index, want) in cases {
            let df = parse(src).expect("parses");
            let inst = df
                .instructions
                .iter()
                .position(|i| df.text(i.span).contains("rm"))
                .expect("rm");
            let run = run_of(&df, inst);
            let e = remove_command(&df, &df.instructions[inst], &run, index).expect(src);
            assert_eq!(apply_edits(src, &[e]).expect("applies"), want, "{src}");
        }
    }

    #[test]
    fn refuses_commands_in_pipes_or_alternatives() {
        for (src, index) in [
            ("FROM a\nRUN rm -rf /x || true\n", 0),
            ("FROM a\nRUN a | rm -rf /x\n", 1),
            ("FROM a\nRUN [\"rm\", \"-rf\", \"/x\"]\n", 0),
        ] {
            let df = parse(src).expect("parses");
            let run = run_of(&df, 1);
            assert!(
                remove_command(&df, &df.instructions[1], &run, index).is_none(),
                "{src}"
            );
        }
    }

    #[test]
    fn overlaps_match_a_comparison_of_every_pair() {
        let mut state = 7u64;
        let mut next = |limit: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % limit) as usize
        };
        for len in [0, 1, 2, 3, 5, 8, 40, 200] {
            for _ in 0..50 {
                let spans: Vec<(usize, usize)> = (0..len)
                    .map(|_| {
                        let start = next(60);
                        (start, start + next(12))
                    })
                    .collect();
                let naive: Vec<bool> = spans
                    .iter()
                    .enumerate()
                    .map(|(i, &(s, e))| {
                        spans
                            .iter()
                            .enumerate()
                            .any(|(j, &(s2, e2))| j != i && s2 < e && s < e2)
                    })
                    .collect();
                assert_eq!(overlapped_spans(&spans), naive, "{spans:?}");
            }
        }
    }

    #[test]
    fn removes_a_word() {
        let src = "FROM a\nRUN pip install --no-cache-dir -r r.txt\n";
        let df = parse(src).expect("parses");
        let run = run_of(&df, 1);
        let e = remove_word(&df, &run[0], 2).expect("removable");
        assert_eq!(
            apply_edits(src, &[e]).expect("applies"),
            "FROM a\nRUN pip install -r r.txt\n"
        );
    }
}
