"""Where process definitions live on disk. Apps add their own directory from AppConfig.ready():

    from pracha.workflow.registry import register_process_dir
    register_process_dir(Path(__file__).parent / "processes")

The workflow engine never imports a domain app; domain apps hand it their directories instead.
"""

from __future__ import annotations

from pathlib import Path

from .definitions import Definition, DefinitionError, Problem, parse_file

OWN_DIR = Path(__file__).resolve().parent / "processes"
_dirs: list[Path] = [OWN_DIR]


def register_process_dir(path: str | Path) -> None:
    path = Path(path).resolve()
    if path not in _dirs:
        _dirs.append(path)


def process_dirs() -> list[Path]:
    return list(_dirs)


def definition_files() -> list[Path]:
    return [f for d in _dirs for f in sorted([*d.glob("*.yaml"), *d.glob("*.yml")])]


def load_all() -> dict[str, tuple[Path, Definition]]:
    """Every registered definition by code; DefinitionError lists the problems of all files."""
    found: dict[str, tuple[Path, Definition]] = {}
    problems: list[Problem] = []
    for path in definition_files():
        try:
            definition = parse_file(path)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if definition.code in found:
            other = found[definition.code][0]
            problems.append(
                Problem(str(path), "code", f"process “{definition.code}” is also defined in {other}")
            )
            continue
        found[definition.code] = (path, definition)
    if problems:
        raise DefinitionError(problems)
    return found
