//! Byte spans and the conversion from byte offsets to 1-based line/column.

use serde::Serialize;

/// A half-open byte range `[start, end)` into the original source text.
///
/// Offsets are stored in 32 bits (a syntax tree holds several spans per instruction);
/// files are read only up to [`MAX_SOURCE_LEN`] bytes, so every offset fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    start: u32,
    end: u32,
}

/// The largest text, in bytes, whose offsets a [`Span`] holds.
pub const MAX_SOURCE_LEN: usize = u32::MAX as usize;

/// An offset as stored; past [`MAX_SOURCE_LEN`] it sticks at the limit instead of wrapping.
const fn narrow(offset: usize) -> u32 {
    if offset > MAX_SOURCE_LEN {
        u32::MAX
    } else {
        offset as u32
    }
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span {
            start: narrow(start),
            end: narrow(end),
        }
    }

    pub const fn empty(at: usize) -> Self {
        Span::new(at, at)
    }

    pub const fn start(&self) -> usize {
        self.start as usize
    }

    pub const fn end(&self) -> usize {
        self.end as usize
    }

    pub fn len(&self) -> usize {
        self.end().saturating_sub(self.start())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn contains(&self, offset: usize) -> bool {
        self.start() <= offset && offset < self.end()
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(range: std::ops::Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Offsets of line starts, for turning byte offsets into line/column pairs.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Starts,
    len: usize,
    /// Chars before each block of [`COLUMN_BLOCK`] bytes; empty when the text is ASCII
    /// (then a column is a byte distance). A column on a line of a megabyte with a finding
    /// every few bytes would otherwise cost a count from the line's start each time.
    chars_before_block: Vec<usize>,
}

/// Bytes per block of [`LineIndex`]'s char counts.
const COLUMN_BLOCK: usize = 4096;

/// Chars that start in `bytes` (UTF-8 continuation bytes excluded).
fn char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Line starts: in about a byte per line when the text allows (a file of short lines has
/// nearly one line per few bytes, and the index lives as long as the file), else as
/// full-width offsets.
#[derive(Debug, Clone)]
enum Starts {
    Narrow(Compact),
    Wide(Vec<usize>),
}

impl Default for Starts {
    fn default() -> Self {
        Starts::Narrow(Compact::default())
    }
}

/// Lines per block of [`Compact`]: a lookup walks at most this many lengths.
const BLOCK_LINES: usize = 16;

/// [`Compact::lens`] of a line that starts 255 bytes or more after the one before it.
const LONG: u8 = u8::MAX;

/// Line starts of a text of at most 4 GiB: each line's distance from the line before in
/// one byte, and the start of every [`BLOCK_LINES`]th line in full, so that a lookup finds
/// its block by binary search and walks at most a block's lengths.
#[derive(Debug, Clone, Default)]
struct Compact {
    /// The start of the first line of each block.
    blocks: Vec<u32>,
    /// Per line, its start minus the previous line's (0 for the first line); [`LONG`]
    /// when that does not fit in a byte, the start then being in `long`.
    lens: Vec<u8>,
    /// `(line index, start)` of each line marked [`LONG`], by line.
    long: Vec<(u32, u32)>,
}

impl Compact {
    fn new(text: &str) -> Self {
        let newlines = text.bytes().filter(|&b| b == b'\n').count();
        let mut index = Compact {
            blocks: Vec::with_capacity(newlines / BLOCK_LINES + 1),
            lens: Vec::with_capacity(newlines + 1),
            long: Vec::new(),
        };
        let mut previous = 0;
        for (line, start) in line_starts(text).enumerate() {
            // Every offset is at most the length, which the caller checked fits.
            let start = start as u32;
            if line % BLOCK_LINES == 0 {
                index.blocks.push(start);
            }
            match u8::try_from(start - previous) {
                Ok(len) if len != LONG => index.lens.push(len),
                _ => {
                    index.lens.push(LONG);
                    index.long.push((line as u32, start));
                }
            }
            previous = start;
        }
        index
    }

    fn len(&self) -> usize {
        self.lens.len()
    }

    /// The start of the line after the one at index `line`, which starts at `start`.
    fn next_start(&self, line: usize, start: u32) -> Option<u32> {
        let next = line + 1;
        match *self.lens.get(next)? {
            LONG => {
                let at = self.long.binary_search_by_key(&(next as u32), |&(l, _)| l);
                at.ok().map(|i| self.long[i].1)
            }
            len => Some(start + u32::from(len)),
        }
    }

    /// The start of the line at index `line`.
    fn start(&self, line: usize) -> Option<u32> {
        let block = line / BLOCK_LINES;
        let mut start = *self.blocks.get(block)?;
        for at in block * BLOCK_LINES..line {
            start = self.next_start(at, start)?;
        }
        Some(start)
    }

    /// The 1-based line holding `offset` (how many lines start at or before it) and where
    /// that line starts; `(0, 0)` for an empty index.
    fn locate(&self, offset: u32) -> (usize, u32) {
        let Some(block) = self.blocks.partition_point(|&s| s <= offset).checked_sub(1) else {
            return (0, 0);
        };
        let first = block * BLOCK_LINES;
        let mut start = self.blocks[block];
        let rest = self
            .lens
            .get(first + 1..(first + BLOCK_LINES).min(self.lens.len()))
            .unwrap_or_default();
        for (i, &len) in rest.iter().enumerate() {
            let next = match len {
                LONG => match self.next_start(first + i, start) {
                    Some(next) => next,
                    None => break,
                },
                len => start + u32::from(len),
            };
            if next > offset {
                return (first + i + 1, start);
            }
            start = next;
        }
        (first + rest.len() + 1, start)
    }
}

/// Where each line of `text` starts.
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(
        text.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i + 1),
    )
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let starts = if u32::try_from(text.len()).is_ok() {
            Starts::Narrow(Compact::new(text))
        } else {
            Starts::Wide(line_starts(text).collect())
        };
        let chars_before_block = if text.is_ascii() {
            Vec::new()
        } else {
            let mut before = 0;
            text.as_bytes()
                .chunks(COLUMN_BLOCK)
                .map(|block| {
                    let at = before;
                    before += char_starts(block);
                    at
                })
                .collect()
        };
        LineIndex {
            starts,
            len: text.len(),
            chars_before_block,
        }
    }

    /// Chars of `text` (the indexed text) before byte `offset`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / COLUMN_BLOCK;
        let from = block * COLUMN_BLOCK;
        match self.chars_before_block.get(block) {
            Some(&before) => before + char_starts(text.as_bytes().get(from..offset).unwrap_or(&[])),
            None => char_starts(text.as_bytes().get(..offset).unwrap_or(&[])),
        }
    }

    /// 1-based line containing `offset` (offsets past the end map to the last line).
    pub fn line(&self, offset: usize) -> usize {
        self.line_and_start(offset).0
    }

    /// [`LineIndex::line`] and [`LineIndex::line_start`] of that line, in one lookup.
    fn line_and_start(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.len);
        match &self.starts {
            // `offset` fits: it is at most `len`, which fits.
            Starts::Narrow(c) => {
                let (line, start) = c.locate(offset as u32);
                (line, start as usize)
            }
            Starts::Wide(v) => {
                let line = v.partition_point(|&start| start <= offset);
                (line, self.line_start(line))
            }
        }
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        let i = line.saturating_sub(1);
        let start = match &self.starts {
            Starts::Narrow(c) => c.start(i).map(|s| s as usize),
            Starts::Wide(v) => v.get(i).copied(),
        };
        start.unwrap_or(self.len)
    }

    pub fn line_count(&self) -> usize {
        match &self.starts {
            Starts::Narrow(c) => c.len(),
            Starts::Wide(v) => v.len(),
        }
    }

    /// 1-based line and column (in chars) of `offset` within `text`, the text the index
    /// was built from.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, start) = self.line_and_start(offset);
        let start = start.min(offset);
        let chars = if self.chars_before_block.is_empty() || text.len() != self.len {
            // ASCII: a byte is a char. (A text other than the indexed one is counted.)
            if text.len() == self.len {
                offset - start
            } else {
                text.get(start..offset).map_or(0, |s| s.chars().count())
            }
        } else {
            self.chars_before(text, offset) - self.chars_before(text, start)
        };
        LineCol {
            line,
            column: chars + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn spans_hold_offsets_up_to_the_limit_and_stick_there_past_it() {
        let span = Span::new(7, MAX_SOURCE_LEN);
        assert_eq!((span.start(), span.end()), (7, MAX_SOURCE_LEN));
        assert_eq!(span.len(), MAX_SOURCE_LEN - 7);
        let past = Span::new(MAX_SOURCE_LEN + 1, usize::MAX);
        assert_eq!((past.start(), past.end()), (MAX_SOURCE_LEN, MAX_SOURCE_LEN));
        assert!(past.is_empty());
        assert_eq!(Span::from(3..9), Span::new(3, 9));
        assert_eq!(Span::new(2, 4).cover(Span::new(8, 9)), Span::new(2, 9));
    }

    #[test]
    fn compact_line_starts_match_a_full_list() {
        // Short, empty and long lines (255 bytes and more apart), across block boundaries,
        // with and without a final newline.
        let mut texts = vec![String::new(), "\n".into(), "a".into(), "\n\n\n".into()];
        let mut text = String::new();
        for i in 0..400usize {
            let len = match i % 9 {
                0 => 0,
                1 => 254,
                2 => 255,
                3 => 300 + i,
                4 => 5_000,
                _ => i % 13,
            };
            text.push_str(&"x".repeat(len));
            text.push(if i % 5 == 0 { '\r' } else { 'y' });
            text.push('\n');
        }
        texts.push(text.clone());
        text.push_str("tail");
        texts.push(text);
        for text in &texts {
            let idx = LineIndex::new(text);
            let full: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            assert_eq!(idx.line_count(), full.len());
            for (i, &start) in full.iter().enumerate() {
                assert_eq!(idx.line_start(i + 1), start, "start of line {}", i + 1);
            }
            assert_eq!(idx.line_start(full.len() + 1), text.len());
            let mut line = 0;
            for offset in 0..=text.len() {
                while line < full.len() && full[line] <= offset {
                    line += 1;
                }
                assert_eq!(idx.line(offset), line, "line of offset {offset}");
            }
            assert_eq!(idx.line(text.len() + 10), line);
            for offset in (0..=text.len()).step_by(7) {
                let at = idx.line_col(text, offset);
                let start = idx.line_start(idx.line(offset));
                assert_eq!((at.line, at.column), (idx.line(offset), offset - start + 1));
            }
        }
        // An empty index, as `Default` gives, answers as before.
        let empty = LineIndex::default();
        assert_eq!(
            (empty.line(5), empty.line_count(), empty.line_start(1)),
            (0, 0, 0)
        );
    }

    #[test]
    fn columns_match_a_count_from_the_line_start() {
        // Lines longer than a block, multibyte chars on both sides of block boundaries.
        let mut text = String::new();
        for i in 0..3000 {
            text.push(match i % 7 {
                0 => 'é',
                1 => '€',
                2 => '𝄞',
                3 if i % 500 == 3 => '\n',
                _ => 'a',
            });
        }
        text.push_str("\nplain ascii line\n");
        let text = text.repeat(3);
        let idx = LineIndex::new(&text);
        let ascii = "line one\nline two is longer\n".repeat(500);
        let ascii_idx = LineIndex::new(&ascii);
        for (text, idx) in [(&text, &idx), (&ascii, &ascii_idx)] {
            for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
                let line = idx.line(offset);
                let start = idx.line_start(line);
                let expected = text[start..offset].chars().count() + 1;
                assert_eq!(
                    idx.line_col(text, offset).column,
                    expected,
                    "offset {offset}"
                );
            }
        }
    }

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncé\nx";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(text, 3), LineCol { line: 2, column: 1 });
        assert_eq!(idx.line_col(text, 6), LineCol { line: 2, column: 3 });
        assert_eq!(idx.line_col(text, 7), LineCol { line: 3, column: 1 });
        assert_eq!(idx.line_col(text, 100), LineCol { line: 3, column: 2 });
    }
}
