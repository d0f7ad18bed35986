//! Package inventory analyzers: OS packages, Python, conda, CUDA, npm, Cargo, Go, Java.
