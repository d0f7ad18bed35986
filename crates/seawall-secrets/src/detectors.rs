//! Detector definitions: keywords for the prefilter, patterns for the candidate windows, and the
//! validation applied to each match.
//!
//! Every pattern must contain (case-insensitively) one of its detector's keywords inside any match, so
//! that a window of `max_len` bytes on each side of a keyword hit contains every possible match.
//! Patterns name the secret part `(?P<s>…)` and optionally a non-secret context `(?P<k>…)` (a variable
//! name, a key type), reported as `details["key"]`.

/// What the character next to a match must not be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Boundary {
    /// No constraint.
    Any,
    /// Not an ASCII letter or digit.
    Alnum,
    /// Not a letter, digit, `_` or `-`.
    Token,
    /// Not a base64 character (`A-Za-z0-9+/=`).
    Base64,
    /// Not a letter, digit, `+` or `/`: outside a base64 run, but after a `=` (`?t=EZAK…`).
    Base64Body,
}

impl Boundary {
    pub(crate) fn allows(self, b: Option<u8>) -> bool {
        let Some(b) = b else { return true };
        match self {
            Boundary::Any => true,
            Boundary::Alnum => !b.is_ascii_alphanumeric(),
            Boundary::Token => !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            Boundary::Base64 => !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')),
            Boundary::Base64Body => !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/')),
        }
    }
}

/// The validation applied to a match's secret.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Check {
    /// Not a documentation placeholder, and at least this many bits of entropy per byte.
    Random(f64),
    /// OpenAI: not Anthropic, and either the `T3BlbkFJ` marker or a long random tail.
    OpenAi,
    /// JWT: header decodes to JSON with `alg`.
    Jwt,
    /// Docker `auth`: base64 of `user:password` with a real password.
    DockerAuth,
    /// PEM/OpenSSH/PGP: a real base64 body follows the header; the secret extends to the END line.
    Pem,
    /// Free-form password (URL, `.netrc`): not a placeholder, template or default.
    Password,
    /// `Authorization` header value (`Basic` decoded and checked like a password).
    AuthHeader(f64),
    /// Slack: the random part after the numeric ids (or the webhook path) is not a placeholder
    /// (`xoxb-abcdef-abcdef`, `…AccessTokenHere`, `####`).
    Slack,
    /// An HTTP header whose name (the `k` group) says it carries a credential, with a random value.
    ApiHeader,
    /// `Authorization: Basic`: the value must be base64 of `user:password` with a real password (a JWT or
    /// an opaque token sent as `Basic` is not HTTP Basic credentials).
    BasicAuth,
    /// Kubernetes `kind: Secret`: the secret is the first credential among the document's `data:` (base64)
    /// and `stringData:` values, found procedurally around the match.
    KubernetesSecret,
}

/// One detector family member.
#[derive(Debug, Clone)]
pub(crate) struct DetectorSpec {
    /// Rule id in [`crate::RULES`].
    pub(crate) rule: &'static str,
    /// Prefilter keywords (matched ASCII case-insensitively).
    pub(crate) keywords: &'static [&'static str],
    /// File names (last path component, lower case) whose whole content is searched with the patterns
    /// even without a keyword hit.
    pub(crate) file_names: &'static [&'static str],
    /// Patterns (regex syntax, ASCII, bytes).
    pub(crate) patterns: Vec<String>,
    /// Longest match the patterns can produce (also the window on each side of a keyword hit).
    pub(crate) max_len: usize,
    /// Constraint on the byte before the match.
    pub(crate) left: Boundary,
    /// Constraint on the byte after the secret.
    pub(crate) right: Boundary,
    /// Validation.
    pub(crate) check: Check,
    /// Overlap resolution: lower wins.
    pub(crate) priority: u8,
    /// Values that read as names (`GenericForSequenceClassification`, `mlflow.trace.tokenUsage`) are
    /// not secrets: for detectors whose shape is only a length and an alphabet.
    pub(crate) reject_words: bool,
}

/// A context pattern: a name containing `name` assigned (`=`, `:`, `=>`, a call argument) a value of shape
/// `value`.
fn ctx(name: &str, value: &str) -> String {
    format!(
        r#"(?i)(?P<k>[a-z0-9_.]*{name}[a-z0-9_.]*)["']?\s*(?:=>|:=|[:=]|\(\s*(?:[a-z_]+\s*=\s*)?)\s*["']?(?-i:(?P<s>{value}))"#
    )
}

fn prefixed(
    rule: &'static str,
    keywords: &'static [&'static str],
    patterns: &[&str],
    min_entropy: f64,
) -> DetectorSpec {
    DetectorSpec {
        rule,
        keywords,
        file_names: &[],
        patterns: patterns.iter().map(|p| (*p).to_string()).collect(),
        max_len: 300,
        left: Boundary::Alnum,
        right: Boundary::Alnum,
        check: Check::Random(min_entropy),
        priority: 10,
        reject_words: false,
    }
}

fn contextual(
    rule: &'static str,
    keywords: &'static [&'static str],
    patterns: Vec<String>,
    min_entropy: f64,
) -> DetectorSpec {
    DetectorSpec {
        rule,
        keywords,
        file_names: &[],
        patterns,
        max_len: 300,
        left: Boundary::Any,
        right: Boundary::Alnum,
        check: Check::Random(min_entropy),
        priority: 20,
        reject_words: true,
    }
}

/// All regex-based detectors. The generic assignment detector is procedural (see `generic.rs`).
pub(crate) fn all() -> Vec<DetectorSpec> {
    let mut d = vec![
        // Hugging Face user tokens are `hf_` and 34 letters/digits; organisation tokens `api_org_` and 34 letters.
        prefixed("SW-SEC-001", &["hf_", "api_org_"], &[r"(?P<s>hf_[A-Za-z0-9]{34}|api_org_[A-Za-z]{34})"], 3.0),
        DetectorSpec {
            check: Check::OpenAi,
            right: Boundary::Token,
            ..prefixed("SW-SEC-002", &["sk-"], &[r"(?P<s>sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,250})"], 3.0)
        },
        DetectorSpec {
            right: Boundary::Token,
            priority: 9,
            // Anthropic's layout: `sk-ant-api03-` / `sk-ant-admin01-`, 93 characters, then `AA`.
            ..prefixed("SW-SEC-003", &["sk-ant-"], &[r"(?P<s>sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{93}AA)"], 3.0)
        },
        contextual(
            "SW-SEC-004",
            &["wandb"],
            vec![
                ctx("wandb", r"(?:local-)?[a-f0-9]{40}"),
                r"(?i)machine\s+(?P<k>api\.wandb\.ai)\s+login\s+\S+\s+password\s+(?P<s>(?:local-)?[a-f0-9]{40})".into(),
            ],
            3.0,
        ),
        DetectorSpec {
            file_names: &["kaggle.json"],
            ..contextual(
                "SW-SEC-005",
                &["kaggle"],
                vec![
                    ctx("kaggle_?key", "[a-f0-9]{32}"),
                    r#"(?P<k>"key")\s*:\s*"(?P<s>[a-f0-9]{32})""#.into(),
                ],
                3.0,
            )
        },
        prefixed("SW-SEC-006", &["r8_"], &[r"(?P<s>r8_[A-Za-z0-9]{37})"], 3.0),
        contextual("SW-SEC-007", &["cohere", "co_api_key"], vec![ctx("(?:cohere|co_api_key)", "[A-Za-z0-9]{40}")], 3.5),
        prefixed("SW-SEC-008", &["gsk_"], &[r"(?P<s>gsk_[A-Za-z0-9]{52})"], 3.5),
        prefixed(
            "SW-SEC-009",
            &["lsv2_", "ls__"],
            &[r"(?P<s>lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})", r"(?P<s>ls__[a-f0-9]{32})"],
            3.0,
        ),
        prefixed("SW-SEC-010", &["pcsk_"], &[r"(?P<s>pcsk_[A-Za-z0-9]{4,10}_[A-Za-z0-9]{40,90})"], 3.5),
        contextual(
            "SW-SEC-010",
            &["pinecone"],
            vec![ctx("pinecone", "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}")],
            3.0,
        ),
        contextual("SW-SEC-011", &["comet"], vec![ctx("comet", "[A-Za-z0-9]{25}")], 3.5),
        DetectorSpec {
            left: Boundary::Alnum,
            right: Boundary::Base64,
            max_len: 800,
            ..prefixed("SW-SEC-012", &["eyjhcglfywrkcmvzcyi6"], &[r"(?P<s>eyJhcGlfYWRkcmVzcyI6[A-Za-z0-9+/_-]{40,700}={0,2})"], 3.5)
        },
        contextual("SW-SEC-013", &["mistral"], vec![ctx("mistral", "[A-Za-z0-9]{32}")], 3.5),
        DetectorSpec {
            right: Boundary::Token,
            ..prefixed("SW-SEC-014", &["tgp_v1_"], &[r"(?P<s>tgp_v1_[A-Za-z0-9_-]{40,50})"], 3.5)
        },
        contextual("SW-SEC-014", &["together"], vec![ctx("together", "[a-f0-9]{64}")], 3.0),
        prefixed("SW-SEC-015", &["dapi"], &[r"(?P<s>dapi[a-f0-9]{32}(?:-[0-9])?)"], 3.0),
        prefixed(
            "SW-SEC-016",
            &["akia", "asia", "abia", "acca", "a3t"],
            &[r"(?P<s>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})"],
            2.5,
        ),
        DetectorSpec {
            right: Boundary::Base64,
            ..contextual(
                "SW-SEC-017",
                &["aws_secret", "secret_access_key", "secretaccesskey", "aws_secret_key"],
                vec![
                    r#"(?i)(?P<k>[a-z0-9_]*secret_?access_?key|aws_?secret(?:_?key)?)["']?(?:\s*(?:=>|[:=])\s*|\s+)["']?(?-i:(?P<s>[A-Za-z0-9/+]{40}))"#.into(),
                ],
                3.5,
            )
        },
        DetectorSpec {
            right: Boundary::Any,
            priority: 10,
            ..contextual(
                "SW-SEC-018",
                &["private_key_id"],
                vec![r#"(?P<k>"private_key_id")\s*:\s*"(?P<s>[a-f0-9]{40})""#.into()],
                3.0,
            )
        },
        DetectorSpec {
            right: Boundary::Token,
            ..prefixed(
                "SW-SEC-019",
                &["aiza", "gocspx-"],
                &[r"(?P<s>AIza[0-9A-Za-z_-]{35})", r"(?P<s>GOCSPX-[A-Za-z0-9_-]{28})"],
                3.0,
            )
        },
        DetectorSpec {
            left: Boundary::Any,
            right: Boundary::Any,
            max_len: 600,
            ..prefixed(
                "SW-SEC-020",
                &["accountkey=", "sharedaccesskey=", "sv=20"],
                &[
                    r"(?i)(?P<k>AccountKey)=(?-i:(?P<s>[A-Za-z0-9+/]{86}==))",
                    r"(?i)(?P<k>SharedAccessKey)=(?-i:(?P<s>[A-Za-z0-9+/]{42,44}=))",
                    r#"sv=20[0-9]{2}-[0-9]{2}-[0-9]{2}&[^\s"'<>]{0,400}?(?P<k>sig)=(?P<s>[A-Za-z0-9%+/]{40,120})"#,
                ],
                3.0,
            )
        },
        DetectorSpec {
            left: Boundary::Token,
            right: Boundary::Token,
            ..prefixed("SW-SEC-020", &["q~"], &[r"(?P<s>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})"], 3.5)
        },
        prefixed(
            "SW-SEC-021",
            &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
            &[r"(?P<s>gh[pousr]_[A-Za-z0-9]{36,251})", r"(?P<s>github_pat_[A-Za-z0-9_]{82})"],
            3.0,
        ),
        DetectorSpec {
            right: Boundary::Token,
            ..prefixed(
                "SW-SEC-022",
                &[
                    "glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "glsoat-", "glft-", "glimt-", "glagent-",
                    "glffct-", "gr1348941", "_gitlab_session=",
                ],
                &[
                    r"(?P<s>glpat-[A-Za-z0-9_-]{20,300}(?:\.[A-Za-z0-9]{2}\.?[a-z0-9]{7,9})?)",
                    r"(?P<s>(?:gldt|glrt|glptt|glcbt|gloas|glsoat|glft|glimt|glagent|glffct)-[A-Za-z0-9_-]{20,300})",
                    r"(?P<s>GR1348941[A-Za-z0-9_-]{20})",
                    // session cookie
                    r"(?P<k>_gitlab_session)=(?P<s>[0-9a-z]{32})",
                ],
                3.0,
            )
        },
        DetectorSpec {
            right: Boundary::Token,
            check: Check::Slack,
            ..prefixed(
                "SW-SEC-023",
                &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxo-", "xoxe", "xapp-", "hooks.slack.com"],
                &[
                    // Slack's documented shapes: numeric team/user ids, then the random part.
                    r"(?P<s>xoxb-[0-9]{8,14}-(?:[0-9]{8,14}-)?[A-Za-z0-9]{18,34})",
                    r"(?P<s>xox[pe]-(?:[0-9]{8,14}-){3}[A-Za-z0-9]{28,34})",
                    r"(?P<s>xox[ar]-(?:[0-9]-)?(?:[0-9]{8,14}-){0,3}[A-Za-z0-9]{8,48})",
                    r"(?P<s>xox[os]-[0-9]{1,14}-[0-9]{1,14}-[0-9]{1,14}-[A-Fa-f0-9]{8,64})",
                    r"(?P<s>xoxe\.xox[bp]-[0-9]-[A-Za-z0-9]{163,166})",
                    r"(?P<s>xoxe-[0-9]-[A-Za-z0-9]{146})",
                    r"(?P<s>xapp-[0-9]-[A-Za-z0-9]{6,14}-[0-9]{6,16}-[A-Za-z0-9]{20,80})",
                    // incoming, workflow and trigger webhooks, https or http, with or without the scheme
                    r"(?P<k>hooks\.slack\.com)/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9+/]{40,90})",
                ],
                3.0,
            )
        },
        prefixed(
            "SW-SEC-024",
            &["sk_live_", "rk_live_", "sk_test_", "rk_test_"],
            &[r"(?P<s>[sr]k_(?:live|test)_[A-Za-z0-9]{20,247})"],
            3.0,
        ),
        prefixed("SW-SEC-025", &["npm_"], &[r"(?P<s>npm_[A-Za-z0-9]{36})"], 3.0),
        DetectorSpec {
            right: Boundary::Base64,
            ..contextual(
                "SW-SEC-025",
                &["_authtoken"],
                vec![r#"(?i)(?P<k>_authToken)\s*=\s*["']?(?P<s>[A-Za-z0-9._\-+/=]{20,200})"#.into()],
                3.0,
            )
        },
        DetectorSpec {
            right: Boundary::Token,
            max_len: 600,
            ..prefixed(
                "SW-SEC-026",
                &["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
                &[r"(?P<s>pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,500})"],
                3.0,
            )
        },
        DetectorSpec {
            right: Boundary::Token,
            ..prefixed("SW-SEC-027", &["dckr_pat_", "dckr_oat_"], &[r"(?P<s>dckr_(?:pat|oat)_[A-Za-z0-9_-]{24,40})"], 3.0)
        },
        DetectorSpec {
            left: Boundary::Any,
            right: Boundary::Any,
            check: Check::DockerAuth,
            max_len: 600,
            ..prefixed("SW-SEC-028", &["\"auth\""], &[r#"(?P<k>"auth")\s*:\s*"(?P<s>[A-Za-z0-9+/]{6,500}={0,2})""#], 0.0)
        },
        DetectorSpec {
            left: Boundary::Token,
            right: Boundary::Token,
            check: Check::Jwt,
            priority: 30,
            max_len: 4096,
            ..prefixed("SW-SEC-029", &["eyj"], &[r"(?P<s>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})"], 0.0)
        },
        DetectorSpec {
            left: Boundary::Any,
            right: Boundary::Any,
            check: Check::Pem,
            max_len: 200,
            ..prefixed(
                "SW-SEC-030",
                &["private key"],
                &[r"-----BEGIN (?P<k>(?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----"],
                0.0,
            )
        },
        DetectorSpec {
            left: Boundary::Alnum,
            right: Boundary::Any,
            check: Check::Password,
            priority: 40,
            max_len: 400,
            ..prefixed(
                "SW-SEC-031",
                &["postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "mssql", "sqlserver", "clickhouse", "cockroachdb", "oracle"],
                &[
                    r#"(?i)(?P<k>(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse|cockroachdb|oracle)(?:\+[a-z0-9]+)?)://[^:/\s@"'<>]{0,100}:(?P<s>[^@/\s"'<>]{1,200})@[^\s"'<>/]+"#,
                ],
                0.0,
            )
        },
        DetectorSpec {
            left: Boundary::Alnum,
            right: Boundary::Any,
            check: Check::Password,
            priority: 50,
            max_len: 400,
            ..prefixed(
                "SW-SEC-032",
                &["://"],
                &[r#"(?i)(?P<k>[a-z][a-z0-9+.-]{1,20})://[^:/\s@"'<>]{1,100}:(?P<s>[^@/\s"'<>]{1,200})@[A-Za-z0-9][A-Za-z0-9.-]*"#],
                0.0,
            )
        },
        DetectorSpec {
            left: Boundary::Alnum,
            right: Boundary::Any,
            check: Check::Password,
            priority: 45,
            ..prefixed(
                "SW-SEC-033",
                &["machine"],
                &[r#"machine\s+(?P<k>[^\s]{1,100})(?:\s+login\s+[^\s]{1,100})?\s+password\s+(?P<s>[^\s"']{1,200})"#],
                0.0,
            )
        },
        DetectorSpec {
            left: Boundary::Any,
            right: Boundary::Base64,
            priority: 55,
            check: Check::AuthHeader(3.3),
            ..prefixed(
                "SW-SEC-034",
                &["authorization", "bearer"],
                &[
                    r#"(?i)(?P<k>authorization)["']?\s*[:=]\s*["']?(?:bearer|token)\s+(?-i:(?P<s>[A-Za-z0-9._~+/-]{16,}=*))"#,
                    r"(?i)\b(?P<k>bearer)\s+(?-i:(?P<s>[A-Za-z0-9._~+/-]{20,}=*))",
                ],
                3.3,
            )
        },
        // `Authorization: Basic …`: base64 of `user:password` (RFC 7617), nothing else.
        DetectorSpec {
            left: Boundary::Any,
            right: Boundary::Base64,
            priority: 55,
            check: Check::BasicAuth,
            ..prefixed(
                "SW-SEC-034",
                &["authorization"],
                &[r#"(?i)(?P<k>authorization)["']?\s*[:=]\s*["']?basic\s+(?-i:(?P<s>[A-Za-z0-9._~+/-]{16,}=*))"#],
                0.0,
            )
        },
        DetectorSpec {
            right: Boundary::Base64,
            max_len: 3100,
            ..prefixed(
                "SW-SEC-036",
                &["absk", "bedrock-api-key-"],
                &[
                    // long-term: `ABSK` + base64("BedrockAPIKey-…")
                    r"(?P<s>ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{80,280}={0,2})",
                    // short-term: `bedrock-api-key-` + base64("bedrock.amazonaws.com/?Action=…")
                    r"(?P<s>bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%_-]{40,3000})",
                ],
                3.0,
            )
        },
        // curl -u user:password (also --user, quoted, on continuation lines of the same command)
        DetectorSpec {
            left: Boundary::Alnum,
            right: Boundary::Any,
            check: Check::Password,
            priority: 35,
            max_len: 700,
            ..prefixed(
                "SW-SEC-037",
                &["curl"],
                &[
                    r#"curl(?:[^\n]|\\\r?\n){0,400}?\s(?:-u|--user)(?:=|[ \t]{1,5})["']?(?P<k>[^\s:"'$]{1,100})["']?:["']?(?P<s>[^\s"']{3,200})"#,
                ],
                0.0,
            )
        },
        // curl -u :apikey / -u apikey: (the key alone as password or user name)
        DetectorSpec {
            left: Boundary::Alnum,
            right: Boundary::Any,
            priority: 36,
            max_len: 700,
            reject_words: true,
            ..prefixed(
                "SW-SEC-037",
                &["curl"],
                &[
                    r#"curl(?:[^\n]|\\\r?\n){0,400}?\s(?:-u|--user)(?:=|[ \t]{1,5})["']?:(?P<s>[^\s:"'$]{12,200})["']?(?:\s|$)"#,
                    r#"curl(?:[^\n]|\\\r?\n){0,400}?\s(?:-u|--user)(?:=|[ \t]{1,5})["']?(?P<s>[^\s:"'$]{12,200}):["']?(?:\s|$)"#,
                ],
                3.0,
            )
        },
        // -H "Api-Token: …", --header 'X-Octopus-ApiKey: …'
        DetectorSpec {
            left: Boundary::Any,
            right: Boundary::Any,
            check: Check::ApiHeader,
            priority: 56,
            max_len: 400,
            ..prefixed(
                "SW-SEC-038",
                &["-h ", "--header"],
                &[
                    r#"(?:-H|--header)(?:=|[ \t]{1,5})["'](?P<k>[A-Za-z][A-Za-z0-9-]{1,40})[ \t]*:[ \t]*(?:(?:Api-?Token|Token|Key|ApiKey)[ \t]+)?(?P<s>[^\s"']{8,300})["']"#,
                ],
                3.0,
            )
        },
        // 1Password service account tokens: `ops_` + base64 of a JSON document (`{"signInAddress":…`).
        DetectorSpec {
            right: Boundary::Base64,
            max_len: 2400,
            ..prefixed("SW-SEC-039", &["ops_eyj"], &[r"(?P<s>ops_eyJ[A-Za-z0-9+/_-]{250,2000}={0,3})"], 4.0)
        },
        // 1Password Secret Keys: `A3-` + account id (6) + 26 characters in groups (11|6-5, 5, 5, 5).
        DetectorSpec {
            left: Boundary::Token,
            right: Boundary::Token,
            max_len: 48,
            ..prefixed(
                "SW-SEC-039",
                &["a3-"],
                &[r"(?P<s>A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})"],
                3.0,
            )
        },
        // EasyPost production (`EZAK`) and test (`EZTK`) keys: 54 letters or digits.
        DetectorSpec {
            left: Boundary::Base64Body,
            right: Boundary::Base64Body,
            ..prefixed("SW-SEC-040", &["ezak", "eztk"], &[r"(?P<s>EZ[AT]K[A-Za-z0-9]{54})"], 3.5)
        },
        // Facebook app secrets (32 hex next to the name) and app access tokens `APP_ID|…`.
        contextual(
            "SW-SEC-041",
            &["facebook"],
            vec![
                ctx("facebook", "[a-f0-9]{32}"),
                r#"(?i)(?P<k>facebook)[^\n]{0,40}?[\s"':=](?-i:(?P<s>[0-9]{15,16}(?:\||%7[Cc])[A-Za-z0-9_-]{27,40}))"#.into(),
            ],
            3.0,
        ),
        // Facebook user and page access tokens: `EAA` + app-type letter + 100 or more letters and digits.
        DetectorSpec {
            max_len: 600,
            ..prefixed("SW-SEC-041", &["eaab", "eaac", "eaag", "eaam"], &[r"(?P<s>EAA[BCGM][A-Za-z0-9]{100,500})"], 4.0)
        },
        // Fly.io: `fo1_` OAuth tokens (43), `fm1a_`/`fm1r_`/`fm2_` macaroons (base64).
        DetectorSpec {
            right: Boundary::Token,
            ..prefixed("SW-SEC-042", &["fo1_"], &[r"(?P<s>fo1_[A-Za-z0-9_-]{43})"], 3.5)
        },
        DetectorSpec {
            right: Boundary::Base64,
            max_len: 3000,
            ..prefixed("SW-SEC-042", &["fm1a_", "fm1r_", "fm2_"], &[r"(?P<s>(?:fm1[ar]|fm2)_[A-Za-z0-9+/]{100,2800}={0,3})"], 4.0)
        },
        // Notion integration tokens: `ntn_` + 11 digits + 35 letters and digits.
        prefixed("SW-SEC-043", &["ntn_"], &[r"(?P<s>ntn_[0-9]{11}[A-Za-z0-9]{35})"], 3.5),
        // Sentry organization tokens (`sntrys_` + base64 JSON with `iat` and `region_url` + `_` + 43),
        // user tokens (`sntryu_` + 64 hex), and 64-hex legacy tokens next to a `sentry` name.
        DetectorSpec {
            right: Boundary::Base64,
            max_len: 600,
            ..prefixed(
                "SW-SEC-044",
                &["sntrys_eyjpyxqio", "sntryu_"],
                &[
                    r"(?P<s>sntrys_eyJpYXQiO[A-Za-z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)[A-Za-z0-9+/]{10,200}={0,2}_[A-Za-z0-9+/]{43})",
                    r"(?P<s>sntryu_[a-f0-9]{64})",
                ],
                3.5,
            )
        },
        contextual("SW-SEC-044", &["sentry"], vec![ctx("sentry", "[a-f0-9]{64}")], 3.0),
        // 42 Intra OAuth application secrets.
        prefixed("SW-SEC-045", &["s-s4t2ud-", "s-s4t2af-"], &[r"(?P<s>s-s4t2(?:ud|af)-[a-f0-9]{64})"], 3.0),
        // NuGet.Config `packageSourceCredentials`: `<add key="ClearTextPassword" value="…" />`.
        DetectorSpec {
            file_names: &["nuget.config"],
            left: Boundary::Any,
            right: Boundary::Any,
            check: Check::Password,
            ..prefixed(
                "SW-SEC-046",
                &["cleartextpassword"],
                &[r#"(?i)<add\s+key\s*=\s*"(?P<k>(?:ClearText)?Password)"\s+value\s*=\s*"(?-i:(?P<s>[^"\s]{1,200}))"\s*/?>"#],
                0.0,
            )
        },
        // Kubernetes `kind: Secret` manifests: the data values are found procedurally in the document.
        DetectorSpec {
            left: Boundary::Any,
            right: Boundary::Any,
            check: Check::KubernetesSecret,
            max_len: 64,
            ..prefixed("SW-SEC-047", &["kind:"], &[r#"(?im)\bkind:[ \t]*["']?secret["']?[ \t]*(?:#[^\n]*)?\r?$"#], 0.0)
        },
        // Telegram bot tokens (`<bot id>:A…`, 34–35 characters after the colon) next to a `telegram` name
        // or in a Bot API URL (`api.telegram.org/bot<token>/…`).
        DetectorSpec {
            right: Boundary::Token,
            ..contextual(
                "SW-SEC-048",
                &["telegr"],
                vec![
                    r"(?i)(?P<k>[a-z0-9_.]*telegr[a-z0-9_.]*)[^\n]{0,40}?(?:[^0-9A-Za-z]|/bot)(?-i:(?P<s>[0-9]{5,16}:A[A-Za-z0-9_-]{33,34}))"
                        .into(),
                ],
                3.0,
            )
        },
    ];
    // PEM: the secret is the body, found procedurally after the header.
    for spec in &mut d {
        if spec.check == Check::Pem {
            spec.priority = 10;
        }
    }
    d
}

/// Keywords of the procedural generic-assignment detector (secret-like variable names).
pub(crate) const GENERIC_KEYWORDS: &[&str] = &[
    "passw",
    "passphrase",
    "pwd",
    "_pass",
    "pass_",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "auth_key",
    "authkey",
    "credential",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detector_has_a_rule_and_keywords() {
        for d in all() {
            assert!(crate::rules::rule(d.rule).is_some(), "{}", d.rule);
            assert!(!d.keywords.is_empty() || !d.file_names.is_empty());
            assert!(!d.patterns.is_empty());
            for k in d.keywords {
                assert_eq!(k.to_ascii_lowercase(), *k, "keywords are lower case: {k}");
            }
        }
    }

    #[test]
    fn boundaries() {
        assert!(Boundary::Alnum.allows(Some(b'_')));
        assert!(!Boundary::Token.allows(Some(b'_')));
        assert!(!Boundary::Base64.allows(Some(b'=')));
        assert!(Boundary::Any.allows(Some(b'a')));
        assert!(Boundary::Alnum.allows(None));
    }
}
