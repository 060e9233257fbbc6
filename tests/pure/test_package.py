"""make package (dev/package.sh): the zip a user installs holds the addon in a
membership_dues/ folder, without the development files, and nothing in it
refers to dev/ (the Odoo tests included: they run in a user's install)."""

import ast
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=False, capture_output=True).returncode:
        pytest.skip("not a git checkout with a commit")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        ["bash", str(ROOT / "dev" / "package.sh"), "HEAD", str(out)], capture_output=True, text=True, check=True
    )
    path = Path(result.stdout.strip().splitlines()[-1])
    manifest = ast.literal_eval(
        subprocess.run(
            ["git", "-C", str(ROOT), "show", "HEAD:__manifest__.py"], capture_output=True, text=True, check=True
        ).stdout
    )
    assert path.name == f"membership_dues-{manifest['version']}.zip"
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def test_the_addon_is_in_one_membership_dues_folder(package):
    assert all(name.startswith("membership_dues/") for name in package)
    names = {name.removeprefix("membership_dues/") for name in package}
    for needed in ("__manifest__.py", "__init__.py", "README.rst"):
        assert needed in names
    for folder in ("models/", "views/", "tools/", "engine/", "security/", "data/", "i18n/", "tests/"):
        assert any(name.startswith(folder) for name in names), f"{folder} missing"


def test_no_development_files(package):
    names = {name.removeprefix("membership_dues/") for name in package}
    leaked = sorted(
        name
        for name in names
        if name.split("/")[0] in {"dev", ".ci", "Makefile", ".pre-commit-config.yaml", ".pylintrc", ".ruff.toml"}
        or name.startswith(("tests/pure/", "tests/process/", ".pylintrc"))
        or name.endswith(".sh")
    )
    assert not leaked


def test_nothing_packaged_refers_to_dev(package):
    """No import of a dev module and no path into dev/ in the packaged Python."""
    offenders = []
    for name, data in package.items():
        if not name.endswith(".py"):
            continue
        tree = ast.parse(data.decode("utf-8"), filename=name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "dev" or a.name.startswith("dev.") for a in node.names):
                offenders.append(f"{name}:{node.lineno} import dev")
            elif isinstance(node, ast.ImportFrom) and re.match(r"^(dev|\.+dev)(\.|$)", (node.module or "")):
                offenders.append(f"{name}:{node.lineno} from dev")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and (node.value == "dev" or node.value.startswith("dev/"))
            ):
                offenders.append(f"{name}:{node.lineno} path {node.value!r}")
    assert not offenders
