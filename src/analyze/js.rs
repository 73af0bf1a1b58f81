//! JavaScript and TypeScript facts: every import, re-export, `require()` and dynamic `import()`,
//! with its line and column. JavaScript goes through the module lexer ([`super::js_scan`]);
//! TypeScript, JSX and whatever the lexer finds suspicious are parsed with swc.
//!
//! The syntax follows the extension: `.ts`/`.mts`/`.cts` TypeScript, `.tsx` TypeScript with JSX,
//! everything else JavaScript with JSX allowed (JSX cannot be confused with valid JavaScript,
//! and source files often use it under `.js`). A file that does not parse yields its first
//! error with a location instead of imports; the audit goes on.

pub use crate::model::facts::js::*;
use swc_common::sync::Lrc;
use swc_common::{BytePos, FileName, SourceFile, SourceMap, Span, Spanned};
use swc_ecma_ast::{
    CallExpr, Callee, EsVersion, ExportAll, Expr, ImportDecl, ImportSpecifier, Lit,
    ModuleExportName, NamedExport, TsImportEqualsDecl, TsModuleRef,
};
use swc_ecma_parser::{EsSyntax, Syntax, TsSyntax};
use swc_ecma_visit::{Visit, VisitWith};

use super::url::LineIndex;

impl ImportForm {
    pub fn name(self) -> &'static str {
        match self {
            ImportForm::Default => "default",
            ImportForm::Namespace => "namespace",
            ImportForm::Named => "named",
            ImportForm::SideEffect => "side-effect",
            ImportForm::ReExportAll => "re-export-all",
            ImportForm::ReExportNamed => "re-export-named",
            ImportForm::Require => "require",
            ImportForm::Dynamic => "dynamic",
        }
    }

    pub fn from_name(name: &str) -> Option<ImportForm> {
        [
            ImportForm::Default,
            ImportForm::Namespace,
            ImportForm::Named,
            ImportForm::SideEffect,
            ImportForm::ReExportAll,
            ImportForm::ReExportNamed,
            ImportForm::Require,
            ImportForm::Dynamic,
        ]
        .into_iter()
        .find(|form| form.name() == name)
    }

    /// Whether the import is part of the initial load (static) or fetched on demand.
    pub fn is_static(self) -> bool {
        !matches!(self, ImportForm::Dynamic)
    }
}

pub use super::js_guard::MAX_NESTING;

/// Extensions parsed as JavaScript or TypeScript.
pub const EXTENSIONS: [&str; 8] = ["js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts"];

/// The syntax name of code inside an HTML `<script>` element.
pub const INLINE_SCRIPT: &str = "inline-script";

pub(crate) fn syntax_for(extension: &str) -> Syntax {
    match extension {
        "ts" | "mts" | "cts" => Syntax::Typescript(TsSyntax {
            tsx: false,
            decorators: true,
            ..Default::default()
        }),
        "tsx" => Syntax::Typescript(TsSyntax {
            tsx: true,
            decorators: true,
            ..Default::default()
        }),
        // Code written in a page's <script>: what browsers run, never JSX.
        INLINE_SCRIPT => Syntax::Es(EsSyntax {
            jsx: false,
            import_attributes: true,
            ..Default::default()
        }),
        _ => Syntax::Es(EsSyntax {
            jsx: true,
            decorators: true,
            import_attributes: true,
            ..Default::default()
        }),
    }
}

/// Extensions of source files that need the full parser (TypeScript syntax, JSX).
const PARSED_EXTENSIONS: [&str; 5] = ["ts", "tsx", "jsx", "mts", "cts"];

/// The imports of a file with the given extension (lower case, without the dot). JavaScript is
/// scanned with the module lexer ([`super::js_scan`]); TypeScript and JSX sources, and any file
/// the lexer finds suspicious, are parsed with swc, which also locates syntax errors.
pub fn analyze(extension: &str, bytes: &[u8]) -> JsFacts {
    analyze_counting_trivia(extension, bytes).0
}

/// [`analyze`], also returning the bytes of white space and comments between tokens when the
/// module lexer read the whole file (`None` when the file went to the parser instead).
pub fn analyze_counting_trivia(extension: &str, bytes: &[u8]) -> (JsFacts, Option<u64>) {
    if !PARSED_EXTENSIONS.contains(&extension)
        && std::str::from_utf8(bytes).is_ok()
        && let Ok(scanned) = super::js_scan::scan_counting_comments(bytes)
    {
        let facts = JsFacts {
            imports: scanned.imports,
            problem: None,
            invalid_utf8: false,
            chunks: super::webpack::chunk_loading(bytes),
            commonjs: scanned.commonjs,
        };
        return (facts, Some(scanned.trivia_bytes));
    }
    (parse(extension, bytes), None)
}

/// Parses `bytes` with swc and returns its imports, or the first syntax error.
pub fn parse(extension: &str, bytes: &[u8]) -> JsFacts {
    let (text, invalid_utf8) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), true),
    };
    let mut facts = JsFacts {
        invalid_utf8,
        // Read from the bytes, not the tree: a file swc cannot parse may still be a runtime.
        chunks: super::webpack::chunk_loading(bytes),
        ..JsFacts::default()
    };
    if let Err(message) = super::js_guard::check(&text, is_jsx_syntax(extension)) {
        facts.problem = Some(ParseProblem {
            message,
            line: 1,
            column: 1,
        });
        return facts;
    }
    super::js_guard::with_parser_stack(|| parse_checked(extension, text, facts))
}

/// Whether `extension` is parsed with JSX enabled.
pub(crate) fn is_jsx_syntax(extension: &str) -> bool {
    match syntax_for(extension) {
        Syntax::Es(es) => es.jsx,
        Syntax::Typescript(ts) => ts.tsx,
    }
}

/// [`parse`] once [`super::js_guard::check`] has passed.
fn parse_checked(extension: &str, text: String, mut facts: JsFacts) -> JsFacts {
    let source_map: Lrc<SourceMap> = Default::default();
    let file = source_map.new_source_file(Lrc::new(FileName::Anon), text);
    let syntax = syntax_for(extension);
    let mut recovered = Vec::new();
    let parsed = if extension == "cjs" {
        swc_ecma_parser::parse_file_as_script(
            &file,
            syntax,
            EsVersion::latest(),
            None,
            &mut recovered,
        )
        .map(swc_ecma_ast::Program::Script)
    } else {
        swc_ecma_parser::parse_file_as_program(
            &file,
            syntax,
            EsVersion::latest(),
            None,
            &mut recovered,
        )
    };
    let program = match parsed {
        Ok(program) => program,
        Err(error) => {
            let (line, column) = Positions::new(&file).of(error.span().lo);
            facts.problem = Some(ParseProblem {
                message: error.kind().msg().into_owned(),
                line,
                column,
            });
            return facts;
        }
    };
    let mut collector = Collector {
        positions: Positions::new(&file),
        imports: Vec::new(),
    };
    program.visit_with(&mut collector);
    facts.imports = collector.imports;
    facts
}

/// 1-based lines and columns (in characters) of positions in one parsed file, counted as the
/// module lexer counts them ([`LineIndex`]).
///
/// Why not count each column from the start of its line: a minified bundle is one line, and
/// 100,000 imports on it cost 100,000 counts of up to the whole file (5.8 s for 2 MB); the index
/// counts on from the previous answer, and the visitor asks in source order.
struct Positions<'a> {
    start: BytePos,
    lines: LineIndex<'a>,
}

impl<'a> Positions<'a> {
    fn new(file: &'a SourceFile) -> Self {
        Positions {
            start: file.start_pos,
            lines: LineIndex::new(file.src.as_bytes()),
        }
    }

    fn of(&self, pos: BytePos) -> (u32, u32) {
        let offset = pos.0.saturating_sub(self.start.0) as usize;
        let location = self.lines.location(offset);
        (location.line, location.column)
    }
}

struct Collector<'a> {
    positions: Positions<'a>,
    imports: Vec<Import>,
}

impl Collector<'_> {
    fn push(
        &mut self,
        specifier: String,
        form: ImportForm,
        names: Vec<String>,
        type_only: bool,
        span: Span,
    ) {
        let (line, column) = self.positions.of(span.lo);
        self.imports.push(Import {
            specifier,
            form,
            names,
            type_only,
            line,
            column,
        });
    }
}

fn export_name(name: &ModuleExportName) -> String {
    match name {
        ModuleExportName::Ident(ident) => ident.sym.to_string(),
        ModuleExportName::Str(text) => text.value.to_atom_lossy().to_string(),
    }
}

/// The module named by `require("m")` / `import("m")` / `` import(`m`) ``, when it is a constant.
fn constant_specifier(call: &CallExpr) -> Option<String> {
    let argument = call.args.first()?;
    if argument.spread.is_some() {
        return None;
    }
    match &*argument.expr {
        Expr::Lit(Lit::Str(text)) => Some(text.value.to_atom_lossy().to_string()),
        Expr::Tpl(template) if template.exprs.is_empty() => template
            .quasis
            .first()
            .and_then(|q| q.cooked.as_ref())
            .map(|c| c.to_atom_lossy().to_string()),
        _ => None,
    }
}

impl Visit for Collector<'_> {
    fn visit_import_decl(&mut self, import: &ImportDecl) {
        let specifier = import.src.value.to_atom_lossy().to_string();
        if import.specifiers.is_empty() {
            self.push(
                specifier,
                ImportForm::SideEffect,
                Vec::new(),
                import.type_only,
                import.span,
            );
            return;
        }
        let mut named = Vec::new();
        let mut named_type_only = import.type_only;
        for part in &import.specifiers {
            match part {
                ImportSpecifier::Default(default) => {
                    self.push(
                        specifier.clone(),
                        ImportForm::Default,
                        Vec::new(),
                        import.type_only,
                        default.span,
                    );
                }
                ImportSpecifier::Namespace(namespace) => {
                    self.push(
                        specifier.clone(),
                        ImportForm::Namespace,
                        Vec::new(),
                        import.type_only,
                        namespace.span,
                    );
                }
                ImportSpecifier::Named(name) => {
                    let imported = name
                        .imported
                        .as_ref()
                        .map(export_name)
                        .unwrap_or_else(|| name.local.sym.to_string());
                    if imported == "default" {
                        // `import { default as x }` is a default import in disguise.
                        self.push(
                            specifier.clone(),
                            ImportForm::Default,
                            Vec::new(),
                            import.type_only,
                            name.span,
                        );
                        continue;
                    }
                    named_type_only &= import.type_only || name.is_type_only;
                    named.push(imported);
                }
            }
        }
        if !named.is_empty() {
            let type_only = import.type_only
                || named_type_only
                    && import
                        .specifiers
                        .iter()
                        .all(|s| matches!(s, ImportSpecifier::Named(n) if n.is_type_only));
            self.push(specifier, ImportForm::Named, named, type_only, import.span);
        }
    }

    fn visit_export_all(&mut self, export: &ExportAll) {
        let specifier = export.src.value.to_atom_lossy().to_string();
        self.push(
            specifier,
            ImportForm::ReExportAll,
            Vec::new(),
            export.type_only,
            export.span,
        );
    }

    fn visit_named_export(&mut self, export: &NamedExport) {
        let Some(source) = &export.src else { return };
        let specifier = source.value.to_atom_lossy().to_string();
        let mut names = Vec::new();
        for part in &export.specifiers {
            match part {
                swc_ecma_ast::ExportSpecifier::Namespace(_) => {
                    self.push(
                        specifier.clone(),
                        ImportForm::ReExportAll,
                        Vec::new(),
                        export.type_only,
                        export.span,
                    );
                }
                swc_ecma_ast::ExportSpecifier::Default(_) => names.push("default".to_string()),
                swc_ecma_ast::ExportSpecifier::Named(named) => names.push(export_name(&named.orig)),
            }
        }
        if !names.is_empty() {
            self.push(
                specifier,
                ImportForm::ReExportNamed,
                names,
                export.type_only,
                export.span,
            );
        }
    }

    fn visit_ts_import_equals_decl(&mut self, declaration: &TsImportEqualsDecl) {
        if let TsModuleRef::TsExternalModuleRef(reference) = &declaration.module_ref {
            let specifier = reference.expr.value.to_atom_lossy().to_string();
            self.push(
                specifier,
                ImportForm::Require,
                Vec::new(),
                declaration.is_type_only,
                declaration.span,
            );
        }
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        let form = match &call.callee {
            Callee::Import(_) => Some(ImportForm::Dynamic),
            Callee::Expr(callee) => match &**callee {
                Expr::Ident(ident) if ident.sym == *"require" && call.args.len() == 1 => {
                    Some(ImportForm::Require)
                }
                _ => None,
            },
            Callee::Super(_) => None,
        };
        if let Some(form) = form
            && let Some(specifier) = constant_specifier(call)
        {
            self.push(specifier, form, Vec::new(), false, call.span);
        }
        call.visit_children_with(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(source: &str) -> Vec<(String, ImportForm, Vec<String>, u32, u32)> {
        parse("js", source.as_bytes())
            .imports
            .into_iter()
            .map(|i| (i.specifier, i.form, i.names, i.line, i.column))
            .collect()
    }

    #[test]
    fn every_import_form_with_its_location() {
        let source = "import _ from 'lodash';\nimport * as Icons from \"lucide-react\";\nimport { debounce, groupBy as g } from 'lodash-es';\nimport 'core-js';\nexport * from './barrel.js';\nexport { a, default as b } from './x.js';\nconst m = require('moment');\nconst lazy = () => import('./chart.js');\nimport React, { useState } from 'react';\n";
        let found = forms(source);
        let expected: Vec<(&str, ImportForm, Vec<&str>, u32, u32)> = vec![
            ("lodash", ImportForm::Default, vec![], 1, 8),
            ("lucide-react", ImportForm::Namespace, vec![], 2, 8),
            (
                "lodash-es",
                ImportForm::Named,
                vec!["debounce", "groupBy"],
                3,
                1,
            ),
            ("core-js", ImportForm::SideEffect, vec![], 4, 1),
            ("./barrel.js", ImportForm::ReExportAll, vec![], 5, 1),
            (
                "./x.js",
                ImportForm::ReExportNamed,
                vec!["a", "default"],
                6,
                1,
            ),
            ("moment", ImportForm::Require, vec![], 7, 11),
            ("./chart.js", ImportForm::Dynamic, vec![], 8, 20),
            ("react", ImportForm::Default, vec![], 9, 8),
            ("react", ImportForm::Named, vec!["useState"], 9, 1),
        ];
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(s, f, n, l, c)| {
                (
                    s.to_string(),
                    f,
                    n.into_iter().map(String::from).collect::<Vec<_>>(),
                    l,
                    c,
                )
            })
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn positions_on_one_long_line_count_characters_from_its_start() {
        let mut source: String = (0..2000)
            .map(|i| format!("import \"./é{i}.js\";"))
            .collect();
        source.push_str("\rrequire(\"x\")\r\nimport(\"y\")");
        let found = forms(&source);
        assert_eq!(found.len(), 2002);
        for ((offset, _), import) in source.match_indices("import \"").zip(&found) {
            let column = source[..offset].chars().count() as u32 + 1;
            assert_eq!((import.3, import.4), (1, column), "{import:?}");
        }
        // A lone CR ends a line, as in the module lexer (and JavaScript).
        assert_eq!((found[2000].3, found[2000].4), (2, 1));
        assert_eq!((found[2001].3, found[2001].4), (3, 1));
        let lexed = super::super::js_scan::scan(source.as_bytes()).unwrap();
        let lexed: Vec<(u32, u32)> = lexed.iter().map(|i| (i.line, i.column)).collect();
        let parsed: Vec<(u32, u32)> = found.iter().map(|i| (i.3, i.4)).collect();
        assert_eq!(lexed, parsed);
    }

    #[test]
    fn typescript_and_jsx_by_extension() {
        let ts = "import type { Foo } from './types';\nimport x = require('legacy');\nexport const f = <T,>(a: T): T => a;\n";
        let facts = parse("ts", ts.as_bytes());
        assert!(facts.problem.is_none(), "{:?}", facts.problem);
        assert_eq!(facts.imports.len(), 2);
        assert!(facts.imports[0].type_only);
        assert_eq!(facts.imports[1].form, ImportForm::Require);

        let tsx = "import { Sun } from 'lucide-react';\nexport const A = () => <Sun size={3} />;\n";
        assert!(parse("tsx", tsx.as_bytes()).problem.is_none());
        let jsx = "import * as Icons from 'react-icons/fa';\nexport const B = ({n}) => { const I = Icons[n]; return <I/>; };\n";
        let facts = parse("jsx", jsx.as_bytes());
        assert!(facts.problem.is_none());
        assert_eq!(facts.imports[0].form, ImportForm::Namespace);
    }

    #[test]
    fn minified_bundles_parse() {
        let bundle = "import{a as e}from\"./vendor-3f2a.js\";const t=()=>import(\"./lazy-aa.js\");e(t);export{t as l};";
        let found = forms(bundle);
        assert_eq!(found[0].0, "./vendor-3f2a.js");
        assert_eq!(
            found[1],
            (
                "./lazy-aa.js".to_string(),
                ImportForm::Dynamic,
                vec![],
                1,
                50
            )
        );
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let facts = parse("js", b"const a = 1;\nconst = ;\n");
        let problem = facts.problem.unwrap();
        assert_eq!(problem.line, 2);
        assert!(facts.imports.is_empty());
    }

    #[test]
    fn pathological_nesting_is_refused_not_crashed() {
        let deep = format!("x = {}1{};", "(".repeat(100_000), ")".repeat(100_000));
        let facts = parse("js", deep.as_bytes());
        assert!(facts.problem.unwrap().message.contains("nest more than"));
        // Just under the limit still parses.
        let fine = format!("x = {}1{};", "[".repeat(500), "]".repeat(500));
        assert!(parse("js", fine.as_bytes()).problem.is_none());
    }

    #[test]
    fn invalid_utf8_is_flagged_and_parsed() {
        let facts = parse("js", b"import a from 'a';\nconst s = '\xff\xfe';\n");
        assert!(facts.invalid_utf8);
        assert_eq!(facts.imports.len(), 1);
    }

    #[test]
    fn computed_requires_are_not_imports() {
        assert!(forms("require(name); import(`./${x}.js`); foo.require('x');").is_empty());
    }
}
