//! Account credentials: who a person is when they sign up and log in.

pub mod email;
pub mod password;
pub mod username;

pub use email::Email;
pub use password::Password;
pub use username::Username;
