//! Listing QA engine: marketplace rules, lexicons, units and sizes. Pure: no I/O, no
//! clock, no network; the rule data is TOML embedded at build time (see `data/`) and
//! can be replaced at run time with [`QaEngine::from_data`].
//!
//! ```
//! use tradelane_listing_qa::{CheckInput, Listing, QaEngine};
//!
//! let engine = QaEngine::new().expect("shipped rule data parses");
//! let listing = Listing {
//!     marketplace: "amazon".into(),
//!     locale: "de-DE".into(),
//!     title: "Kabellose Maus, kostenloser Versand!".into(),
//!     ..Default::default()
//! };
//! let findings = engine.check(&CheckInput::new(&listing));
//! assert!(findings.iter().any(|f| f.rule_id == "amazon.title.promotional"));
//! assert!(findings.iter().any(|f| f.rule_id == "amazon.title.forbidden_chars"));
//! ```

mod checks;
pub mod data;
mod engine;
mod finding;
mod glossary;
pub mod html;
mod lexicon;
mod locale;
mod model;
mod numbers;
mod rules;
mod sizes;
pub mod text;
mod units;
mod untranslated;
mod zh;

pub use data::{DataError, LexiconEntry};
pub use engine::{CheckInput, QaEngine, RuleData};
pub use glossary::{ForbiddenTerm, Glossary, GlossaryTerm, WatchTerm, Watchlist};
pub use lexicon::CompiledLexicon;
pub use locale::Locale;
pub use model::{FieldKind, FieldRef, Finding, Fix, Listing, Message, Severity, SourceListing};
pub use text::Span;
pub use zh::{to_simplified, to_traditional};
