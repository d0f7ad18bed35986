//! Model containers: tar archives (PyTorch's legacy tar format, SageMaker's `model.tar.gz`, nested
//! archives), 7z archives, and gzip/zlib/bzip2/xz/lzma/zstd/lz4 streams (joblib `compress=`,
//! compressed pickles whatever their name), decompressed on the fly within the file's budgets.

use std::io::{self, Cursor, Read};

use crate::bounded::{Capped, drain};
use crate::ctx::{Ctx, Scope};
use crate::detect::{self, Format};
use crate::input::Input;
use crate::rules;

/// Memory limit of the xz/lzma/7z decoders (dictionary sizes above it are refused, fail closed).
const LZMA_MEMLIMIT: u64 = 256 << 20;

/// A reader that always fails (decoder could not be created).
struct Failing(String);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other(self.0.clone()))
    }
}

/// Scans a tar stream: every member by content.
pub(crate) fn scan_tar(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
    let mut names = Vec::new();
    let mut model_members = 0usize;
    let mut error = None;
    {
        let mut ar = tar::Archive::new(&mut *inp);
        match ar.entries() {
            Ok(entries) => {
                for e in entries {
                    let mut e = match e {
                        Ok(e) => e,
                        Err(err) => {
                            error = Some(err.to_string());
                            break;
                        }
                    };
                    if !e.header().entry_type().is_file() {
                        continue;
                    }
                    if !ctx.take_entry() {
                        break;
                    }
                    let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
                    let size = e.header().size().ok();
                    let child = scope.child(&name, size);
                    let mut sub = Input::new(&mut e);
                    if ctx.scan_nested(&mut sub, &child).is_some() {
                        model_members += 1;
                    }
                    let _ = sub.drain();
                    if names.len() < 64 {
                        names.push(name);
                    }
                }
            }
            Err(err) => error = Some(err.to_string()),
        }
    }
    let _ = inp.drain();
    let base = |n: &String| n.rsplit('/').next().unwrap_or(n).to_owned();
    let torch = names.iter().any(|n| base(n) == "pickle") && names.iter().any(|n| base(n) == "storages");
    if let Some(e) = error
        && (torch || model_members > 0 || scope.depth > 0)
    {
        ctx.hit(
            scope,
            "tar",
            &rules::UNSCANNABLE,
            vec![],
            None,
            format!("tar archive could not be read completely: {e}"),
        );
    }
    if torch {
        ctx.model(scope, mark, "pytorch-legacy-tar", Some("pytorch"));
    } else if model_members > 0 || ctx.found_since(mark) {
        ctx.model(scope, mark, "tar", None);
    }
}

/// Scans a 7z archive: held in memory (7z needs random access) up to `max_7z` bytes, every member
/// by content. Anything that cannot be read (larger archive, password, unsupported method, corrupt
/// data) is unscannable: a 7z archive can hide any model.
pub(crate) fn scan_7z(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
    let cap = ctx.opts.max_7z;
    let mut data = Vec::new();
    let read = (&mut *inp).take(cap.saturating_add(1)).read_to_end(&mut data);
    let mut problem = match read {
        Err(e) => Some(format!("read error: {e}")),
        Ok(n) if n as u64 > cap => {
            Some(format!("7z archive larger than {cap} bytes is not read (random access needs it in memory)"))
        }
        Ok(_) => None,
    };
    let _ = inp.drain();
    if problem.is_none() {
        problem = read_7z(ctx, data, scope).err();
    }
    if let Some(p) = problem {
        ctx.hit(
            scope,
            "7z",
            &rules::UNSCANNABLE,
            vec![],
            None,
            format!("7z archive could not be read completely: {p}"),
        );
    }
    ctx.model(scope, mark, "7z", None);
}

fn read_7z(ctx: &mut Ctx, data: Vec<u8>, scope: &Scope) -> Result<(), String> {
    let kb = usize::try_from(LZMA_MEMLIMIT / 1024).unwrap_or(usize::MAX);
    let mut ar = sevenz_rust2::ArchiveReader::new_with_memory_limit(
        Cursor::new(data),
        sevenz_rust2::Password::empty(),
        kb,
    )
    .map_err(|e| e.to_string())?;
    ar.set_thread_count(1);
    let mut budget_hit = false;
    ar.for_each_entries(|entry, r| {
        if entry.is_directory() || !entry.has_stream() {
            return Ok(true);
        }
        if !ctx.take_entry() {
            budget_hit = true;
            return Ok(false);
        }
        let child = scope.child(entry.name(), Some(entry.size()));
        let limit = entry.size().max(1);
        let mut capped = Capped::new(r, limit, &ctx.budget);
        let mut sub = Input::new(&mut capped);
        ctx.scan_nested(&mut sub, &child);
        sub.drain().map_err(sevenz_rust2::Error::from)?;
        Ok(true)
    })
    .map_err(|e| e.to_string())?;
    if budget_hit {
        return Err("entry budget of the file exhausted".into());
    }
    Ok(())
}

/// Scans a compressed stream: decompresses and scans the content by its own format. Returns true
/// when the content is a model (or model container); otherwise reading stops where that was clear.
pub(crate) fn scan_compressed(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope, fmt: Format) -> bool {
    let limit = scope
        .size
        .map(|s| s.saturating_mul(ctx.opts.max_ratio).max(1 << 20))
        .unwrap_or(ctx.opts.max_decompressed)
        .min(ctx.opts.max_decompressed);
    let member = match fmt {
        Format::Gzip => "(gunzip)",
        Format::Bzip2 => "(bunzip2)",
        Format::Xz | Format::Lzma => "(unxz)",
        Format::Zstd => "(unzstd)",
        Format::Lz4 => "(unlz4)",
        _ => "(zlib)",
    };
    let mut child = scope.child(member, None);
    child.name = detect::inner_name(&scope.name);
    let (found, drained) = {
        let r: Box<dyn Read + '_> = match fmt {
            Format::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(&mut *inp)),
            Format::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(&mut *inp)),
            Format::Xz => match liblzma::stream::Stream::new_stream_decoder(
                LZMA_MEMLIMIT,
                liblzma::stream::CONCATENATED,
            ) {
                Ok(st) => Box::new(liblzma::bufread::XzDecoder::new_stream(&mut *inp, st)),
                Err(e) => Box::new(Failing(e.to_string())),
            },
            Format::Lzma => match liblzma::stream::Stream::new_lzma_decoder(LZMA_MEMLIMIT) {
                Ok(st) => Box::new(liblzma::bufread::XzDecoder::new_stream(&mut *inp, st)),
                Err(e) => Box::new(Failing(e.to_string())),
            },
            Format::Zstd => match zstd::stream::read::Decoder::with_buffer(&mut *inp) {
                Ok(mut d) => match d.window_log_max(27) {
                    Ok(()) => Box::new(d),
                    Err(e) => Box::new(Failing(e.to_string())),
                },
                Err(e) => Box::new(Failing(e.to_string())),
            },
            Format::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(&mut *inp)),
            _ => Box::new(flate2::bufread::ZlibDecoder::new(&mut *inp)),
        };
        let mut r = Capped::new(r, limit, &ctx.budget);
        let mut sub = Input::new(&mut r);
        let f = ctx.scan_nested(&mut sub, &child);
        // the rest of a model stream is read to its end: a corrupt tail is reported
        let drained = if f.is_some() { sub.drain().map(|_| ()) } else { Ok(()) };
        (f, drained)
    };
    if found.is_none() {
        return false;
    }
    let _ = drain(inp);
    if let Err(e) = drained {
        ctx.hit(&child, fmt.label(), &rules::UNSCANNABLE, vec![], None, format!("decompression failed: {e}"));
    }
    true
}
