//! Provider shapes as each provider documents them, and the rules added for issue 13 (Bedrock keys,
//! GitLab session cookies and feed tokens, Slack variants, curl credentials, API-key headers). Tokens
//! are look-alikes generated for this test.

use seawall_secrets::scan_text;

/// Deterministic pseudo-random characters from `alphabet` (so that fixtures are random-looking).
fn rand(alphabet: &str, n: usize, seed: u64) -> String {
    let a = alphabet.as_bytes();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[(x % a.len() as u64) as usize] as char
        })
        .collect()
}

const B62: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

fn ids(path: &str, text: &str) -> Vec<String> {
    scan_text(path, None, text).into_iter().map(|f| f.id).collect()
}

#[test]
fn hugging_face_tokens_have_34_characters() {
    let t = rand(B62, 34, 1);
    assert_eq!(ids("a.sh", &format!("huggingface-cli login --token hf_{t}")), ["SW-SEC-001"]);
    // (outside an assignment, so that the generic rule does not apply)
    assert!(ids("a.py", &format!("print('hf_{}')", &t[..33])).is_empty());
    assert!(ids("a.py", &format!("print('hf_{t}Q')")).is_empty());
    assert_eq!(ids("a.py", &format!("print('hf_{t}')")), ["SW-SEC-001"]);
    assert_eq!(
        ids("a.py", &format!("x = 'api_org_{}'", rand("abcdefghijklmnopqrstuvwxyzABCDEF", 34, 2))),
        ["SW-SEC-001"]
    );
}

#[test]
fn anthropic_keys_follow_the_documented_layout() {
    let body = rand(&format!("{B62}_-"), 93, 3);
    assert_eq!(ids(".env", &format!("ANTHROPIC_API_KEY=sk-ant-api03-{body}AA\n")), ["SW-SEC-003"]);
    assert_eq!(ids(".env", &format!("ADMIN=sk-ant-admin01-{body}AA\n")), ["SW-SEC-003"]);
    // a shorter body or a missing `AA` is not an Anthropic key (nor an OpenAI one)
    assert!(!ids(".env", &format!("K=sk-ant-api03-{}\n", &body[..60])).contains(&"SW-SEC-003".to_string()));
    assert!(!ids(".env", &format!("K=sk-ant-api03-{body}ZZ\n")).contains(&"SW-SEC-003".to_string()));
}

#[test]
fn slack_tokens_need_numeric_ids_and_a_random_part() {
    let bot = format!("xoxb-{}-{}-{}", "2384029347", "5820394812734", rand(B62, 24, 4));
    assert_eq!(ids(".env", &format!("SLACK={bot}\n")), ["SW-SEC-023"]);
    let user = format!(
        "xoxp-{}-{}-{}-{}",
        "2384029347",
        "2384029348",
        "5820394812734",
        rand("0123456789abcdef", 32, 5)
    );
    assert_eq!(ids(".env", &format!("SLACK={user}\n")), ["SW-SEC-023"]);
    let legacy = format!("xoxo-{}-{}-{}-{}", "523423", "234234", "234234", rand("0123456789abcdef", 30, 6));
    assert_eq!(ids("notes.txt", &legacy), ["SW-SEC-023"]);
    for ph in [
        "SLACK=xoxb-abcdef-abcdef\n",
        "SLACK=xoxb-YourBotAccessTokenHere\n",
        "SLACK=xoxb-2384029347-5820394812734-SlackBotAccessTokenHere\n",
        "SLACK=xoxb-####-####-####\n",
        "SLACK=xoxp-xxxxxxxxx-xxxx\n",
    ] {
        assert!(ids(".env", ph).is_empty(), "{ph}");
    }
}

#[test]
fn slack_webhooks_http_https_and_workflows() {
    let path =
        format!("T{}/B{}/{}", rand("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 8, 7), "0DD08H5G", rand(B62, 24, 8));
    assert_eq!(ids("a.sh", &format!("curl -X POST https://hooks.slack.com/services/{path}")), ["SW-SEC-023"]);
    assert_eq!(ids("a.sh", &format!("URL=http://hooks.slack.com/services/{path}")), ["SW-SEC-023"]);
    let wf = format!("T016M3G1GHZ/A04J3BAF7AA/442660231806210747/{}", rand(B62, 24, 9));
    assert_eq!(ids("a.sh", &format!("URL=https://hooks.slack.com/workflows/{wf}")), ["SW-SEC-023"]);
    assert!(
        ids("a.md", "POST to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")
            .is_empty()
    );
}

#[test]
fn gitlab_session_cookies_and_feed_tokens() {
    let cookie = rand("abcdefghijklmnopqrstuvwxyz0123456789", 32, 10);
    assert_eq!(ids("req.txt", &format!("Cookie: _gitlab_session={cookie}; other=1")), ["SW-SEC-022"]);
    assert_eq!(
        ids(
            "feed.txt",
            &format!("https://gitlab.acme.dev/dashboard/projects.atom?feed_token=glft-{}", rand(B62, 20, 11))
        ),
        ["SW-SEC-022"]
    );
    assert_eq!(ids("ff.yaml", &format!("client: glffct-{}\n", rand(B62, 20, 12))), ["SW-SEC-022"]);
}

#[test]
fn amazon_bedrock_api_keys_long_and_short_term() {
    let long = format!("ABSKQmVkcm9ja0FQSUtleS1{}=", rand(B64, 108, 13));
    assert_eq!(ids(".env", &format!("AWS_BEARER_TOKEN_BEDROCK={long}\n")), ["SW-SEC-036"]);
    let short = format!("bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249{}", rand(B64, 600, 14));
    assert_eq!(ids("run.sh", &format!("export AWS_BEARER_TOKEN_BEDROCK={short}\n")), ["SW-SEC-036"]);
    // the documentation example and a bare prefix are not keys
    let doc = format!("ABSKQmVkcm9ja0FQSUtleS1{}", "EXAMPLE".repeat(16));
    assert!(ids("doc.md", &doc).is_empty());
    assert!(ids("doc.md", "keys start with bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t").is_empty());
}

#[test]
fn curl_user_passwords() {
    let pw = rand(B62, 14, 15);
    assert_eq!(
        ids("backup.sh", &format!("curl --cacert ca.crt -u elastic:{pw} https://es:9200/_snapshot")),
        ["SW-SEC-037"]
    );
    assert_eq!(
        ids("backup.sh", &format!("curl -s --user 'api:{pw}' \\\n    https://api.mailgun.net/v3/x")),
        ["SW-SEC-037"]
    );
    assert_eq!(
        ids(
            "backup.sh",
            &format!("curl -k -X POST https://h:11222/rest \\\n  -d 'world' \\\n  -u developer:{pw}")
        ),
        ["SW-SEC-037"]
    );
    assert_eq!(
        ids("api.sh", &format!("curl -u \":{}\" https://api.acme.dev", rand(B62, 24, 16))),
        ["SW-SEC-037"]
    );
    for neg in [
        "curl -u \"$ES_USER:$ES_PASSWORD\" https://es:9200",
        "curl -u admin:changeme https://localhost:9200",
        "curl -u user:password https://localhost:9200",
        "curl -u elasticsearchadmin https://es:9200",
        "curl -u <user>:<password> https://es:9200",
    ] {
        assert!(ids("a.sh", neg).is_empty(), "{neg}");
    }
}

#[test]
fn api_key_headers() {
    let k = rand(B62, 22, 17);
    assert_eq!(ids("a.sh", &format!("curl -X POST --header \"Api-Token: {k}\" https://x")), ["SW-SEC-038"]);
    assert_eq!(
        ids("a.sh", &format!("curl -H 'X-Octopus-ApiKey: API-{}' https://x", rand(B62, 27, 18))),
        ["SW-SEC-038"]
    );
    assert_eq!(ids("a.sh", &format!("curl -H \"Authorization: Api-Token {k}\" https://x")), ["SW-SEC-038"]);
    for neg in [
        "curl -H \"X-Api-Key: $API_KEY\" https://x",
        "curl -H \"Content-Type: application/x-www-form-urlencoded\" https://x",
        "curl -H 'Accept-Encoding: gzip, deflate, br' https://x",
        "curl -H \"X-Api-Key: <your-api-key>\" https://x",
    ] {
        assert!(ids("a.sh", neg).is_empty(), "{neg}");
    }
}

const HEX: &str = "0123456789abcdef";
const UPPER_DIGITS: &str = "ABCDEFGHJKLMNPQRSTVWXYZ0123456789";

#[test]
fn one_password_service_account_tokens_and_secret_keys() {
    use base64::Engine as _;
    let doc = format!(
        r#"{{"signInAddress":"acme.1password.com","userAuth":{{"method":"SRPg-4096","alg":"PBES2g-HS256","iterations":650000,"salt":"{}"}},"email":"{}@1passwordserviceaccounts.com","srpX":"{}","muk":{{"alg":"A256GCM","k":"{}"}},"secretKey":"A3-{}"}}"#,
        rand(B62, 22, 20),
        rand("abcdefghijklmnopqrstuvwxyz0123456789", 13, 21),
        rand(HEX, 64, 22),
        rand(B62, 43, 23),
        rand(UPPER_DIGITS, 32, 24)
    );
    let token = format!("ops_{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(doc));
    assert_eq!(ids(".env", &format!("export OP_SERVICE_ACCOUNT_TOKEN={token}\n")), ["SW-SEC-039"]);
    // truncated in documentation, or masked
    assert!(
        ids("README.md", "export OP_SERVICE_ACCOUNT_TOKEN=ops_eyJzaWduSW5BZGRyZXNzIjoiaHR0cHM6...")
            .is_empty()
    );
    assert!(ids("README.md", &format!("ops_eyJ{}", "x".repeat(300))).is_empty());
    let g = |n, seed| rand(UPPER_DIGITS, n, seed);
    let key = format!("A3-{}-{}-{}-{}-{}", g(6, 25), g(11, 26), g(5, 27), g(5, 28), g(5, 29));
    assert_eq!(ids("notes.txt", &format!("secret key {key}")), ["SW-SEC-039"]);
    let key6 = format!("A3-{}-{}-{}-{}-{}-{}", g(6, 30), g(6, 31), g(5, 32), g(5, 33), g(5, 34), g(5, 35));
    assert_eq!(ids("notes.txt", &format!("secret key {key6}")), ["SW-SEC-039"]);
    assert!(ids("notes.txt", "A3-XXXXXX-XXXXXXXXXXX-XXXXX-XXXXX-XXXXX").is_empty());
}

#[test]
fn easypost_production_and_test_keys() {
    let live = format!("EZAK{}", rand(B62, 54, 40));
    let f = scan_text("ship.py", None, &format!("client = easypost.EasyPostClient(\"{live}\")"));
    assert_eq!(
        f.iter().map(|f| (f.id.as_str(), f.severity)).collect::<Vec<_>>(),
        [("SW-SEC-040", seawall_core::Severity::High)]
    );
    let test = format!("EZTK{}", rand(B62, 54, 41));
    let f = scan_text("ship.py", None, &format!("KEY = '{test}'"));
    assert_eq!(
        f.iter().map(|f| (f.id.as_str(), f.severity)).collect::<Vec<_>>(),
        [("SW-SEC-040", seawall_core::Severity::Medium)]
    );
    // inside a longer base64 run it is not a key
    assert!(ids("blob.txt", &format!("...6wqX6fNUXA/rYqRvfQ+{live}/3VmWq/edti6...")).is_empty());
}

#[test]
fn facebook_app_secrets_and_access_tokens() {
    assert_eq!(
        ids("settings.py", &format!("FACEBOOK_APP_SECRET = \"{}\"", rand(HEX, 32, 50))),
        ["SW-SEC-041"]
    );
    assert_eq!(
        ids(
            "resp.json",
            &format!("{{\"facebook access_token\":\"{}|{}\"}}", "911602140448729", rand(B62, 27, 51))
        ),
        ["SW-SEC-041"]
    );
    let page = format!("EAAM{}", rand(B62, 180, 52));
    assert_eq!(ids("deploy.yaml", &format!("- name: FB_PAGE\n  value: \"{page}\"\n")), ["SW-SEC-041"]);
    // a checksum that starts with `eaac` is not a token
    assert!(ids("yarn.lock", &format!("  checksum: eaac{}\n", rand(HEX, 124, 53))).is_empty());
}

#[test]
fn fly_io_tokens() {
    let oauth = format!("fo1_{}", rand(&format!("{B62}_-"), 43, 60));
    assert_eq!(ids("notes.txt", &format!("Fly access token: {oauth}\n")), ["SW-SEC-042"]);
    let macaroon = format!("fm2_{}==", rand(B64, 300, 61));
    assert_eq!(ids("Dockerfile", &format!("ENV FLY_API_TOKEN=\"FlyV1 {macaroon}\"\n")), ["SW-SEC-042"]);
    assert!(ids("main.tf", "  api_key = \"fo1_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n").is_empty());
    // glued to other letters (a Rails authenticity token that contains `Fo1_`)
    assert!(ids("page.html", &format!("value=\"7SWa-Fo1_{}\"", rand(B62, 60, 62))).is_empty());
}

#[test]
fn notion_integration_tokens() {
    let t = format!("ntn_{}{}", "45647615172", rand(B62, 35, 70));
    assert_eq!(ids("sync.py", &format!("notion = Client(auth=\"{t}\")")), ["SW-SEC-043"]);
    assert!(ids("doc.md", "ntn_12345678901").is_empty());
    assert!(ids("doc.md", &format!("ntn_{}", "1234567890".repeat(6))).is_empty());
}

#[test]
fn sentry_org_user_and_legacy_tokens() {
    use base64::Engine as _;
    let json = format!(
        r#"{{"iat":1729278581.081153,"url":"https://sentry.io","region_url":"https://us.sentry.io","org":"{}"}}"#,
        rand("abcdefghijklmnopqrstuvwxyz", 8, 80)
    );
    let org =
        format!("sntrys_{}_{}", base64::engine::general_purpose::STANDARD.encode(json), rand(B62, 43, 81));
    assert_eq!(ids(".sentryclirc", &format!("[auth]\ntoken={org}\n")), ["SW-SEC-044"]);
    let user = format!("sntryu_{}", rand(HEX, 64, 82));
    assert_eq!(ids("ci.sh", &format!("export SENTRY_AUTH_TOKEN={user}\n")), ["SW-SEC-044"]);
    assert_eq!(ids("ci.sh", &format!("sentry_auth_token: {}\n", rand(HEX, 64, 83))), ["SW-SEC-044"]);
    // no encoded JSON, or a wrong length
    assert!(ids("x.txt", &format!("sntrys_{}_{}", rand(B62, 90, 84), rand(B62, 43, 85))).is_empty());
    assert!(ids("x.txt", &format!("sntryu_{}", rand(HEX, 63, 86))).is_empty());
}

#[test]
fn intra42_client_secrets() {
    let s = format!("s-s4t2ud-{}", rand(HEX, 64, 90));
    assert_eq!(ids("main.go", &format!("clientSecret := \"{s}\"")), ["SW-SEC-045"]);
    assert!(ids("main.go", "clientSecret := \"s-s4t2ud-...\"").is_empty());
}

#[test]
fn nuget_config_clear_text_passwords() {
    let pw = rand(B62, 52, 100);
    let config = format!(
        "<configuration>\n  <packageSourceCredentials>\n    <Contoso>\n      <add key=\"Username\" value=\"ci@contoso.com\" />\n      <add key=\"ClearTextPassword\" value=\"{pw}\" />\n    </Contoso>\n  </packageSourceCredentials>\n</configuration>\n"
    );
    assert_eq!(ids("NuGet.Config", &config), ["SW-SEC-046"]);
    assert_eq!(ids("nuget.config", &format!("<add key=\"Password\" value=\"{pw}\" />")), ["SW-SEC-046"]);
    // environment references and too-short values
    assert!(ids("nuget.config", "<add key=\"ClearTextPassword\" value=\"%FEED_TOKEN%\" />").is_empty());
    assert!(ids("nuget.config", "<add key=\"ClearTextPassword\" value=\"abc\" />").is_empty());
    // `Password` is only read in NuGet.Config files
    assert!(ids("some.xml", &format!("<add key=\"Password\" value=\"{pw}\" />")).is_empty());
}

#[test]
fn kubernetes_secret_manifests() {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let pw = b64(&rand(&format!("{B62}!$*"), 16, 110));
    let after = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-user-pass\ntype: Opaque\ndata:\n  # the data is base64\n  username: {}\n  password: {pw}\n",
        b64("mlflow")
    );
    let f = scan_text("secret.yaml", None, &after);
    assert_eq!(f.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["SW-SEC-047"]);
    assert_eq!(f[0].details.get("key").map(String::as_str), Some("password"));
    // `data` before `kind`, tab indentation, quoted values, block scalars
    let before = format!("apiVersion: v1\ndata:\n\tpassword: '{pw}'\nkind: 'Secret'\nmetadata:\n\tname: x\n");
    assert_eq!(ids("secret.yml", &before), ["SW-SEC-047"]);
    let block = format!("apiVersion: v1\nkind: Secret\ndata:\n  token: |\n    {pw}\n");
    assert_eq!(ids("secret.yml", &block), ["SW-SEC-047"]);
    let string_data = format!("kind: Secret\nstringData:\n  api-key: \"{}\"\n", rand(B62, 24, 111));
    assert_eq!(ids("secret.yml", &string_data), ["SW-SEC-047"]);
    // placeholders, names, certificates, templates, other kinds, other documents
    for neg in [
        format!("kind: Secret\ndata:\n  password: {}\n  user: {}\n", b64("mypassword"), b64("admin")),
        format!(
            "kind: Secret\ndata:\n  ca.crt: {}\n",
            b64("-----BEGIN CERTIFICATE-----\nMIIDxDCCAqygAwIBAgIU\n-----END CERTIFICATE-----\n")
        ),
        "kind: Secret\ndata:\n  password: {{ .Values.password | b64enc }}\n".to_string(),
    ] {
        assert!(ids("secret.yaml", &neg).is_empty(), "{neg}");
    }
    // not a Secret (the generic rule still judges the `password` name)
    for other in [
        format!("kind: ConfigMap\ndata:\n  blob: {pw}\n"),
        format!("kind: Secret\nmetadata:\n  name: x\n---\nkind: ConfigMap\ndata:\n  blob: {pw}\n"),
    ] {
        assert!(ids("cm.yaml", &other).is_empty(), "{other}");
    }
}

#[test]
fn telegram_bot_tokens() {
    let t = format!("{}:A{}", "23280887", rand(&format!("{B62}_-"), 34, 120));
    assert_eq!(ids("bot.yaml", &format!("telegram bot: {t}\n")), ["SW-SEC-048"]);
    assert_eq!(
        ids("notify.sh", &format!("curl https://api.telegram.org/bot{t}/sendMessage")),
        ["SW-SEC-048"]
    );
    assert_eq!(ids(".env", &format!("TELEGRAM_BOT_TOKEN={t}\n")), ["SW-SEC-048"]);
}
