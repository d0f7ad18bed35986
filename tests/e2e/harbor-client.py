#!/usr/bin/env python3
"""Plays Harbor's role against seawall's scanner adapter (Pluggable Scanner API v1.2), validating every
request it sends and every response it gets (status, content type, body schema, headers).

usage:
  harbor-client.py submit  STATE ADAPTER_URL TOKEN REGISTRY_URL ROBOT(user:password) IMAGES_TSV REPO_PREFIX
  harbor-client.py collect STATE ADAPTER_URL TOKEN TIMEOUT_SECONDS
  harbor-client.py errors  ADAPTER_URL TOKEN REGISTRY_URL DIGEST

`submit` reads the adapter's metadata, sends one scan request per image (IMAGES_TSV: name<TAB>digest,
repository REPO_PREFIX/name) and polls each report once (the worker is not running yet: 302 expected);
`collect` polls until every report is 200 and checks its content; `errors` checks the error answers.
Prints "ok: …" / "FAILED: …" lines and a final "harbor-client: N passed, M failed"; exits 1 on a failure.

The schemas below are transcribed from the spec (goharbor/pluggable-scanner-spec,
api/spec/scanner-adapter-openapi-v1.2.yaml). With SEAWALL_HARBOR_SPEC=path/to/that/yaml, every
message is additionally validated against the document itself, and the transcription of the content
types is cross-checked against it.
"""
import base64
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

try:
    import jsonschema
except ImportError:  # fail closed: the test is worthless without schema validation
    sys.exit("harbor-client.py needs the Python jsonschema module (apt-get install python3-jsonschema)")

# ---- the spec, transcribed ----
STR = {"type": "string"}
SEVERITY = {"type": "string", "enum": ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"]}
SCANNER = {"type": "object", "properties": {"name": STR, "vendor": STR, "version": STR}}
CAPABILITY = {
    "type": "object",
    "required": ["consumes_mime_types", "produces_mime_types"],
    "properties": {
        "type": {"type": "string", "enum": ["vulnerability", "sbom"]},
        "consumes_mime_types": {"type": "array", "items": STR},
        "produces_mime_types": {"type": "array", "items": STR},
        "additional_attributes": {"type": "object"},
    },
}
METADATA = {
    "type": "object",
    "required": ["scanner", "capabilities"],
    "properties": {
        "scanner": SCANNER,
        "capabilities": {"type": "array", "items": CAPABILITY},
        "properties": {"type": "object", "additionalProperties": STR},
    },
}
SBOM_TYPES = ["application/spdx+json", "application/vnd.cyclonedx+json"]
SCAN_REQUEST = {
    "type": "object",
    "required": ["registry", "artifact"],
    "properties": {
        "registry": {"type": "object", "properties": {"url": {"type": "string", "format": "url"}, "authorization": STR}},
        "artifact": {"type": "object", "properties": {"repository": STR, "digest": STR, "tag": STR, "mime_type": STR}},
        "enabled_capabilities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"type": "string", "enum": ["vulnerability", "sbom"]},
                    "produces_mime_types": {"type": "array", "items": STR},
                    "parameters": {"oneOf": [{"type": "object", "properties": {
                        "sbom_media_types": {"type": "array", "items": {"type": "string", "enum": SBOM_TYPES}}}},
                        {"type": "null"}]},
                },
            },
        },
    },
}
SCAN_RESPONSE = {"type": "object", "required": ["id"], "properties": {"id": STR}}
ARTIFACT = {"type": "object", "properties": {"repository": STR, "digest": STR, "tag": STR, "mime_type": STR}}
CVSS = {"type": "object", "properties": {"score_v3": {"type": "number"}, "score_v2": {"type": "number"},
                                         "vector_v3": STR, "vector_v2": STR}}
ITEM = {
    "type": "object",
    "properties": {
        "id": STR, "package": STR, "version": STR, "fix_version": STR, "severity": SEVERITY, "description": STR,
        "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "preferred_cvss": CVSS,
        "cwe_ids": {"type": "array", "items": STR},
        "vendor_attributes": {"type": "object"},
    },
}
VULN_REPORT = {
    "type": "object",
    "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "artifact": ARTIFACT, "scanner": SCANNER, "severity": SEVERITY,
        "vulnerabilities": {"type": "array", "items": ITEM},
    },
}
SBOM_REPORT = {
    "type": "object",
    "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "artifact": ARTIFACT, "scanner": SCANNER,
        "vendor_attributes": {"type": "object"},
        "media_type": {"type": "string", "enum": SBOM_TYPES},
        "sbom": {"type": "object"},
    },
}
ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {"message": STR}}}}

METADATA_TYPES = ["application/vnd.scanner.adapter.metadata+json; version=1.1",
                  "application/vnd.scanner.adapter.metadata+json; version=1.0"]
REQUEST_TYPES = ["application/vnd.scanner.adapter.scan.request+json; version=1.1",
                 "application/vnd.scanner.adapter.scan.request+json; version=1.0"]
ERROR_TYPE = "application/vnd.scanner.adapter.error+json; version=1.0"
VULN_1_1 = "application/vnd.security.vulnerability.report; version=1.1"
VULN_1_0 = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
SBOM_1_0 = "application/vnd.security.sbom.report+json; version=1.0"
# (operation, status) → (content types allowed, schema); None = no body defined.
RESPONSES = {
    ("GetMetadata", 200): (METADATA_TYPES, METADATA),
    ("GetMetadata", 500): ([ERROR_TYPE], ERROR),
    ("AcceptScanRequest", 202): (["application/vnd.scanner.adapter.scan.response+json; version=1.0"], SCAN_RESPONSE),
    ("AcceptScanRequest", 400): ([ERROR_TYPE], ERROR),
    ("AcceptScanRequest", 422): ([ERROR_TYPE], ERROR),
    ("AcceptScanRequest", 500): ([ERROR_TYPE], ERROR),
    ("AcceptScanRequest", 501): ([ERROR_TYPE], ERROR),
    ("GetScanReport", 200): ([VULN_1_0, VULN_1_1, "application/vnd.scanner.adapter.vuln.report.raw", SBOM_1_0], None),
    ("GetScanReport", 302): (None, None),
    ("GetScanReport", 400): ([ERROR_TYPE], ERROR),
    ("GetScanReport", 404): (None, None),
    ("GetScanReport", 500): ([ERROR_TYPE], ERROR),
    ("GetScanReport", 501): ([ERROR_TYPE], ERROR),
}
REPORT_SCHEMA = {VULN_1_0: VULN_REPORT, VULN_1_1: VULN_REPORT, SBOM_1_0: SBOM_REPORT}
OPERATIONS = {"GetMetadata": ("/metadata", "get"), "AcceptScanRequest": ("/scan", "post"),
              "GetScanReport": ("/scan/{scan_request_id}/report", "get")}
SPEC_SCHEMA_OF = {id(METADATA): "ScannerAdapterMetadata", id(SCAN_RESPONSE): "ScanResponse",
                  id(VULN_REPORT): "HarborVulnerabilityReport", id(SBOM_REPORT): "HarborSbomReport",
                  id(ERROR): "ErrorResponse", id(SCAN_REQUEST): "ScanRequest"}

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
formats = jsonschema.FormatChecker()


@formats.checks("date-time")
def _date_time(v):
    return not isinstance(v, str) or bool(RFC3339.match(v))


@formats.checks("uri")
def _uri(v):
    if not isinstance(v, str):
        return True
    u = urllib.parse.urlparse(v)
    return bool(u.scheme) and bool(u.netloc) and not any(c.isspace() for c in v)


@formats.checks("url")
def _url(v):
    return _uri(v)


# ---- the spec document itself, when given ----
SPEC = None
if os.environ.get("SEAWALL_HARBOR_SPEC"):
    import yaml

    with open(os.environ["SEAWALL_HARBOR_SPEC"]) as f:
        SPEC = yaml.safe_load(f)

    def _nullable(node):
        if isinstance(node, dict):
            node = {k: _nullable(v) for k, v in node.items()}
            if node.pop("nullable", False):
                if "type" in node:
                    node["type"] = [node["type"], "null"]
                if "oneOf" in node:
                    node["oneOf"] = node["oneOf"] + [{"type": "null"}]
            return node
        if isinstance(node, list):
            return [_nullable(x) for x in node]
        return node

    SPEC_COMPONENTS = _nullable(SPEC["components"])

passed = 0
failed = 0


def ok(msg):
    global passed
    passed += 1
    print(f"ok: {msg}", flush=True)


def bad(msg):
    global failed
    failed += 1
    print(f"FAILED: {msg}", flush=True)


def check(cond, msg):
    (ok if cond else bad)(msg)
    return cond


def schema_errors(instance, schema):
    errs = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in jsonschema.Draft7Validator(schema, format_checker=formats).iter_errors(instance)]
    name = SPEC_SCHEMA_OF.get(id(schema))
    if SPEC is not None and name is not None:
        doc = {"$ref": f"#/components/schemas/{name}", "components": SPEC_COMPONENTS}
        errs += [f"spec {name}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                 for e in jsonschema.Draft7Validator(doc, format_checker=formats).iter_errors(instance)]
    return errs


def same_type(a, b):
    norm = lambda s: ";".join("=".join(p.strip() for p in part.split("=")) for part in s.split(";")).lower()
    return norm(a) == norm(b)


def spec_content_types(operation, status):
    path, method = OPERATIONS[operation]
    resp = SPEC["paths"][path][method]["responses"].get(status) or SPEC["paths"][path][method]["responses"].get(str(status))
    if resp is None:
        return "undeclared"
    return list((resp.get("content") or {}).keys()) or None


def http(method, url, token, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def validate_response(operation, what, status, headers, body, want_status, report_type=None):
    """Checks status, content type and body schema of one response; returns the decoded body."""
    if not check(status == want_status, f"{what}: status {status} (want {want_status})"):
        print(f"    body: {body[:300]!r}")
        return None
    key = (operation, status)
    if not check(key in RESPONSES, f"{what}: status {status} is declared for {operation}"):
        return None
    types, schema = RESPONSES[key]
    if SPEC is not None:
        declared = spec_content_types(operation, status)
        check(declared == types or (declared is not None and declared != "undeclared" and types is not None
                                    and sorted(declared) == sorted(types)),
              f"{what}: transcribed content types of {operation} {status} match the spec document")
    ctype = headers.get("Content-Type")
    if types is None:
        if status == 302:
            ra = headers.get("Refresh-After")
            check(ra is not None and ra.isdigit(), f"{what}: 302 carries Refresh-After as an integer ({ra})")
            check(headers.get("Location") is None, f"{what}: 302 has no Location (Harbor polls, it does not follow)")
        return None
    if not check(ctype is not None and any(same_type(ctype, t) for t in types),
                 f"{what}: content type {ctype!r} is one the spec declares"):
        return None
    if report_type is not None:
        check(same_type(ctype, report_type), f"{what}: content type is the one asked for ({report_type})")
        schema = REPORT_SCHEMA.get(report_type)
    try:
        value = json.loads(body)
    except ValueError as e:
        bad(f"{what}: body is JSON ({e})")
        return None
    if schema is not None:
        errs = schema_errors(value, schema)
        check(not errs, f"{what}: body validates against the schema" + (f": {errs[:5]}" if errs else ""))
    return value


def scan_request(registry_url, robot, repository, digest, extra=None):
    req = {
        "registry": {"url": registry_url,
                     "authorization": "Basic " + base64.b64encode(robot.encode()).decode()},
        "artifact": {"repository": repository, "digest": digest, "tag": "v1",
                     "mime_type": "application/vnd.oci.image.manifest.v1+json"},
        "enabled_capabilities": [
            {"type": "vulnerability", "produces_mime_types": [VULN_1_1]},
            {"type": "sbom", "produces_mime_types": [SBOM_1_0],
             "parameters": {"sbom_media_types": SBOM_TYPES}},
        ],
    }
    if extra:
        req.update(extra)
    return req


def send_scan(adapter, token, req, what, want_status=202, request_valid=True):
    errs = schema_errors(req, SCAN_REQUEST)
    if request_valid:
        check(not errs, f"{what}: the request validates against ScanRequest" + (f": {errs}" if errs else ""))
    else:
        check(bool(errs), f"{what}: the request is invalid against ScanRequest, as intended ({errs[:1]})")
    status, headers, body = http("POST", f"{adapter}/api/v1/scan", token, json.dumps(req).encode(),
                                 {"Content-Type": REQUEST_TYPES[0],
                                  "Accept": "application/vnd.scanner.adapter.scan.response+json; version=1.0"})
    return validate_response("AcceptScanRequest", what, status, headers, body, want_status)


def get_report(adapter, token, sid, accept=VULN_1_1, query=""):
    return http("GET", f"{adapter}/api/v1/scan/{urllib.parse.quote(sid, safe='')}/report{query}", token,
                headers={"Accept": accept})


def cmd_submit(state_path, adapter, token, registry_url, robot, images_tsv, prefix):
    status, headers, body = http("GET", f"{adapter}/api/v1/metadata", token,
                                 headers={"Accept": ", ".join(METADATA_TYPES)})
    meta = validate_response("GetMetadata", "metadata", status, headers, body, 200)
    if meta:
        caps = {c.get("type", "vulnerability"): c for c in meta["capabilities"]}
        v = caps.get("vulnerability", {})
        check("application/vnd.oci.image.manifest.v1+json" in v.get("consumes_mime_types", [])
              and "application/vnd.docker.distribution.manifest.v2+json" in v.get("consumes_mime_types", []),
              "metadata: consumes OCI and Docker manifests")
        check(VULN_1_1 in v.get("produces_mime_types", []), "metadata: produces the 1.1 vulnerability report")
        check(SBOM_1_0 in caps.get("sbom", {}).get("produces_mime_types", []), "metadata: produces the SBOM report")
    images = [l.split("\t") for l in open(images_tsv).read().splitlines() if l.strip()]
    state = {"scans": []}
    for name, digest in images:
        repo = f"{prefix}/{name}"
        resp = send_scan(adapter, token, scan_request(registry_url, robot, repo, digest), f"scan {name}")
        if resp is None:
            continue
        state["scans"].append({"name": name, "digest": digest, "repository": repo, "id": resp["id"]})
    for s in state["scans"]:
        status, headers, body = get_report(adapter, token, s["id"])
        validate_response("GetScanReport", f"first poll of {s['name']} (no worker yet)", status, headers, body, 302)
    with open(state_path, "w") as f:
        json.dump(state, f)


def expect_content(name, report, digest, repository):
    items = report.get("vulnerabilities", [])
    check(report.get("artifact", {}).get("digest") == digest, f"report {name}: artifact.digest is the one scanned")
    check(report.get("artifact", {}).get("repository") == repository, f"report {name}: artifact.repository")
    order = SEVERITY["enum"]
    top = max((order.index(i["severity"]) for i in items), default=0)
    check(report.get("severity") == order[top], f"report {name}: severity {report.get('severity')} is the highest item's")
    kinds = {i.get("vendor_attributes", {}).get("kind") for i in items}
    check(not any(i["id"] == "SEAWALL-INCOMPLETE" for i in items), f"report {name}: the scan was complete")
    if name == "vuln":
        # PYSEC-2019-217 (alias CVE-2019-10906) in the bundled OSV export: reported under its CVE id.
        hit = [i for i in items if i["id"] == "CVE-2019-10906"]
        check(len(hit) == 1 and hit[0]["package"] == "jinja2" and hit[0]["version"] == "2.10"
              and hit[0].get("fix_version", "") != "" and hit[0]["severity"] == "Medium"
              and hit[0]["vendor_attributes"].get("seawall_id") == "PYSEC-2019-217",
              f"report vuln: CVE-2019-10906 (PYSEC-2019-217) in jinja2 2.10 with its fix version, Medium ({hit[:1]})")
    elif name == "model":
        hit = [i for i in items if i.get("vendor_attributes", {}).get("kind") == "model"]
        check(bool(hit) and all(i["id"].startswith("SEAWALL-") for i in hit)
              and any(i["severity"] in ("High", "Critical") and i["package"] == "/models/evil.pkl" for i in hit),
              f"report model: the malicious pickle is a SEAWALL-… item of High/Critical severity ({hit[:1]})")
    elif name == "secret":
        hit = [i for i in items if i.get("vendor_attributes", {}).get("kind") == "secret"]
        check(bool(hit) and all(i["id"].startswith("SEAWALL-SEC-") for i in hit) and hit[0]["package"] == "/app/.env",
              f"report secret: the token is a SEAWALL-SEC-… item on /app/.env ({hit[:1]})")
        check("ghp_R8fQz2XwL5mN7pK3vT9yB4cD6hJ1sA0eUuGg" not in json.dumps(report),
              "report secret: the secret value itself is not in the report")
    elif name == "root":
        check("misconfiguration" in kinds, f"report root: misconfigurations surface as items (kinds {sorted(map(str, kinds))})")
    elif name == "plain":
        check("vulnerability" not in kinds and "secret" not in kinds and "model" not in kinds,
              f"report plain: no vulnerability, secret or model items (kinds {sorted(map(str, kinds))})")


def cmd_collect(state_path, adapter, token, timeout):
    state = json.load(open(state_path))
    deadline = time.time() + float(timeout)
    t0 = time.time()
    pending = {s["id"]: s for s in state["scans"]}
    polls = 0
    while pending and time.time() < deadline:
        for sid in list(pending):
            status, headers, body = get_report(adapter, token, sid)
            polls += 1
            if status == 302:
                validate_response("GetScanReport", f"poll {pending[sid]['name']}", status, headers, body, 302)
                continue
            s = pending.pop(sid)
            rep = validate_response("GetScanReport", f"report {s['name']}", status, headers, body, 200, VULN_1_1)
            with open(os.path.join(os.path.dirname(os.path.abspath(state_path)), f"harbor-report-{s['name']}.json"), "wb") as f:
                f.write(body)
            if rep is not None:
                expect_content(s["name"], rep, s["digest"], s["repository"])
        if pending:
            time.sleep(0.5)
    check(not pending, f"every report arrived within {timeout} s ({time.time() - t0:.1f} s, {polls} polls)")
    if not state["scans"]:
        bad("no scans were submitted")
        return
    first = state["scans"][0]
    # The same report in Harbor's 1.0 type, and both SBOM formats.
    status, headers, body = get_report(adapter, token, first["id"], VULN_1_0)
    validate_response("GetScanReport", "report as vuln.report.harbor 1.0", status, headers, body, 200, VULN_1_0)
    for t in SBOM_TYPES:
        status, headers, body = get_report(adapter, token, first["id"], SBOM_1_0,
                                           "?sbom_media_type=" + urllib.parse.quote(t, safe=""))
        rep = validate_response("GetScanReport", f"SBOM {t}", status, headers, body, 200, SBOM_1_0)
        if rep is not None:
            check(rep.get("media_type") == t and isinstance(rep.get("sbom"), dict) and rep["sbom"],
                  f"SBOM {t}: media_type and a non-empty document")
            if t.endswith("cyclonedx+json"):
                check(rep["sbom"].get("bomFormat") == "CycloneDX"
                      and any(c.get("name") == "jinja2" for c in rep["sbom"].get("components", [])) == (first["name"] == "vuln"),
                      "SBOM CycloneDX: a CycloneDX document listing the image's packages")
            else:
                check(str(rep["sbom"].get("spdxVersion", "")).startswith("SPDX-"), "SBOM SPDX: an SPDX document")


def cmd_errors(adapter, token, registry_url, digest):
    base = scan_request(registry_url, "robot$x:y", "harbor/vuln", digest)
    status, headers, body = http("POST", f"{adapter}/api/v1/scan", token, b"{not json",
                                 {"Content-Type": REQUEST_TYPES[0]})
    validate_response("AcceptScanRequest", "scan: invalid JSON", status, headers, body, 400)
    wrong_type = dict(base, registry="http://x")
    status, headers, body = http("POST", f"{adapter}/api/v1/scan", token, json.dumps(wrong_type).encode(),
                                 {"Content-Type": REQUEST_TYPES[0]})
    validate_response("AcceptScanRequest", "scan: registry of the wrong type", status, headers, body, 400)
    bad_digest = json.loads(json.dumps(base))
    bad_digest["artifact"]["digest"] = "sha256:nothex"
    send_scan(adapter, token, bad_digest, "scan: malformed digest", 422)
    bad_url = json.loads(json.dumps(base))
    bad_url["registry"]["url"] = "file:///etc/passwd"
    send_scan(adapter, token, bad_url, "scan: non-HTTP registry URL", 422, request_valid=False)
    index = json.loads(json.dumps(base))
    index["artifact"]["mime_type"] = "application/vnd.oci.image.index.v1+json"
    send_scan(adapter, token, index, "scan: an index artifact", 501)
    raw = json.loads(json.dumps(base))
    raw["enabled_capabilities"] = [{"type": "vulnerability",
                                    "produces_mime_types": ["application/vnd.scanner.adapter.vuln.report.raw"]}]
    send_scan(adapter, token, raw, "scan: a report type not produced", 501)
    status, headers, body = get_report(adapter, token, "3fa85f64-5717-4562-b3fc-2c963f66afa6")
    validate_response("GetScanReport", "report of an unknown id", status, headers, body, 404)
    status, headers, body = get_report(adapter, token, "not-a-uuid")
    validate_response("GetScanReport", "report of a malformed id", status, headers, body, 404)
    status, headers, body = get_report(adapter, token, "3fa85f64-5717-4562-b3fc-2c963f66afa6", SBOM_1_0)
    validate_response("GetScanReport", "SBOM without sbom_media_type", status, headers, body, 400)
    status, headers, body = get_report(adapter, token, "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                                       "application/vnd.scanner.adapter.vuln.report.raw")
    validate_response("GetScanReport", "report in the raw type (not produced)", status, headers, body, 501)
    for tok, what in [(None, "no token"), ("swt_" + "A" * 43, "an unknown token")]:
        status, _, _ = http("GET", f"{adapter}/api/v1/metadata", tok)
        check(status == 401, f"metadata with {what}: 401 ({status})")
    # Wrong robot credentials: accepted (202), then the report is a 500 naming the failure.
    # (A digest never scanned in this project, so that no fresh result answers for it.)
    wrong = scan_request(registry_url, "robot$x:wrong-password", "harbor/plain", "sha256:" + "1" * 64)
    resp = send_scan(adapter, token, wrong, "scan with wrong robot credentials")
    if resp:
        deadline = time.time() + 60
        status = 302
        while status == 302 and time.time() < deadline:
            status, headers, body = get_report(adapter, token, resp["id"])
            if status == 302:
                time.sleep(0.5)
        err = validate_response("GetScanReport", "report of a scan whose pull was refused", status, headers, body, 500)
        if err:
            check("401" in err["error"]["message"] or "auth" in err["error"]["message"].lower(),
                  f"the 500 names the authentication failure ({err['error']['message'][:160]})")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"submit": cmd_submit, "collect": cmd_collect, "errors": cmd_errors}[cmd](*args)
    print(f"harbor-client: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


main()
