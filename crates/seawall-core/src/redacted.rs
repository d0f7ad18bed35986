//! A wrapper for secrets (registry passwords, tokens) that never shows its content when formatted.

use std::fmt;

/// A value that must not appear in logs, errors or `Debug` output: `{:?}` and `{}` print
/// `<redacted>`, whatever the content. Read the value with [`Redacted::expose`] at the one place that
/// needs it (building an `Authorization` header).
///
/// ```
/// use seawall_core::Redacted;
/// let password = Redacted::new("hunter2".to_string());
/// assert_eq!(format!("{password:?}"), "<redacted>");
/// assert_eq!(password.expose(), "hunter2");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Redacted<T>(T);

impl<T> Redacted<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Redacted(value)
    }

    /// The secret itself.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Redacted<T> {
    fn from(value: T) -> Self {
        Redacted(value)
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::Redacted;

    #[test]
    fn debug_and_display_hide_the_secret() {
        let s = Redacted::new(String::from("s3cr3t-value"));
        assert!(!format!("{s:?} {s} {:?}", Some(&s)).contains("s3cr3t"));
        assert_eq!(s.expose(), "s3cr3t-value");
        #[derive(Debug)]
        #[expect(dead_code, reason = "read only through Debug")]
        struct Creds {
            user: String,
            password: Redacted<String>,
        }
        let c = Creds { user: "bob".into(), password: "pw-123456".to_string().into() };
        let shown = format!("{c:?}");
        assert!(shown.contains("bob") && !shown.contains("pw-123456"), "{shown}");
    }
}
