//! What a keyset holds beyond its keys while the emulator runs: its messages (history and
//! the subscribe feed), its channel groups and its presence. All in memory, all bounded
//! (see [`crate::limits`]); none of it survives a restart.

use crate::channel_groups::ChannelGroups;
use crate::message_store::MessageStore;
use crate::presence::Presence;

/// The live state of one keyset.
#[derive(Debug, Default)]
pub(crate) struct KeysetState {
    pub(crate) messages: MessageStore,
    pub(crate) groups: ChannelGroups,
    pub(crate) presence: Presence,
}
