//! Name-based detection of secret-carrying variables (`HF_TOKEN`, `POSTGRES_PASSWORD`, …).
//!
//! Only the *name* decides here; recognising secret *values* is the job of `seawall-secrets`.

/// True when a variable name looks like it carries a credential.
pub(crate) fn is_secret_name(name: &str) -> bool {
    // camelCase keys (`adminPassword`, `apiKey`) split like snake_case ones
    let mut snake = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            snake.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        snake.push(c);
    }
    let n = snake.to_ascii_uppercase();
    const NOT_SECRET_SUFFIX: &[&str] = &[
        "_FILE",
        "_PATH",
        "_DIR",
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_HOST",
        "_PORT",
        "_ENABLED",
        "_ENABLE",
        "_LENGTH",
        "_TTL",
        "_EXPIRY",
        "_EXPIRES",
        "_HEADER",
        "_NAME",
        "_TYPE",
        "_ID",
        "_USER",
        "_USERNAME",
        "_REGION",
        "_METHOD",
        "_MODE",
        "_TIMEOUT",
        "_SIZE",
        "_COUNT",
        "_POLICY",
        "_FORMAT",
        "_VERSION",
        "_LOCATION",
        "_USERS",
        "_USER_LIST",
        "_PROVIDER",
        "_ALGORITHM",
        "_SCOPE",
        "_SCOPES",
        "_REQUIRED",
        "_AUTH_METHOD",
    ];
    if NOT_SECRET_SUFFIX.iter().any(|s| n.ends_with(s)) {
        return false;
    }
    let parts: Vec<&str> = n.split(['_', '-', '.']).collect();
    let has = |p: &str| parts.contains(&p);
    has("TOKEN")
        || has("SECRET")
        || has("PASSWORD")
        || has("PASSWD")
        || has("PASS")
        || has("PWD") && !n.eq("PWD") && !n.eq("OLDPWD")
        || has("APIKEY")
        || has("CREDENTIALS")
        || has("CREDENTIAL")
        || has("PRIVATE") && has("KEY")
        || has("API") && has("KEY")
        || has("ACCESS") && has("KEY")
        || has("AUTH") && has("KEY")
        || n.ends_with("SECRET_KEY")
        || n.ends_with("_TOKEN")
        || n.ends_with("TOKEN")
}

/// True when a `name=value` pair is a literal credential: a secret-like name with a literal value.
/// Numbers assigned to `*TOKEN*` names are token *counts* (LLM settings), not tokens; a
/// `*CREDENTIALS` variable holding a path (`GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json`)
/// names a file, not a credential.
pub(crate) fn is_secret_literal(name: &str, value: &str) -> bool {
    if !is_secret_name(name) || !is_literal_value(value) {
        return false;
    }
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let upper = name.to_ascii_uppercase();
    if (upper.contains("CREDENTIAL") || upper.ends_with("_KEY") || upper.contains("SECRET"))
        && (v.starts_with('/') || v.starts_with("./") || v.starts_with("~/"))
        && !v.contains(' ')
    {
        return false;
    }
    let n = name.to_ascii_uppercase();
    let numeric = value.trim().trim_matches(|c| c == '"' || c == '\'').chars().all(|c| c.is_ascii_digit());
    let token_only = n.contains("TOKEN") && !["PASS", "SECRET", "KEY", "PWD"].iter().any(|k| n.contains(k));
    !(numeric && token_only)
}

/// True when a value is a real literal (not empty, not a `$VAR`/`${VAR}` reference, not a boolean,
/// not a path to a mounted secret file).
pub(crate) fn is_literal_value(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return false;
    }
    if v.starts_with('$') || v.starts_with("/run/secrets/") || v.starts_with("/var/run/secrets/") {
        return false;
    }
    if matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "0" | "1" | "null" | "none"
    ) {
        return false;
    }
    true
}

/// `ALLOW_EMPTY_PASSWORD=yes` (Bitnami), `POSTGRES_HOST_AUTH_METHOD=trust`,
/// `MYSQL_ALLOW_EMPTY_PASSWORD=yes`: the datastore starts without authentication.
pub(crate) fn is_empty_password_switch(name: &str, value: &str) -> bool {
    let n = name.to_ascii_uppercase();
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'').to_ascii_lowercase();
    let yes = matches!(v.as_str(), "yes" | "true" | "1");
    (n.ends_with("ALLOW_EMPTY_PASSWORD") && yes) || (n == "POSTGRES_HOST_AUTH_METHOD" && v == "trust")
}

/// A command-line flag carrying a literal secret (`redis-server --requirepass s3cret`,
/// `--password=x`), returned as the flag name; references (`$REDIS_PASSWORD`) are fine.
pub(crate) fn literal_flag_secret(words: &[String]) -> Option<String> {
    const FLAGS: &[&str] = &["--requirepass", "--masterauth", "--password", "--api-key", "--token"];
    for (i, w) in words.iter().enumerate() {
        for f in FLAGS {
            let value = if let Some(v) = w.strip_prefix(&format!("{f}=")) {
                Some(v.to_string())
            } else if w == f {
                words.get(i + 1).cloned()
            } else {
                None
            };
            if let Some(v) = value
                && is_literal_value(&v)
                && !v.contains("${")
                && !v.starts_with('-')
            {
                return Some((*f).to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "HF_TOKEN",
            "HUGGING_FACE_HUB_TOKEN",
            "WANDB_API_KEY",
            "OPENAI_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "POSTGRES_PASSWORD",
            "MINIO_ROOT_PASSWORD",
            "JUPYTER_TOKEN",
            "DB_PASS",
            "GITHUB_TOKEN",
            "SECRET_KEY",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "PATH",
            "PWD",
            "TOKENIZERS_PARALLELISM",
            "HF_TOKEN_FILE",
            "PASSWORD_FILE",
            "MODEL_NAME",
            "AWS_ACCESS_KEY_ID",
            "POSTGRES_USER",
            "SECRET_PATH",
            "CUDA_VISIBLE_DEVICES",
            "KEYCLOAK_URL",
            "MLFLOW_TRACKING_PASSWORD_LOCATION",
            "JUPYTERHUB_ADMIN_USERS",
            "OAUTH_ALLOWED_USERS",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn token_counts_are_not_tokens() {
        assert!(!is_secret_literal("TOKEN_LIMIT", "4096"));
        assert!(!is_secret_literal("MAX_TOTAL_TOKENS", "8192"));
        assert!(!is_secret_literal("DEFAULT_TOKEN", "512"));
        assert!(is_secret_literal("HF_TOKEN", "hf_abc123"));
        assert!(is_secret_literal("DB_PASSWORD", "123456"));
        assert!(!is_secret_literal("MODEL_NAME", "llama"));
        assert!(!is_secret_literal("GOOGLE_APPLICATION_CREDENTIALS", "/var/secrets/google/key.json"));
        assert!(is_secret_literal("GOOGLE_APPLICATION_CREDENTIALS", "{\"type\": \"service_account\"}"));
    }

    #[test]
    fn switches_and_flags() {
        assert!(is_empty_password_switch("ALLOW_EMPTY_PASSWORD", "yes"));
        assert!(is_empty_password_switch("POSTGRES_HOST_AUTH_METHOD", "trust"));
        assert!(!is_empty_password_switch("ALLOW_EMPTY_PASSWORD", "no"));
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            literal_flag_secret(&w("redis-server --requirepass s3cret")).as_deref(),
            Some("--requirepass")
        );
        assert_eq!(literal_flag_secret(&w("redis-server --requirepass $REDIS_PASSWORD")), None);
        assert_eq!(literal_flag_secret(&w("redis-server --save 60")), None);
    }

    #[test]
    fn literals() {
        assert!(is_literal_value("hf_abcdef"));
        assert!(is_literal_value("\"changeme\""));
        assert!(!is_literal_value(""));
        assert!(!is_literal_value("${HF_TOKEN}"));
        assert!(!is_literal_value("$HF_TOKEN"));
        assert!(!is_literal_value("/run/secrets/hf"));
        assert!(!is_literal_value("true"));
    }
}
