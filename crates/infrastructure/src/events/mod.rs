//! Change events leaving the service: consumers of the change-event outbox
//! (`persistence::event_feed`) that deliver to the outside world.

pub mod nats;

pub use nats::{NatsPublisher, NatsSettings, PublishRound};
