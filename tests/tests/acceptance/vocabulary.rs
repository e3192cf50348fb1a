//! The words the features use for resource kinds, resources versus patterns, and
//! permissions, turned into the model's types.

use pam::{Permission, ResourceKind};

/// Where an entry of a grant or a token lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// Named explicitly (`res`, `resources`).
    Resource,
    /// A regular expression (`pat`, `patterns`).
    Pattern,
}

impl Section {
    /// `resource` or `pattern`.
    pub(crate) fn from_word(word: &str) -> Result<Section, String> {
        match word {
            "resource" => Ok(Section::Resource),
            "pattern" => Ok(Section::Pattern),
            other => Err(format!("`{other}`: expected `resource` or `pattern`")),
        }
    }

    /// The word, for messages.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Section::Resource => "resource",
            Section::Pattern => "pattern",
        }
    }
}

/// `CHANNEL`, `CHANNEL_GROUP` or `UUID`.
pub(crate) fn kind(word: &str) -> Result<ResourceKind, String> {
    match word {
        "CHANNEL" => Ok(ResourceKind::Channel),
        "CHANNEL_GROUP" => Ok(ResourceKind::ChannelGroup),
        "UUID" => Ok(ResourceKind::UserId),
        other => Err(format!(
            "`{other}`: expected CHANNEL, CHANNEL_GROUP or UUID"
        )),
    }
}

/// `READ`, `WRITE`, `MANAGE`, `DELETE`, `GET`, `UPDATE` or `JOIN` (any case).
pub(crate) fn permission(word: &str) -> Result<Permission, String> {
    word.parse::<Permission>().map_err(|e| e.to_string())
}
