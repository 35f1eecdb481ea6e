"""scripts/vendor.py's offline parts: integrity checks, safe paths and reading a tarball."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "vendor.py"
spec = importlib.util.spec_from_file_location("vendor_script", SCRIPT)
assert spec is not None and spec.loader is not None
vendor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vendor)


def tgz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_the_integrity_must_match_the_tarball():
    data = b"a tarball"
    vendor.check_integrity(data, integrity(data))
    vendor.check_integrity(data, f"sha1-abc {integrity(data)}")
    with pytest.raises(vendor.VendorError, match="mismatch"):
        vendor.check_integrity(b"another tarball", integrity(data))
    with pytest.raises(vendor.VendorError, match="no sha512"):
        vendor.check_integrity(data, "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=")


def test_only_the_named_files_are_read_from_the_tarball():
    archive = tgz({"package/dist/a.mjs": b"export {}", "package/LICENSE": b"MIT", "package/x": b""})
    assert vendor.extract(archive, ["package/dist/a.mjs", "package/LICENSE"]) == {
        "package/dist/a.mjs": b"export {}",
        "package/LICENSE": b"MIT",
    }
    with pytest.raises(vendor.VendorError, match="package/missing"):
        vendor.extract(archive, ["package/missing"])


@pytest.mark.parametrize("path", ["../escape.js", "/etc/passwd", "a/../../b", ""])
def test_a_lock_cannot_write_outside_frontend_vendor(path: str):
    with pytest.raises(vendor.VendorError, match="unsafe"):
        vendor.safe_target(path)


def test_the_committed_vendor_files_match_the_lock():
    assert vendor.problems(vendor.load_lock()) == []
