"""Fetch the chart libraries from the npm registry into `_vendor/`, checked by integrity hash.

The built site must make no request outside itself, so vega, vega-lite and vega-embed are
committed under `_vendor/vega/` with their licences. This script is how they got there and how
they are upgraded: edit PACKAGES (version + the registry's `dist.integrity`, see
`npm view vega@X dist.integrity`), run `python scripts/vendor_js.py`, commit. vega-lite must match
the version altair's specs are written for (`altair.VEGALITE_VERSION`).
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

PACKAGES = {
    "vega": ("6.4.0", "sha512-rHXCq2LpEWCLMjXBEj7hocY9G0/i5TGYRayGGSj06VTF4+l2IG2Z7oeZKCjWbUh/7hTE/mVhbaOPB72wCElh6g=="),
    "vega-lite": ("6.4.1", "sha512-KO3ybHNouRK4A0al/+2fN9UqgTEfxrd/ntGLY933Hg5UOYotDVQdshR3zn7OfXwQ7uj0W96Vfa5R+QxO8am3IQ=="),
    "vega-embed": ("7.3.0", "sha512-wQ8s5GaSzqoKgmRfbRolgBrjE2CP7ZKHXqH7NijxMqPjpdWxSs4Dn8tvp9g0giQvh2cK+3p56sxjWWM0wNngGw=="),
}
REGISTRY = "https://registry.npmjs.org"
TARGET = Path(__file__).resolve().parent.parent / "_vendor" / "vega"


def fetch(name: str, version: str, integrity: str) -> bytes:
    url = f"{REGISTRY}/{name}/-/{name}-{version}.tgz"
    data = urllib.request.urlopen(url, timeout=60).read()
    algo, expected = integrity.split("-", 1)
    actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if actual != expected:
        sys.exit(f"{name}@{version}: integrity mismatch ({algo} {actual} != {expected})")
    return data


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, (version, integrity) in PACKAGES.items():
        with tarfile.open(fileobj=io.BytesIO(fetch(name, version, integrity))) as tar:
            script = tar.extractfile(f"package/build/{name}.min.js").read()
            licence = tar.extractfile("package/LICENSE").read()
        (TARGET / f"{name}.min.js").write_bytes(script)
        (TARGET / f"{name}.LICENSE").write_bytes(licence)
        manifest[name] = {"version": version, "integrity": integrity,
                          "sha256": hashlib.sha256(script).hexdigest(),
                          "source": f"{REGISTRY}/{name}/-/{name}-{version}.tgz"}
        print(f"{name}@{version}: {len(script):,} bytes")
    (TARGET / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
