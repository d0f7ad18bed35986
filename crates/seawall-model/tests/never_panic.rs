//! Property tests: no parser panics on arbitrary bytes (the fuzz entry points of `seawall_model::fuzz`).

use proptest::prelude::*;
use seawall_model::fuzz;

fn with_prefix(prefix: &[u8], data: &[u8]) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.extend_from_slice(data);
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    #[test]
    fn zip(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = fuzz::zip(&with_prefix(b"PK\x03\x04", &data));
        let _ = fuzz::zip(&data);
    }

    #[test]
    fn sevenz(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = fuzz::sevenz(&with_prefix(b"7z\xbc\xaf\x27\x1c\x00\x04", &data));
        let _ = fuzz::sevenz(&data);
    }

    #[test]
    fn compressed_streams(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        for magic in [&b"\x1f\x8b\x08\x00"[..], b"BZh9", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"\x04\x22\x4d\x18", b"\x78\x9c"] {
            let _ = fuzz::any(&with_prefix(magic, &data));
        }
    }

    #[test]
    fn gguf(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = fuzz::gguf(&with_prefix(b"GGUF\x03\x00\x00\x00", &data));
    }

    #[test]
    fn safetensors(n in 0u64..2000, data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = fuzz::safetensors(&with_prefix(&n.to_le_bytes(), &data));
        let _ = fuzz::safetensors(&data);
    }

    #[test]
    fn npy(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = fuzz::npy(&with_prefix(b"\x93NUMPY\x01\x00", &data));
    }

    #[test]
    fn protobufs_and_hdf5(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = fuzz::onnx(&data);
        let _ = fuzz::saved_model(&data);
        let _ = fuzz::hdf5(&with_prefix(b"\x89HDF\r\n\x1a\n{\"class_name\"", &data));
    }

    #[test]
    fn any_format(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = fuzz::any(&data);
        let _ = fuzz::pickle(&data);
    }
}

#[test]
fn structured_safetensors_header() {
    // a valid header followed by the data it declares: clean
    let h = br#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}"#;
    let mut f = (h.len() as u64).to_le_bytes().to_vec();
    f.extend_from_slice(h);
    f.extend_from_slice(&[0; 8]);
    assert!(fuzz::safetensors(&f).findings.is_empty());
    // the same header with 4 bytes missing: malformed
    assert_eq!(fuzz::safetensors(&f[..f.len() - 4]).findings[0].id, "SW-MODEL-017");
    // header length beyond the file
    let mut g = (1u64 << 40).to_le_bytes().to_vec();
    g.extend_from_slice(b"{\"a\":1}");
    assert_eq!(fuzz::safetensors(&g).findings[0].id, "SW-MODEL-017");
}

fn gguf_file(template: &str, tensor_offset: u64) -> Vec<u8> {
    let mut f = b"GGUF".to_vec();
    f.extend_from_slice(&3u32.to_le_bytes());
    f.extend_from_slice(&1u64.to_le_bytes()); // tensors
    f.extend_from_slice(&2u64.to_le_bytes()); // kv
    let key = |f: &mut Vec<u8>, k: &str| {
        f.extend_from_slice(&(k.len() as u64).to_le_bytes());
        f.extend_from_slice(k.as_bytes());
    };
    key(&mut f, "general.architecture");
    f.extend_from_slice(&8u32.to_le_bytes());
    key(&mut f, "llama");
    key(&mut f, "tokenizer.chat_template");
    f.extend_from_slice(&8u32.to_le_bytes());
    key(&mut f, template);
    key(&mut f, "w");
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&4u64.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes()); // F32
    f.extend_from_slice(&tensor_offset.to_le_bytes());
    while !f.len().is_multiple_of(32) {
        f.push(0);
    }
    f.extend_from_slice(&[0; 16]);
    f
}

#[test]
fn gguf_templates_and_bounds() {
    let ok = gguf_file("{% for m in messages %}{{ m['content'] }}{% endfor %}", 0);
    assert!(fuzz::gguf(&ok).findings.is_empty(), "{:?}", fuzz::gguf(&ok).findings);
    let bad = gguf_file(
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}",
        0,
    );
    assert_eq!(fuzz::gguf(&bad).findings[0].id, "SW-MODEL-016");
    let oob = gguf_file("{{ x }}", 1 << 20);
    assert_eq!(fuzz::gguf(&oob).findings[0].id, "SW-MODEL-017");
}
