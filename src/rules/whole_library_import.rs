use std::collections::HashMap;

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::glob::PathPattern;
use crate::model::finding::Violation;
use crate::size::human;

declare_rule! {
    /// ## What it does
    /// Reads every `import`, `export … from`, `require()` and `import()` in JavaScript and
    /// TypeScript files (source files when webaudit is pointed at `src/`, unbundled ES modules in
    /// a built folder) and reports imports of a known library in a form that ships all of it:
    /// `import _ from 'lodash'`, `import moment from 'moment'`, `import * as Icons from
    /// 'lucide-react'`, `import 'core-js'`. Which forms are harmful is per package, from the
    /// knowledge base (`src/knowledge/packages.toml`; `[[knowledge.package]]` in webaudit.toml adds
    /// or replaces entries). Type-only imports are ignored: they are erased at compile time.
    ///
    /// ## Why is this bad?
    /// Tree shaking only removes what a bundler can prove unused. A CommonJS library (lodash,
    /// moment) is one opaque module: any import ships it whole. A namespace import of a barrel
    /// used dynamically (`Icons[name]`) keeps every export. A full polyfill import ships code for
    /// browsers your users do not have. The cost is often tens to hundreds of kilobytes gzipped.
    ///
    /// ## How to fix it
    /// Import only what you use, from a module that can be tree-shaken:
    ///
    /// ```js
    /// import _ from 'lodash';                   // ships all of lodash (~27 kB gzip)
    /// import debounce from 'lodash/debounce';   // ships one function (~1.6 kB)
    /// import { debounce } from 'lodash-es';     // tree-shakable
    /// ```
    ///
    /// Each finding names the package's replacement (dayjs or Intl for moment, per-icon imports
    /// for icon sets, the modular `@aws-sdk/client-*` for aws-sdk, targeted polyfills).
    ///
    /// ## Options
    /// `[[knowledge.package]]` entries in webaudit.toml (same keys as the built-in data).
    WholeLibraryImport {
        id: "tree-shaking/whole-library-import",
        summary: "An import form that ships a whole library (import _ from 'lodash', import * as Icons…)",
        severity: Warning,
    }
}

fn describe(form: crate::analyze::js::ImportForm, specifier: &str) -> String {
    use crate::analyze::js::ImportForm::*;
    match form {
        Default => format!("default import from '{specifier}'"),
        Namespace => format!("namespace import (`* as`) of '{specifier}'"),
        Named => format!("named import from '{specifier}'"),
        SideEffect => format!("`import '{specifier}'`"),
        ReExportAll => format!("`export * from '{specifier}'`"),
        ReExportNamed => format!("re-export from '{specifier}'"),
        Require => format!("`require('{specifier}')`"),
        Dynamic => format!("`import('{specifier}')`"),
    }
}

impl Rule for WholeLibraryImport {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        // Each package's safe-subpath globs, compiled once per run rather than once per import.
        let mut safe_patterns: HashMap<&str, Vec<PathPattern>> = HashMap::new();
        for asset in context.assets {
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            for import in script.js.imports.iter().filter(|i| !i.type_only) {
                let Some(package) = context.knowledge.for_specifier(&import.specifier) else {
                    continue;
                };
                if !package.harmful_forms().contains(&import.form) {
                    continue;
                }
                let safe = safe_patterns
                    .entry(package.name.as_str())
                    .or_insert_with(|| {
                        package
                            .safe_subpaths
                            .iter()
                            .filter_map(|p| PathPattern::new(p).ok())
                            .collect()
                    })
                    .iter()
                    .any(|pattern| pattern.matches(&import.specifier));
                if safe {
                    continue;
                }
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    line: Some(import.line),
                    column: Some(import.column),
                    message: format!(
                        "{} ships all of {}: {} (typically {} gzip). {}",
                        describe(import.form, &import.specifier),
                        package.name,
                        package.kind.describe(),
                        human(package.typical_gzip_bytes),
                        package.replacement
                    ),
                    saving: Some(package.typical_gzip_bytes),
                    ..Violation::default()
                });
            }
        }
    }
}
