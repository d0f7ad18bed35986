#!/usr/bin/env bash
# Runs the public sigstore-conformance suite's bundle-verification cases through `seawall verify blob`
# and counts agreement with the expected outcome (a case directory ending in `_fail` must not verify).
#
#   bench/sigstore-conformance.sh PATH/TO/sigstore-conformance [SEAWALL_BINARY]
#
# PATH is a checkout of github.com/sigstore/sigstore-conformance (only test/assets/bundle-verify is
# read). Not part of the hermetic tests: the suite is third-party data and is never committed here.
# Each case: bundle.sigstore.json, optional artifact (default ../a.txt), key.pub (then key-based),
# identity/issuer (defaults below), trusted_root.json (default: seawall's embedded public-good root).
set -u
suite=${1:?usage: $0 PATH/TO/sigstore-conformance [seawall]}
seawall=${2:-target/debug/seawall}
dir="$suite/test/assets/bundle-verify"
[ -d "$dir" ] || { echo "no $dir" >&2; exit 2; }
default_identity="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
default_issuer="https://token.actions.githubusercontent.com"
agree=0; disagree=0; errors=0; list=""
for case in "$dir"/*/; do
    case=${case%/}; name=$(basename "$case")
    [ -f "$case/bundle.sigstore.json" ] || continue
    artifact="$case/artifact"; [ -f "$artifact" ] || artifact="$dir/a.txt"
    args=(verify blob --bundle "$case/bundle.sigstore.json")
    if [ -f "$case/key.pub" ]; then
        args+=(--key "$case/key.pub")
    else
        id=$default_identity; iss=$default_issuer
        [ -f "$case/identity" ] && id=$(tr -d '\n' <"$case/identity")
        [ -f "$case/issuer" ] && iss=$(tr -d '\n' <"$case/issuer")
        args+=(--certificate-identity "$id" --certificate-oidc-issuer "$iss")
    fi
    [ -f "$case/trusted_root.json" ] && args+=(--trusted-root "$case/trusted_root.json")
    out=$("$seawall" --quiet "${args[@]}" "$artifact" 2>&1); rc=$?
    expect_fail=0; [[ $name == *_fail ]] && expect_fail=1
    # Agreement: a pass case exits 0; a _fail case exits 1 (not verified) or 2 (input rejected as an
    # error). Anything else (a crash) is a disagreement either way.
    if { [ $expect_fail = 0 ] && [ $rc = 0 ]; } || { [ $expect_fail = 1 ] && { [ $rc = 1 ] || [ $rc = 2 ]; }; }; then
        agree=$((agree + 1)); verdict=agree
    else
        disagree=$((disagree + 1)); verdict=DISAGREE
        list="$list $name"
    fi
    [ $rc = 2 ] && errors=$((errors + 1))
    printf '%-8s rc=%s %s  %s\n' "$verdict" "$rc" "$name" "$(echo "$out" | head -c 200 | tr '\n' ' ')"
done
echo
echo "cases: $((agree + disagree)), agree: $agree, disagree: $disagree (exit 2 errors: $errors)"
[ -n "$list" ] && echo "disagreeing:$list"
[ $disagree = 0 ]
