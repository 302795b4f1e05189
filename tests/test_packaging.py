"""The image's install step, checked without Docker: the wheel built from exactly the files the
Dockerfile copies must carry everything `msbot migrate` and `msbot serve` need at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dockerfile_copies() -> list[str]:
    sources = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            sources += line.split()[1:-1]
    return sources


def test_wheel_from_the_dockerfile_copies_carries_code_and_migrations(tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    for source in _dockerfile_copies():
        path = ROOT / source
        target = context / source
        if path.is_dir():
            shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, target)
    dist = tmp_path / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
    subprocess.run([*pip_wheel, "-w", str(dist), str(context)], check=True)
    [wheel] = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    versions = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("0*.py"))
    assert versions, "no migrations found"
    for version in versions:
        assert f"migrations/versions/{version}" in names
    # The local workspace's page ships in the package: `msbot local` needs no network.
    page = tuple(f"handlers/local/static/{n}" for n in ("index.html", "app.js", "app.css"))
    for needed in ("migrations/env.py", "migrations/script.py.mako", "handlers/cli.py", *page):
        assert needed in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "msbot = handlers.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_image_context_leaves_out_secrets_databases_and_environments():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", "*.db", ".venv", ".git"} <= ignored
