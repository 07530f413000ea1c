"""The shape of the library's code: small modules and functions, SQL only in the store, Streamlit only
in the pages, and no printing outside the command line. Pure Python over the files (no git needed)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "workbench"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60

# "path" for a module, "path:qualified.name" for a function; each with the reason it may be long.
EXEMPT: dict[str, str] = {
    "workbench/store/migrations/versions/0002_coding.py:upgrade": (
        "a migration is frozen history: it must stay exactly as databases were migrated with it"),
}

SQL = ("select(", "session.execute", ".query(", "session.get(", "session.scalar")
SQL_HOME = "workbench/store/"
STREAMLIT_HOME = "workbench/ui/"
PRINT_HOMES = ("workbench/cli/",)


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def functions(tree: ast.AST, prefix: str = "") -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function and method, nested ones too, with its qualified name."""
    found = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append((prefix + node.name, node))
            found += functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            found += functions(node, f"{prefix}{node.name}.")
        else:
            found += functions(node, prefix)
    return found


def code_without_strings(source: str) -> str:
    """The source with comments and string literals (docstrings too) blanked, lines kept."""
    out = source.splitlines(keepends=True)
    blanked = {tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    for token in reversed(list(tokenize.generate_tokens(io.StringIO(source).readline))):
        if token.type not in blanked:
            continue
        (row, col), (end_row, end_col) = token.start, token.end
        if row == end_row:
            line = out[row - 1]
            out[row - 1] = line[:col] + " " * (end_col - col) + line[end_col:]
        else:
            out[row - 1] = out[row - 1][:col] + "\n"
            for middle in range(row, end_row - 1):
                out[middle] = "\n"
            out[end_row - 1] = " " * end_col + out[end_row - 1][end_col:]
    return "".join(out)


def test_no_module_or_function_is_too_long() -> None:
    found: dict[str, str] = {}
    for path in modules():
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            found[relative(path)] = f"{lines} lines"
        for name, node in functions(ast.parse(source)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found[f"{relative(path)}:{name}"] = f"{length} lines (line {node.lineno})"
    unexempt = {key: size for key, size in found.items() if key not in EXEMPT}
    assert not unexempt, (f"over {MAX_MODULE_LINES} lines a module or {MAX_FUNCTION_LINES} a function; split "
                          f"by meaning, or add to EXEMPT with a reason: {unexempt}")
    stale = sorted(set(EXEMPT) - set(found))
    assert not stale, f"EXEMPT names what is no longer too long (remove it): {stale}"
    assert all(reason.strip() for reason in EXEMPT.values())


def test_sql_only_in_the_store() -> None:
    pattern = re.compile("|".join(re.escape(s) for s in SQL))
    found = []
    for path in modules():
        if relative(path).startswith(SQL_HOME):
            continue
        for number, line in enumerate(code_without_strings(path.read_text(encoding="utf-8")).splitlines(), 1):
            for match in pattern.finditer(line):
                if match.group() == "select(" and line[:match.start()].endswith("multi"):
                    continue  # st.multiselect( and other Streamlit multiselect widgets
                found.append(f"{relative(path)}:{number}: {line.strip()}")
    assert not found, f"SQL outside {SQL_HOME} (move it into a store function):\n" + "\n".join(found)


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module))
    return out


def test_streamlit_only_in_the_pages() -> None:
    found = [f"{relative(path)}:{line}: {name}" for path in modules()
             if not relative(path).startswith(STREAMLIT_HOME)
             for line, name in imported_modules(ast.parse(path.read_text(encoding="utf-8")))
             if name == "streamlit" or name.startswith("streamlit.")]
    assert not found, f"streamlit imported outside {STREAMLIT_HOME}: {found}"


def test_the_library_never_prints() -> None:
    found = [f"{relative(path)}:{node.lineno}" for path in modules()
             if not relative(path).startswith(PRINT_HOMES)
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"]
    assert not found, f"print( outside the command line (return the text, or log it): {found}"


def test_the_checks_see_what_they_look_for() -> None:
    """The helpers themselves: strings and comments do not count, code does."""
    code = code_without_strings('x = "session.execute"  # select(\ny = select(z)\n"""\nsession.get(\n"""\n')
    assert "session.execute" not in code and "session.get(" not in code
    assert code.splitlines()[1] == "y = select(z)" and len(code.splitlines()) == 5
    names = [name for name, _ in functions(ast.parse("class A:\n    def f(self):\n        def g(): pass\n"))]
    assert names == ["A.f", "A.f.g"]
