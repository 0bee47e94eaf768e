"""Compile the project's Solidity sources through py-solc-x's standard-JSON interface.

The compiler is looked up in this order:

1. ``IPLEDGER_SOLC``: a path to a solc binary;
2. a solc that py-solc-x has already installed, of the pinned version;
3. the pinned npm package ``solc`` (solc-js) through ``solcjs.cjs``, a small node
   wrapper that speaks the part of solc's command line py-solc-x uses.

Builds are cached under the data folder, keyed by a hash of every source (the
project's own and everything they import), the compiler settings and the compiler
version: a warm build reads one JSON file; it neither looks for a compiler nor runs one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ledger.errors import CompilationFailed, CompilerNotFound, Diagnostic

log = logging.getLogger(__name__)

#: The EVM version the contracts are compiled for; eth-tester (py-evm) and anvil run it.
EVM_VERSION = "prague"
OPTIMIZER_RUNS = 200
WRAPPER = Path(__file__).with_name("solcjs.cjs")
REMAPPINGS = ["@openzeppelin/=node_modules/@openzeppelin/"]
_IMPORT = re.compile(r"""^\s*import\s+(?:[^;]*?\bfrom\s+)?["']([^"']+)["']""", re.MULTILINE)


@dataclass(frozen=True)
class Solc:
    """A Solidity compiler found on this machine."""

    origin: str  # "IPLEDGER_SOLC", "py-solc-x" or "npm"
    path: Path
    version: str

    @property
    def base_version(self) -> str:
        """``0.8.30`` of ``0.8.30+commit.73712a01``: what the build cache is keyed by."""
        return self.version.split("+")[0]


@dataclass(frozen=True)
class Artifact:
    """What the rest of the project needs of one compiled contract."""

    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    metadata: str

    @property
    def deployed_size(self) -> int:
        """Size of the runtime code in bytes (EIP-170 caps it at 24,576)."""
        return len(self.deployed_bytecode) // 2

    @property
    def code_hash(self) -> str:
        """sha256 of the creation bytecode: identifies what was deployed."""
        return hashlib.sha256(bytes.fromhex(self.bytecode)).hexdigest()


@dataclass(frozen=True)
class Build:
    """The result of compiling every contract of the project."""

    key: str
    compiler: str
    evm_version: str
    artifacts: dict[str, Artifact]
    warnings: list[str] = field(default_factory=list)
    cached: bool = False

    def __getitem__(self, name: str) -> Artifact:
        return self.artifacts[name]


def project_root() -> Path:
    """The folder that holds ``contracts/``, ``node_modules/`` and ``package.json``."""
    return Path(__file__).resolve().parents[2]


def pinned_solc_version(root: Path) -> str:
    """The exact solc version pinned in the project's package.json."""
    package = json.loads((root / "package.json").read_text())
    return package["dependencies"]["solc"]


def find_solc(*, solc_path: Path | None, root: Path) -> Solc:
    """Find the compiler to use, in the documented order.

    Args:
        solc_path: the value of ``IPLEDGER_SOLC``, if set.
        root: the project root (for package.json and node_modules).

    Raises:
        CompilerNotFound: when none of the three ways gives a compiler.
    """
    import solcx  # imported here: a warm build needs no compiler

    wanted = pinned_solc_version(root)
    if solc_path is not None:
        return Solc("IPLEDGER_SOLC", solc_path, binary_version(solc_path))

    installed = {str(v): v for v in solcx.get_installed_solc_versions()}
    if wanted in installed:
        return Solc("py-solc-x", Path(solcx.install.get_executable(installed[wanted])), wanted)

    npm_solc = root / "node_modules" / "solc" / "package.json"
    if npm_solc.is_file() and shutil.which("node"):
        version = json.loads(npm_solc.read_text())["version"]
        return Solc("npm", WRAPPER, version)

    raise CompilerNotFound(
        f"No Solidity compiler {wanted} was found. Give one in any of three ways: "
        "set IPLEDGER_SOLC to the path of a solc binary; or install it with py-solc-x "
        f"(python -c 'import solcx; solcx.install_solc(\"{wanted}\")'), where downloads "
        "are possible; or run `npm ci` in the project folder so that the pinned npm "
        "package `solc` is used through ledger/chain/solcjs.cjs (needs node on PATH)."
    )


def binary_version(solc_path: Path) -> str:
    """The full version a solc binary reports, e.g. ``0.8.30+commit.73712a01``."""
    if not (solc_path.is_file() and os.access(solc_path, os.X_OK)):
        raise CompilerNotFound(f"IPLEDGER_SOLC={solc_path} is not an executable file.")
    try:
        answer = subprocess.run(
            [str(solc_path), "--version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise CompilerNotFound(f"IPLEDGER_SOLC={solc_path} cannot be run: {exc}") from None
    found = re.search(r"Version: (\d+\.\d+\.\d+\S*)", answer)
    if found is None:
        raise CompilerNotFound(
            f"IPLEDGER_SOLC={solc_path} does not answer --version like solc: {answer.strip()!r}"
        )
    return found.group(1)


def compiler_settings() -> dict[str, Any]:
    """The standard-JSON settings every build uses."""
    return {
        "evmVersion": EVM_VERSION,
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "remappings": REMAPPINGS,
        "outputSelection": {
            "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]}
        },
    }


def compile_contracts(
    *,
    root: Path,
    cache_dir: Path,
    solc: Solc | None = None,
    solc_path: Path | None = None,
    sources_dir: Path | None = None,
) -> Build:
    """Compile every ``.sol`` file under ``sources_dir`` (default ``root/contracts``).

    Args:
        root: the project root; source names and imports are relative to it.
        cache_dir: where built artifacts are kept.
        solc: the compiler to use; when omitted it is looked up with
            :func:`find_solc`, and only if the build is not in the cache.
        solc_path: the value of ``IPLEDGER_SOLC``, if set.
        sources_dir: the folder of Solidity sources.

    Returns:
        The build; ``cached`` tells whether it came from the cache.

    Raises:
        CompilationFailed: with every error located as file:line:column.
    """
    sources_dir = sources_dir or root / "contracts"
    own = sorted(sources_dir.rglob("*.sol"))
    if not own:
        raise CompilationFailed([Diagnostic("error", str(sources_dir), 0, 0, "no .sol files")])
    names = [_source_name(p, root) for p in own]
    if solc is not None:
        version = solc.base_version
    elif solc_path is not None:
        version = binary_version(solc_path).split("+")[0]
    else:
        version = pinned_solc_version(root)
    key = _build_key(version, root, names)
    cached = cache_dir / f"{key}.json"
    if cached.is_file():
        build = _read_build(cached)
        if build is not None:
            return build

    import solcx
    from solcx.exceptions import SolcError

    solc = solc or find_solc(solc_path=solc_path, root=root)
    settings = compiler_settings()
    texts = {name: (root / name).read_text() for name in names}
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in texts.items()},
        "settings": settings,
    }
    log.info("compiling %d sources with solc %s (%s)", len(names), solc.version, solc.origin)
    try:
        output = solcx.compile_standard(
            standard_input,
            base_path=str(root),
            allow_paths=[str(root)],
            solc_binary=solc.path,
        )
    except SolcError as exc:
        errors = [e for e in (exc.error_dict or []) if e.get("severity") == "error"]
        if not errors:
            detail = (exc.stderr_data or exc.message or "").strip()
            raise CompilationFailed([Diagnostic("error", "", 0, 0, detail)]) from None
        raise CompilationFailed([_diagnostic(e, root) for e in errors]) from None

    warnings = [str(_diagnostic(e, root)) for e in output.get("errors", [])]
    artifacts: dict[str, Artifact] = {}
    for name in names:
        for contract, out in output["contracts"].get(name, {}).items():
            artifacts[contract] = Artifact(
                name=contract,
                source=name,
                abi=out["abi"],
                bytecode=out["evm"]["bytecode"]["object"],
                deployed_bytecode=out["evm"]["deployedBytecode"]["object"],
                metadata=out["metadata"],
            )
    build = Build(key, f"{solc.version} ({solc.origin})", EVM_VERSION, artifacts, warnings)
    _write_build(cached, build)
    return build


def _source_name(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def _resolve_import(importer: str, target: str) -> str:
    if target.startswith("."):
        return os.path.normpath(os.path.join(os.path.dirname(importer), target))
    for remap in REMAPPINGS:
        prefix, _, replacement = remap.partition("=")
        if target.startswith(prefix):
            return replacement + target[len(prefix) :]
    return target


def _build_key(version: str, root: Path, names: list[str]) -> str:
    """Hash of every source in the import closure, the settings and the compiler."""
    digests: dict[str, str] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in digests:
            continue
        path = root / name
        if not path.is_file():
            digests[name] = "missing"  # the compiler will report it
            continue
        text = path.read_text()
        digests[name] = hashlib.sha256(text.encode()).hexdigest()
        pending.extend(_resolve_import(name, t) for t in _IMPORT.findall(text))
    material = {
        "compiler": version,
        "settings": compiler_settings(),
        "sources": dict(sorted(digests.items())),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:32]


def _diagnostic(error: dict[str, Any], root: Path) -> Diagnostic:
    location = error.get("sourceLocation") or {}
    file = location.get("file", "")
    line = column = 0
    start = location.get("start", -1)
    if file and start >= 0 and (root / file).is_file():
        before = (root / file).read_bytes()[:start].decode(errors="replace")
        line = before.count("\n") + 1
        column = start - (before.rfind("\n") + 1) + 1 if "\n" in before else start + 1
    message = error.get("message", "").strip()
    kind = error.get("type", "")
    text = f"{kind}: {message}" if kind and kind not in ("Warning", "Info") else message
    return Diagnostic(error.get("severity", "error"), file, line, column, text)


def _write_build(path: Path, build: Build) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = asdict(build)
    data.pop("cached")
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _read_build(path: Path) -> Build | None:
    try:
        data = json.loads(path.read_text())
        artifacts = {k: Artifact(**v) for k, v in data.pop("artifacts").items()}
        return Build(artifacts=artifacts, cached=True, **data)
    except (OSError, ValueError, TypeError, KeyError):
        log.warning("ignoring unreadable build cache %s", path)
        return None
