//! Positions in a file.

use serde::Serialize;

/// A position in a file: 1-based line, 1-based column counted in characters (as editors and
/// compilers print them), and the 0-based byte offset (for slicing the original bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
}

impl Location {
    /// The position of the first byte of a file.
    pub const START: Location = Location {
        line: 1,
        column: 1,
        offset: 0,
    };

    /// Translates a location inside an embedded text (a `<style>` block, a `style="…"` value) to
    /// the enclosing file, given where the embedded text starts there. Only the first line of the
    /// embedded text shares its column origin with the enclosing line.
    pub fn embedded_in(self, base: Location) -> Location {
        Location {
            line: base.line + self.line - 1,
            column: if self.line == 1 {
                base.column + self.column - 1
            } else {
                self.column
            },
            offset: base.offset + self.offset,
        }
    }
}
