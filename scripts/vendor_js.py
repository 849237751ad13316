"""Fetch JavaScript libraries from the npm registry into `_vendor/`, checked by integrity hash.

The built site must make no request outside itself, so its libraries are committed under
`_vendor/` with their licences. This script is how they got there and how they are upgraded:
edit GROUPS (version + the registry's `dist.integrity`, see `npm view vega@X dist.integrity`),
run `python scripts/vendor_js.py [group ...]`, commit.

- `vega`: vega, vega-lite and vega-embed, shipped to readers on pages with charts. vega-lite
  must match the version altair's specs are written for (`altair.VEGALITE_VERSION`).
- `axe`: axe-core, the accessibility engine the browser tests inject into every page
  (tests/test_accessibility.py). It is for tests only and is never copied into the site.
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

# group -> package -> (version, dist.integrity, script inside the tarball's package/)
GROUPS = {
    "vega": {
        "vega": ("6.4.0", "sha512-rHXCq2LpEWCLMjXBEj7hocY9G0/i5TGYRayGGSj06VTF4+l2IG2Z7oeZKCjWbUh/7hTE/mVhbaOPB72wCElh6g==",
                 "build/vega.min.js"),
        "vega-lite": ("6.4.1", "sha512-KO3ybHNouRK4A0al/+2fN9UqgTEfxrd/ntGLY933Hg5UOYotDVQdshR3zn7OfXwQ7uj0W96Vfa5R+QxO8am3IQ==",
                      "build/vega-lite.min.js"),
        "vega-embed": ("7.3.0", "sha512-wQ8s5GaSzqoKgmRfbRolgBrjE2CP7ZKHXqH7NijxMqPjpdWxSs4Dn8tvp9g0giQvh2cK+3p56sxjWWM0wNngGw==",
                       "build/vega-embed.min.js"),
    },
    "axe": {
        "axe-core": ("4.14.1", "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
                     "axe.min.js"),
    },
}
REGISTRY = "https://registry.npmjs.org"
VENDOR = Path(__file__).resolve().parent.parent / "_vendor"


def fetch(name: str, version: str, integrity: str) -> bytes:
    url = f"{REGISTRY}/{name}/-/{name}-{version}.tgz"
    data = urllib.request.urlopen(url, timeout=60).read()
    algo, expected = integrity.split("-", 1)
    actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if actual != expected:
        sys.exit(f"{name}@{version}: integrity mismatch ({algo} {actual} != {expected})")
    return data


def vendor(group: str) -> None:
    target = VENDOR / group
    target.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, (version, integrity, script_path) in GROUPS[group].items():
        with tarfile.open(fileobj=io.BytesIO(fetch(name, version, integrity))) as tar:
            script = tar.extractfile(f"package/{script_path}").read()
            licence = tar.extractfile("package/LICENSE").read()
        (target / f"{name}.min.js").write_bytes(script)
        (target / f"{name}.LICENSE").write_bytes(licence)
        manifest[name] = {"version": version, "integrity": integrity,
                          "sha256": hashlib.sha256(script).hexdigest(),
                          "source": f"{REGISTRY}/{name}/-/{name}-{version}.tgz"}
        print(f"{group}/{name}@{version}: {len(script):,} bytes")
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def main(groups: list[str]) -> None:
    unknown = set(groups) - set(GROUPS)
    if unknown:
        sys.exit(f"unknown group(s) {sorted(unknown)}; known: {sorted(GROUPS)}")
    for group in groups or GROUPS:
        vendor(group)


if __name__ == "__main__":
    main(sys.argv[1:])
