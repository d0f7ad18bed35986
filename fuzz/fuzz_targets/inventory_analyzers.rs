//! Every inventory analyzer (dpkg, opkg, apk, rpm sqlite/bdb/ndb, Python metadata, eggs, requirement
//! and lock files, conda, CUDA, npm, Cargo.lock, Go buildinfo and cargo-auditable in ELF/Mach-O/PE,
//! Java archives) on the same bytes, each at the path it claims, then the cross-file resolution
//! (pip includes, editable installs, npm shrinkwrap) on what they captured; and the streamed binary path.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    use seawall_analyzer::{EntryMeta, Facts, Interest};
    const PATHS: &[&str] = &[
        "/etc/os-release", "/var/lib/dpkg/status", "/var/lib/dpkg/status.d/pkg", "/usr/lib/opkg/status",
        "/lib/apk/db/installed", "/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages", "/usr/share/rpm/Packages",
        "/usr/lib/sysimage/rpm/Packages.db", "/usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA",
        "/usr/lib/python3/site-packages/x-1.0-py3.11.egg", "/usr/lib/python3/site-packages/x.egg-link",
        "/usr/lib/python3/site-packages/x-1.0-py3.11.egg/EGG-INFO/PKG-INFO", "/app/requirements.txt",
        "/app/base.txt", "/app/dev.in", "/app/poetry.lock", "/app/uv.lock", "/app/script.py.lock", "/app/pdm.lock",
        "/app/Pipfile.lock", "/usr/local/include/python3.11/patchlevel.h", "/opt/venv/pyvenv.cfg",
        "/opt/conda/conda-meta/x-1-0.json", "/usr/local/cuda/version.json", "/usr/local/cuda/version.txt",
        "/usr/include/cudnn_version.h", "/app/node_modules/x/package.json", "/app/package-lock.json",
        "/app/npm-shrinkwrap.json", "/app/Cargo.lock", "/usr/bin/app", "/opt/tool.exe", "/app/lib/x.jar",
        "/app/lib/x.JMOD",
    ];
    let mut all = Facts::default();
    for a in seawall_inventory::analyzers() {
        for p in PATHS {
            let mut meta = EntryMeta::file(p, data.len() as u64, Some(0));
            meta.mode = 0o755;
            let wanted = match a.required(&meta) {
                Interest::Yes => true,
                Interest::Sniff => a.required_by_content(&meta, &data[..data.len().min(512)]),
                Interest::No => false,
            };
            if wanted {
                let mut facts = Facts::default();
                let _ = a.analyze(&meta, &mut &data[..], &mut facts);
                all.extend(facts);
            }
        }
    }
    seawall_inventory::resolve(&mut all.packages, &all.files, &mut all.warnings);
    // The streamed binary path (files over the in-memory limit: chunk ring, Go magic across chunk seams,
    // ELF section lookup in the kept tail), forced on these bytes by a 16-byte in-memory limit.
    use seawall_analyzer::FileAnalyzer;
    let streamed = seawall_inventory::BinaryAnalyzer::with_in_memory_max(16);
    let mut meta = EntryMeta::file("/usr/bin/app", data.len() as u64, Some(0));
    meta.mode = 0o755;
    let _ = streamed.analyze(&meta, &mut &data[..], &mut Facts::default());
});
