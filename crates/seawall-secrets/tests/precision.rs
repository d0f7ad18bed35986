//! Regression fixtures for the precision classes of issue 13 (secrets half): the code that ML images
//! really contain. Every sample is a look-alike written for this test (no third-party file is copied).

use seawall_secrets::scan_text;

/// A random-looking value that passes the generic rule's entropy and class thresholds.
const V: &str = "Zq3v8LmT2pRx9WkBq8Zt";

fn ids(path: &str, text: &str) -> Vec<String> {
    scan_text(path, None, text).into_iter().map(|f| f.id).collect()
}

fn none(path: &str, text: &str) {
    let f = scan_text(path, None, text);
    assert!(
        f.is_empty(),
        "{path}: {text:?} gave {:?}",
        f.iter().map(|f| (&f.id, &f.redacted)).collect::<Vec<_>>()
    );
}

#[test]
fn hugging_face_model_ids_are_not_secrets() {
    none(
        "modeling.py",
        r#"_CHECKPOINT_FOR_TOKEN_CLASSIFICATION = "acme-nlp/bert-large-cased-finetuned-ner-english""#,
    );
    none("conf.py", r#"tokenizer_secret_model = "dbmdz/bert-base-cased""#);
    none("values.yaml", "hf_model_token: meta-llama/Llama-3.1-8B-Instruct\n");
    none("test_client.py", r#"    "token-classification": "xyzlab/roberta-large-conll03-english","#);
}

#[test]
fn names_where_token_or_key_is_not_the_secret() {
    // random-looking values, so that only the name decides
    none("constants.py", r#"_CHECKPOINT_TOKEN_CLASSIFICATION = "Kq3v8LmT2pRx9WkB""#);
    none("constants.py", r#"_TOKEN_USAGE_METADATA_KEY = "Kq3v8LmT2pRx9WkB""#);
    none("test_client.py", r#"    "token-classification": "Kq3v8LmT2pRx9WkB","#);
    none("constants.py", r#"SPECIAL_TOKENS_ATTRIBUTES_MAP = "Kq3v8LmT2pRx9WkB""#);
    none("config.py", r#"TOKEN_COUNT_FIELD = "Kq3v8LmT2pRx9WkB""#);
    // a modifier after the secret word keeps the name secret-like
    assert_eq!(ids("settings.py", &format!("API_TOKEN_PROD = \"{V}\"")), ["SW-SEC-035"]);
    assert_eq!(ids("settings.py", &format!("api_key_v2 = \"{V}\"")), ["SW-SEC-035"]);
    assert_eq!(ids(".env", &format!("SECRET_KEY_BASE={V}")), ["SW-SEC-035"]);
}

#[test]
fn placeholders_that_repeat_the_name_word_are_not_secrets() {
    none("crypto.py", r#"#   3. Run: acmeflow crypto rotate-kek --new-passphrase "NEW_PASSPHRASE""#);
    none("crypto.py", "        $ export ACME_KEK_PASSPHRASE=\"old-passphrase\"\n");
    none("crypto.py", "            --from-literal=passphrase='new-passphrase' \\\n");
    none("crypto.py", r#"DEFAULT_KEK_PASSPHRASE = "acme-default-kek-passphrase-for-development-only""#);
    none("test_dotenv.py", r#"        "PASSWORD": "p@ss#word","#);
    none("test_page.py", r#"TOKEN = "synthetic:token/+=""#);
    // a real value for the same names is still found
    assert_eq!(ids("crypto.py", &format!("ACME_KEK_PASSPHRASE = \"{V}\"")), ["SW-SEC-035"]);
}

#[test]
fn fixed_dummy_values_are_not_secrets() {
    none("gateway_utils.py", r#"        api_key="acmeflow-gateway-auth","#);
    none(
        "test_auth.py",
        r#"_save_token(TOKEN, "oauth_token", refresh_token="rt_with_%_inside", expires_at=1)"#,
    );
    none("client.py", r#"openai_api_key = "not-needed-for-local""#);
}

#[test]
fn values_are_not_read_across_a_string_boundary() {
    none(
        "bundle.js",
        r#"DefaultRestParameter:"Unexpected token =",DuplicateBinding:"Duplicate binding %0",DuplicateConstructor:"x""#,
    );
    none("msg.py", r#"raise ValueError("bad token = " + repr(x) + "Kq3v8LmT2pRx9WkB")"#);
}

#[test]
fn minified_javascript_bundles_are_not_secrets() {
    none(
        "5181.chunk.js",
        r#"brackets:[{token:"delimiter.bracket",open:"{"},{token:"string.delimiter",next:"@pop"},{token:"comment.block.documentation",next:"@doubleQuoted"},{token:"keyword.tag-addhandler",open:"addhandler"}]"#,
    );
}

#[test]
fn real_words_are_identifiers_whatever_their_vowels() {
    none("consts.py", r#"PASSWORD_PROMPT_SECRET = "strength.rhythm.crypt""#);
    none("consts.py", r#"mlflow_token = "mlflow.strngs.dbmdz""#);
}

#[test]
fn provider_context_rules_ignore_class_names() {
    none(
        "modeling_mistral.py",
        "class MistralForSequenceClassification(GenericForSequenceClassification, MistralPreTrainedModel):\n",
    );
    none("modular.py", "class MistralLarge4ForConditionalGeneration(Mistral3ForConditionalGeneration):\n");
    // a real Mistral key is still found
    assert_eq!(ids(".env", "MISTRAL_API_KEY=Qm3vTcLdX9PaZrKsN2UjHgFe7iCoBqLx\n"), ["SW-SEC-013"]);
}

#[test]
fn test_values_named_as_such_are_not_secrets() {
    none("x_test.go", r#"nonMatchingToken := "1n2b5ucyi2gt1eaw""#);
    none("x_test.go", r#"invalidApiKey := "Kq3v8LmT2pRx9WkB""#);
    // an app-only bearer token starts with a run of `A`s and is still a secret
    let bearer = format!("{}{}", "A".repeat(22), "Yeetuc7ROSceP6V4wQLjmwg0OoafW7DcX3xIXf4rxb0kZrm");
    assert_eq!(ids(".env", &format!("TWITTER_TOKEN={bearer}\n")), ["SW-SEC-035"]);
}

#[test]
fn assignment_syntaxes_of_many_languages() {
    let cases = [
        ("main.go", format!("var sentryToken string = \"{V}\"")),
        ("main.go", format!("sentryToken := `{V}`")),
        ("Main.kt", format!("val apiToken: String = \"{V}\"")),
        ("index.php", format!("$sentryToken .= \"{V}\";")),
        ("App.java", format!("System.setProperty(\"SENTRY_TOKEN\", \"{V}\");")),
        ("Makefile", format!("SENTRY_TOKEN ::= \"{V}\"")),
        ("Makefile", format!("SENTRY_TOKEN :::= \"{V}\"")),
        ("Makefile", format!("SENTRY_TOKEN ?= \"{V}\"")),
        ("app.config", format!("<sentryToken>\n    {V}\n</sentryToken>")),
        ("config.json", format!("{{\"config.ini\": \"SENTRY_TOKEN={V}\\nBACKUP_ENABLED=true\"}}")),
        ("config.json", "{\"api_token\": \"Zq3v8LmT\\/2pRx9WkBq8Zt\"}".to_string()),
        ("pipeline.conf", format!("  \"sentryToken\" => \"{V}\"")),
    ];
    for (path, text) in cases {
        assert_eq!(ids(path, &text), ["SW-SEC-035"], "{path}: {text}");
    }
    // comparisons, paths and scope operators are not assignments
    none("main.go", &format!("if sentryToken == \"{V}\" {{"));
    none("lib.rs", &format!("let x = Config::TOKEN::{V};"));
}

#[test]
fn malformed_provider_tokens_under_a_provider_name_are_not_secrets() {
    // Telegram bot tokens are `<5–16 digit id>:A` + 33–34 characters: a shorter id, a longer id, or a
    // prefix / suffix glued to the random part is not a Telegram token, nor a generic secret.
    let tail = "h15lg1t3ssd_iej9t3uytj_5n1c2q9xyu2";
    for bad in [
        format!("8923:A{tail}"),
        format!("24085104325853324:A{tail}"),
        format!("93371949:Ahello{tail}"),
        format!("93371949:A-some-other-thing-{tail}"),
        format!("93371949:A{tail}-some-other-thing"),
        format!("93371949:A_{tail}_"),
    ] {
        none("bot.py", &format!("telegram_api_token = \"{bad}\""));
    }
    assert_eq!(ids("bot.py", &format!("telegram_api_token = \"93371949:A{tail}\"")), ["SW-SEC-048"]);
    // Meraki keys are 40 lower-case hex digits
    none(
        "meraki.yaml",
        "meraki_token = 5cb4a5f04cd412fe946667b17f0129ba17aeb2e0c7b5b7264efcebf7d022bfe2R21\n",
    );
    none("meraki.yaml", "meraki-api-key: acdeFf05b1a6d4c890237bf08c5e6e8d2b4d0f2e\n");
    assert_eq!(
        ids("meraki.yaml", "meraki_api_key: 9f3c0e7ab41d58c2e6f09b7a3d1c54e8f2a06b9d\n"),
        ["SW-SEC-035"]
    );
    // Mailchimp keys end in `-us<data centre>`
    none("mc.py", &format!("MAILCHIMP_API_KEY = \"{V}\""));
    assert_eq!(ids("mc.py", "MAILCHIMP_API_KEY = \"b5b9f8e50c640da28993e8b6a48e3e53-us18\""), ["SW-SEC-035"]);
}

#[test]
fn minified_js_hex_api_keys_are_browser_sdk_keys() {
    none("app.min.js", r#"e.init({},apiKey:"6fe4476ee5a1832882e326b506d14126",serverZone:"EU"})"#);
    none("app.min.js", r#"{apiKey:"9a1c0e7ab41d58c2e6f09b7a3d1c54e8"}"#);
    // a non-hex key, an assignment with blanks, or a secret name is still reported
    assert_eq!(ids("app.min.js", &format!(",apiKey:\"{V}\",")), ["SW-SEC-035"]);
    assert_eq!(ids("config.js", "const apiKey = \"6fe4476ee5a1832882e326b506d14126\";"), ["SW-SEC-035"]);
    assert_eq!(ids("app.min.js", r#",clientSecret:"6fe4476ee5a1832882e326b506d14126","#), ["SW-SEC-035"]);
}

#[test]
fn jwt_sent_as_basic_credentials_is_not_basic_auth() {
    use base64::Engine as _;
    let b64url = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let jwt = |payload: &str| {
        format!(
            "{}.{}.kvRPfjAhLhtRTczoRgctVGp7KY1QVH3UBZM-gM0x8ec",
            b64url(r#"{"alg":"HS256","typ":"JWT"}"#),
            b64url(payload)
        )
    };
    // `Basic` must be base64 of user:password; a signed document without any claim about a bearer
    // (`{"confidence":0.8}`) is not a bearer token either
    let doc = jwt(r#"{"confidence":0.8}"#);
    none("call.sh", &format!("curl -X POST -H \"Authorization: Basic {doc}\" https://api.acme.dev/score"));
    none("call.sh", &format!("curl -H \"Authorization: Basic {}\" https://x", "Zq3v8LmT2pRx9WkBq8Zt"));
    // real Basic credentials, and JWTs that identify a subject, are still found
    let basic = base64::engine::general_purpose::STANDARD.encode("mlops:Zq3v8LmT2pRx");
    assert_eq!(
        ids("call.sh", &format!("curl -H \"Authorization: Basic {basic}\" https://x")),
        ["SW-SEC-034"]
    );
    let session = jwt(r#"{"sub":"svc-trainer","iat":1716239022}"#);
    assert_eq!(
        ids("call.sh", &format!("curl -H \"Authorization: Basic {session}\" https://x")),
        ["SW-SEC-029"]
    );
    assert_eq!(ids("notes.txt", &jwt(r#"{"user_id":42}"#)), ["SW-SEC-029"]);
}

#[test]
fn xml_qualified_type_names_are_not_secrets() {
    none("schema.txt", r#"token:"clm98233:AgencyIdentificationCodeContentType""#);
    none("types.ts", r#"const token = "xsd12:QualifiedAccountIdentifierType";"#);
}

#[test]
fn documented_nuget_example_passwords_are_not_secrets() {
    none("NuGet.Config", r#"<add key="ClearTextPassword" value="33f!!lloppa" />"#);
    none("NuGet.Config", r#"<add key="ClearTextPassword" value="hal+9ooo_da!sY" />"#);
}
