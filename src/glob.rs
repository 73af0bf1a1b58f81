//! Path patterns for `ignore` and per-path budgets, matched against paths relative to the
//! audited folder with `/` separators.
//!
//! `*` stays inside one folder and `**` crosses folders, as in bundlewatch, size-limit and
//! .gitignore. A pattern with no `/` matches a file name at any depth (`*.map` ignores every
//! source map), again as in .gitignore.

use globset::{GlobBuilder, GlobMatcher};

/// Longest pattern accepted. Real ignore and budget globs are a few dozen characters; the bound
/// keeps a hostile configuration from compiling into an enormous matcher.
pub const MAX_PATTERN_LENGTH: usize = 1_024;

/// Deepest `{a,{b,c}}` nesting accepted. globset compiles alternates recursively and panics on
/// a couple of hundred nested levels; no real pattern needs more than two or three.
pub const MAX_ALTERNATE_NESTING: usize = 8;

/// Why a pattern was refused: globset's own message, or the bound it went past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(String);

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PatternError {}

/// The deepest `{` nesting of `pattern`, skipping backslash-escaped characters and brackets
/// (`[{]` is a literal brace in a character class).
fn alternate_nesting(pattern: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut characters = pattern.chars();
    let mut in_class = false;
    while let Some(c) = characters.next() {
        match c {
            '\\' => {
                characters.next();
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' if !in_class => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[derive(Debug, Clone)]
pub struct PathPattern {
    pub pattern: String,
    matcher: GlobMatcher,
    /// The pattern names no folder, so it is tried against the file name alone.
    name_only: bool,
}

impl PathPattern {
    pub fn new(pattern: &str) -> Result<PathPattern, PatternError> {
        if pattern.len() > MAX_PATTERN_LENGTH {
            return Err(PatternError(format!(
                "longer than {MAX_PATTERN_LENGTH} bytes ({} bytes)",
                pattern.len()
            )));
        }
        let nesting = alternate_nesting(pattern);
        if nesting > MAX_ALTERNATE_NESTING {
            return Err(PatternError(format!(
                "{{}} alternates nest {nesting} levels deep (at most {MAX_ALTERNATE_NESTING})"
            )));
        }
        let normalized = pattern
            .trim()
            .trim_start_matches("./")
            .trim_start_matches('/');
        let matcher = GlobBuilder::new(normalized)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| PatternError(e.to_string()))?
            .compile_matcher();
        Ok(PathPattern {
            pattern: pattern.to_string(),
            matcher,
            name_only: !normalized.contains('/'),
        })
    }

    /// Whether the pattern matches `relative_path` whole, from its first segment: a bare name
    /// (`*.js`) then matches only at the top level, as `measure.py` counts a barrel's modules.
    pub fn matches_from_root(&self, relative_path: &str) -> bool {
        self.matcher.is_match(relative_path)
    }

    pub fn matches(&self, relative_path: &str) -> bool {
        if self.matcher.is_match(relative_path) {
            return true;
        }
        self.name_only
            && relative_path
                .rsplit('/')
                .next()
                .is_some_and(|name| self.matcher.is_match(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_stays_in_one_folder() {
        let pattern = PathPattern::new("assets/*.js").unwrap();
        assert!(pattern.matches("assets/index-3f2a.js"));
        assert!(!pattern.matches("assets/nested/x.js"));
        assert!(
            PathPattern::new("assets/**/*.js")
                .unwrap()
                .matches("assets/nested/x.js")
        );
    }

    #[test]
    fn bare_names_match_at_any_depth() {
        let pattern = PathPattern::new("*.map").unwrap();
        assert!(pattern.matches("a.js.map"));
        assert!(pattern.matches("deep/down/a.js.map"));
        assert!(!pattern.matches("a.js"));
    }

    #[test]
    fn from_the_root_a_bare_name_matches_only_at_the_top_level() {
        let pattern = PathPattern::new("*.js").unwrap();
        assert!(pattern.matches_from_root("format.js"));
        assert!(!pattern.matches_from_root("locale/de/_lib/localize.js"));
        assert!(pattern.matches("locale/de/_lib/localize.js"));
    }

    #[test]
    fn hostile_patterns_are_refused_with_their_bound() {
        let nested = format!("{}x{}", "{a,".repeat(250), "}".repeat(250));
        let error = PathPattern::new(&nested).unwrap_err().to_string();
        assert!(error.contains("nest 250 levels"), "{error}");
        let long = "a".repeat(MAX_PATTERN_LENGTH + 1);
        assert!(
            PathPattern::new(&long)
                .unwrap_err()
                .to_string()
                .contains("longer than")
        );
        // A brace inside a character class or escaped does not count as nesting.
        assert!(PathPattern::new("a/[{]{x,y}.js").is_ok());
        assert!(PathPattern::new(r"\{\{\{\{\{\{\{\{\{\{x").is_ok());
        assert!(PathPattern::new("{a,{b,{c,d}}}/*.js").is_ok());
    }

    #[test]
    fn leading_dot_slash_is_ignored() {
        assert!(
            PathPattern::new("./dist/*.css")
                .unwrap()
                .matches("dist/a.css")
        );
    }
}
