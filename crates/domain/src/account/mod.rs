//! Account credentials: who a person is when they sign up and log in.

pub mod email;
pub mod password;
pub mod user_agent;
pub mod username;

pub use email::Email;
pub use password::Password;
pub use user_agent::UserAgent;
pub use username::Username;
