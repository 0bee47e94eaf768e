"""The ``ipledger`` command line."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import ledger
from ledger.errors import CompilationFailed, ConfigurationError, LedgerError
from ledger.settings import Settings, load_settings

app = typer.Typer(
    help="ipledger: IP co-governance ledger for cross-border R&D consortia.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def out() -> Console:
    """Standard output; made per call so that it follows the terminal's current width."""
    return Console()


def err() -> Console:
    return Console(stderr=True)


log = logging.getLogger("ipledger")

#: EIP-170: the largest runtime code a contract may have.
MAX_CODE_SIZE = 24_576


def _version(value: bool) -> None:
    if value:
        out().print(f"ipledger {ledger.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Run the ledger's service and its tools. Settings come from IPLEDGER_* variables."""


def _settings(**overrides: object) -> Settings:
    settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings


def _fail(exc: LedgerError) -> typer.Exit:
    if isinstance(exc, CompilationFailed):
        err().print("[bold red]error:[/] compilation failed", highlight=False)
        for line in exc.diagnostics:
            err().print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    else:
        err().print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
    return typer.Exit(2 if isinstance(exc, ConfigurationError) else 1)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: IPLEDGER_HOST, else 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: IPLEDGER_PORT, else 8000).")
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI UI at /docs) on the configured chain and database."""
    import uvicorn

    from api.app import create_app
    from ledger.runtime import open_runtime

    try:
        settings = _settings(host=host, port=port)
        runtime = open_runtime(settings)
    except LedgerError as exc:
        raise _fail(exc) from None
    try:
        chain = runtime.chain
        log.info(
            "chain %s (id %d) at block %d; database %s",
            chain.backend,
            chain.chain_id,
            chain.block_number,
            settings.db_backend,
        )
        uvicorn.run(
            create_app(settings, runtime=runtime, retry_anchors=True),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
        )
    finally:
        runtime.close()


@app.command("compile")
def compile_() -> None:
    """Compile the Solidity contracts (cached) and list their code sizes."""
    from ledger.chain.compiler import compile_contracts, project_root

    try:
        settings = _settings()
        started = time.perf_counter()
        build = compile_contracts(
            root=project_root(), cache_dir=settings.build_dir, solc_path=settings.solc
        )
    except LedgerError as exc:
        raise _fail(exc) from None
    elapsed = time.perf_counter() - started
    for warning in build.warnings:
        err().print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    table = Table(title=f"solc {build.compiler}, evm {build.evm_version}")
    table.add_column("contract")
    table.add_column("source")
    table.add_column("runtime bytes", justify="right")
    table.add_column("of EIP-170 limit", justify="right")
    deployable = [a for a in build.artifacts.values() if a.bytecode]  # not abstract contracts
    for artifact in sorted(deployable, key=lambda a: a.name):
        share = 100 * artifact.deployed_size / MAX_CODE_SIZE
        table.add_row(
            artifact.name, artifact.source, f"{artifact.deployed_size:,}", f"{share:.1f} %"
        )
    out().print(table)
    how = "from the build cache" if build.cached else "compiled"
    out().print(f"{len(deployable)} contracts {how} in {elapsed:.2f} s (build {build.key})")


@app.command()
def deploy() -> None:
    """Deploy the contracts the configured chain lacks and list where they are."""
    from ledger.runtime import open_runtime

    try:
        runtime = open_runtime(_settings())
    except LedgerError as exc:
        raise _fail(exc) from None
    try:
        chain = runtime.chain
        table = Table(title=f"{chain.backend} chain {chain.chain_id}")
        table.add_column("contract")
        table.add_column("address")
        table.add_column("block", justify="right")
        table.add_column("transaction")
        for name, row in sorted(runtime.deployments.items()):
            table.add_row(name, row.address, str(row.block_number), row.tx_hash)
        out().print(table)
    finally:
        runtime.close()


@app.command("bootstrap-admin")
def bootstrap_admin(name: Annotated[str, typer.Argument(help="Who the admin is.")]) -> None:
    """Create the first admin and print its API key, once (only while no admin exists)."""
    from ledger import principals
    from ledger.context import Ledger
    from ledger.db import session_scope
    from ledger.runtime import open_runtime

    try:
        runtime = open_runtime(_settings())
    except LedgerError as exc:
        raise _fail(exc) from None
    try:
        with session_scope(runtime.engine) as session:
            created = principals.bootstrap_admin(session, Ledger.of(runtime), name)
            key_id = created.principal.key_id
    except LedgerError as exc:
        raise _fail(exc) from None
    finally:
        runtime.close()
    err().print(f"admin {name!r} created (key id {key_id}); its API key, shown this once:")
    out().print(created.api_key, soft_wrap=True)


#: The scenario ``ipledger demo`` runs unless given another.
DEMO_SCENARIO = Path("scripts/scenarios/sino-german-vision.toml")


@app.command()
def demo(
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Scenario file to run (default: scripts/scenarios/sino-german-vision.toml).",
            show_default=False,
        ),
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(
            help="Data folder for the demo's server, new or empty; kept afterwards "
            "(default: a temporary folder, removed at the end).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a scenario end to end over the API of a fresh `ipledger serve` and tell it."""
    from api.demo import run_demo
    from ledger.chain.compiler import project_root

    path = scenario if scenario is not None else project_root() / DEMO_SCENARIO
    try:
        run_demo(path, home=home)
    except LedgerError as exc:
        raise _fail(exc) from None


def openapi_document() -> str:
    """The API's OpenAPI document as the app serves it, in a stable text form."""
    import json

    from api.app import create_app

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"


@app.command()
def openapi(
    path: Annotated[Path, typer.Argument(help="Where to write the document.")] = Path(
        "docs/openapi.json"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Fail if the file differs from the code.")
    ] = False,
) -> None:
    """Write the API's OpenAPI document (or, with --check, compare the file with the code)."""
    document = openapi_document()
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != document:
            err().print(
                f"[red]{path} does not match the code[/red]: run `make openapi` and commit it."
            )
            raise typer.Exit(1)
        err().print(f"{path} matches the code.")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    err().print(f"wrote {path}")


def run() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
