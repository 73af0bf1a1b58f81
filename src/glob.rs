//! Path patterns for `ignore` and per-path budgets, matched against paths relative to the
//! audited folder with `/` separators.
//!
//! `*` stays inside one folder and `**` crosses folders, as in bundlewatch, size-limit and
//! .gitignore. A pattern with no `/` matches a file name at any depth (`*.map` ignores every
//! source map), again as in .gitignore.

use globset::{GlobBuilder, GlobMatcher};

#[derive(Debug, Clone)]
pub struct PathPattern {
    pub pattern: String,
    matcher: GlobMatcher,
    /// The pattern names no folder, so it is tried against the file name alone.
    name_only: bool,
}

impl PathPattern {
    pub fn new(pattern: &str) -> Result<PathPattern, globset::Error> {
        let normalized = pattern
            .trim()
            .trim_start_matches("./")
            .trim_start_matches('/');
        let matcher = GlobBuilder::new(normalized)
            .literal_separator(true)
            .backslash_escape(true)
            .build()?
            .compile_matcher();
        Ok(PathPattern {
            pattern: pattern.to_string(),
            matcher,
            name_only: !normalized.contains('/'),
        })
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
    fn leading_dot_slash_is_ignored() {
        assert!(
            PathPattern::new("./dist/*.css")
                .unwrap()
                .matches("dist/a.css")
        );
    }
}
