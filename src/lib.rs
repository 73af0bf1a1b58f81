//! webaudit: audits a built web app folder for size budgets and the problems that make sites
//! slow. The library does the work; `main.rs` is a thin command line on top.
//!
//! The flow is one way: [`scan`] the folder once → [`measure`] each file once, in parallel,
//! handing its bytes to [`analyze`] (facts) → derive the [`site`] model and [`pages`] (entry
//! graphs), [`budget`] checks → [`rules`] read them and emit findings, [`impact`] weighs each
//! finding's saving for a visitor → [`report`] renderers print them. The data every stage shares lives in [`model`], which imports no stage;
//! `tests/module_graph.rs` fails when a module imports a later stage. [`audit::run`] runs the
//! whole flow; [`audit::prepare`] stops before the rules (fixers and `check-url` build on it).

pub mod analyze;
pub mod atomic;
pub mod audit;
pub mod baseline;
pub mod budget;
pub mod composition;
pub mod config;
pub mod error;
pub mod escape;
pub mod files;
pub mod fix;
pub mod glob;
pub mod imaging;
pub mod impact;
pub mod init;
pub mod kind;
pub mod knowledge;
pub mod layout;
pub mod live;
pub mod measure;
pub mod model;
pub mod origins;
pub mod pages;
pub mod report;
pub mod rules;
pub mod scan;
pub mod site;
pub mod size;

pub use error::Error;
