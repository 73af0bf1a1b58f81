use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::minify::CSS_MIN_SAVING_RATIO;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports stylesheets that are not minified: removing their comments and unnecessary
    /// whitespace would save at least 2 KiB and at least 5% of the file (the thresholds of
    /// Lighthouse's "Minify CSS" audit).
    ///
    /// The estimate reads the stylesheet with webaudit's CSS tokenizer, so strings, `url(…)`
    /// and comments are recognised as such. Whitespace is dropped next to `{ } ; , : ( [ ) ] >`
    /// and `!`, and kept as one space elsewhere (`a .b`, `0 auto`, `calc(1px + 2px)`); the
    /// last `;` of a block is dropped; `/*!` licence comments are kept. Minifiers also shorten
    /// colours and merge rules, so they save more.
    ///
    /// **The saving is in raw bytes**, and the thresholds apply to it; Lighthouse reports
    /// transfer bytes (raw saving × compression ratio), typically a quarter to a third of it.
    /// The message gives both.
    ///
    /// A stylesheet that carries its source map inline (`/*# sourceMappingURL=data:… */`) is
    /// reported the same way, since that comment is removable too, and the message says how
    /// much of the saving the map is. When the rest of the file is minified already, it says
    /// so: the fix is then a separate map file, not a minifier.
    ///
    /// A development copy shipped beside its minified build (`quasar.important.css` beside
    /// `quasar.important.prod.css`, `x.css` beside `x.min.css`) is reported only when a page
    /// loads it, with the minified build to load instead.
    ///
    /// ## Why is this bad?
    /// Stylesheets block rendering: the page is not drawn until they are downloaded and parsed.
    /// Comments and indentation only delay that.
    ///
    /// ## How to fix it
    /// Let the bundler minify CSS (Vite does by default), or minify vendored files:
    /// `npx esbuild --minify in.css --outfile=in.min.css`, `npx lightningcss --minify`.
    /// Many packages ship a ready `.min.css`.
    ///
    /// ## Options
    /// None.
    MinifyCss {
        id: "minify/css",
        summary: "Unminified CSS: comments and whitespace that could be removed",
        severity: Warning,
    }
}

impl Rule for MinifyCss {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Facts::Stylesheet(style) = &asset.facts else {
                continue;
            };
            if let Some(violation) = super::minify_js::unminified(
                asset,
                style.minified.as_ref(),
                style.map.as_ref().map_or(0, |map| map.inline_bytes),
                CSS_MIN_SAVING_RATIO,
                "minify/css",
            ) && let Some(violation) =
                super::minify_js::beside_minified_build(context, asset, violation)
            {
                found.push(violation);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "minify/css";

    /// A stylesheet as written by hand: comments, one declaration a line, `rules` rules.
    fn readable(rules: usize) -> String {
        (0..rules)
            .map(|i| {
                format!(
                    "/* Card variant {i}: used on the product grid */\n.card-{i} {{\n  display: flex;\n  margin: {}px auto;\n  color: #{:06x};\n  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.2);\n}}\n\n.card-{i} > .title:hover {{\n  text-decoration: underline;\n}}\n\n",
                    i % 24,
                    (i as u64 * 2_654_435_761) % 0xff_ffff
                )
            })
            .collect()
    }

    /// The same rules as a minifier leaves them.
    fn minified(rules: usize) -> String {
        (0..rules)
            .map(|i| {
                format!(
                    ".card-{i}{{display:flex;margin:{}px auto;color:#{:06x};box-shadow:0 1px 3px rgba(0,0,0,.2)}}.card-{i}>.title:hover{{text-decoration:underline}}",
                    i % 24,
                    (i as u64 * 2_654_435_761) % 0xff_ffff
                )
            })
            .collect()
    }

    /// The size of the only file of `folder`, and the bytes minifying would remove from it.
    fn removable(folder: &Folder) -> (u64, u64) {
        use crate::analyze::Facts;
        use crate::analyze::minify::Minified;
        folder.prepared(|prepared, _| {
            let asset = &prepared.assets[0];
            let Facts::Stylesheet(style) = &asset.facts else {
                panic!("not a stylesheet")
            };
            match style.minified.as_ref().unwrap() {
                Minified::Estimated { bytes } => (asset.raw, asset.raw - bytes),
                Minified::BelowThreshold { removable_at_most } => (asset.raw, *removable_at_most),
                Minified::Failed(why) => panic!("{why}"),
            }
        })
    }

    #[test]
    fn passes_for_minified_stylesheets() {
        Folder::new()
            .file("assets/index-C8mN2vQa.css", minified(200))
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_saving_is_under_2_kib() {
        let folder = Folder::new().file("css/style.css", readable(20));
        folder.passes(RULE);
        let (raw, removable) = removable(&folder);
        assert!(
            removable < 2_048 && removable * 20 > raw,
            "{removable} of {raw}"
        );
    }

    #[test]
    fn passes_when_the_saving_is_under_5_percent() {
        // A large minified stylesheet with a readable block: its whitespace and comments are
        // over 2 KiB, but under 5% of the file.
        let folder = Folder::new().file(
            "assets/index-C8mN2vQa.css",
            format!("{}{}", minified(1_000), readable(30)),
        );
        folder.passes(RULE);
        let (raw, removable) = removable(&folder);
        assert!(
            removable >= 2_048 && removable * 20 < raw,
            "{removable} of {raw}"
        );
    }

    #[test]
    fn passes_for_licence_comments_and_strings() {
        let licence: String = (0..30)
            .map(|i| format!("/*! normalize.css v8.0.1 | MIT License | github.com/necolas/normalize.css | line {i} */\n"))
            .collect();
        let content: String = (0..40)
            .map(|i| {
                format!(
                    ".quote-{i}::before{{content:\"  \\201C  {}  \"}}",
                    "  ".repeat(20)
                )
            })
            .collect();
        let folder = Folder::new().file(
            "assets/index-C8mN2vQa.css",
            format!("{licence}{content}{}", minified(40)),
        );
        folder.passes(RULE);
        // Only the line breaks after the licence comments can go.
        assert_eq!(removable(&folder).1, 30);
    }

    #[test]
    fn finds_a_vendored_stylesheet_shipped_unminified() {
        let folder = Folder::new().file("vendor/cards.css", readable(30));
        assert_eq!(
            folder.findings(RULE),
            [
                "vendor/cards.css:-:-: is unminified CSS: removing comments and whitespace saves 2.48 kB (38% of 6.58 kB), about 261 B after gzip; minify it"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Warning);
        assert!(finding.saving.unwrap() >= 2_048);
    }

    #[test]
    fn finds_a_minified_file_with_a_readable_block_over_5_percent() {
        let folder = Folder::new().file(
            "assets/index-C8mN2vQa.css",
            format!("{}{}", minified(150), readable(30)),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-C8mN2vQa.css:-:-: is unminified CSS: removing comments and whitespace saves 2.48 kB (9% of 27.15 kB), about 234 B after gzip; minify it"
            ]
        );
    }

    /// A stylesheet's source map written inline, as `css-loader` with `sourceMap: true` and
    /// PostCSS's `map: { inline: true }` do: a base64 JSON map with the sources in it.
    fn with_inline_map(css: &str) -> String {
        use base64::Engine;
        let sources = readable(20).replace('"', "'").replace('\n', "\\n");
        let map = format!(
            "{{\"version\":3,\"sources\":[\"cards.scss\"],\"names\":[],\"mappings\":\"AAAA\",\"sourcesContent\":[\"{sources}\"]}}"
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(map);
        format!(
            "{css}\n/*# sourceMappingURL=data:application/json;charset=utf-8;base64,{encoded} */\n"
        )
    }

    #[test]
    fn names_an_inline_source_map_as_what_a_minified_file_carries() {
        let folder = Folder::new().file("css/cards.css", with_inline_map(&minified(150)));
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].contains("is minified CSS but carries an inline source map (")
                && findings[0].contains("write the map to its own file"),
            "{}",
            findings[0]
        );
        // Unminified as well: both are said.
        let folder = Folder::new().file("css/cards.css", with_inline_map(&readable(30)));
        let findings = folder.findings(RULE);
        assert!(
            findings[0].contains("is unminified CSS and carries an inline source map ("),
            "{}",
            findings[0]
        );
    }

    #[test]
    fn finds_comment_heavy_stylesheets() {
        let docs: String = (0..60)
            .map(|i| format!("/**\n * Token {i}: spacing scale step, see the design system docs.\n */\n:root{{--space-{i}:{}px}}\n", i * 4))
            .collect();
        let folder = Folder::new().file("css/tokens.css", docs);
        assert_eq!(
            folder.findings(RULE),
            [
                "css/tokens.css:-:-: is unminified CSS: removing comments and whitespace saves 4.19 kB (76% of 5.53 kB), about 394 B after gzip; minify it"
            ]
        );
    }

    #[test]
    fn finds_a_stylesheet_indented_with_tabs_and_crlf() {
        // A vendored theme last saved on Windows.
        let theme: String = (0..200)
            .map(|i| {
                format!(
                    ".theme-{i} .btn,\r\n.theme-{i} .btn:focus {{\r\n\tbackground: #{:06x};\r\n\tborder: 1px solid transparent;\r\n}}\r\n\r\n",
                    (i as u64 * 2_654_435_761) % 0xff_ffff
                )
            })
            .collect();
        let folder = Folder::new().file("vendor/theme.css", theme);
        assert_eq!(
            folder.findings(RULE),
            [
                "vendor/theme.css:-:-: is unminified CSS: removing comments and whitespace saves 3.60 kB (17% of 20.58 kB), about 389 B after gzip; minify it"
            ]
        );
    }
}
