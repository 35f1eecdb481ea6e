"""Vendor the browser's third-party modules from pinned npm tarballs, with no npm needed.

frontend/vendor/vendor.lock.json names each package's version, its tarball on the npm registry
and the tarball's `integrity` (sha512, as `npm view <name>@<version> dist` prints it), and the
files to take from it with the sha256 of each as committed.

    python scripts/vendor.py           download, verify the integrity, extract, record sha256s
    python scripts/vendor.py --check   verify the committed files against the lock (offline)

Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "frontend" / "vendor"
LOCK = VENDOR / "vendor.lock.json"
MAX_TARBALL = 50 * 1024 * 1024


class VendorError(Exception):
    pass


def check_integrity(data: bytes, integrity: str) -> None:
    """Raise unless `data` matches an npm `integrity` string ("sha512-<base64>"; a list of
    them separated by spaces passes if any sha512 entry matches)."""
    wanted = [entry for entry in integrity.split() if entry.startswith("sha512-")]
    if not wanted:
        raise VendorError(f"no sha512 integrity in {integrity!r}")
    actual = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual not in wanted:
        raise VendorError(f"integrity mismatch: expected {wanted[0]}, got {actual}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_target(relative: str) -> Path:
    """The path under frontend/vendor/ that a lock entry's `to` names; refuses escapes."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise VendorError(f"unsafe vendor path {relative!r}")
    return VENDOR.joinpath(*path.parts)


def extract(tarball: bytes, names: list[str]) -> dict[str, bytes]:
    """The contents of the regular files `names` in a .tgz, read in memory (nothing else of the
    archive touches the disk)."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive:
            if member.name in names and member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                found[member.name] = handle.read()
    missing = sorted(set(names) - set(found))
    if missing:
        raise VendorError(f"not in the tarball: {', '.join(missing)}")
    return found


def download(url: str) -> bytes:
    if not url.startswith("https://"):
        raise VendorError(f"refusing a non-https tarball URL {url!r}")
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read(MAX_TARBALL + 1)
    if len(data) > MAX_TARBALL:
        raise VendorError(f"{url} is larger than {MAX_TARBALL} bytes")
    return data


def load_lock() -> dict[str, Any]:
    return json.loads(LOCK.read_text(encoding="utf-8"))


def fetch(lock: dict[str, Any]) -> None:
    for package in lock["packages"]:
        label = f"{package['name']}@{package['version']}"
        tarball = download(package["tarball"])
        check_integrity(tarball, package["integrity"])
        contents = extract(tarball, [entry["from"] for entry in package["files"]])
        for entry in package["files"]:
            data = contents[entry["from"]]
            target = safe_target(entry["to"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            entry["sha256"] = sha256(data)
            print(f"{label}: {entry['from']} -> {target.relative_to(ROOT)} ({len(data)} bytes)")
    LOCK.write_text(json.dumps(lock, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def problems(lock: dict[str, Any]) -> list[str]:
    """What differs between the committed vendor files and the lock (empty when all match)."""
    found: list[str] = []
    for package in lock["packages"]:
        for entry in package["files"]:
            target = safe_target(entry["to"])
            where = target.relative_to(ROOT)
            if not entry.get("sha256"):
                found.append(f"{where}: no sha256 in the lock (run scripts/vendor.py)")
            elif not target.is_file():
                found.append(f"{where}: missing")
            elif sha256(target.read_bytes()) != entry["sha256"]:
                found.append(f"{where}: differs from the lock's sha256")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the files, offline")
    args = parser.parse_args(argv)
    lock = load_lock()
    try:
        if not args.check:
            fetch(lock)
        found = problems(lock)
    except VendorError as error:
        print(f"vendor: {error}", file=sys.stderr)
        return 1
    for line in found:
        print(f"vendor: {line}", file=sys.stderr)
    if not found and args.check:
        count = sum(len(p["files"]) for p in lock["packages"])
        print(f"vendor: {count} files match {LOCK.relative_to(ROOT)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
