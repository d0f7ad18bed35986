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
