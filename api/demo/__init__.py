"""``ipledger demo``: a scenario lived through end to end over the API of a real server.

    from api.demo import run_demo

    result = run_demo(Path("scripts/scenarios/sino-german-vision.toml"))

See ``docs/demo.md`` for what it does, step by step.
"""

from api.demo.errors import DemoError
from api.demo.results import DemoResult
from api.demo.run import run_demo

__all__ = ["DemoError", "DemoResult", "run_demo"]
