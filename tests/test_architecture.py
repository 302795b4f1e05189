"""The shape of the code: the core stays platform-neutral (no Slack, no front end, no
markup), no import circle, and no module grows past 400 lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers")
# What the core may never import: the front ends and the platforms' SDKs.
FORBIDDEN = ("slack_bolt", "slack_sdk", "handlers", "microsoft_teams", "botbuilder")
MAX_LINES = 400
# Modules allowed over MAX_LINES while others shrink them: none left (keep it empty).
OVERSIZE_ALLOWED: set[str] = set()


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of bot/ and handlers/."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imports(tree: ast.Module, *, module_level_only: bool):
    """Import statements of a module: all of them, or only those run when it is imported
    (not inside a function, not under ``if TYPE_CHECKING``)."""
    if not module_level_only:
        yield from (n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom))
        return
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try | ast.With) and not _type_checking_block(node):
            for field in ("body", "orelse", "handlers", "finalbody"):
                pending.extend(getattr(node, field, []))
        elif isinstance(node, ast.ExceptHandler):
            pending.extend(node.body)


def import_graph(*, module_level_only: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of bot/ and handlers/ it imports (``from a import b`` counts as
    importing a.b when b is a module, else a)."""
    files = module_files()

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = set()
        for node in _imports(ast.parse(path.read_text()), module_level_only=module_level_only):
            if isinstance(node, ast.Import):
                deps.update(known(alias.name) for alias in node.names)
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            deps.update(known(f"{base}.{alias.name}") for alias in node.names)
        graph[name] = {d for d in deps if d and d != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or round a loop (Tarjan's
    strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_import_circle_in_the_core():
    """Any import counts in bot/: at module level, in a function, or for type checking."""
    graph = import_graph()
    core = {m: {d for d in deps if d.startswith("bot")} for m, deps in graph.items()}
    assert circles({m: d for m, d in core.items() if m.startswith("bot")}) == []
    assert len(core) >= 50  # the walk really found the core's modules


def test_no_import_circle_between_the_modules_as_they_load():
    """Across bot/ and handlers/, no circle among the imports run when a module loads."""
    assert circles(import_graph(module_level_only=True)) == []


def test_the_circle_check_finds_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": {"e"}}
    assert circles(graph) == [["a", "b", "c"], ["e", "e2"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_core_never_imports_a_front_end_or_a_platform_sdk():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN
        )
        for path in (ROOT / "bot").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) >= 10  # the walk really found the core's modules


def test_no_module_is_over_400_lines():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }
    over = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert {k: v for k, v in over.items() if k not in OVERSIZE_ALLOWED} == {}
    # An allowed module that has shrunk comes off the list, so it cannot grow back.
    assert sorted(OVERSIZE_ALLOWED - over.keys()) == []


# Module-level code that runs on import and is not building the module's own names: each is
# a process or library setting, not a list of the app's. Anything else at module level that
# calls out (``register(...)``, ``@registry.add(...)``) would fill a registry on import.
IMPORT_EFFECTS_ALLOWED = {
    ("bot/__main__.py", "sys.exit"),
    ("handlers/__main__.py", "sys.exit"),
    ("bot/reports/charts.py", "matplotlib.use"),  # a backend without a display
    ("bot/logs.py", "os.register_at_fork"),  # a fresh log lock in a forked worker
    ("handlers/teams/__init__.py", "warnings.filterwarnings"),  # the SDK's preview notice
    # The anonymity guard on every Complaint loaded or stored, however the session was made
    # (issue 17 may move it; it must hold even where no composition root ran).
    ("bot/complaints/privacy.py", "event.listen"),
}
# Decorators that only shape the function or class they decorate.
DECORATORS_ALLOWED = {"dataclass", "contextmanager", "functools.cache", "lru_cache", "compiles"}


def _called(node: ast.expr) -> str:
    return ast.unparse(node.func if isinstance(node, ast.Call) else node)


def test_nothing_is_registered_as_a_side_effect_of_an_import():
    """Jobs, outbox kinds, commands and listeners are listed and assembled by the composition
    roots (bot/bootstrap.py, handlers/slack/app.py), never filled in by importing a module."""
    found = []
    for path in module_files().values():
        where = str(path.relative_to(ROOT))
        for node in ast.parse(path.read_text()).body:
            call = node.value if isinstance(node, ast.Expr) else None
            if isinstance(call, ast.Call) and (where, _called(call)) not in IMPORT_EFFECTS_ALLOWED:
                found.append(f"{where}:{node.lineno} {_called(call)}(...)")
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                found += [
                    f"{where}:{node.lineno} @{_called(d)}"
                    for d in node.decorator_list
                    if _called(d) not in DECORATORS_ALLOWED
                ]
    assert found == []


# Slack's markup: a mention (<@U…>), a special mention or date (<!here>, <!subteam^…>,
# <!date^…>), a channel link (<#C…>) or a labelled link (<https://…|label>). HTML's <!doctype>
# and <!-- … --> (the published report is HTML) are not Slack markup.
SLACK_MARKUP = re.compile(r"<[@#]|<!(?!doctype|--)|<(?:https?|mailto):[^>|]*\|", re.IGNORECASE)


def string_pieces(path: Path):
    """(line, text) of every string constant in a module, the fixed parts of f-strings too."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_core_writes_no_slack_markup():
    """The core returns plain words and structured errors; each front end renders people and
    links its own way (the Slack adapter as mentions it builds itself)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}"
        for path in (ROOT / "bot").rglob("*.py")
        for line, text in string_pieces(path)
        if SLACK_MARKUP.search(text)
    ]
    assert offenders == []


def test_the_markup_check_finds_markup():
    found = [bool(SLACK_MARKUP.search(s)) for s in ("<@U1>", "<!here>", "<#C1>", "<https://x|y>")]
    assert found == [True] * 4
    assert not SLACK_MARKUP.search("<!doctype html>") and not SLACK_MARKUP.search("a < b")
