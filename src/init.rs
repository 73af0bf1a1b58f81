//! `webaudit init`: writes a starting `webaudit.toml` into a project, from its build folder as
//! measured now (or, with `--from`, from its size-limit, bundlewatch or Lighthouse budgets).
//! An existing `webaudit.toml` is never replaced: it may hold choices nobody wrote down
//! anywhere else.

use std::path::{Path, PathBuf};

use crate::audit::{self, AuditOptions, CacheChoice};
use crate::config::migrate::{self, Source};
use crate::config::starter::{self, StarterFacts};
use crate::config::{self, build_folder};
use crate::error::Error;
use crate::kind::AssetKind;

/// What `init` is asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The project folder, where `webaudit.toml` is written.
    pub project: PathBuf,
    /// The folder to audit; found with [`build_folder::detect`] when `None`.
    pub build_folder: Option<PathBuf>,
    /// Migrate from this tool's configuration instead of measuring.
    pub from: Option<Source>,
    /// A Lighthouse budget file for `from = lighthouse`.
    pub budget_file: Option<PathBuf>,
    pub cache: CacheChoice,
}

/// What `init` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    /// The audited folder the file was made for, as the user would type it.
    pub build_folder: String,
    pub detected: bool,
}

/// The folder to audit and whether it was found by looking.
fn audited_folder(options: &InitOptions) -> Result<(PathBuf, bool), Error> {
    match &options.build_folder {
        Some(folder) => Ok((folder.clone(), false)),
        None => match build_folder::detect(&options.project)? {
            Some(found) => Ok((found, true)),
            None => Ok((PathBuf::from("."), false)),
        },
    }
}

/// Writes `webaudit.toml` into the project; refuses when one exists.
pub fn init(options: &InitOptions) -> Result<Written, Error> {
    let target = options.project.join(config::FILE_NAME);
    // symlink_metadata: a link named webaudit.toml is someone's file too, even if dangling.
    if target.symlink_metadata().is_ok() {
        return Err(Error::Usage(format!(
            "{} already exists; webaudit init does not replace it (edit it, or remove it first)",
            target.display()
        )));
    }
    let (folder, detected) = audited_folder(options)?;
    let root = options.project.join(&folder);
    let text = match options.from {
        Some(source) => migrate::migrate(&root, Some(source), options.budget_file.as_deref())?,
        None => {
            let mut audit_options = AuditOptions::new(root.clone());
            // Today's sizes only: the budgets of other tools do not change them, and encoding
            // every image to measure savings is the slowest part of an audit.
            audit_options.overrides.no_discovery = true;
            audit_options.image_encodes = false;
            audit_options.cache = options.cache.clone();
            let report = audit::run(&audit_options)?;
            let gzip_of = |kind: AssetKind| report.totals.by_type.get(&kind).map_or(0, |t| t.gzip);
            starter::render(&StarterFacts {
                build_folder: folder.display().to_string(),
                detected,
                pages: report
                    .pages
                    .iter()
                    .map(|page| {
                        (
                            page.page.clone(),
                            page.initial_scripts.gzip + page.initial_stylesheets.gzip,
                        )
                    })
                    .collect(),
                script_stylesheet_gzip: gzip_of(AssetKind::Script) + gzip_of(AssetKind::Stylesheet),
            })
        }
    };
    // A TOML editor with Taplo (Even Better TOML, and others built on it) completes and checks
    // the file against the schema this line names.
    let text = format!(
        "#:schema {}\n{text}",
        crate::config::webaudit_toml::config_schema_url()
    );
    write_new(&target, text.as_bytes())?;
    Ok(Written {
        path: target,
        build_folder: folder.display().to_string(),
        detected,
    })
}

fn write_new(target: &Path, bytes: &[u8]) -> Result<(), Error> {
    use crate::fix::atomic::{PermissionsFrom, write};
    write(target, bytes, PermissionsFrom::Target).map_err(|source| Error::Io {
        path: target.to_path_buf(),
        action: "cannot write the configuration",
        source,
    })
}
