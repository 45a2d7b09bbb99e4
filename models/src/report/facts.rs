//! What the catalog knows about the reported version, its siblings and its monitoring
//! history: the facts the page shows besides the model.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The model card's documented keys (fin_describe), in the order the report shows them; each
/// holds text (a risk tier may be a number). Other keys are kept and shown after them.
pub const CARD_KEYS: [&str; 7] = [
    "purpose",
    "intended_use",
    "owner_team",
    "risk_tier",
    "limitations",
    "validation_status",
    "retired_at",
];

/// What the catalog knows about the reported version and its siblings.
#[derive(Debug, Clone, Default)]
pub struct ReportFacts {
    pub name: String,
    pub version: i32,
    pub deployed_version: Option<i32>,
    pub relation: String,
    pub trained_at: String,
    pub trained_by: String,
    pub owner: String,
    pub train_rows: i64,
    pub test_rows: i64,
    /// The training options as stored (JSON text).
    pub options: String,
    /// The metrics stored at training.
    pub metrics: BTreeMap<String, f64>,
    pub versions: Vec<VersionFacts>,
    /// An MLP's training log: (epoch, training loss, validation loss).
    pub training_log: Vec<(i32, f64, Option<f64>)>,
    pub finml_version: String,
    pub postgres_version: String,
    pub generated_at: String,
    /// The stored monitoring history of this version (fin_monitor with "store"), one row
    /// per period (the latest run's), in period order.
    pub monitoring: Vec<MonitoringFacts>,
    /// The fin_tune search that chose this version, in trial order (empty: none).
    pub trials: Vec<TrialFacts>,
    /// The model card (fin_describe); empty when the model has none.
    pub card: Map<String, Value>,
    /// The reported version's approval.
    pub approval: ApprovalFacts,
    /// The budget a private (DP-SGD) training spent (`metrics.privacy`).
    pub privacy: Option<crate::dp_sgd::PrivacySpent>,
}

/// A version's approval (finml.approvals): its status ('unreviewed', 'pending', 'approved',
/// 'rejected') and the validator's decision.
#[derive(Debug, Clone, Default)]
pub struct ApprovalFacts {
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub comment: Option<String>,
}

/// One trial of the search that chose the reported version (finml.trials).
#[derive(Debug, Clone, Default)]
pub struct TrialFacts {
    pub trial: i32,
    /// The searched options' values (JSON text).
    pub options: String,
    pub metric: String,
    pub folds: i32,
    pub mean: f64,
    pub std: f64,
    pub seconds: f64,
    pub chosen: bool,
}

/// One period of the stored monitoring history.
#[derive(Debug, Clone, Default)]
pub struct MonitoringFacts {
    pub period: String,
    pub relation: String,
    pub rows: i64,
    pub event_rate: Option<f64>,
    pub auc: Option<f64>,
    pub psi: f64,
    pub max_csi_feature: Option<String>,
    pub max_csi: Option<f64>,
    pub status: String,
}

/// One version of the model, for the versions table.
#[derive(Debug, Clone, Default)]
pub struct VersionFacts {
    pub version: i32,
    pub algorithm: String,
    pub trained_at: String,
    pub trained_by: String,
    pub train_rows: i64,
    pub test_rows: i64,
    pub metrics: BTreeMap<String, f64>,
}
