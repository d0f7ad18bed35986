//! Regression tests for every scanner-bypass class (picklescan / modelscan / fickling advisories),
//! each built as bytes in the test.

mod common;

use seawall_core::ModelVerdict;
use std::io::Write;

use common::*;
use seawall_core::Severity;

#[test]
fn plain_payload_is_critical() {
    let o = scan("model.pkl", OS_SYSTEM_P2);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    assert_eq!(o.models[0].verdict, ModelVerdict::Unsafe);
    assert_eq!(o.findings[0].opcode_offset, Some(27));
}

#[test]
fn memo_confusion() {
    // PUT os.system at memo 0, POP it, put a harmless global at memo 1, overwrite memo 1 with memo 0,
    // then call memo 1: only exact memo emulation knows the callable is os.system.
    let mut p = b"\x80\x02cos\nsystem\nq\x000c__builtin__\nset\nq\x010h\x00q\x010h\x01".to_vec();
    p.extend(binunicode("id"));
    p.extend_from_slice(b"\x85R.");
    let o = scan("memo.pkl", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // MEMOIZE stores at len(memo), not at the highest index
    let mut p = b"\x80\x04c__builtin__\nset\nr\x10\x00\x00\x00".to_vec();
    p.extend_from_slice(b"0cos\nsystem\n\x94"); // memo[1] (len == 1)
    p.extend_from_slice(b"0h\x01");
    p.extend(short_unicode("id"));
    p.extend_from_slice(b"\x85R.");
    let o = scan("memoize.pkl", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

#[test]
fn dotted_names_protocol4() {
    let mut p = b"\x80\x04\x95\x20\x00\x00\x00\x00\x00\x00\x00".to_vec();
    p.extend(short_unicode("pathlib"));
    p.extend(short_unicode("os.system"));
    p.push(0x93);
    p.extend(short_unicode("id"));
    p.extend_from_slice(b"\x85R.");
    let o = scan("dotted.pkl", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    assert!(o.findings.iter().any(|f| f.message.contains("pathlib.os.system")));
    // an allowlisted module does not make a dotted attribute path safe
    let mut p = b"\x80\x04".to_vec();
    p.extend(short_unicode("torch.nn.modules.linear"));
    p.extend(short_unicode("Linear.__init__.__globals__"));
    p.extend_from_slice(b"\x93.");
    let o = scan("dotted2.pkl", &p);
    assert!(o.max_severity() >= Some(Severity::High), "{:?}", ids(&o));
}

#[test]
fn stacked_pickles_and_junk() {
    let mut p = b"\x80\x02}q\x00.".to_vec();
    p.extend_from_slice(OS_SYSTEM_P2);
    let o = scan("stacked.pkl", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // junk between the pickles: the payload pickle is still found, and no unscannable verdict
    let mut p = b"\x80\x02}q\x00.".to_vec();
    p.extend_from_slice(b"\x00\x01JUNK\xff\xfe garbage \x07");
    p.extend_from_slice(OS_SYSTEM_P2);
    let o = scan("junk.pkl", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    assert!(!has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
    // protocol-0 payload after binary junk
    let mut p = b"\x80\x02]q\x00.".to_vec();
    p.extend_from_slice(&[0x13, 0x37, 0x00, 0xff, 0x80, 0x09]);
    p.extend_from_slice(b"cposix\nsystem\n(S'id'\ntR.");
    let o = scan("junk0.pkl", &p);
    assert!(has(&o, EXEC, "posix.system"), "{:?}", ids(&o));
}

#[test]
fn frame_tricks() {
    // frame lengths that lie (too short, too long, zero) and opcodes straddling frame boundaries
    for len in [0u64, 3, 7, 1 << 40] {
        let mut p = b"\x80\x04\x95".to_vec();
        p.extend_from_slice(&len.to_le_bytes());
        p.extend(short_unicode("os"));
        p.push(0x95);
        p.extend_from_slice(&2u64.to_le_bytes());
        p.extend(short_unicode("system"));
        p.push(0x93);
        p.extend(short_unicode("id"));
        p.extend_from_slice(b"\x85R.");
        let o = scan("frame.pkl", &p);
        assert!(has(&o, EXEC, "os.system"), "len {len}: {:?}", ids(&o));
    }
}

/// A joblib `NumpyArrayWrapper` for a float64 array of `n` elements with alignment padding.
fn joblib_wrapper(n: u8, descr: &str) -> Vec<u8> {
    let mut p = b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\nq\x00)\x81q\x01}q\x02(".to_vec();
    p.extend(binunicode("dtype"));
    p.extend_from_slice(b"cnumpy\ndtype\nq\x03");
    p.extend(binunicode(descr));
    p.extend_from_slice(b"\x89\x88\x87Rq\x04(K\x03");
    p.extend(binunicode("<"));
    p.extend_from_slice(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb");
    p.extend(binunicode("shape"));
    p.extend_from_slice(&[b'K', n, 0x85]);
    p.extend(binunicode("order"));
    p.extend(binunicode("C"));
    p.extend(binunicode("allow_mmap"));
    p.push(0x88);
    p.extend(binunicode("numpy_array_alignment_bytes"));
    p.extend_from_slice(b"K\x10ub");
    p
}

#[test]
fn payload_after_joblib_inline_array() {
    let mut p = joblib_wrapper(4, "f8");
    p.extend_from_slice(&[3, 0xff, 0xff, 0xff]); // padding
    p.extend_from_slice(&[0x80, 0x02, b'c', 0xff, 0x00, b'.', 0x97, 0x13].repeat(4)); // 32 array bytes
    p.extend_from_slice(b"0cos\nsystem\n(X\x02\x00\x00\x00idtR.");
    let o = scan("est.joblib", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    assert!(!has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
    assert_eq!(o.models[0].format, "joblib");
    // benign twin: clean
    let mut p = joblib_wrapper(4, "f8");
    p.extend_from_slice(&[3, 0xff, 0xff, 0xff]);
    p.extend_from_slice(&[0x42; 32]);
    p.push(b'.');
    let o = scan("est.joblib", &p);
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    // object arrays: a nested pickle follows the wrapper
    let mut p = joblib_wrapper(2, "O8");
    p.extend_from_slice(OS_SYSTEM_P2);
    p.push(b'.');
    let o = scan("obj.joblib", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // a wrong shape cannot hide bytes: the stream stops parsing cleanly → unscannable, fail closed
    let mut p = joblib_wrapper(200, "f8");
    p.extend_from_slice(&[0; 10]);
    let o = scan("short.joblib", &p);
    assert!(has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
}

#[test]
fn ext_opcodes() {
    for p in [&b"\x80\x02\x82\x01)R."[..], b"\x80\x02\x83\x01\x02)R.", b"\x80\x02\x84\x01\x00\x00\x01)R."] {
        let o = scan("ext.pkl", p);
        assert!(
            o.findings
                .iter()
                .any(|f| f.id == EXEC && f.callables[0].starts_with("copyreg._extension_registry")),
            "{:?}",
            ids(&o)
        );
    }
}

#[test]
fn getattr_gadgets() {
    for (m, n) in [
        ("operator", "attrgetter"),
        ("operator", "methodcaller"),
        ("functools", "partial"),
        ("pydoc", "locate"),
        ("pkgutil", "resolve_name"),
        ("importlib", "import_module"),
        ("builtins", "__import__"),
        ("builtins", "getattr"),
    ] {
        let mut p = format!("\x28c{m}\n{n}\nS'os.system'\no.").into_bytes();
        p.remove(0);
        let mut q = b"(".to_vec();
        q.extend(p);
        let o = scan("g.pkl", &q);
        assert!(has(&o, GADGET, &format!("{m}.{n}")), "{m}.{n}: {:?}", ids(&o));
    }
    // the callable returned by a gadget is itself called
    let p = b"cbuiltins\ngetattr\n(cos\nenviron\nS'get'\ntR(S'HOME'\ntR.";
    let o = scan("g2.pkl", p);
    assert!(has(&o, EXEC, "os.environ.get"), "{:?}", ids(&o));
    // getattr(__import__('os'), 'system')('id'): no dangerous name in any global, resolved anyway
    let p = b"\x80\x02cbuiltins\ngetattr\ncbuiltins\n__import__\nX\x02\x00\x00\x00os\x85RX\x06\x00\x00\x00system\x86RX\x02\x00\x00\x00id\x85R.";
    let o = scan("g3.pkl", p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // the result of an unknown call is called: still critical
    let o = scan("g4.pkl", b"\x80\x02cmylib\nfactory\n)R)R.");
    assert!(has(&o, EXEC, "<dynamic>"), "{:?}", ids(&o));
}

#[test]
fn build_on_class_and_module() {
    let p = b"\x80\x02ctorch.nn.modules.linear\nLinear\n}(X\x07\x00\x00\x00forwardcos\nsystem\nub.";
    let o = scan("b.pkl", p);
    assert!(has(&o, MUTATE, "torch.nn.modules.linear.Linear"), "{:?}", ids(&o));
    let p = b"\x80\x02cos\nenviron\nX\x03\x00\x00\x00LD_X\x04\x00\x00\x00/tmps.";
    let o = scan("s.pkl", p);
    assert!(has(&o, MUTATE, "os.environ"), "{:?}", ids(&o));
}

#[test]
fn unknown_global_referenced_only_is_medium() {
    let o = scan("u.pkl", b"\x80\x02cmylib.models\nTinyNet\nq\x00)\x81q\x01}q\x02b.");
    assert!(has(&o, UNKNOWN, "mylib.models.TinyNet"), "{:?}", ids(&o));
    assert_eq!(o.max_severity(), Some(Severity::Medium));
    assert_eq!(o.models[0].verdict, ModelVerdict::Suspicious);
    // dangerous global imported but not called: high
    let o = scan("r.pkl", b"\x80\x02cos\nsystem\nq\x00.");
    assert!(has(&o, DANGER_REF, "os.system"), "{:?}", ids(&o));
    // unknown callable called: critical
    let o = scan("c.pkl", b"\x80\x02cmylib\nhelper\n)R.");
    assert!(has(&o, EXEC, "mylib.helper"), "{:?}", ids(&o));
}

#[test]
fn call_through_arguments() {
    // copyreg._reconstructor(cls, base, state) calls base.__new__/__init__
    let o = scan("r.pkl", b"ccopy_reg\n_reconstructor\n(cmylib\nC\ncos\nsystem\nS'id'\ntR.");
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // benign form: base is object
    let o =
        scan("r2.pkl", b"ccopy_reg\n_reconstructor\n(ccollections\nOrderedDict\nc__builtin__\nobject\nNtR.");
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    // torch._tensor._rebuild_from_type_v2(func, type, args, state) calls func(*args)
    let o = scan("t.pkl", b"\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n(cos\nsystem\nctorch\nTensor\nX\x02\x00\x00\x00id\x85}tR.");
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

#[test]
fn inst_and_obj() {
    let o = scan("i.pkl", b"(S'id'\nios\nsystem\n.");
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    let o = scan("o.pkl", b"(cos\nsystem\nS'id'\no.");
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

#[test]
fn fail_closed_but_keeps_findings() {
    let o = scan("t.pkl", b"\x80\x02cos\nsystem\n(X\x02\x00\x00\x00idtR\xff");
    assert!(has(&o, EXEC, "os.system") && has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
    let o = scan("m.pkl", b"\x80\x02}q\x00(X\x01\x00\x00\x00ah\x07u.");
    assert!(o.findings.iter().any(|f| f.id == UNSCANNABLE && f.message.contains("memo")), "{:?}", ids(&o));
    let o = scan("e.pkl", b"\x80\x02}q\x00(X\x01\x00\x00\x00a");
    assert!(has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
    assert_eq!(o.models[0].verdict, ModelVerdict::Unscannable);
}

#[test]
fn protocol0_long_strings_are_detected() {
    let mut p = b"cos\nsystem\n(S'".to_vec();
    p.extend(std::iter::repeat_n(b'a', 3000));
    p.extend_from_slice(b"'\ntR.");
    let o = scan("notes.txt", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

#[test]
fn text_files_are_not_models() {
    for t in [
        &b"import os\nos.system('id')\n"[..],
        b"cat\ndog\nemu\n",
        b"Copyright (c) 2020\n",
        b"(lambda x: x)\n",
    ] {
        let o = scan("x.py", t);
        assert!(o.models.is_empty() && o.findings.is_empty(), "{:?}", ids(&o));
    }
}

// ---------- zip archives ----------

#[test]
fn torch_zip_with_descriptors_is_clean_and_payloads_found() {
    let data = [0u8; 16];
    let z = build_zip(
        &[
            Member {
                descriptor: true,
                flags: 0x800,
                ..m("archive/data.pkl", "archive/data.pkl", STATE_DICT)
            },
            Member { descriptor: true, flags: 0x800, ..m("archive/data/0", "archive/data/0", &data) },
            Member { descriptor: true, flags: 0x800, ..m("archive/version", "archive/version", b"3\n") },
        ],
        &[],
    );
    let o = scan("model.pt", &z);
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    assert_eq!(o.models.last().map(|m| m.format.as_str()), Some("pytorch-zip"));
    // the same with a payload, deflated, in a second pickle member
    let z = build_zip(
        &[
            Member { descriptor: true, ..m("archive/data.pkl", "archive/data.pkl", STATE_DICT) },
            Member {
                descriptor: true,
                deflate: true,
                ..m("archive/extra.pkl", "archive/extra.pkl", OS_SYSTEM_P2)
            },
        ],
        &[],
    );
    let o = scan("model.pt", &z);
    assert!(
        o.findings.iter().any(|f| f.id == EXEC && f.location.member.as_deref() == Some("archive/extra.pkl")),
        "{:?}",
        ids(&o)
    );
}

#[test]
fn zip_name_mismatch_cve_2025_1944() {
    // local header calls it a tensor blob, the central directory (what torch uses) calls it data.pkl
    let z = build_zip(&[m("archive/data/0", "archive/data.pkl", OS_SYSTEM_P2)], &[]);
    let o = scan("model.pt", &z);
    assert!(has(&o, ZIP, ""), "{:?}", ids(&o));
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

#[test]
fn zip_flag_bits_cve_2025_1945() {
    let z =
        build_zip(&[Member { flags: 0x1, ..m("archive/data.pkl", "archive/data.pkl", OS_SYSTEM_P2) }], &[]);
    let o = scan("model.pt", &z);
    assert!(has(&o, ZIP, "") && has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

#[test]
fn zip_hidden_entry() {
    // a central directory entry pointing into the middle of another member's data
    let mut blob = vec![0u8; 64];
    blob.extend_from_slice(b"PK\x03\x04 hidden local header");
    let z = build_zip(&[m("archive/data/0", "archive/data/0", &blob)], &[("archive/data.pkl", 30 + 14 + 64)]);
    let o = scan("model.pt", &z);
    assert!(o.findings.iter().any(|f| f.id == ZIP && f.message.contains("no local header")), "{:?}", ids(&o));
}

#[test]
fn zip_truncated_is_unscannable() {
    let z = build_zip(&[m("archive/data.pkl", "archive/data.pkl", STATE_DICT)], &[]);
    let o = scan("model.pt", &z[..60]);
    assert!(has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
}

#[test]
fn nested_zip_in_zip() {
    let inner = build_zip(&[m("archive/data.pkl", "archive/data.pkl", OS_SYSTEM_P2)], &[]);
    let outer = build_zip(&[m("models/inner.pt", "models/inner.pt", &inner)], &[]);
    let o = scan("bundle.zip", &outer);
    assert!(
        o.findings.iter().any(|f| f.id == EXEC
            && f.location.member.as_deref() == Some("models/inner.pt!archive/data.pkl")),
        "{:?}",
        ids(&o)
    );
}

#[test]
fn legacy_tar_format() {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in [
        ("sys_info", &b"\x80\x02}q\x00X\x0a\x00\x00\x00type_sizesq\x01}q\x02s."[..]),
        ("pickle", OS_SYSTEM_P2),
        ("storages", b"\x80\x02K\x00."),
        ("tensors", b"\x80\x02K\x00."),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    }
    let t = b.into_inner().unwrap();
    let o = scan("model.tar", &t);
    assert!(
        o.findings.iter().any(|f| f.id == EXEC && f.location.member.as_deref() == Some("pickle")),
        "{:?}",
        ids(&o)
    );
    assert!(o.models.iter().any(|m| m.format == "pytorch-legacy-tar"));
}

#[test]
fn gzip_compressed_pickle() {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(OS_SYSTEM_P2).unwrap();
    let gz = e.finish().unwrap();
    let o = scan("model.pkl.gz", &gz);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // joblib detects compression from content: the name does not matter (issue 11)
    let o = scan("changelog.gz", &gz);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // a gzip of text is not a model
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b"seawall (1.0) unstable; urgency=medium\n\n  * Initial release.\n").unwrap();
    let o = scan("changelog.gz", &e.finish().unwrap());
    assert!(o.findings.is_empty() && o.models.is_empty(), "{:?}", ids(&o));
}

#[test]
fn npy_object_and_numeric() {
    let header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let mut p = b"\x93NUMPY\x01\x00".to_vec();
    p.extend_from_slice(&(header.len() as u16).to_le_bytes());
    p.extend_from_slice(header.as_bytes());
    p.extend_from_slice(OS_SYSTEM_P2);
    let o = scan("a.npy", &p);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    let mut p = b"\x93NUMPY\x01\x00".to_vec();
    p.extend_from_slice(&(header.len() as u16).to_le_bytes());
    p.extend_from_slice(header.as_bytes());
    p.extend_from_slice(OS_SYSTEM_P2); // bytes of a numeric array are never parsed as pickle
    let o = scan("b.npy", &p);
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
}

#[test]
fn torchscript_code_is_reported() {
    let z = build_zip(
        &[
            m("archive/constants.pkl", "archive/constants.pkl", b"\x80\x02)."),
            m(
                "archive/code/__torch__/model.py",
                "archive/code/__torch__/model.py",
                b"def forward(self, x):\n  return x\n",
            ),
            m("archive/data.pkl", "archive/data.pkl", STATE_DICT),
        ],
        &[],
    );
    let o = scan("model.pt", &z);
    assert!(has(&o, "SW-MODEL-018", ""), "{:?}", ids(&o));
    assert_eq!(o.models.last().map(|m| m.format.as_str()), Some("torchscript"));
}

// ---------- protobuf formats ----------

fn pb_bytes(field: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut tag = u64::from(field << 3 | 2);
    let mut len = body.len() as u64;
    loop {
        let b = (tag & 0x7f) as u8;
        tag >>= 7;
        v.push(if tag > 0 { b | 0x80 } else { b });
        if tag == 0 {
            break;
        }
    }
    loop {
        let b = (len & 0x7f) as u8;
        len >>= 7;
        v.push(if len > 0 { b | 0x80 } else { b });
        if len == 0 {
            break;
        }
    }
    v.extend_from_slice(body);
    v
}

fn pb_node(name: &str, op: &str) -> Vec<u8> {
    [pb_bytes(1, name.as_bytes()), pb_bytes(2, op.as_bytes())].concat()
}

#[test]
fn saved_model_ops() {
    let graph = [
        pb_bytes(1, &pb_node("save/SaveV2", "SaveV2")),
        pb_bytes(1, &pb_node("input", "Placeholder")),
        pb_bytes(1, &pb_node("leak", "ReadFile")),
    ]
    .concat();
    let func = [pb_bytes(1, &pb_bytes(1, b"__inference_call_1")), pb_bytes(3, &pb_node("cb", "EagerPyFunc"))]
        .concat();
    let graph = [graph, pb_bytes(2, &pb_bytes(1, &func))].concat();
    let sm = [vec![0x08, 0x01], pb_bytes(2, &pb_bytes(2, &graph))].concat();
    let o = scan("saved_model.pb", &sm);
    assert!(has(&o, "SW-MODEL-012", "") && has(&o, "SW-MODEL-013", ""), "{:?}", ids(&o));
    assert!(o.findings.iter().all(|f| !f.message.contains("SaveV2")), "{:?}", ids(&o));
    // the standard saver alone is clean
    let sm =
        [vec![0x08, 0x01], pb_bytes(2, &pb_bytes(2, &pb_bytes(1, &pb_node("save/RestoreV2", "RestoreV2"))))]
            .concat();
    let o = scan("saved_model.pb", &sm);
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    assert_eq!(o.models[0].format, "tf-savedmodel");
}

#[test]
fn onnx_custom_domain_and_external_data() {
    let node = [pb_bytes(4, b"MyOp"), pb_bytes(7, b"com.evil.ops")].concat();
    let ext = [pb_bytes(1, b"location"), pb_bytes(2, b"../../../root/.ssh/id_rsa")].concat();
    let init = [pb_bytes(8, b"W"), pb_bytes(13, &ext), vec![0x70, 0x01]].concat();
    let graph = [pb_bytes(1, &node), pb_bytes(5, &init)].concat();
    let model = [vec![0x08, 0x08], pb_bytes(7, &graph)].concat();
    let o = scan("model.onnx", &model);
    assert!(has(&o, "SW-MODEL-014", "") && has(&o, "SW-MODEL-015", ""), "{:?}", ids(&o));
    // a .bin name does not make protobuf bytes a model
    let o = scan("model.bin2", &model);
    assert!(o.models.is_empty());
}

#[test]
fn large_stored_members_with_fake_descriptor_signatures() {
    // signatures straddling window boundaries, fake descriptors with wrong sizes/CRCs
    let mut blob: Vec<u8> = (0..700_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for pos in [0usize, 131_069, 131_070, 131_071, 262_140, 400_000, 699_990] {
        blob[pos..pos + 4].copy_from_slice(b"PK\x07\x08");
    }
    // a fake descriptor whose size matches its position (CRC does not)
    blob[500_000..500_004].copy_from_slice(b"PK\x07\x08");
    blob[500_008..500_012].copy_from_slice(&500_000u32.to_le_bytes());
    let z = build_zip(
        &[
            Member { descriptor: true, ..m("archive/data.pkl", "archive/data.pkl", STATE_DICT) },
            Member { descriptor: true, ..m("archive/data/0", "archive/data/0", &blob) },
            Member { descriptor: true, ..m("archive/data/1", "archive/data/1", OS_SYSTEM_P2) },
        ],
        &[],
    );
    let o = scan("model.pt", &z);
    // the storage blob is skipped exactly; `data/` records are tensor bytes that torch never
    // unpickles, so even pickle-shaped storage is not judged as a pickle (issue 13)
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    assert_eq!(o.models.len(), 1);
    // a pickle planted where torch *does* unpickle (any other `.pkl` member) is found
    let z = build_zip(
        &[
            Member { descriptor: true, ..m("archive/data.pkl", "archive/data.pkl", STATE_DICT) },
            Member { descriptor: true, ..m("archive/data/0", "archive/data/0", &blob) },
            Member { descriptor: true, ..m("archive/extra.pkl", "archive/extra.pkl", OS_SYSTEM_P2) },
        ],
        &[],
    );
    let o = scan("model.pt", &z);
    assert!(!has(&o, ZIP, "") && !has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

#[test]
fn keras_h5_configs_are_found_anywhere_in_the_file() {
    let cfg = r#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAAAAAA", null, null], "function_type": "lambda", "module": "keras.layers"}}]}}"#;
    let mut f = b"\x89HDF\r\n\x1a\n".to_vec();
    f.extend(std::iter::repeat_n(0u8, 200_000)); // beyond the first read window
    f.extend_from_slice(b"model_config\x00\x00\x00\x00");
    f.extend_from_slice(cfg.as_bytes());
    f.extend(std::iter::repeat_n(0u8, 1000));
    let o = scan("model.h5", &f);
    assert!(has(&o, "SW-MODEL-009", ""), "{:?}", ids(&o));
    assert_eq!(o.models[0].format, "keras-h5");
    // a weights-only HDF5 file is a clean hdf5 entry
    let o = scan("weights.h5", &b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00"[..]);
    assert!(o.findings.is_empty() && o.models[0].format == "hdf5");
}

fn load_from_bytes_pickle(inner: &[u8]) -> Vec<u8> {
    let mut p = b"\x80\x02ctorch.storage\n_load_from_bytes\nq\x00B".to_vec();
    p.extend_from_slice(&(inner.len() as u32).to_le_bytes());
    p.extend_from_slice(inner);
    p.extend_from_slice(b"\x85Rq\x01.");
    p
}

#[test]
fn embedded_checkpoints_are_scanned_not_skipped() {
    // pickle.dumps(tensor) embeds a torch.save checkpoint that torch.load deserializes again
    let benign = build_zip(
        &[Member { descriptor: true, ..m("archive/data.pkl", "archive/data.pkl", STATE_DICT) }],
        &[],
    );
    let o = scan("t.pkl", &load_from_bytes_pickle(&benign));
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    let evil = build_zip(&[m("archive/data.pkl", "archive/data.pkl", OS_SYSTEM_P2)], &[]);
    let o = scan("t.pkl", &load_from_bytes_pickle(&evil));
    assert!(
        o.findings
            .iter()
            .any(|f| f.id == EXEC && f.location.member.as_deref() == Some("@36!archive/data.pkl")),
        "{:?}",
        o.findings.iter().map(|f| (&f.id, &f.location.member)).collect::<Vec<_>>()
    );
    // legacy (stacked pickle) payload inside
    let o = scan("t.pkl", &load_from_bytes_pickle(OS_SYSTEM_P2));
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // bytes that are no checkpoint: fail closed
    let o = scan("t.pkl", &load_from_bytes_pickle(b"just some bytes"));
    assert!(has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
}

#[test]
fn python2_old_style_instances() {
    // py2 old-style class instance: INST without arguments only allocates (MEDIUM: unknown class)
    let o = scan("old.pkl", b"(i__main__\nFoo\n(dp0\nS'a'\np1\nI1\nsb.");
    assert_eq!(o.max_severity(), Some(Severity::Medium), "{:?}", ids(&o));
    // a lowercase callable through INST without arguments is called
    let o = scan("old2.pkl", b"(imylib\nrun_backdoor\n.");
    assert!(has(&o, EXEC, "mylib.run_backdoor"), "{:?}", ids(&o));
}

#[test]
fn ordinary_archives_get_warnings_not_model_findings() {
    // a wheel/jar-like archive with a name mismatch: not a model, so a warning
    let z = build_zip(&[m("pkg/__init__.py", "pkg/__init__.pyc", b"print(1)\n")], &[]);
    let o = scan("pkg.whl", &z);
    assert!(o.findings.is_empty() && o.models.is_empty(), "{:?}", ids(&o));
    assert!(!o.warnings.is_empty());
    // but a model-looking name only in the central directory keeps the finding
    let z = build_zip(&[m("pkg/readme.txt", "archive/data.pkl", b"hello")], &[]);
    let o = scan("x.zip", &z);
    assert!(has(&o, ZIP, ""), "{:?}", ids(&o));
}

#[test]
fn keras_h5_new_serialization_format() {
    // Keras >= 2.13 puts "module" first
    let cfg = r#"{"module": "keras.src.engine.functional", "class_name": "Functional", "config": {"layers": [{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAA"}}}}]}}"#;
    let mut f = b"\x89HDF\r\n\x1a\n\x00\x00".to_vec();
    f.extend_from_slice(cfg.as_bytes());
    let o = scan("model.h5", &f);
    assert!(has(&o, "SW-MODEL-009", ""), "{:?}", ids(&o));
}

/// Regression (false positive on every Hugging Face `training_args.bin`): CPython ≥ 3.11 pickles enum
/// members as `getattr(EnumClass, "MEMBER")`. Reading a public attribute of a class runs nothing;
/// modules, private/dunder names, dangerous classes and calling the result stay flagged.
#[test]
fn enum_members_pickled_through_getattr() {
    let enum_member =
        b"\x80\x02cbuiltins\ngetattr\nctransformers.trainer_utils\nIntervalStrategy\nX\x05\x00\x00\x00STEPS\x86R.";
    let o = scan("training_args.pkl", enum_member);
    assert!(!has(&o, GADGET, "") && !has(&o, EXEC, ""), "{:?}", ids(&o));
    assert!(o.findings.iter().all(|f| f.severity < Severity::High), "{:?}", ids(&o));

    // The same attribute, then called: code execution.
    let called = b"\x80\x02cbuiltins\ngetattr\nctransformers.trainer_utils\nIntervalStrategy\nX\x05\x00\x00\x00STEPS\x86R)R.";
    let o = scan("called.pkl", called);
    assert!(has(&o, EXEC, ""), "{:?}", ids(&o));

    // Private or dunder attribute of a class: still a gadget.
    let dunder = b"\x80\x02cbuiltins\ngetattr\ncmylib\nThing\nX\x08\x00\x00\x00__init__\x86R.";
    assert!(has(&scan("d.pkl", dunder), GADGET, "builtins.getattr"));
    // A class known to execute code: still flagged.
    let popen = b"\x80\x02cbuiltins\ngetattr\ncsubprocess\nPopen\nX\x0b\x00\x00\x00communicate\x86R.";
    let o = scan("p.pkl", popen);
    assert!(o.findings.iter().any(|f| f.severity >= Severity::High), "{:?}", ids(&o));
    // A module: still a gadget.
    let module = b"\x80\x02cbuiltins\ngetattr\ncos\npath\nX\x04\x00\x00\x00join\x86R.";
    assert!(has(&scan("m.pkl", module), GADGET, "builtins.getattr"));
}

/// Checkpoints written by real torch 2.5.1 / transformers 4.46.3 (`testdata/benign-torch/`): no finding.
#[test]
fn generated_torch_and_transformers_checkpoints_are_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/benign-torch");
    let mut n = 0;
    for e in fs_err::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if !matches!(p.extension().and_then(|x| x.to_str()), Some("pt" | "bin")) {
            continue;
        }
        n += 1;
        let out = seawall_model::scan_path(&p);
        assert!(out.findings.is_empty(), "{}: {:?}", p.display(), ids(&out));
        assert!(out.models.iter().all(|m| m.verdict == ModelVerdict::Safe), "{}", p.display());
    }
    assert_eq!(n, 10);
}

/// xgboost 3.2.0 models (sklearn wrapper and Booster, pickle protocols 2/4/5, joblib, JSON/UBJSON) written by
/// `testdata/benign-xgboost/gen_xgboost.py`: no finding, pickles recognised as safe.
#[test]
fn generated_xgboost_models_are_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/benign-xgboost");
    let out = seawall_model::scan_path(&dir);
    assert!(out.findings.is_empty(), "{:?}", ids(&out));
    let pickles = out.models.iter().filter(|m| m.format == "pickle").count();
    assert_eq!(pickles, 7, "{:?}", out.models);
    assert!(out.models.iter().all(|m| m.verdict == ModelVerdict::Safe));
}
