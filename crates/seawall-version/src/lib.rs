//! Version ordering for every OSV ecosystem: PEP 440, dpkg, apk, RPM, SemVer, Maven, fallback.
