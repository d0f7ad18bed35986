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
