"""The stored-query registry and runner.

One named query per ``.cypher`` file under ``cypher/``; the file stem is its name and folders are
namespaces (``cypher/graphlets/build.cypher`` is ``graphlets.build``). A header of ``//`` comments
declares it; the body runs unchanged in the Neo4j Browser::

    // name: cost_by_operator
    // summary: Executions and total cost per operator.
    // mode: read
    // params: {since: {type: int, default: null, doc: only executions after this}}
    // returns: {operator: string, executions: int, cost_s: float}
    // browser: ":params {since: 1700000000000}"

``// browser:`` gives example values for the Browser's ``:params`` line (`StoredQuery.params_line`),
which is generated from the declared parameters: an example if the header gives one, else the
default. A parameter named like a graphlet setting (`mlprov.core.settings`) declares its type and
doc but no default: it comes from a `GraphletSettings` (the caller's, else the defaults), in the
runner and in the ``:params`` line alike.

``// partition: source, pipeline`` (read queries) says that the rows of one pipeline depend only on
that pipeline and that the query takes ``$pipelines`` (a list of pipeline names, null for all) to
compute only some: an export then refreshes only the pipelines a graphlet build touched
(`mlprov.analytics.export`). The columns name the rows' order (``desc`` after a column reverses it);
within one pipeline the query's own order is kept.

``// graphlet: trainer_id`` (with a partition) says that each row belongs to one graphlet, named by
its Trainer's id in that column, depends on that graphlet alone, and that the query takes
``$graphlets`` (graphlet uids, null for all) to compute only those: an export then runs again only
the graphlets a build touched, not their whole pipelines. Its partition columns must then order the
rows of a pipeline completely. ``// graphlet: trainer_id, facts`` adds that the rows read none of
the graphlet's costs or WARM_STARTS_FROM and BASELINE links: graphlets whose build changed only
those keep their rows.

``// internal: true`` marks plumbing of mlprov's own commands (what a build must do, whether a
source is loaded): it runs like any other query but the Browser guide leaves it out.

The registry refuses, with ``path:line: message``, a parameter used but not declared or declared
but unused, a duplicate name, a name that is not the file stem, an unknown mode, a setting with a
default or another type than the setting's, a ``browser`` line naming a setting or an undeclared
parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import neo4j
import pandas as pd

from mlprov.core.collection import fewer_collections
from mlprov.core.errors import MlprovError
from mlprov.core.settings import SETTING_NAMES, GraphletSettings, param_type

MODES = ("read", "write", "schema")
HEADER_KEYS = ("name", "summary", "mode", "params", "returns", "browser", "internal", "partition", "graphlet")
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# `IN TRANSACTIONS`, also `IN 2 CONCURRENT TRANSACTIONS`: either needs an implicit transaction.
_IN_TRANSACTIONS = re.compile(r"\bIN\s+(?:\d+\s+)?(?:CONCURRENT\s+)?TRANSACTIONS\b", re.IGNORECASE)


class QueryError(MlprovError):
    """A stored query file is malformed, or a query was asked for that does not exist."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"
    default: Any = None
    doc: str = ""
    setting: bool = False  # named like a graphlet setting: the value comes from a GraphletSettings


@dataclass(frozen=True)
class StoredQuery:
    name: str
    path: str
    summary: str
    mode: str
    body: str
    params: dict[str, Param] = field(default_factory=dict)
    returns: dict[str, str] = field(default_factory=dict)
    examples: dict[str, Any] = field(default_factory=dict)  # the `browser` header's values
    internal: bool = False
    # `// partition:` the order of the rows as (column, descending) pairs; empty when not partitioned.
    partition: tuple[tuple[str, bool], ...] = ()
    # `// graphlet:` the column naming the graphlet each row belongs to (its Trainer's id); None when
    # the rows are not per graphlet. `graphlet_facts`: the rows read no costs or links of a graphlet
    # (`// graphlet: trainer_id, facts`), so a build that changed only those leaves them as they were.
    graphlet: str | None = None
    graphlet_facts: bool = False

    @property
    def statements(self) -> list[str]:
        """The body split on top-level semicolons (schema files hold several statements)."""
        return [s for s in (part.strip() for part in _split_statements(self.body)) if s]

    @property
    def runs_in_own_transactions(self) -> bool:
        return bool(_IN_TRANSACTIONS.search(_strip_strings_and_comments(self.body)))

    @property
    def read_only(self) -> bool:
        """A read query: an analysis, run by `mlprov analyze` and the analytics runner in read-only
        transactions (rules §13)."""
        return self.mode == "read"

    @property
    def takes_settings(self) -> bool:
        return any(p.setting for p in self.params.values())

    def defaults(self, settings: GraphletSettings | None = None) -> dict[str, Any]:
        """Every parameter's value when the caller gives none: settings from `settings` (else the
        default settings), the others from the header."""
        from_settings = (settings or GraphletSettings()).params()
        return {name: from_settings[name] if p.setting else p.default for name, p in self.params.items()}

    def check_names(self, given: Iterable[str]) -> None:
        """Refuse parameter names the query does not declare."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(self.params) or 'none'}"
            )

    def bind(self, given: dict[str, Any], settings: GraphletSettings | None = None) -> dict[str, Any]:
        self.check_names(given)
        return {**self.defaults(settings), **given}

    def params_line(self, settings: GraphletSettings | None = None) -> str:
        """The Browser's `:params` line: each parameter's example, else its value when not given."""
        values = {**self.defaults(settings), **self.examples}
        return ":params {" + ", ".join(f"{name}: {cypher_literal(values[name])}" for name in self.params) + "}"


def cypher_literal(value: object) -> str:
    """`value` as a Cypher literal (for `:params` lines)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---------------------------------------------------------------- header parsing

def _parse_flow_map(text: str, where: str) -> dict[str, Any]:
    """Parse a small YAML-like flow map: ``{a: 1, b: {type: list, default: [x, 'y'], doc: free text}}``."""
    pos = 0

    def skip_ws() -> None:
        nonlocal pos
        while pos < len(text) and text[pos].isspace():
            pos += 1

    def parse_map() -> dict[str, Any]:
        nonlocal pos
        skip_ws()
        if pos >= len(text) or text[pos] != "{":
            raise QueryError(f"{where}: expected '{{' in {text!r}")
        pos += 1
        result: dict[str, Any] = {}
        while True:
            skip_ws()
            if pos < len(text) and text[pos] == "}":
                pos += 1
                return result
            colon = text.find(":", pos)
            if colon < 0:
                raise QueryError(f"{where}: expected 'key: value' in {text!r}")
            key = text[pos:colon].strip()
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                raise QueryError(f"{where}: bad key {key!r}")
            pos = colon + 1
            skip_ws()
            result[key] = parse_value()
            skip_ws()
            if pos < len(text) and text[pos] == ",":
                pos += 1
            elif pos < len(text) and text[pos] == "}":
                continue
            else:
                raise QueryError(f"{where}: expected ',' or '}}' in {text!r}")

    def parse_value() -> Any:
        if pos < len(text) and text[pos] == "{":
            return parse_map()
        if pos < len(text) and text[pos] == "[":
            return parse_list()
        return parse_scalar()

    def parse_list() -> list[Any]:
        nonlocal pos
        pos += 1
        items: list[Any] = []
        while True:
            skip_ws()
            if pos < len(text) and text[pos] == "]":
                pos += 1
                return items
            items.append(parse_scalar(stop=",]"))
            skip_ws()
            if pos < len(text) and text[pos] == ",":
                pos += 1
            elif pos >= len(text) or text[pos] != "]":
                raise QueryError(f"{where}: expected ',' or ']' in {text!r}")

    def parse_scalar(stop: str = ",}") -> Any:
        nonlocal pos
        if pos < len(text) and text[pos] in "\"'":
            quote = text[pos]
            end = text.find(quote, pos + 1)
            if end < 0:
                raise QueryError(f"{where}: unterminated string in {text!r}")
            value = text[pos + 1:end]
            pos = end + 1
            return value
        start = pos
        while pos < len(text) and text[pos] not in stop:
            pos += 1
        return _scalar(text[start:pos].strip())

    value = parse_map()
    skip_ws()
    if pos != len(text):
        raise QueryError(f"{where}: unexpected text after the map: {text[pos:]!r}")
    return value


def _scalar(raw: str) -> Any:
    lowered = raw.lower()
    if lowered in ("null", "none", "~", ""):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


def _strip_strings_and_comments(body: str) -> str:
    return re.sub(r"//[^\n]*|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", " ", body)


def _split_statements(body: str) -> list[str]:
    parts, start, i = [], 0, 0
    while i < len(body):
        ch = body[i]
        if body.startswith("//", i):
            i = body.find("\n", i)
            i = len(body) if i < 0 else i
            continue
        if ch in "'\"`":
            end = i + 1
            while end < len(body) and body[end] != ch:
                end += 2 if body[end] == "\\" else 1
            i = end + 1
            continue
        if ch == ";":
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return parts


def parse_query_file(path: Path, name: str) -> StoredQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, tuple[str, int]] = {}
    body_lines: list[str] = []
    in_header = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*//\s*([a-z_]+)\s*:\s?(.*)$", line) if in_header else None
        if match and match.group(1) in HEADER_KEYS:
            header[match.group(1)] = (match.group(2).strip(), lineno)
            continue
        if in_header and (not line.strip() or line.lstrip().startswith("//")):
            continue
        in_header = False
        body_lines.append(line)

    def where(key: str) -> str:
        return f"{path}:{header[key][1] if key in header else 1}"

    for required in ("name", "summary", "mode"):
        if required not in header:
            raise QueryError(f"{path}:1: header lacks '// {required}: ...'")
    declared_name = header["name"][0]
    if declared_name != path.stem:
        raise QueryError(f"{where('name')}: name {declared_name!r} differs from the file stem {path.stem!r}")
    mode = header["mode"][0]
    if mode not in MODES:
        raise QueryError(f"{where('mode')}: mode {mode!r} is not one of {', '.join(MODES)}")

    params = _parse_params(header["params"][0], where("params")) if "params" in header else {}
    returns: dict[str, str] = {}
    if "returns" in header and header["returns"][0]:
        returns = {k: str(v) for k, v in _parse_flow_map(header["returns"][0], where("returns")).items()}
    examples = _parse_examples(header["browser"][0], where("browser"), params) if "browser" in header else {}
    internal = header.get("internal", ("false", 0))[0].strip().lower()
    if internal not in ("true", "false"):
        raise QueryError(f"{where('internal')}: internal must be true or false, not {internal!r}")

    body = "\n".join(body_lines).strip()
    if not body:
        raise QueryError(f"{path}:1: the query has no body")
    used = set(_PARAM_USE.findall(_strip_strings_and_comments(body)))
    undeclared = sorted(used - set(params))
    if undeclared:
        raise QueryError(f"{where('params')}: parameter(s) used but not declared: {', '.join(undeclared)}")
    unused = sorted(set(params) - used)
    if unused:
        raise QueryError(f"{where('params')}: parameter(s) declared but not used: {', '.join(unused)}")
    if mode == "read" and not returns:
        raise QueryError(f"{where('mode')}: a read query must declare '// returns: {{...}}'")
    partition = _parse_partition(header["partition"][0], where("partition"), mode, params, returns) \
        if "partition" in header else ()
    graphlet, graphlet_facts = _parse_graphlet(header["graphlet"][0], where("graphlet"), partition, params, returns) \
        if "graphlet" in header else (None, False)
    return StoredQuery(name, str(path), header["summary"][0], mode, body, params, returns, examples,
                       internal == "true", partition, graphlet, graphlet_facts)


def _parse_partition(text: str, where: str, mode: str, params: dict[str, Param],
                     returns: dict[str, str]) -> tuple[tuple[str, bool], ...]:
    if mode != "read":
        raise QueryError(f"{where}: only a read query can be partitioned by pipeline")
    missing = [f"parameter {name}" for name in ("source", "pipelines") if name not in params]
    missing += [f"column {name}" for name in ("source", "pipeline") if name not in returns]
    if missing:
        raise QueryError(f"{where}: a query partitioned by pipeline needs {', '.join(missing)}")
    order = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise QueryError(f"{where}: the partition's order is 'column [asc|desc], ...', not {text!r}")
        if words[0] not in returns:
            raise QueryError(f"{where}: the partition's order names {words[0]!r}, which the query does not return")
        order.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    if not {"source", "pipeline"} <= {column for column, _ in order}:
        raise QueryError(f"{where}: the partition's order must include source and pipeline")
    return tuple(order)


def _parse_graphlet(text: str, where: str, partition: tuple[tuple[str, bool], ...], params: dict[str, Param],
                    returns: dict[str, str]) -> tuple[str, bool]:
    column, *rest = [word.strip() for word in text.split(",")]
    if rest not in ([], ["facts"]):
        raise QueryError(f"{where}: the graphlet line is 'trainer_id' or 'trainer_id, facts', not {text!r}")
    if column != "trainer_id" or returns.get(column) != "int":
        raise QueryError(f"{where}: the rows' graphlet is named by the int column trainer_id (its Trainer's "
                         f"id within the source), not {text!r}")
    if not partition or "graphlets" not in params:
        raise QueryError(f"{where}: a query whose rows are per graphlet is partitioned by pipeline and takes "
                         "$graphlets (graphlet uids, null for all)")
    return column, rest == ["facts"]


def _parse_params(text: str, where: str) -> dict[str, Param]:
    params: dict[str, Param] = {}
    for pname, spec in (_parse_flow_map(text, where) if text else {}).items():
        spec = spec if isinstance(spec, dict) else {"type": spec}
        kind, doc = str(spec.get("type", "string")), str(spec.get("doc", "") or "")
        if pname not in SETTING_NAMES:
            params[pname] = Param(pname, kind, spec.get("default"), doc)
            continue
        if "default" in spec:
            raise QueryError(f"{where}: parameter {pname} is a graphlet setting: its default comes from "
                             "mlprov.core.settings, not from the header")
        if kind != param_type(pname):
            raise QueryError(f"{where}: parameter {pname} is a graphlet setting of type {param_type(pname)}, "
                             f"not {kind}")
        params[pname] = Param(pname, kind, doc=doc, setting=True)
    return params


def _parse_examples(text: str, where: str, params: dict[str, Param]) -> dict[str, Any]:
    line = text.strip().strip('"').strip("'").strip()
    if not line.startswith(":params"):
        raise QueryError(f"{where}: a browser line is ':params {{...}}', not {line!r}")
    examples = _parse_flow_map(line[len(":params"):].strip(), where)
    undeclared = sorted(set(examples) - set(params))
    if undeclared:
        raise QueryError(f"{where}: the browser line names undeclared parameter(s): {', '.join(undeclared)}")
    settings = sorted(name for name in examples if params[name].setting)
    if settings:
        raise QueryError(f"{where}: the browser line gives graphlet setting(s) {', '.join(settings)}: "
                         "their values come from mlprov.core.settings")
    return examples


class Registry:
    """Every stored query under a folder, validated when loaded."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.queries: dict[str, StoredQuery] = {}
        for path in sorted(self.root.rglob("*.cypher")):
            rel = path.relative_to(self.root).with_suffix("")
            name = ".".join(rel.parts)
            query = parse_query_file(path, name)
            self.queries[name] = query
        self._check_unique_stems()

    def _check_unique_stems(self) -> None:
        seen: dict[str, str] = {}
        for query in self.queries.values():
            stem = query.name.rsplit(".", 1)[-1]
            if stem in seen and self._is_analysis(query) and self._is_analysis(self.queries[seen[stem]]):
                raise QueryError(
                    f"{query.path}:1: duplicate query name {stem!r} (also {self.queries[seen[stem]].path})"
                )
            seen.setdefault(stem, query.name)

    @staticmethod
    def _is_analysis(query: StoredQuery) -> bool:
        return query.mode == "read"

    def get(self, name: str) -> StoredQuery:
        if name in self.queries:
            return self.queries[name]
        matches = [q for q in self.queries.values() if q.name.rsplit(".", 1)[-1] == name]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise QueryError(f"query name {name!r} is ambiguous: {', '.join(q.name for q in matches)}")
        raise QueryError(f"no stored query named {name!r}; `mlprov queries list` shows them")

    def __iter__(self):
        return iter(sorted(self.queries.values(), key=lambda q: q.name))


def cypher_root() -> Path:
    return Path(str(resources.files("mlprov.cypher")))


@lru_cache(maxsize=1)
def registry() -> Registry:
    return Registry(cypher_root())


# A table comes back in messages of this many rows. The driver reads each Bolt message with its own
# socket calls, about 20 microseconds a row whatever its width, so a 440,000-row table cost 10 s in
# messages alone; in chunks the same rows cost what their values do. The server holds the table
# once to cut it, as it already does to sort it (every analysis orders its rows), and the caller
# holds it whole anyway (a DataFrame).
CHUNK_ROWS = 5_000
_CHUNK_PARAM = "mlprov_chunk_rows"  # the frame's parameter
_LEADING_OPTIONS = re.compile(r"\A\s*(CYPHER\b[^\n]*\n)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _chunk_frame() -> str:
    text = (cypher_root() / "chunked_rows.frame").read_text(encoding="utf-8")
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("//"))


def chunked_statement(query: StoredQuery) -> str | None:
    """`query`'s statement in the frame `cypher/chunked_rows.frame`, which returns its rows
    `CHUNK_ROWS` at a time, as lists in its `returns` order; None when it cannot be (not a single
    read statement). The stored text is unchanged inside, so it is still the definition (and its
    ORDER BY the rows' order). The columns are the query's own header's, never input."""
    if not query.read_only or not query.returns or query.runs_in_own_transactions or len(query.statements) != 1:
        return None
    body = query.statements[0]
    options = _LEADING_OPTIONS.match(body)
    columns = ", ".join(f"`{column}`" for column in query.returns)
    return (_chunk_frame().replace("{{options}}", options.group(1) if options else "")
            .replace("{{query}}", body[options.end():] if options else body)
            .replace("{{columns}}", columns))


def _tagged(query: StoredQuery, statement: str) -> neo4j.Query:
    return neo4j.Query(statement, metadata={"app": "mlprov", "query": query.name})


def execute(driver: neo4j.Driver, database: str, name: str, settings: GraphletSettings | None = None,
            **params: Any) -> tuple[list[str], list[list[Any]]]:
    """Run a stored query; returns (column names, rows). Read queries run in read transactions.
    Parameters named like a graphlet setting that are not given come from `settings` (else the
    default settings)."""
    return execute_query(driver, database, registry().get(name), settings, **params)


def execute_query(driver: neo4j.Driver, database: str, query: StoredQuery, settings: GraphletSettings | None = None,
                  **params: Any) -> tuple[list[str], list[list[Any]]]:
    """Run `query`; returns (column names, rows). A read query runs in READ access mode, so the
    server itself refuses a write in it, whatever its header says (rules §13), and its rows come
    back in chunks (`chunked_statement`)."""
    bound = query.bind(params, settings)
    try:
        return _run(driver, database, query, bound)
    except neo4j.exceptions.ClientError as exc:
        if query.read_only and exc.code == "Neo.ClientError.Statement.AccessMode":
            raise QueryError(f"query {query.name!r} ({query.path}) is declared read-only but writes; "
                             "the server refused it and nothing was written") from None
        raise


def _run(driver: neo4j.Driver, database: str, query: StoredQuery,
         bound: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    # The records of a large result are millions of small objects (fewer_collections says why).
    with fewer_collections():
        return _run_query(driver, database, query, bound)


def _run_query(driver: neo4j.Driver, database: str, query: StoredQuery,
               bound: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    if query.mode == "schema" or query.runs_in_own_transactions:
        keys: list[str] = []
        rows: list[list[Any]] = []
        access = neo4j.READ_ACCESS if query.read_only else neo4j.WRITE_ACCESS
        with driver.session(database=database, default_access_mode=access) as session:
            for statement in query.statements:
                result = session.run(_tagged(query, statement), bound)
                keys, rows = list(result.keys()), [list(r.values()) for r in result]
        return keys, rows
    chunked = chunked_statement(query)
    if chunked is not None:
        records, _, _ = driver.execute_query(
            _tagged(query, chunked), {**bound, _CHUNK_PARAM: CHUNK_ROWS}, routing_=neo4j.RoutingControl.READ,
            database_=database,
        )
        return list(query.returns), [row for record in records for row in record[0]]
    routing = neo4j.RoutingControl.READ if query.read_only else neo4j.RoutingControl.WRITE
    records, _, keys = driver.execute_query(
        _tagged(query, query.body), bound, routing_=routing, database_=database
    )
    return list(keys), [list(r.values()) for r in records]


def stream(driver: neo4j.Driver, database: str, name: str, **params: Any) -> Iterator[list[Any]]:
    """Run a stored read query and yield its rows as the server sends them, without holding them
    all (an id list of a large source)."""
    query = registry().get(name)
    if query.mode != "read":
        raise QueryError(f"query {name!r} is not a read query: run it with execute()")
    bound = query.bind(params)
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        for record in session.run(_tagged(query, query.body), bound):
            yield list(record.values())


_NULLABLE_DTYPES = {"int": "Int64", "float": "Float64", "bool": "boolean"}


def run_df(driver: neo4j.Driver, database: str, name: str, settings: GraphletSettings | None = None,
           **params: Any) -> pd.DataFrame:
    """Run a stored query into a DataFrame typed by its `returns` contract (ints stay ints with nulls)."""
    keys, rows = execute(driver, database, name, settings, **params)
    frame = pd.DataFrame(rows, columns=keys)
    declared = registry().get(name).returns
    for column, kind in declared.items():
        if column in frame.columns and kind in _NULLABLE_DTYPES:
            frame[column] = frame[column].astype(_NULLABLE_DTYPES[kind])
    return frame
