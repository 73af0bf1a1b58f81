use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports JavaScript and TypeScript files that webaudit could not analyse: a syntax error
    /// (with its line and column), content that is not valid UTF-8 (analysed with replacement
    /// characters), or a file the parser is not given because it would exhaust it: over 4 MiB,
    /// brackets nested deeper than 1,000 levels, more than 25,000 tokens chained without a `,`
    /// or `;` (e.g. 200,000 `!` in a row), or more than 500 nested labels. The rest of the
    /// audit goes on; only this file's imports are unknown.
    ///
    /// ## Why is this bad?
    /// A file that does not parse here may not parse in every browser either, and its imports
    /// escape the tree-shaking and entry-graph checks. Invalid UTF-8 in a script served as UTF-8
    /// is displayed or executed as replacement characters.
    ///
    /// ## How to fix it
    /// Check that the file really is JavaScript (not HTML served under a `.js` name, not a
    /// truncated upload), that the build finished, and that the bundler targets syntax that
    /// webaudit's parser (swc, latest ECMAScript plus JSX and TypeScript) understands. Serve
    /// scripts as UTF-8 and keep non-ASCII text escaped or encoded as UTF-8.
    ///
    /// ## Options
    /// None.
    JsParseError {
        id: "js/parse-error",
        summary: "A script that cannot be analysed (syntax error, extreme nesting, invalid UTF-8)",
        severity: Warning,
    }
}

impl Rule for JsParseError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            if let Some(problem) = &script.js.problem {
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    line: Some(problem.line),
                    column: Some(problem.column),
                    message: format!("cannot be analysed: {}", problem.message),
                    ..Violation::default()
                });
            }
            if script.js.invalid_utf8 {
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: "is not valid UTF-8; it was analysed with replacement characters"
                        .into(),
                    ..Violation::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "js/parse-error";

    #[test]
    fn passes_for_a_minified_bundle() {
        Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                "import{r as o,j as e}from\"./vendor-DkL9x2Qa.js\";const c=()=>import(\"./chart-PeU972xK.js\");function n(){const[t,s]=o.useState(0);return e.jsxs(\"button\",{onClick:()=>s(t+1),children:[\"Clicked \",t,\" times\"]})}o.createRoot(document.getElementById(\"root\")).render(e.jsx(n,{}));export{c};\n//# sourceMappingURL=index-BqP3xK9z.js.map\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_modern_syntax() {
        Folder::new()
            .file(
                "assets/store-Cq81LmZp.js",
                "import data from\"./seed.json\"with{type:\"json\"};class Store{#items=new Map;static version=2;get size(){return this.#items.size}add(t){this.#items.set(t.id??crypto.randomUUID(),t);return this}}const s=new Store;s.limit??=50;const r=await fetch(\"/api/items\").then(t=>t.ok?t.json():[]);r?.forEach?.(t=>s.add(t));export{s as store,data};\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_typescript_and_jsx_sources() {
        Folder::new()
            .file(
                "src/api.ts",
                "import type { User } from './types';\n\n@injectable()\nexport class Api {\n  constructor(private readonly base: string) {}\n\n  async user(id: number): Promise<User | undefined> {\n    const res = await fetch(`${this.base}/users/${id}`);\n    return res.ok ? (res.json() as Promise<User>) : undefined;\n  }\n}\n\nexport const enum Role { Admin, Editor }\n",
            )
            .file(
                "src/Avatar.tsx",
                "export function Avatar<T extends { name: string }>({ user }: { user: T }) {\n  return <img alt={user.name} src={`/avatars/${user.name}.png`} />;\n}\n",
            )
            .file(
                "src/List.jsx",
                "export const List = ({ items }) => (\n  <ul>{items.map((i) => <li key={i.id} {...i} />)}</ul>\n);\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_deep_nesting_in_plain_javascript() {
        // Plain JavaScript is read by the module lexer, which only counts brackets: nesting that
        // the parser would refuse is no problem there.
        let deep = format!(
            "export const d = {}1{};\n",
            "[".repeat(5_000),
            "]".repeat(5_000)
        );
        Folder::new().file("assets/deep.js", deep).passes(RULE);
    }

    #[test]
    fn finds_a_syntax_error_at_its_line_and_column() {
        let folder = Folder::new().file(
            "assets/broken.js",
            "export function total(items) {\n  return (items.length +;\n}\n",
        );
        assert_eq!(
            folder.findings(RULE),
            ["assets/broken.js:2:25: cannot be analysed: Expression expected"]
        );
        assert_eq!(
            folder.findings_of(RULE)[0].severity,
            crate::model::finding::Severity::Warning
        );
    }

    #[test]
    fn finds_syntax_errors_in_typescript_and_jsx() {
        let folder = Folder::new()
            .file(
                "src/total.ts",
                "export const total = (items: number[]): number =>\n  items.reduce((a, b) => a + , 0);\n",
            )
            .file(
                "src/Menu.jsx",
                "export const Menu = () => (\n  <nav>\n    <a href=\"/\">Home</a>\n);\n",
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "src/Menu.jsx:5:1: cannot be analysed: Expected '</', got '<eof>'",
                "src/total.ts:2:30: cannot be analysed: Expression expected"
            ]
        );
    }

    #[test]
    fn finds_html_saved_under_a_script_name() {
        // The host's fallback page, written where a chunk should be.
        let folder = Folder::new().file(
            "assets/chart-PeU972xK.js",
            "<!doctype html><html><head><title>Shop</title></head><body><div id=\"root\"></div></body></html>\n",
        );
        assert_eq!(
            folder.findings(RULE),
            ["assets/chart-PeU972xK.js:1:11: cannot be analysed: Expected ';', '}' or <eof>"]
        );
    }

    #[test]
    fn finds_truncated_uploads() {
        let folder = Folder::new()
            .file("assets/a.js", "export {a\\")
            .file("assets/b.js", "import {a\\")
            .file("assets/c.js", "export * as\\")
            .file("assets/d.js", "`")
            .file("assets/fine.js", "export const ok = 1;\n");
        // swc recovers from `export * as\` on its own; the other three have a location.
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/a.js:1:9: cannot be analysed: Unexpected token `<lexing error>`. Expected identifier or string",
                "assets/b.js:1:9: cannot be analysed: Unexpected token `<lexing error>`. Expected identifier or string",
                "assets/d.js:1:1: cannot be analysed: Unterminated template"
            ]
        );
        // Every file is still measured.
        folder.prepared(|prepared, _| assert_eq!(prepared.assets.len(), 5));
    }

    #[test]
    fn finds_a_script_that_is_not_utf8() {
        // Saved as Windows-1252: "café" with a single byte for é.
        let folder = Folder::new().file("assets/i18n-fr.js", b"export const menu = 'caf\xe9';\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/i18n-fr.js:-:-: is not valid UTF-8; it was analysed with replacement characters"
            ]
        );
    }

    #[test]
    fn finds_sources_the_parser_is_not_given() {
        let folder = Folder::new()
            .file(
                "src/deep.ts",
                format!(
                    "export const d = {}1{};\n",
                    "(".repeat(1_001),
                    ")".repeat(1_001)
                ),
            )
            .file(
                "src/bang.ts",
                format!("export const x = {}y;\n", "!".repeat(30_000)),
            )
            .file("src/labels.ts", format!("{}x;\n", "a:".repeat(600)));
        assert_eq!(
            folder.findings(RULE),
            [
                "src/bang.ts:1:1: cannot be analysed: an expression or statement chains more than 25000 tokens without a `,` or `;`, deeper than webaudit parses; not analysed",
                "src/deep.ts:1:1: cannot be analysed: brackets nest more than 1000 levels deep; not analysed",
                "src/labels.ts:1:1: cannot be analysed: more than 500 nested labels in one statement; not analysed"
            ]
        );
    }
}
