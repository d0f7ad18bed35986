//! Archive indexing and tar streams of docker-archive / oci-archive sources.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_source::tarindex::index_tar_bytes(data);
    let _ = seawall_source::read_tar_stream_bytes(data);
});
