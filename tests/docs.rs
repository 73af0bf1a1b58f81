//! The reference in `docs/` that the code can write: the rule list and every rule's
//! documentation (`docs/rules.md`) from the rule registry, and every command's options
//! (`docs/options.md`) from clap's command definition (`src/cli.rs`, the one `webaudit --help`
//! prints). Each lives between `<!-- generated: NAME … -->` and `<!-- end: NAME -->`; the test
//! regenerates it and fails when the committed text differs, so the docs cannot drift.
//!
//! After changing a rule or an option: `WEBAUDIT_UPDATE_DOCS=1 cargo test --test docs`.

// The command line is the binary's module; its definitions need only the library and clap.
#[allow(dead_code, unused_imports)]
#[path = "../src/cli.rs"]
mod cli;

use clap::CommandFactory;
use webaudit::rules::REGISTRY;

const UPDATE: &str = "WEBAUDIT_UPDATE_DOCS";

fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn begin_marker(name: &str) -> String {
    format!("<!-- generated: {name} (from the code: {UPDATE}=1 cargo test --test docs) -->")
}

fn end_marker(name: &str) -> String {
    format!("<!-- end: {name} -->")
}

/// `text` with the lines between the markers of `name` replaced by `content`.
fn with_section(text: &str, file: &str, name: &str, content: &str) -> String {
    let (begin, end) = (begin_marker(name), end_marker(name));
    let start = text
        .find(&begin)
        .unwrap_or_else(|| panic!("{file}: no line {begin}"))
        + begin.len();
    let stop = text[start..]
        .find(&end)
        .unwrap_or_else(|| panic!("{file}: no line {end} after {begin}"))
        + start;
    format!(
        "{}\n\n{}\n{}",
        &text[..start],
        content.trim_end(),
        &text[stop..]
    )
}

/// Regenerates the sections of `file`; with `WEBAUDIT_UPDATE_DOCS` set, writes them first.
fn check(file: &str, sections: &[(&str, String)]) {
    let path = repo().join(file);
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut generated = committed.clone();
    for (name, content) in sections {
        generated = with_section(&generated, file, name, content);
    }
    if std::env::var_os(UPDATE).is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "{file} is stale from line {}:\n  committed: {:?}\n  generated: {:?}\n\
             run {UPDATE}=1 cargo test --test docs and commit the result",
            line + 1,
            committed.lines().nth(line).unwrap_or("(end of file)"),
            generated.lines().nth(line).unwrap_or("(end of file)"),
        );
    }
}

/// A Markdown table cell: one line, `|` escaped, and `<` `>` outside code spans too (help texts
/// name HTML tags, which GitHub would take as markup).
fn cell(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    let mut code = false;
    for c in line.chars() {
        match c {
            '`' => {
                code = !code;
                out.push(c);
            }
            '|' => out.push_str("\\|"),
            '<' if !code => out.push_str("&lt;"),
            '>' if !code => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` and one more sentence.
fn and_sentence(text: &mut String, sentence: &str) {
    if !text.is_empty() && !text.ends_with(['.', ')', ']']) {
        text.push('.');
    }
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(sentence);
}

/// The GitHub anchor of a rule's heading `` `group/name` ``.
fn rule_anchor(id: &str) -> String {
    id.replace('/', "")
}

fn rules_table() -> String {
    let mut out = String::from("| id | default | finds |\n|---|---|---|\n");
    for rule in REGISTRY {
        let meta = rule.meta();
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            meta.id,
            rule_anchor(meta.id),
            meta.default_severity.name(),
            cell(meta.summary)
        ));
    }
    out
}

/// Every rule's documentation as `webaudit explain` prints it, its headings moved under the
/// rule's own heading.
fn rules_documentation() -> String {
    let mut out = String::new();
    for rule in REGISTRY {
        let meta = rule.meta();
        out.push_str(&format!(
            "### `{}`\n\nDefault severity: {}. {}\n\n",
            meta.id,
            meta.default_severity.name(),
            meta.summary
        ));
        let mut fenced = false;
        for line in meta.documentation().lines() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            }
            match line.strip_prefix("## ") {
                Some(heading) if !fenced => out.push_str(&format!("#### {heading}\n")),
                _ => out.push_str(&format!("{}\n", line.trim_end())),
            }
        }
        out.push('\n');
    }
    out
}

/// How an argument is written: `-o, --output FILE`, `--brotli`, `PATH`.
fn arg_name(arg: &clap::Arg) -> String {
    let value = arg
        .get_value_names()
        .map(|names| {
            names
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    if arg.is_positional() {
        return if arg.is_required_set() {
            value
        } else {
            format!("[{value}]")
        };
    }
    let mut names = Vec::new();
    if let Some(short) = arg.get_short() {
        names.push(format!("-{short}"));
    }
    if let Some(long) = arg.get_long() {
        names.push(format!("--{long}"));
    }
    let mut name = names.join(", ");
    if arg.get_num_args().is_some_and(|n| n.takes_values()) {
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if values.is_empty() {
            name.push(' ');
            name.push_str(&value);
        } else {
            name.push(' ');
            name.push_str(&values.join("\\|"));
        }
    }
    name
}

fn options_table(command: &clap::Command, leave_out: &[&str]) -> String {
    let mut out = String::from("| option | default | meaning |\n|---|---|---|\n");
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if arg.is_hide_set() || id == "help" || leave_out.contains(&id) {
            continue;
        }
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        let mut meaning = cell(&help);
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| format!("`{}`", v.get_name()))
            .collect();
        if arg.is_positional() && !values.is_empty() {
            and_sentence(&mut meaning, &format!("One of {}.", values.join(", ")));
        }
        if matches!(arg.get_action(), clap::ArgAction::Append)
            && !meaning.to_lowercase().contains("repeatable")
        {
            and_sentence(&mut meaning, "Repeatable.");
        }
        if let Some(env) = arg.get_env() {
            and_sentence(
                &mut meaning,
                &format!("Environment: `{}`.", env.to_string_lossy()),
            );
        }
        // A flag's `false` says nothing.
        let takes_values = arg.get_num_args().is_some_and(|n| n.takes_values());
        let default: Vec<String> = arg
            .get_default_values()
            .iter()
            .filter(|_| takes_values)
            .map(|v| format!("`{}`", v.to_string_lossy()))
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            arg_name(arg),
            default.join(", "),
            meaning.trim()
        ));
    }
    out
}

fn about(command: &clap::Command) -> String {
    command
        .get_long_about()
        .or(command.get_about())
        .map(|a| cell(&a.to_string()))
        .unwrap_or_default()
}

fn options_reference() -> String {
    let mut root = cli::Cli::command();
    root.build();
    let audit_ids: Vec<&str> = root
        .find_subcommand("audit")
        .expect("an audit command")
        .get_arguments()
        .map(|a| a.get_id().as_str())
        .filter(|id| *id != "path")
        .collect();
    let mut out = String::new();
    out.push_str(&format!(
        "### `webaudit [PATH]`, `webaudit audit [PATH]`\n\n{}\n\n```text\n{}\n```\n\n{}",
        about(&root),
        root.clone().render_usage().to_string().trim_end(),
        options_table(&root, &[])
    ));
    for sub in root.get_subcommands() {
        let name = sub.get_name();
        if name == "audit" || name == "help" {
            continue;
        }
        let shares_audit = sub.get_arguments().any(|a| a.get_id() == "fail_on");
        let leave_out: &[&str] = if shares_audit { &audit_ids } else { &[] };
        out.push_str(&format!(
            "\n### `webaudit {name}`\n\n{}\n\n```text\n{}\n```\n",
            about(sub),
            sub.clone().render_usage().to_string().trim_end(),
        ));
        let table = options_table(sub, leave_out);
        if table.lines().count() > 2 {
            out.push('\n');
            out.push_str(&table);
        }
        if shares_audit {
            out.push_str("\nand every option of the audit above.\n");
        }
        if let Some(after) = sub.get_after_long_help().or(sub.get_after_help()) {
            out.push_str(&format!(
                "\n```text\n{}\n```\n",
                after.to_string().trim_end()
            ));
        }
    }
    out
}

#[test]
fn docs_rules_md_lists_every_rule_of_the_registry() {
    check(
        "docs/rules.md",
        &[
            ("rules", rules_table()),
            ("rule-documentation", rules_documentation()),
        ],
    );
}

#[test]
fn docs_options_md_lists_every_option_clap_knows() {
    check("docs/options.md", &[("options", options_reference())]);
}

/// The check itself: a section that differs, or lost its markers, fails.
#[test]
fn a_drifted_section_is_caught() {
    let begin = begin_marker("x");
    let end = end_marker("x");
    let text = format!("intro\n{begin}\n\nold row\n{end}\nafter\n");
    let regenerated = with_section(&text, "t.md", "x", "new row\n");
    assert_eq!(
        regenerated,
        format!("intro\n{begin}\n\nnew row\n{end}\nafter\n")
    );
    assert_eq!(
        with_section(&regenerated, "t.md", "x", "new row"),
        regenerated
    );
    let lost = std::panic::catch_unwind(|| with_section("no markers", "t.md", "x", "row"));
    assert!(lost.is_err());
}

/// Relative links between the README and docs/ point at files that exist, and `#anchors` at
/// headings of the file they name.
#[test]
fn links_in_the_readme_and_docs_resolve() {
    let mut files = vec![repo().join("README.md")];
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let code_span = regex::Regex::new(r"`[^`\n]*`").unwrap();
    let mut broken = Vec::new();
    for file in &files {
        // Links outside code: fenced blocks and `code spans` left out.
        let mut fenced = false;
        let prose: String = std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .filter(|line| {
                if line.trim_start().starts_with("```") {
                    fenced = !fenced;
                    return false;
                }
                !fenced
            })
            .collect::<Vec<_>>()
            .join("\n");
        let text = code_span.replace_all(&prose, "");
        for capture in link.captures_iter(&text) {
            let target = &capture[1];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
            let linked = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !linked.exists() {
                broken.push(format!("{}: {target}: no such file", file.display()));
                continue;
            }
            if !anchor.is_empty() && !anchors(&linked).contains(&anchor.to_string()) {
                broken.push(format!("{}: {target}: no such heading", file.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// GitHub's anchors of a Markdown file's headings: lower case, punctuation other than `-` and
/// `_` dropped, spaces as `-`, repeats numbered.
fn anchors(path: &std::path::Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut seen: Vec<String> = Vec::new();
    let mut bases: Vec<String> = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let heading = line.trim_start_matches('#').trim();
        let base: String = heading
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let count = bases.iter().filter(|b| **b == base).count();
        seen.push(if count == 0 {
            base.clone()
        } else {
            format!("{base}-{count}")
        });
        bases.push(base);
    }
    seen
}
