//! The recommended actions of the output contract (`recommended_action`).

use serde::Serialize;

/// What the playbook tells a customer-success team to do with an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    CallImmediately,
    FixIssues,
    Reference,
    Monitor,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::CallImmediately,
        Action::FixIssues,
        Action::Reference,
        Action::Monitor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::CallImmediately => "call_immediately",
            Action::FixIssues => "fix_issues",
            Action::Reference => "reference",
            Action::Monitor => "monitor",
        }
    }
}
