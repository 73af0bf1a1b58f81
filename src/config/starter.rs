//! The commented `webaudit.toml` that `webaudit init` writes: budgets set at what the build
//! measures today plus a margin, so the first audit passes and growth beyond the margin fails.

use std::fmt::Write;

use super::migrate::comment_safe;
use crate::size::human;

/// What `init` found in the project, measured.
#[derive(Debug, Clone)]
pub struct StarterFacts {
    /// The audited folder, as the user would type it (`dist`), or `.`.
    pub build_folder: String,
    /// Whether `build_folder` was found by looking (and `webaudit` with no path finds it too).
    pub detected: bool,
    /// HTML pages with what their first visit downloads (gzip of initial scripts and
    /// stylesheets), in the report's order.
    pub pages: Vec<(String, u64)>,
    /// Scripts and stylesheets of the whole folder, gzip.
    pub script_stylesheet_gzip: u64,
}

/// Pages listed in the comment; past this, how many more there are.
const PAGES_LISTED: usize = 20;
/// Pages given a commented-out per-page budget.
const PAGE_BUDGETS: usize = 3;

/// A budget with room to grow: `current` + 10%, rounded up to a whole kB (at least 1 kB), so a
/// starting budget is neither already failing nor so loose that doubling passes.
pub fn budget_with_margin(current: u64) -> u64 {
    let with_margin = current.saturating_mul(11).div_ceil(10);
    with_margin.div_ceil(1000).max(1).saturating_mul(1000)
}

fn kb(bytes: u64) -> String {
    format!("{}kB", bytes / 1000)
}

/// The file's text.
pub fn render(facts: &StarterFacts) -> String {
    let folder = comment_safe(&facts.build_folder);
    let mut out = String::new();
    let _ = writeln!(out, "# webaudit.toml, written by `webaudit init`.");
    if facts.detected {
        let _ = writeln!(
            out,
            "# Build folder: {folder}/ (found by looking; `webaudit` with no path audits it)."
        );
    } else {
        let _ = writeln!(out, "# Audited folder: {folder}");
    }
    let _ = writeln!(
        out,
        "# Every key is optional. Paths are relative to the audited folder. `webaudit rules` lists\n# the rules and `webaudit explain RULE` documents one."
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "# Files left out of the audit (listed as skipped):");
    let _ = writeln!(out, "# ignore = [\"*.map\", \"legacy/**\"]");
    let _ = writeln!(out);
    let total = budget_with_margin(facts.script_stylesheet_gzip);
    let _ = writeln!(out, "[budget]");
    let _ = writeln!(
        out,
        "# Scripts and stylesheets measured {} gzip when this file was written; the budget is that\n# plus 10%, rounded up to a whole kB.",
        human(facts.script_stylesheet_gzip)
    );
    let _ = writeln!(out, "total = \"{}\"", kb(total));
    let _ = writeln!(
        out,
        "compression = \"gzip\"               # gzip | brotli | none"
    );
    let _ = writeln!(
        out,
        "# max_increase = \"5%\"              # growth allowed against --baseline"
    );

    let _ = writeln!(out);
    if facts.pages.is_empty() {
        let _ = writeln!(out, "# No HTML pages were found in {folder}.");
    } else {
        let names: Vec<String> = facts
            .pages
            .iter()
            .take(PAGES_LISTED)
            .map(|(page, _)| comment_safe(page))
            .collect();
        let more = facts.pages.len().saturating_sub(PAGES_LISTED);
        let _ = writeln!(
            out,
            "# Pages: {}{}",
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            out,
            "# What a first visit downloads, per page (today's size + 10%); uncomment to check it:"
        );
        for (page, initial) in facts.pages.iter().take(PAGE_BUDGETS) {
            let _ = writeln!(out, "# [[budget.initial]]");
            let _ = writeln!(
                out,
                "# page = {}",
                comment_safe(&toml::Value::String(page.clone()).to_string())
            );
            let _ = writeln!(out, "# total = \"{}\"", kb(budget_with_margin(*initial)));
        }
    }

    let _ = writeln!(out);
    let _ = writeln!(out, "# [compression]");
    let _ = writeln!(
        out,
        "# served = \"dynamic\"               # the host compresses on the fly (Netlify, Vercel, Cloudflare)"
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "# [rules]");
    let _ = writeln!(
        out,
        "# \"images/lazy-loading\" = \"warning\"  # error | warning | info | off"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_ten_percent_rounded_up_to_a_whole_kb() {
        assert_eq!(budget_with_margin(123_450), 136_000);
        assert_eq!(budget_with_margin(100_000), 110_000);
        assert_eq!(budget_with_margin(100_001), 111_000);
        assert_eq!(budget_with_margin(0), 1_000);
    }

    #[test]
    fn starter_file_is_a_valid_configuration() {
        let text = render(&StarterFacts {
            build_folder: "dist".into(),
            detected: true,
            pages: vec![("index.html".into(), 50_000), ("a\nb.html".into(), 1)],
            script_stylesheet_gzip: 123_450,
        });
        let mut config = crate::config::Config::default();
        crate::config::webaudit_toml::apply(
            std::path::Path::new("webaudit.toml"),
            &text,
            &mut config,
        )
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(config.total.map(|t| t.limit), Some(136_000));
    }
}
