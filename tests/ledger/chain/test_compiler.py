"""Compiling the contracts: compiler lookup, the build cache, and located errors."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import solcx

from ledger.chain import compiler
from ledger.chain.compiler import WRAPPER, compile_contracts, find_solc
from ledger.errors import CompilationFailed, CompilerNotFound
from tests.conftest import ROOT


def make_project(tmp_path: Path, sources: dict[str, str]) -> Path:
    """A project folder with its own contracts, sharing the real node_modules."""
    root = tmp_path / "project"
    (root / "contracts").mkdir(parents=True)
    shutil.copy(ROOT / "package.json", root / "package.json")
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    for name, text in sources.items():
        (root / "contracts" / name).write_text(text)
    return root


GOOD = """// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract Counter is Ownable {
    uint256 public count;
    constructor() Ownable(msg.sender) {}
    function bump() external onlyOwner { count += 1; }
}
"""

BROKEN = """// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

contract Broken {
    function f() external pure returns (uint256) {
        return undefinedThing;
    }
}
"""


@pytest.fixture
def npm_solc() -> compiler.Solc:
    return find_solc(solc_path=None, root=ROOT)


def test_compile_cold_then_cached(tmp_path: Path, npm_solc: compiler.Solc, monkeypatch) -> None:
    cache = tmp_path / "cache"
    cold = compile_contracts(solc=npm_solc, root=ROOT, cache_dir=cache)
    assert not cold.cached
    artifact = cold["RecordAnchor"]
    assert artifact.source == "contracts/RecordAnchor.sol"
    assert 0 < artifact.deployed_size < 24_576
    assert any(item.get("name") == "anchor" for item in artifact.abi)
    assert json.loads(artifact.metadata)["settings"]["evmVersion"] == "prague"

    def no_compiler(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm build must not run the compiler")

    monkeypatch.setattr(solcx, "compile_standard", no_compiler)
    warm = compile_contracts(solc=npm_solc, root=ROOT, cache_dir=cache)
    assert warm.cached
    assert warm.key == cold.key
    assert warm["RecordAnchor"] == artifact


def test_compile_resolves_openzeppelin_imports(tmp_path: Path, npm_solc: compiler.Solc) -> None:
    root = make_project(tmp_path, {"Counter.sol": GOOD})
    build = compile_contracts(solc=npm_solc, root=root, cache_dir=tmp_path / "cache")
    assert set(build.artifacts) == {"Counter"}  # Ownable is compiled but not ours
    assert build["Counter"].deployed_size > 0


def test_build_key_follows_every_source(tmp_path: Path, npm_solc: compiler.Solc) -> None:
    root = make_project(tmp_path, {"Counter.sol": GOOD})
    first = compile_contracts(solc=npm_solc, root=root, cache_dir=tmp_path / "cache")
    (root / "contracts" / "Counter.sol").write_text(GOOD.replace("count += 1", "count += 2"))
    second = compile_contracts(solc=npm_solc, root=root, cache_dir=tmp_path / "cache")
    assert not second.cached
    assert second.key != first.key
    assert second["Counter"].bytecode != first["Counter"].bytecode


def test_broken_contract_reports_file_and_line(tmp_path: Path, npm_solc: compiler.Solc) -> None:
    root = make_project(tmp_path, {"Broken.sol": BROKEN})
    with pytest.raises(CompilationFailed) as exc:
        compile_contracts(solc=npm_solc, root=root, cache_dir=tmp_path / "cache")
    (diagnostic,) = exc.value.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("contracts/Broken.sol", 6, 16)
    assert "Undeclared identifier" in diagnostic.message
    assert str(diagnostic).startswith("contracts/Broken.sol:6:16: error: DeclarationError")


def test_import_outside_project_is_refused(tmp_path: Path, npm_solc: compiler.Solc) -> None:
    outside = tmp_path / "Secret.sol"
    outside.write_text("// SPDX-License-Identifier: Apache-2.0\npragma solidity 0.8.30;\n")
    source = GOOD.replace(
        'import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";',
        f'import "{outside}";\n'
        + 'import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";',
    )
    root = make_project(tmp_path, {"Counter.sol": source})
    with pytest.raises(CompilationFailed, match="outside the allowed paths"):
        compile_contracts(solc=npm_solc, root=root, cache_dir=tmp_path / "cache")


def test_find_solc_prefers_ipledger_solc(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    solc = find_solc(solc_path=WRAPPER, root=ROOT)
    assert solc.origin == "IPLEDGER_SOLC"
    assert solc.version.startswith("0.8.30+commit.")


def test_compile_through_ipledger_solc(tmp_path: Path) -> None:
    solc = find_solc(solc_path=WRAPPER, root=ROOT)
    build = compile_contracts(solc=solc, root=ROOT, cache_dir=tmp_path / "cache")
    assert "RecordAnchor" in build.artifacts


def test_find_solc_uses_py_solc_x_install(tmp_path: Path, monkeypatch) -> None:
    installs = tmp_path / "solcx"
    installs.mkdir()
    (installs / "solc-v0.8.30").symlink_to(WRAPPER)
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(installs))
    solc = find_solc(solc_path=None, root=ROOT)
    assert solc.origin == "py-solc-x"
    assert solc.path == installs / "solc-v0.8.30"


def test_find_solc_falls_back_to_npm(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path))
    solc = find_solc(solc_path=None, root=ROOT)
    assert (solc.origin, solc.path, solc.version) == ("npm", WRAPPER, "0.8.30")


def test_find_solc_without_any_names_all_three_ways(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path))
    root = tmp_path / "bare"
    root.mkdir()
    shutil.copy(ROOT / "package.json", root / "package.json")
    with pytest.raises(CompilerNotFound) as exc:
        find_solc(solc_path=None, root=root)
    message = str(exc.value)
    assert "IPLEDGER_SOLC" in message
    assert "py-solc-x" in message
    assert "npm ci" in message


def test_ipledger_solc_must_be_a_solc(tmp_path: Path) -> None:
    fake = tmp_path / "solc"
    fake.write_text("#!/bin/sh\necho hello\n")
    os.chmod(fake, 0o755)
    with pytest.raises(CompilerNotFound, match="does not answer --version like solc"):
        find_solc(solc_path=fake, root=ROOT)
