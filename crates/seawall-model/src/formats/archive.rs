//! tar archives (PyTorch's legacy tar format, nested archives) and gzip/zlib/bzip2/xz/lzma streams
//! (joblib `compress=`), decompressed on the fly with a size bound.

use std::io::{self, Read};

use crate::detect::Format;
use crate::input::Input;
use crate::rules;
use crate::scan::{self, Ctx, Scope};

/// Most tar entries examined.
const MAX_ENTRIES: usize = 100_000;

/// Memory limit of the xz/lzma decoder (dictionary sizes above it are refused, fail closed).
const LZMA_MEMLIMIT: u64 = 256 << 20;

/// A reader that always fails (decoder could not be created).
struct Failing(String);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other(self.0.clone()))
    }
}

/// Caps decompressed output.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other("decompressed size limit exceeded (ratio bound)")),
            };
        }
        let want = out.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut out[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Scans a tar stream: every member by content.
pub(crate) fn scan_tar(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.out.findings.len();
    let mut names = Vec::new();
    let mut model_members = 0usize;
    let mut error = None;
    {
        let mut ar = tar::Archive::new(&mut *inp);
        match ar.entries() {
            Ok(entries) => {
                for (i, e) in entries.enumerate() {
                    if i >= MAX_ENTRIES {
                        error = Some(format!("more than {MAX_ENTRIES} entries"));
                        break;
                    }
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
                    let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
                    let size = e.header().size().ok();
                    let child = scope.child(&name, size);
                    let mut sub = Input::new(&mut e);
                    if scan::scan_any(ctx, &mut sub, &child).is_some() {
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
        && (torch || model_members > 0)
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
    } else if model_members > 0 || ctx.out.findings.len() > mark {
        ctx.model(scope, mark, "tar", None);
    }
}

/// Scans a gzip or zlib stream: decompresses and scans the content by its own format.
pub(crate) fn scan_compressed(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope, fmt: Format) {
    let limit = scope
        .size
        .map(|s| s.saturating_mul(ctx.opts.max_ratio).max(1 << 20))
        .unwrap_or(ctx.opts.max_decompressed)
        .min(ctx.opts.max_decompressed);
    let inner_name =
        scope.name.trim_end_matches(".gz").trim_end_matches(".z").trim_end_matches(".Z").to_owned();
    let member = match fmt {
        Format::Gzip => "(gunzip)",
        Format::Bzip2 => "(bunzip2)",
        Format::Xz | Format::Lzma => "(unxz)",
        _ => "(zlib)",
    };
    let mut child = scope.child(member, None);
    child.name = inner_name;
    let mark = ctx.out.findings.len();
    let found = {
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
            _ => Box::new(flate2::bufread::ZlibDecoder::new(&mut *inp)),
        };
        let mut r = Capped { inner: r, left: limit };
        let mut sub = Input::new(&mut r);
        let f = scan::scan_any(ctx, &mut sub, &child);
        let drained = sub.drain();
        (f, drained)
    };
    let _ = inp.drain();
    if let (Some(_), Err(e)) = &found {
        ctx.hit(&child, fmt.label(), &rules::UNSCANNABLE, vec![], None, format!("decompression failed: {e}"));
        let _ = mark;
    }
}
