//! `webaudit migrate`: the `webaudit.toml` that checks what a size-limit, bundlewatch or
//! Lighthouse configuration checks, with the same verdicts. It is built from the same reading
//! of those files as the audit uses, so the two cannot disagree: limits are written in bytes
//! where webaudit's units would read the original text differently (bundlewatch's `"91kB"` is
//! 93,184 bytes), and `total = false`, because those tools check only what their users wrote.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::model::{Aggregate, Compression, Config};
use super::peer::{PeerConfig, Tool};
use crate::error::Error;
use crate::size::parse_size;

/// The configurations `migrate` can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    SizeLimit,
    Bundlewatch,
    Lighthouse,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::SizeLimit => "size-limit",
            Source::Bundlewatch => "bundlewatch",
            Source::Lighthouse => "lighthouse",
        }
    }
}

/// The name Lighthouse budget files usually have; looked for when none is given.
pub const LIGHTHOUSE_FILE: &str = "budget.json";

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A limit as webaudit.toml should say it: the user's text when webaudit reads it as the same
/// number of bytes, else the bytes.
fn limit_value(limit: u64, written: &str) -> String {
    if parse_size(written).is_ok_and(|bytes| bytes == limit) {
        quoted(written.trim())
    } else {
        limit.to_string()
    }
}

/// The name webaudit.toml's `compression` key takes.
fn compression_key(compression: Compression) -> &'static str {
    match compression {
        Compression::Gzip => "gzip",
        Compression::Brotli => "brotli",
        Compression::None => "none",
    }
}

/// `text` fit for a TOML comment, which may hold no control character: file names and notes
/// are data and may.
pub fn comment_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Comment lines, one per line of each note, each prefixed with `#   `.
fn comment_lines(out: &mut String, notes: &[String]) {
    for note in notes {
        for line in note.lines() {
            let _ = writeln!(out, "#   {}", comment_safe(line));
        }
    }
}

/// A Lighthouse budget file read on its own, for migration.
pub struct LighthouseBudgets {
    pub path: PathBuf,
    pub config: Config,
}

/// Reads a Lighthouse budget file into budgets only (no default total).
pub fn read_lighthouse(path: &Path) -> Result<LighthouseBudgets, Error> {
    let text = super::read(path)?;
    let mut config = Config::default();
    super::lighthouse::apply(path, &text, &mut config)?;
    Ok(LighthouseBudgets {
        path: path.to_path_buf(),
        config,
    })
}

/// The `webaudit.toml` text equivalent to `peers` and `lighthouse`, for auditing `root_label`.
pub fn render(
    root_label: &str,
    peers: &[PeerConfig],
    lighthouse: Option<&LighthouseBudgets>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# webaudit.toml, written by `webaudit migrate` from:");
    for peer_config in peers {
        let units = match peer_config.tool {
            Tool::Bundlewatch => "; sizes as bundlewatch reads them, 1 kB = 1,024 bytes",
            Tool::SizeLimit => "; sizes as size-limit reads them, 1 kB = 1,000 bytes",
        };
        let _ = writeln!(
            out,
            "#   {} ({}{units})",
            comment_safe(&peer_config.path.display().to_string()),
            peer_config.tool.name()
        );
    }
    if let Some(budgets) = lighthouse {
        let _ = writeln!(
            out,
            "#   {} (Lighthouse budgets; KiB, transfer size = gzip)",
            comment_safe(&budgets.path.display().to_string())
        );
    }
    let _ = writeln!(
        out,
        "# Paths are relative to the audited folder ({}); a budget fails when the size is over its limit.",
        comment_safe(root_label)
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "[budget]");
    let _ = writeln!(
        out,
        "# Those tools check only the budgets written for them; set a size here to add a total."
    );
    let _ = writeln!(out, "total = false");

    if let Some(budgets) = lighthouse {
        let config = &budgets.config;
        if !config.type_budgets.is_empty() {
            let _ = writeln!(
                out,
                "\n[budget.types]                 # gzip, as Lighthouse's transfer sizes"
            );
            for budget in &config.type_budgets {
                let _ = writeln!(
                    out,
                    "{} = {}   # {}",
                    budget.types.label,
                    budget.limit,
                    comment_safe(&budget.origin)
                );
                if budget.types.label == "other" {
                    let _ = writeln!(
                        out,
                        "# Lighthouse's `other` also counts wasm and data files; webaudit's does not: add `wasm` and `data` lines to cover them."
                    );
                }
            }
        }
        if !config.count_budgets.is_empty() {
            let _ = writeln!(out, "\n[budget.counts]");
            for budget in &config.count_budgets {
                let _ = writeln!(
                    out,
                    "{} = {}   # {}",
                    budget.types.label,
                    budget.limit,
                    comment_safe(&budget.origin)
                );
            }
        }
    }

    for peer_config in peers {
        for budget in &peer_config.budgets {
            let _ = writeln!(
                out,
                "\n[[budget.path]]                # {}",
                comment_safe(&budget.origin)
            );
            let _ = writeln!(out, "name = {}", quoted(&budget.name));
            let patterns: Vec<String> = budget.patterns.iter().map(|p| quoted(p)).collect();
            if patterns.len() == 1 {
                let _ = writeln!(out, "path = {}", patterns[0]);
            } else {
                let _ = writeln!(out, "path = [{}]", patterns.join(", "));
            }
            let value = limit_value(budget.limit, &budget.written_limit);
            if value.starts_with('"') {
                let _ = writeln!(out, "max_size = {value}");
            } else {
                let _ = writeln!(
                    out,
                    "max_size = {value}   # {} wrote {}",
                    peer_config.tool.name(),
                    quoted(&budget.written_limit)
                );
            }
            let _ = writeln!(
                out,
                "compression = {}",
                quoted(compression_key(budget.compression))
            );
            let aggregate = match budget.aggregate {
                Aggregate::Each => "each",
                Aggregate::Sum => "sum",
            };
            let _ = writeln!(out, "aggregate = {}", quoted(aggregate));
        }
    }

    let notes: Vec<String> = peers
        .iter()
        .flat_map(|p| p.notes.iter().cloned())
        .chain(
            lighthouse
                .iter()
                .flat_map(|l| l.config.notes.iter().cloned()),
        )
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n# Not migrated, or worth knowing:");
        comment_lines(&mut out, &notes);
    }
    out
}

/// Finds the configurations to migrate for auditing `root` (all of them, or `from` only) and
/// renders them. `budget_file` is the Lighthouse budget file, else `budget.json` is looked for
/// where the other configurations are.
pub fn migrate(
    root: &Path,
    from: Option<Source>,
    budget_file: Option<&Path>,
) -> Result<String, Error> {
    let folders = super::search_folders(root);
    let wanted = |source: Source| from.is_none_or(|f| f == source);
    let peers: Vec<PeerConfig> = super::peer_configs(root, &folders)?
        .into_iter()
        .filter(|p| match p.tool {
            Tool::SizeLimit => wanted(Source::SizeLimit),
            Tool::Bundlewatch => wanted(Source::Bundlewatch),
        })
        .collect();
    let lighthouse_file = match budget_file {
        Some(path) => Some(path.to_path_buf()),
        None if wanted(Source::Lighthouse) => folders
            .iter()
            .map(|f| f.join(LIGHTHOUSE_FILE))
            .find(|p| p.is_file()),
        None => None,
    };
    let lighthouse = lighthouse_file
        .as_deref()
        .map(read_lighthouse)
        .transpose()?;
    if peers.is_empty() && lighthouse.is_none() {
        let what = match from {
            Some(source) => format!("no {} configuration", source.name()),
            None => "no size-limit, bundlewatch or Lighthouse configuration".into(),
        };
        let looked: Vec<String> = folders.iter().map(|f| f.display().to_string()).collect();
        return Err(Error::Usage(format!(
            "{what} found to migrate (looked in {}; a Lighthouse budget file is given with --budget-file)",
            looked.join(", ")
        )));
    }
    Ok(render(
        &root.display().to_string(),
        &peers,
        lighthouse.as_ref(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::peer::PeerBudget;

    #[test]
    fn migrated_budgets_read_back_as_the_same_budgets() {
        let mut bundlewatch =
            PeerConfig::new(Tool::Bundlewatch, Path::new(".bundlewatch.config.json"));
        bundlewatch.budgets.push(PeerBudget {
            name: "assets/*.js".into(),
            patterns: vec!["assets/*.js".into()],
            limit: 93_184,
            written_limit: "91kB".into(),
            compression: Compression::Gzip,
            aggregate: Aggregate::Each,
            origin: "bundlewatch #1".into(),
        });
        bundlewatch.notes.push("a note\nover two lines".into());
        let mut size_limit = PeerConfig::new(Tool::SizeLimit, Path::new(".size-limit.json"));
        size_limit.budgets.push(PeerBudget {
            name: "app \"main\"".into(),
            patterns: vec!["*.js".into(), "!vendor-*.js".into()],
            limit: 10_000,
            written_limit: "10 kB".into(),
            compression: Compression::Brotli,
            aggregate: Aggregate::Sum,
            origin: "size-limit #1".into(),
        });
        let text = render("dist", &[bundlewatch, size_limit], None);
        assert!(text.contains("max_size = 93184"), "{text}");
        assert!(text.contains("max_size = \"10 kB\""), "{text}");
        let mut config = Config::default();
        crate::config::webaudit_toml::apply(Path::new("webaudit.toml"), &text, &mut config)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(config.total.is_none());
        let budgets: Vec<_> = config
            .path_budgets
            .iter()
            .map(|b| {
                (
                    b.limit,
                    b.compression,
                    b.aggregate,
                    b.matches("vendor-1.js"),
                )
            })
            .collect();
        assert_eq!(
            budgets,
            [
                (93_184, Compression::Gzip, Aggregate::Each, false),
                (10_000, Compression::Brotli, Aggregate::Sum, false)
            ]
        );
        assert!(config.path_budgets[1].matches("app.js"));
    }
}
