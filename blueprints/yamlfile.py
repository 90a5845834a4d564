"""The one reader of the YAML the CLI takes from users: blueprints, estate files, stack folders.

Every check a hostile or clumsy file needs is here, each failure one line naming the file:
its size (read no further than the limit), UTF-8 (the byte offset of the first bad byte), YAML
syntax (the line), nesting depth and node count (a deep or alias-bomb document is refused before
anything builds it), and duplicate keys, which YAML loaders otherwise settle silently by keeping
the last one (`image:` twice, the second one deployed).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import UserError, quote

# libyaml's loader when PyYAML was built with it (the wheels are): the same safe subset, ~10x
# faster, which a 2,856-deployment estate file notices.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MiB = 1024 * 1024
# The largest shipped blueprint is ~21 KB and a stack config under 1 KB; an estate of 2,856
# deployments is under 1 MiB. Each limit leaves room for far more than that, and none lets a
# mistaken path (a disk image, /dev/zero) be read into memory.
MAX_BYTES = 1 * MiB
ESTATE_MAX_BYTES = 16 * MiB
# Blueprints nest about 6 levels, estates 5; 64 is generous and far below where any loader recurses.
MAX_DEPTH = 64
# Nodes visited, aliases counted each time they are used: what loading would build.
MAX_NODES = 1_000_000

MERGE_TAG = "tag:yaml.org,2002:merge"


def _limit(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n} bytes"


def read_text(path: str | Path, max_bytes: int = MAX_BYTES) -> str:
    """A user's text file: at most `max_bytes`, UTF-8, else one UserError naming the file."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except RuntimeError:  # pathlib's own symlink-loop error (Python < 3.13)
        raise UserError(f"{path}: cannot read (a symbolic link loop)") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise UserError(f"{path}: larger than the {_limit(max_bytes)} a file of this kind may be; is it the right file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None


def _check_nodes(path: Path, root: yaml.Node) -> None:
    """Depth, size and duplicate keys, walked without recursion (a deep document cannot overflow it)."""
    stack = [(root, 1)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise UserError(f"{path}: more than {MAX_NODES:,} values once its aliases are expanded; refused")
        if depth > MAX_DEPTH:
            line = node.start_mark.line + 1
            raise UserError(f"{path}: line {line}: nested more than {MAX_DEPTH} levels deep; refused")
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key, value in node.value:
                if key.tag != MERGE_TAG and isinstance(key, yaml.ScalarNode):
                    k = (key.tag, key.value)
                    if k in first:
                        raise UserError(
                            f"{path}: line {key.start_mark.line + 1}: duplicate key {quote(key.value)} "
                            f"(first on line {first[k]}); YAML would keep only the last, remove one"
                        )
                    first[k] = key.start_mark.line + 1
                stack += [(key, depth + 1), (value, depth + 1)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, depth + 1) for item in node.value]


def load_text(text: str, path: str | Path = "<text>"):
    """One YAML document from `text`, checked as above; errors name `path`."""
    path = Path(path)
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(path, node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{path}:{where} not valid YAML ({problem})") from None
    except RecursionError:  # the pure-Python loader composes recursively, before the depth check
        raise UserError(f"{path}: nested too deeply to read; refused") from None
    finally:
        loader.dispose()


def read_mapping(path: Path, what: str = "a mapping", max_bytes: int = MAX_BYTES) -> dict:
    data = load_text(read_text(path, max_bytes), path)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected {what} at the top level")
    return data
