use foldhash::{HashMap, HashMapExt};

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::js::ImportForm;
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
    /// or replaces entries). Type-only imports are ignored: they are erased at compile time. So
    /// are the `require()` calls of a UMD build (a script that tests `typeof exports`, `typeof
    /// module` or `typeof define`): they are its CommonJS branch, and a browser runs the one
    /// that takes the library from a global (`factory(jQuery)`).
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
            // A UMD build's `require("jquery")` is the branch for CommonJS; browsers run the
            // one that takes the global (`factory(jQuery)`), and the file holds no jQuery.
            let umd = script.tests_module_system;
            for import in script
                .js
                .imports
                .iter()
                .filter(|i| !i.type_only)
                .filter(|i| !(umd && i.form == ImportForm::Require))
            {
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

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "tree-shaking/whole-library-import";

    #[test]
    fn passes_for_per_method_and_es_module_imports() {
        Folder::new()
            .file(
                "src/search.js",
                "import debounce from 'lodash/debounce';\nimport { groupBy } from 'lodash-es';\nimport throttle from 'lodash/throttle.js';\n\nexport const search = debounce((q) => groupBy(q, 'type'), 300);\nexport const scroll = throttle(() => {}, 100);\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_named_icon_imports() {
        Folder::new()
            .file(
                "src/Toolbar.jsx",
                "import { Camera, Trash2 } from 'lucide-react';\nimport Bell from 'lucide-react/icons/bell';\n\nexport function Toolbar() {\n  return <div><Camera /><Trash2 /><Bell /></div>;\n}\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_type_only_imports() {
        Folder::new()
            .file(
                "src/dates.ts",
                "import type { Moment } from 'moment';\nimport { type LucideIcon } from 'lucide-react';\n\nexport function label(date: Moment, icon: LucideIcon): string {\n  return `${icon.displayName}: ${date.toISOString()}`;\n}\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_safe_subpaths() {
        Folder::new()
            .file(
                "src/polyfills.js",
                "import 'core-js/actual/array/flat';\nimport 'core-js/modules/es.promise.finally';\nimport de from 'moment/locale/de';\nimport S3 from 'aws-sdk/clients/s3';\nimport map from 'lodash/fp/map';\n\nexport { de, S3, map };\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_nested_safe_subpaths() {
        // The per-language imports react-syntax-highlighter's README recommends sit two levels
        // below `languages/` (`hljs/`, `prism/`), in the ESM and the CommonJS builds.
        Folder::new()
            .file(
                "src/Code.jsx",
                "import { PrismLight as SyntaxHighlighter } from 'react-syntax-highlighter';\nimport Light from 'react-syntax-highlighter/dist/esm/light';\nimport js from 'react-syntax-highlighter/dist/esm/languages/hljs/javascript';\nimport tsx from 'react-syntax-highlighter/dist/cjs/languages/prism/tsx';\nimport oneDark from 'react-syntax-highlighter/dist/esm/styles/prism/one-dark';\n\nexport { SyntaxHighlighter, Light, js, tsx, oneDark };\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_relative_and_unknown_packages() {
        Folder::new()
            .file(
                "src/main.js",
                "import _ from './lodash';\nimport * as utils from '../utils/index.js';\nimport React from 'react';\nimport moment from 'https://esm.sh/moment';\n\nexport { _, utils, React, moment };\n",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_imports_written_in_strings_and_comments() {
        Folder::new()
            .file(
                "assets/docs-BqP3xK9z.js",
                "// import _ from 'lodash';\n/* require('moment') */\nconst example=\"import * as Icons from 'lucide-react'\";export{example};\n",
            )
            .passes(RULE);
    }

    #[test]
    fn finds_default_and_named_imports_of_lodash() {
        let folder = Folder::new().file(
            "src/App.jsx",
            "import React from 'react';\nimport _ from 'lodash';\nimport { debounce } from 'lodash';\n\nexport default function App() {\n  return <input onChange={debounce(_.noop, 300)} />;\n}\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "src/App.jsx:2:8: default import from 'lodash' ships all of lodash: a CommonJS monolith: any import ships the whole library (typically 26.63 kB gzip). Every form of import from the `lodash` root resolves to the single CommonJS file lodash.js, so one helper drags in all ~300. Import per method (`import debounce from 'lodash/debounce'`), or switch to `lodash-es` / `es-toolkit` with named imports. `lodash/fp` as a whole is also a full copy (it wraps lodash.min.js); use `lodash/fp/<method>`. The standalone `lodash.<method>` packages work but are frozen at old versions and duplicate lodash internals when several are installed.",
                "src/App.jsx:3:1: named import from 'lodash' ships all of lodash: a CommonJS monolith: any import ships the whole library (typically 26.63 kB gzip). Every form of import from the `lodash` root resolves to the single CommonJS file lodash.js, so one helper drags in all ~300. Import per method (`import debounce from 'lodash/debounce'`), or switch to `lodash-es` / `es-toolkit` with named imports. `lodash/fp` as a whole is also a full copy (it wraps lodash.min.js); use `lodash/fp/<method>`. The standalone `lodash.<method>` packages work but are frozen at old versions and duplicate lodash internals when several are installed."
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Warning);
        assert_eq!(finding.saving, Some(26_634));
    }

    #[test]
    fn finds_a_namespace_import_of_an_icon_barrel() {
        let folder = Folder::new().file(
            "src/Icon.tsx",
            "import * as Icons from 'lucide-react';\n\nexport function Icon({ name }: { name: keyof typeof Icons }) {\n  const Component = Icons[name] as React.FC;\n  return <Component />;\n}\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "src/Icon.tsx:1:8: namespace import (`* as`) of 'lucide-react' ships all of lucide-react: a barrel re-exporting every module of the library (typically 222.26 kB gzip). The entry re-exports ~2,100 icons. Named imports tree-shake, but `import * as Icons`, the `icons` export (an object of every icon) and `dynamicIconImports` / `lucide-react/dynamic` pull in all of them. Import icons by name, or by path for bundlers without tree shaking."
            ]
        );
    }

    #[test]
    fn finds_require_of_moment_in_commonjs() {
        let folder = Folder::new().file(
            "server/format.cjs",
            "'use strict';\nconst moment = require('moment');\n\nmodule.exports = (d) => moment(d).format('LL');\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "server/format.cjs:2:16: `require('moment')` ships all of moment: every locale is bundled (typically 78.79 kB gzip). moment is a single non-tree-shakeable file, and its dynamic `require('./locale/' + name)` makes webpack bundle every locale in moment/locale/. At minimum strip locales (webpack IgnorePlugin or moment-locales-webpack-plugin) and import only the ones you use; moment is in maintenance mode, so prefer `date-fns`, `dayjs`, `luxon` or native `Intl` / `Temporal`."
            ]
        );
    }

    #[test]
    fn passes_for_the_commonjs_branch_of_a_umd_build() {
        // jquery.validate 1.19 as Debian's phpMyAdmin ships it: loaded by a <script> tag, it
        // calls `factory(jQuery)`; `require("jquery")` runs only under CommonJS.
        Folder::new()
            .file(
                "js/vendor/jquery/jquery.validate.js",
                "(function( factory ) {\n\tif ( typeof define === \"function\" && define.amd ) {\n\t\tdefine( [\"jquery\"], factory );\n\t} else if (typeof module === \"object\" && module.exports) {\n\t\tmodule.exports = factory( require( \"jquery\" ) );\n\t} else {\n\t\tfactory( jQuery );\n\t}\n}(function( $ ) {\n$.extend( $.fn, { validate: function( options ) { return this; } } );\n}));\n",
            )
            .file(
                "js/vendor/jquery/jquery-migrate.min.js",
                "!function(t){\"use strict\";\"function\"==typeof define&&define.amd?define([\"jquery\"],function(e){return t(e,window)}):\"object\"==typeof module&&module.exports?module.exports=t(require(\"jquery\"),window):t(jQuery,window)}(function(s,n){s.migrateVersion=\"3.4.0\"});\n",
            )
            .passes(RULE);
    }

    #[test]
    fn finds_the_full_polyfill_imported_for_its_side_effects() {
        let folder = Folder::new().file(
            "src/main.ts",
            "import 'core-js';\nimport 'regenerator-runtime/runtime';\nimport { createApp } from 'vue';\nimport App from './App.vue';\n\ncreateApp(App).mount('#app');\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "src/main.ts:1:1: `import 'core-js'` ships all of core-js: a full polyfill set for every browser (typically 106.55 kB gzip). `import 'core-js'` (= core-js/full), `core-js/stable` and `core-js/actual` install every polyfill whether the target browsers need it or not. Let @babel/preset-env inject only what your code uses and your browserslist lacks (`useBuiltIns: 'usage'`, `corejs: 3`), or import single features (`core-js/actual/array/flat`)."
            ]
        );
    }

    #[test]
    fn finds_a_dynamic_import_of_an_icon_barrel() {
        let folder = Folder::new().file(
            "src/lazyIcon.js",
            "export async function load(name) {\n  const icons = await import('lucide-react');\n  return icons[name];\n}\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "src/lazyIcon.js:2:23: `import('lucide-react')` ships all of lucide-react: a barrel re-exporting every module of the library (typically 222.26 kB gzip). The entry re-exports ~2,100 icons. Named imports tree-shake, but `import * as Icons`, the `icons` export (an object of every icon) and `dynamicIconImports` / `lucide-react/dynamic` pull in all of them. Import icons by name, or by path for bundlers without tree shaking."
            ]
        );
    }

    #[test]
    fn finds_lodash_fp_as_a_whole() {
        let folder = Folder::new().file(
            "src/pipeline.js",
            "import fp from 'lodash/fp';\n\nexport const clean = fp.flow(fp.compact, fp.uniq);\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "src/pipeline.js:1:8: default import from 'lodash/fp' ships all of lodash: a CommonJS monolith: any import ships the whole library (typically 26.63 kB gzip). Every form of import from the `lodash` root resolves to the single CommonJS file lodash.js, so one helper drags in all ~300. Import per method (`import debounce from 'lodash/debounce'`), or switch to `lodash-es` / `es-toolkit` with named imports. `lodash/fp` as a whole is also a full copy (it wraps lodash.min.js); use `lodash/fp/<method>`. The standalone `lodash.<method>` packages work but are frozen at old versions and duplicate lodash internals when several are installed."
            ]
        );
    }

    #[test]
    fn finds_an_unbundled_module_in_a_built_folder_at_its_column() {
        let folder = Folder::new().file(
            "assets/chart-PeU972xK.js",
            "import{h as e}from\"./index-BqP3xK9z.js\";import t from\"moment\";const n=o=>t(o).format(\"MMM D\");export{n as f};\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/chart-PeU972xK.js:1:48: default import from 'moment' ships all of moment: every locale is bundled (typically 78.79 kB gzip). moment is a single non-tree-shakeable file, and its dynamic `require('./locale/' + name)` makes webpack bundle every locale in moment/locale/. At minimum strip locales (webpack IgnorePlugin or moment-locales-webpack-plugin) and import only the ones you use; moment is in maintenance mode, so prefer `date-fns`, `dayjs`, `luxon` or native `Intl` / `Temporal`."
            ]
        );
    }

    const DESIGN_SYSTEM: &str = r#"
[[knowledge.package]]
name = "@acme/design-system"
kind = "barrel"
harmful_imports = ["namespace"]
replacement = "Import components from their own paths."
typical_gzip_bytes = 120000

# Replaces the built-in entry: this team accepts lodash default imports.
[[knowledge.package]]
name = "lodash"
kind = "commonjs-monolith"
harmful_imports = ["require"]
replacement = "n/a"
typical_gzip_bytes = 1
"#;

    #[test]
    fn passes_for_forms_a_replaced_entry_in_webaudit_toml_allows() {
        Folder::new()
            .file(
                "src/main.js",
                "import _ from 'lodash';\nimport { Button } from '@acme/design-system';\n\nexport { _, Button };\n",
            )
            .config(DESIGN_SYSTEM)
            .passes(RULE);
    }

    #[test]
    fn finds_a_package_added_in_webaudit_toml() {
        let folder = Folder::new()
            .file(
                "src/main.js",
                "import * as DS from '@acme/design-system';\nimport _ from 'lodash';\n\nconsole.log(DS, _);\n",
            )
            .config(DESIGN_SYSTEM);
        assert_eq!(
            folder.findings(RULE),
            [
                "src/main.js:1:8: namespace import (`* as`) of '@acme/design-system' ships all of @acme/design-system: a barrel re-exporting every module of the library (typically 120 kB gzip). Import components from their own paths."
            ]
        );
    }
}
