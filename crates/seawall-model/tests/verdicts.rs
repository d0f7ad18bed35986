//! Verdict regression tests (issue 13): false verdicts on benign constructs and the remaining
//! misses, each built as bytes in the test.

mod common;

use common::*;
use seawall_core::Severity;

fn high(o: &seawall_model::ScanOutput) -> bool {
    o.max_severity().is_some_and(|s| s >= Severity::High)
}

#[test]
fn pure_builtins_called_on_data_are_benign() {
    // len("abc"), max((1, 2)), sorted([..]) — as pickled by `functools`-free model metadata
    for p in [
        &b"\x80\x02c__builtin__\nlen\nX\x03\x00\x00\x00abc\x85R."[..],
        b"\x80\x04\x8c\x08builtins\x8c\x03max\x93K\x01K\x02\x86\x85R.",
        b"\x80\x04\x8c\x08builtins\x8c\x06sorted\x93](K\x03K\x01e\x85R.",
    ] {
        let o = scan("meta.pkl", p);
        assert!(o.findings.is_empty(), "{:?}", ids(&o));
    }
    // the same builtins applied to objects built at load time are not data
    let p = b"\x80\x04\x8c\x08builtins\x8c\x03len\x93\x8c\x02os\x8c\x06system\x93\x85R.";
    let o = scan("evil.pkl", p);
    assert!(high(&o), "{:?}", ids(&o));
}

#[test]
fn collections_abc_and_future_are_benign() {
    let p = b"\x80\x04(\x8c\x0fcollections.abc\x8c\x07Mapping\x93\x8c\n__future__\x8c\x08_Feature\x93l.";
    let o = scan("types.pkl", p);
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
}

#[test]
fn stacked_pickles_share_the_unpickler_memo() {
    // pickle 1 memoizes os.system and stops; pickle 2 GETs memo 0 and calls it: an Unpickler that
    // loads both (one memo across load() calls) runs os.system
    let mut p = b"\x80\x02cos\nsystem\nq\x00.".to_vec();
    p.extend_from_slice(b"\x80\x02h\x00X\x02\x00\x00\x00id\x85R.");
    let o = scan("stream.pkl", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    assert!(
        o.findings.iter().any(|f| f.opcode_offset.is_some_and(|x| x > 14) && f.id == EXEC),
        "{:?}",
        ids(&o)
    );
}

#[test]
fn partial_of_an_allowlisted_callable_is_benign() {
    // functools.partial(numpy.dtype) built the way partial.__reduce__ pickles it:
    // REDUCE(partial, (f,)) then BUILD((f, args, kwargs, dict))
    let p = b"\x80\x02cfunctools\npartial\ncnumpy\ndtype\n\x85R(cnumpy\ndtype\n(X\x02\x00\x00\x00f8tNNtb.";
    let o = scan("ft.pkl", p);
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    // a partial of a dangerous callable: the callable is judged (as a reference, and as a call if
    // the partial is called while loading)
    let p = b"\x80\x02cfunctools\npartial\ncos\nsystem\n\x85R.";
    let o = scan("p.pkl", p);
    assert!(has(&o, DANGER_REF, "os.system"), "{:?}", ids(&o));
    let p = b"\x80\x02cfunctools\npartial\ncos\nsystem\n\x85RX\x02\x00\x00\x00id\x85R.";
    let o = scan("p2.pkl", p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // a partial whose function is set by BUILD: the BUILD function is the one called
    let p = b"\x80\x02cfunctools\npartial\ncnumpy\ndtype\n\x85R(cos\nsystem\n)NNtbX\x02\x00\x00\x00id\x85R.";
    let o = scan("p3.pkl", p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // a partial of a callable obtained at load time is a gadget
    let p = b"\x80\x02cfunctools\npartial\ncbuiltins\ngetattr\ncos\n\x85X\x06\x00\x00\x00system\x86R\x85R.";
    let o = scan("p4.pkl", p);
    assert!(high(&o), "{:?}", ids(&o));
}

/// The legacy `torch.save` layout: magic, protocol, sys_info, object, storage keys, raw storages.
fn legacy_torch(storage: &[u8]) -> Vec<u8> {
    let mut p = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.".to_vec();
    p.extend_from_slice(b"\x80\x02M\xe9\x03.");
    p.extend_from_slice(b"\x80\x02}q\x00X\x10\x00\x00\x00protocol_versionq\x01M\xe9\x03s.");
    p.extend_from_slice(STATE_DICT);
    p.extend_from_slice(b"\x80\x02]q\x00X\x01\x00\x00\x000q\x01a.");
    p.extend_from_slice(&(storage.len() as u64 / 4).to_le_bytes());
    p.extend_from_slice(storage);
    p
}

#[test]
fn legacy_torch_raw_storages_are_never_pickles() {
    // storage bytes that happen to look like a pickle payload
    let mut storage = vec![0u8; 64];
    storage.extend_from_slice(OS_SYSTEM_P2);
    storage.extend(vec![0u8; 64 - OS_SYSTEM_P2.len() % 4]);
    let o = scan("model.pt", &legacy_torch(&storage));
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    assert_eq!(o.models[0].format, "pytorch-legacy");
    // without the magic number the same trailing bytes are probed as before
    let mut p = b"\x80\x02}q\x00.".to_vec();
    p.extend_from_slice(&[0u8; 7]);
    p.extend_from_slice(OS_SYSTEM_P2);
    let o = scan("x.pkl", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

fn keras_v3(config: &str) -> Vec<u8> {
    build_zip(
        &[
            m("metadata.json", "metadata.json", br#"{"keras_version": "3.8.0"}"#),
            m("config.json", "config.json", config.as_bytes()),
            m("model.weights.h5", "model.weights.h5", b"\x89HDF\r\n\x1a\n\x00\x00"),
        ],
        &[],
    )
}

#[test]
fn keras_lambda_with_python_source_is_code() {
    let cfg = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l",
         "function": "lambda x: __import__('os').system('id') or x", "function_type": "raw"}}]}}"#;
    let o = scan("m.keras", &keras_v3(cfg));
    assert!(has(&o, "SW-MODEL-009", ""), "{:?}", ids(&o));
    // Keras 3's serialized lambda
    let cfg = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l",
         "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": null, "closure": null}}}}]}}"#;
    let o = scan("m.keras", &keras_v3(cfg));
    assert!(has(&o, "SW-MODEL-009", ""), "{:?}", ids(&o));
    // a Lambda that names a Keras activation is not code
    let cfg = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l",
         "function": {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"}}}]}}"#;
    let o = scan("m.keras", &keras_v3(cfg));
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
}

#[test]
fn keras_callables_outside_layer_and_activation_namespaces() {
    for (module, name) in [
        ("keras.utils", "get_file"),
        ("keras.src.saving.saving_lib", "load_model"),
        ("keras.src.utils.file_utils", "get_file"),
    ] {
        let cfg = format!(
            r#"{{"module": "keras", "class_name": "Sequential", "config": {{"layers": [
            {{"module": "keras.layers", "class_name": "Dense", "config": {{"name": "d", "units": 1,
              "activation": {{"module": "{module}", "class_name": "function", "config": "{name}", "registered_name": "function"}}}}}}]}}}}"#
        );
        let o = scan("m.keras", &keras_v3(&cfg));
        assert!(has(&o, "SW-MODEL-010", &format!("{module}.{name}")), "{module}: {:?}", ids(&o));
    }
    let cfg = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 1,
         "activation": {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"},
         "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}}}}]}}"#;
    let o = scan("m.keras", &keras_v3(cfg));
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    // TorchModuleWrapper restores a pickled torch module
    let cfg = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {"name": "t", "module": "gAJjb3MKc3lzdGVtCi4="}}]}}"#;
    let o = scan("m.keras", &keras_v3(cfg));
    assert!(high(&o), "{:?}", ids(&o));
}

/// A pickle of a Keras model as `Model.__reduce__` writes it:
/// `getattr(Sequential, "_unpickle_model")({"model_buf": BytesIO(<.keras bytes>)})`.
fn keras_pickle(keras: &[u8]) -> Vec<u8> {
    let mut p = b"\x80\x04".to_vec();
    p.extend_from_slice(b"\x8c\x08builtins\x94\x8c\x07getattr\x94\x93\x94");
    p.extend(short_unicode("keras.src.models.sequential"));
    p.extend_from_slice(b"\x94\x8c\nSequential\x94\x93\x94");
    p.extend_from_slice(b"\x8c\x0f_unpickle_model\x94\x86\x94R\x94");
    p.extend_from_slice(b"}\x94\x8c\tmodel_buf\x94\x8c\x03_io\x94\x8c\x07BytesIO\x94\x93\x94)\x81\x94(");
    p.push(b'B');
    p.extend_from_slice(&(keras.len() as u32).to_le_bytes());
    p.extend_from_slice(keras);
    p.extend_from_slice(b"K\x00Nt\x94bs\x85\x94R\x94.");
    p
}

#[test]
fn keras_own_pickling_hook_is_benign() {
    let clean = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 1}}]}}"#;
    let o = scan("model.pkl", &keras_pickle(&keras_v3(clean)));
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    // the embedded model is scanned: a Lambda inside is found
    let evil = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l",
         "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}}}]}}"#;
    let o = scan("model.pkl", &keras_pickle(&keras_v3(evil)));
    assert!(has(&o, "SW-MODEL-009", ""), "{:?}", ids(&o));
    // _unpickle_model of something that is not Keras stays a gadget
    let p = b"\x80\x04\x8c\x08builtins\x8c\x07getattr\x93\x8c\x06mylib\x8c\x05Model\x93\x8c\x0f_unpickle_model\x86R)R.";
    let o = scan("x.pkl", p);
    assert!(high(&o), "{:?}", ids(&o));
}

#[test]
fn crafted_pickle_structure_is_an_anomaly() {
    // a FRAME whose length ends inside an opcode (fickling's frame-boundary bypass class)
    let p = b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00X\x05\x00\x00\x00hello\x94.";
    let o = scan("f.pkl", p);
    assert!(has(&o, "SW-MODEL-019", ""), "{:?}", ids(&o));
    // a second PROTO in the middle of a pickle
    let p = b"\x80\x04]\x94(K\x01K\x02e\x80\x01\x80\x02.";
    let o = scan("p.pkl", p);
    assert!(has(&o, "SW-MODEL-019", ""), "{:?}", ids(&o));
    // a small frame that ends before STOP (a pickler puts STOP in the frame)
    let o = scan("s.pkl", b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00J\x07\x00\x00\x00.");
    assert!(has(&o, "SW-MODEL-019", ""), "{:?}", ids(&o));
    // a FRAME after unframed opcodes
    let o = scan("u.pkl", b"\x80\x05NNNN0000\x95\x02\x00\x00\x00\x00\x00\x00\x00N.");
    assert!(has(&o, "SW-MODEL-019", ""), "{:?}", ids(&o));
    // what pickle.dumps writes (protocol 5, framed) is not
    let p = b"\x80\x05\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x8c\x05hello\x94.";
    let o = scan("ok.pkl", p);
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
}

#[test]
fn dotted_names_through_module_attributes_are_gadgets() {
    // STACK_GLOBAL("__future__", "_ssl.RAND_bytes"): an attribute path through imported modules
    let mut p = b"\x80\x04".to_vec();
    p.extend(short_unicode("__future__"));
    p.extend(short_unicode("_ssl.RAND_bytes"));
    p.extend_from_slice(b"\x93.");
    let o = scan("d.pkl", &p);
    assert!(high(&o), "{:?}", ids(&o));
    // ast.parse builds code from text
    let o = scan("a.pkl", b"\x80\x04\x8c\x03ast\x8c\x05parse\x93.");
    assert!(high(&o), "{:?}", ids(&o));
}

#[test]
fn pickles_embedded_as_data_are_scanned() {
    // {"hidden_payload": b"<pickle that calls os.system>"}: runs when the application unpickles it
    let mut p = b"\x80\x04}\x94\x8c\x0ehidden_payload\x94".to_vec();
    p.push(b'C');
    p.push(OS_SYSTEM_P2.len() as u8);
    p.extend_from_slice(OS_SYSTEM_P2);
    p.extend_from_slice(b"s.");
    let o = scan("dropper.pkl", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    assert!(o.findings.iter().any(|f| f.location.member.as_deref().is_some_and(|m| m.starts_with('@'))));
    // the same pickle as a base64 or hex string
    use base64::Engine as _;
    for enc in [
        base64::engine::general_purpose::STANDARD.encode(OS_SYSTEM_P2),
        OS_SYSTEM_P2.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    ] {
        let mut p = b"\x80\x04}\x94\x8c\x07payload\x94".to_vec();
        p.extend(binunicode(&enc));
        p.extend_from_slice(b"s.");
        let o = scan("encoded.pkl", &p);
        assert!(has(&o, EXEC, "os.system"), "{enc}: {:?}", ids(&o));
    }
    // bytes that merely start like a pickle are not reported
    let mut p = b"\x80\x04}\x94\x8c\x04blob\x94C\x10\x80\x02".to_vec();
    p.extend_from_slice(&[0xffu8; 14]);
    p.extend_from_slice(b"s.");
    let o = scan("blob.pkl", &p);
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
}

#[test]
fn tf_keras_pickling_hook_is_benign_and_scanned() {
    let clean = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 1}}]}}"#;
    let hook = |keras: &[u8]| {
        let mut p = b"\x80\x04".to_vec();
        p.extend(short_unicode("tf_keras.src.saving.pickle_utils"));
        p.extend(short_unicode("deserialize_model_from_bytecode"));
        p.push(0x93);
        p.push(b'B');
        p.extend_from_slice(&(keras.len() as u32).to_le_bytes());
        p.extend_from_slice(keras);
        p.extend_from_slice(b"\x85R.");
        p
    };
    let o = scan("tfk.pkl", &hook(&keras_v3(clean)));
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    let evil = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l",
         "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}}}]}}"#;
    let o = scan("tfk.pkl", &hook(&keras_v3(evil)));
    assert!(has(&o, "SW-MODEL-009", ""), "{:?}", ids(&o));
}

#[test]
fn keras_metadata_of_a_savedmodel_is_scanned() {
    let cfg = r#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAAAAAA", null, null], "function_type": "lambda"}}]}}"#;
    // KerasMetadata.nodes (field 1) → SavedObject metadata string holding the layer's JSON config
    let mut pb = vec![0x0a];
    let mut inner = vec![0x2a];
    inner.push(cfg.len() as u8);
    inner.extend_from_slice(cfg.as_bytes());
    pb.push(inner.len() as u8);
    pb.extend_from_slice(&inner);
    let o = scan("keras_metadata.pb", &pb);
    assert!(has(&o, "SW-MODEL-009", ""), "{:?}", ids(&o));
}
