//! How a finding is fixed: a command to run or a change to make by hand, whether it is safe,
//! and which files it is about and changes. Rules build it; every renderer prints it.

use serde::Serialize;

/// The smallest saving `webaudit optimize` writes a copy or replacement for, in bytes and in
/// percent of the original: printed fixes must know it (a finding whose saving is below it needs
/// `--min-saving-percent 0` in its command, or the command would leave the file as it is).
pub const DEFAULT_MIN_SAVING: u64 = 1024;
pub const DEFAULT_MIN_SAVING_PERCENT: f64 = 5.0;

/// Whether a fix can be applied without review (ruff's "applicability").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// What visitors get stays exactly the same: the change is lossless (a precompressed copy
    /// that decodes to its file, a PNG recompressed with identical pixels).
    Safe,
    /// What visitors get changes: lossy re-encoding, scaling down, a lossy copy, rewritten
    /// HTML, edited code. Review the result before shipping it.
    Unsafe,
}

impl Applicability {
    pub fn name(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// How the fix is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FixKind {
    /// Running `command` (a POSIX shell command line) makes the whole change and removes the
    /// finding.
    Command { command: String },
    /// A change someone has to make (a command may help, as the description says): no command
    /// removes the finding on its own.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Fix {
    #[serde(flatten)]
    pub kind: FixKind,
    pub applicability: Applicability,
    /// What the fix does, in a sentence; for a manual fix, what to do.
    pub description: String,
    /// The files the fix is about (and a command names), relative to the audited folder.
    pub files: Vec<String>,
    /// The files it writes, replaces or edits, relative to the audited folder.
    pub changes: Vec<String>,
}

impl Fix {
    pub fn command(
        command: String,
        applicability: Applicability,
        description: String,
        files: Vec<String>,
        changes: Vec<String>,
    ) -> Fix {
        Fix {
            kind: FixKind::Command { command },
            applicability,
            description,
            files,
            changes,
        }
    }

    pub fn manual(
        applicability: Applicability,
        description: String,
        files: Vec<String>,
        changes: Vec<String>,
    ) -> Fix {
        Fix {
            kind: FixKind::Manual,
            applicability,
            description,
            files,
            changes,
        }
    }

    /// The command, when the fix is one.
    pub fn command_line(&self) -> Option<&str> {
        match &self.kind {
            FixKind::Command { command } => Some(command),
            FixKind::Manual => None,
        }
    }

    /// The first line the terminal prints after `fix: `: the command, or the manual change.
    pub fn headline(&self) -> String {
        match &self.kind {
            FixKind::Command { command } => command.clone(),
            FixKind::Manual => format!(
                "by hand ({}): {}",
                self.applicability.name(),
                self.description
            ),
        }
    }

    /// The line under the headline for a command (`safe: writes …`); none for a manual fix,
    /// whose headline says it all.
    pub fn detail(&self) -> Option<String> {
        match &self.kind {
            FixKind::Command { .. } => Some(format!(
                "{}: {}",
                self.applicability.name(),
                self.description
            )),
            FixKind::Manual => None,
        }
    }

    /// Everything on one line, for annotations and table cells.
    pub fn one_line(&self) -> String {
        match &self.kind {
            FixKind::Command { command } => format!(
                "{command} — {}: {}",
                self.applicability.name(),
                self.description
            ),
            FixKind::Manual => self.headline(),
        }
    }
}

/// `text` as one word of a POSIX shell command line: as it is when it holds only characters
/// no shell treats specially, else in single quotes.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_word("dist/img/a.png"), "dist/img/a.png");
        assert_eq!(shell_word("my site's out"), "'my site'\\''s out'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("-x"), "-x");
    }

    #[test]
    fn json_says_the_kind_and_a_command_only_for_commands() {
        let command = Fix::command(
            "webaudit compress dist/a.js".into(),
            Applicability::Safe,
            "writes a.js.gz".into(),
            vec!["a.js".into()],
            vec!["a.js.gz".into()],
        );
        let value = serde_json::to_value(&command).unwrap();
        assert_eq!(value["kind"], "command");
        assert_eq!(value["command"], "webaudit compress dist/a.js");
        assert_eq!(value["applicability"], "safe");
        let manual = Fix::manual(
            Applicability::Unsafe,
            "change the page".into(),
            vec![],
            vec![],
        );
        let value = serde_json::to_value(&manual).unwrap();
        assert_eq!(value["kind"], "manual");
        assert!(value.get("command").is_none());
        assert_eq!(manual.command_line(), None);
    }
}
