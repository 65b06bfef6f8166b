"""The package's layout rules, checked on the source (README, "Architecture").

- no import cycle between debris modules (imports inside functions included);
- a package's underscored names stay inside it: no ``from X import _name`` across packages
  (``_version``, the build tool's version file, excepted);
- imports inside functions are optional dependencies or deliberately deferred, each with a
  one-line reason (a comment on the line or just above it);
- no module over 600 lines, no function over 80 lines of code (docstrings not counted)
  outside the compiled kernels (the ``*_py`` functions numba compiles);
- exception classes live in ``debris.errors`` and subclass DebrisError; physical constants
  are defined once, in ``debris.constants``;
- ISO text is made only by the writers in ``debris.io`` (and messages), never parsed back.
"""

import ast
import re
from pathlib import Path

import pytest

import debris
from debris import errors

SRC = Path(debris.__file__).resolve().parent
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, path.name == "__init__.py"


MODULES = {name: (path, is_pkg) for name, path, is_pkg in _modules()}


def _package(name: str) -> str:
    return name if MODULES[name][1] else name.rsplit(".", 1)[0]


def _imports(name: str):
    """(imported module, imported names, node) for every import of a debris module in
    `name`, relative imports resolved."""
    path, _ = MODULES[name]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "debris":
                    yield alias.name, [], node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(name).split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "debris":
                continue
            names = [alias.name for alias in node.names]
            yield target, names, node


def _edges():
    graph = {name: set() for name in MODULES}
    for name in MODULES:
        for target, names, _ in _imports(name):
            for item in names or [None]:
                sub = f"{target}.{item}" if item else None
                graph[name].add(sub if sub in MODULES else target)
    return graph


def test_no_import_cycle():
    graph = _edges()
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in MODULES:
                continue
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in MODULES:
        if node not in state:
            visit(node)
    assert not cycles, cycles


def test_no_private_name_crosses_a_package():
    crossing = []
    for name in MODULES:
        for target, names, node in _imports(name):
            if target in MODULES and _package(name) == _package(target):
                continue
            private = [part for part in target.split(".") + names
                       if part.startswith("_") and not part.startswith("__")
                       and part != "_version"]
            if private:
                crossing.append(f"{name}:{node.lineno} imports {target} {names}")
    assert not crossing, crossing


def test_imports_inside_functions_say_why():
    silent = []
    for name, (path, _) in MODULES.items():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    line, above = lines[sub.lineno - 1], lines[sub.lineno - 2].strip()
                    if "#" not in line and not above.startswith("#"):
                        silent.append(f"{name}:{sub.lineno}: {line.strip()}")
    assert not silent, silent


def _code_lines(node) -> int:
    """Lines of a function without its docstring."""
    lines = node.end_lineno - node.lineno + 1
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                              ast.Constant):
        lines -= body[0].end_lineno - body[0].lineno + 1
    return lines


def test_module_and_function_sizes():
    too_long = []
    for name, (path, _) in MODULES.items():
        text = path.read_text()
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and not node.name.endswith("_py") and _code_lines(node) > MAX_FUNCTION_LINES:
                too_long.append(f"{name}.{node.name}: {_code_lines(node)} lines")
    assert not too_long, too_long


def test_exceptions_live_in_errors_and_subclass_debris_error():
    elsewhere = []
    for name, (path, _) in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                    getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception"))
                    for b in node.bases) and name != "debris.errors":
                elsewhere.append(f"{name}.{node.name}")
    assert not elsewhere, elsewhere
    for cls in vars(errors).values():
        if isinstance(cls, type) and issubclass(cls, Exception):
            assert issubclass(cls, errors.DebrisError), cls


@pytest.mark.parametrize("value", [398600.8, 6378.135, 6378.137, 6378.1366, 298.257223563,
                                   0.001082616, 86400.0])
def test_constants_are_defined_once(value):
    """The number appears in code (not prose) in debris.constants only."""
    where = sorted({name for name, (path, _) in MODULES.items()
                    for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, ast.Constant) and node.value == value
                    and not isinstance(node.value, bool)})
    assert where == ["debris.constants"], where


def test_time_text_is_made_and_read_only_at_the_edge():
    """format_iso (and Times.iso) are called only by the writers in debris.io; no module
    outside the readers parses times from text it did not receive as input."""
    makers = []
    for name, (path, _) in MODULES.items():
        if name.startswith("debris.io") or name == "debris.timescale":
            continue
        text = path.read_text()
        if re.search(r"format_iso\(|\.iso\(\)", text):
            makers.append(name)
    # messages built from times (a window that ends before it starts, a duplicate's epoch)
    assert set(makers) <= {"debris.catalog", "debris.cli.common"}, makers
    # columns of text turned back into times: only the archive reads its stored epochs
    readers = [name for name, (path, _) in MODULES.items()
               if re.search(r"to_times\(list\(", path.read_text())]
    assert readers == ["debris.archive"], readers


def test_no_code_asks_for_a_backend_by_name():
    """What a backend can do is declared with it (debris.backends.PropagationBackend), so no
    module compares a backend object's name with a backend's (``engine.name == "numba"``)."""
    names = {"numba", "heyoka", "sgp4"}
    found = []
    for name, (path, _) in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            asks_name = any(
                (isinstance(s, ast.Attribute) and s.attr == "name")
                or (isinstance(s, ast.Call) and getattr(s.func, "id", "") == "getattr"
                    and len(s.args) > 1 and getattr(s.args[1], "value", None) == "name")
                for s in sides)
            if asks_name and any(isinstance(s, ast.Constant) and s.value in names
                                 for s in sides):
                found.append(f"{name}:{node.lineno}")
    assert not found, found


def test_sgp4_is_written_once():
    """SGP4's arithmetic shared by the compiled kernels (angle reduction, Kepler's equation,
    long- and short-period terms) and the WGS-72 constants that define SGP4 live in
    ``debris.propagation.sgp4_core``; the scalar, lane and deep-space kernels import them."""
    steps = {"fmod2pi", "kepler", "kepler_step", "long_period", "short_period",
             "near_secular"}
    sgp4_constants = {"WGS72_J2", "WGS72_J3", "WGS72_J4", "WGS72_XKE"}
    copies, constants = [], []
    for name, (path, _) in MODULES.items():
        if name in ("debris.propagation.sgp4_core", "debris.constants"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.strip("_").removesuffix(
                    "_py") in steps:
                copies.append(f"{name}.{node.name}")
            if isinstance(node, ast.Name) and node.id in sgp4_constants:
                constants.append(f"{name}:{node.lineno} {node.id}")
            if isinstance(node, ast.Constant) and node.value == 1.0e-12 and (
                    name.startswith("debris.propagation")):
                constants.append(f"{name}:{node.lineno} Kepler's tolerance")
    assert not copies, copies
    assert not constants, constants
    for kernel in ("numba_sgp4", "sgp4_lanes", "sdp4"):
        used = {n for target, names, _ in _imports(f"debris.propagation.{kernel}")
                if target == "debris.propagation.sgp4_core" for n in names}
        assert "short_period" in used, kernel


def test_kernels_compile_through_the_kernel_cache():
    """Every compiled kernel is made by ``debris.kernel_cache.njit``, so its cache lives
    outside the install and follows debris' whole source (a plain ``numba.njit`` would cache
    beside the module, lost on reinstall and blind to the functions it inlines)."""
    plain = [f"{name}:{node.lineno}" for name, (path, _) in MODULES.items()
             if name != "debris.kernel_cache"
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Attribute) and node.attr in ("njit", "jit")
             and getattr(node.value, "id", "") == "numba"]
    assert not plain, plain


def test_formats_live_in_their_homes():
    """Catalogue formats are read and written in debris.tle and debris.omm (registered in
    debris.catalog_formats), observation formats in debris.observations (registered in
    debris.observations.formats), CCSDS messages in debris.io.ccsds: no CCSDS keyword text,
    TLE checksum or format registry anywhere else (the command line included)."""
    homes = {"debris.omm", "debris.io.ccsds", "debris.observations.tdm"}
    ccsds, checksums, registries = [], [], []
    for name, (path, _) in MODULES.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and re.match(r"CCSDS_[A-Z]+_VERS", node.value) and name not in homes):
                ccsds.append(f"{name}:{node.lineno}")
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "tle_checksum"
                    and name != "debris.tle"):
                checksums.append(f"{name}:{node.lineno}")
            if (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "FORMATS"
                                                     for t in node.targets)
                    and not name.startswith("debris.observations.")):
                registries.append(name)
    assert not ccsds and not checksums and not registries, (ccsds, checksums, registries)


def test_pass_events_are_defined_once():
    """The array path and the compiled kernels evaluate the same event rules
    (debris.passes.event_rules: elevation-rate sign, above the limit, maximum, crossing),
    so neither writes its own; tests/test_passes.py checks they find the same passes."""
    rules = {"rate_sign", "above", "is_up", "has_maximum", "crosses"}
    for user in ("debris.passes.events", "debris.passes.kernels"):
        text = MODULES[user][0].read_text()
        assert "from . import event_rules as rules" in text, user
        assert set(re.findall(r"rules\.(\w+)", text)) == rules, user
        # the rate-sign and above-limit arithmetic is not written again
        assert "u * (e * de + n * dn)" not in text and "(p[0] * vel[0] + p[1] * vel[1])" not in text
