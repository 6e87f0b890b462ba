"""The Browser guide lists every stored read query runnably; its server answers the Browser's CORS checks."""

from __future__ import annotations

import html
import re
import threading
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from mlprov.core import queries
from mlprov.analytics.browser_guide import guide_server, play_url, read_queries, render_guide, write_guide
from mlprov.analytics.tables import analysis_queries
from mlprov.core.errors import ServerError

RUNNABLE = re.compile(r'<pre class="code runnable">(.*?)</pre>', re.DOTALL)


def test_guide_lists_every_stored_read_query_with_its_params_block_and_body():
    guide = render_guide()
    runnable = [html.unescape(block) for block in RUNNABLE.findall(guide)]
    read = read_queries()
    assert {q.mode for q in read} == {"read"}
    # Every analysis table and both lineage queries are among them, so the loops below are not empty.
    assert {q.name for q in analysis_queries()} | {"lineage.upstream", "lineage.downstream"} <= {q.name for q in read}
    assert len(read) == len([q for q in queries.registry() if q.mode == "read" and not q.internal])
    # Two blocks per query, in order: its :params line, then its body exactly as stored.
    assert runnable == [block for q in read for block in (q.params_line(), q.body)]
    for query in read:
        assert f"<h4>{html.escape(query.name.rpartition('.')[2])}</h4>" in guide
        assert html.escape(query.summary) in guide


def test_internal_plumbing_stays_out_of_the_guide():
    internal = {q.name for q in queries.registry() if q.internal}
    assert {"graphlets.pending", "graphlets.count", "load.source_get", "waste.sources"} <= internal
    guide = render_guide()
    for name in internal:
        assert queries.registry().get(name).body not in guide
    assert queries.registry().get("analyses.graphlets").body in guide


def test_internal_must_be_true_or_false(tmp_path):
    path = tmp_path / "q.cypher"
    path.write_text("// name: q\n// summary: s\n// mode: read\n// returns: {x: int}\n// internal: maybe\n"
                    "RETURN 1 AS x\n", encoding="utf-8")
    with pytest.raises(queries.QueryError, match=r"q.cypher:5: internal must be true or false"):
        queries.parse_query_file(path, "q")


def test_a_query_without_a_browser_line_gets_one_from_its_defaults(tmp_path):
    text = """// name: by_op
// summary: s
// mode: read
// params: {source: {type: string, default: null}, op: {type: string, default: "it's"}, n: {type: int, default: 3}}
// returns: {x: int}
MATCH (e) WHERE e.source = $source AND e.op = $op RETURN $n AS x
"""
    path = tmp_path / "by_op.cypher"
    path.write_text(text, encoding="utf-8")
    query = queries.parse_query_file(path, "by_op")
    assert query.params_line() == ":params {source: null, op: 'it\\'s', n: 3}"


def test_guide_has_an_overview_and_one_slide_per_namespace():
    guide = render_guide()
    namespaces = {q.name.rpartition(".")[0] for q in read_queries()}
    # One <slide> only would render dead code blocks under :play; there are always several.
    assert guide.count("<slide") == 1 + len(namespaces) >= 2
    for namespace in namespaces:
        assert f"<h3>{namespace}</h3>" in guide


def test_write_guide_creates_the_folder(tmp_path):
    path = write_guide(tmp_path / "guide")
    assert path.name == "guide.html"
    assert path.read_text(encoding="utf-8") == render_guide()


def test_play_url_opens_the_guide_from_localhost():
    url = play_url("http://127.0.0.1:7474/browser/?dbms=bolt://127.0.0.1:7687", 8474)
    query = parse_qs(urlsplit(url).query)
    assert query["cmd"] == ["play"]
    # The Browser's default allowlist holds localhost; 127.0.0.1 is another host to it.
    assert query["arg"] == ["http://localhost:8474/guide.html"]
    assert query["dbms"] == ["bolt://127.0.0.1:7687"]


@pytest.fixture
def served(tmp_path):
    write_guide(tmp_path)
    server = guide_server(tmp_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_server_binds_loopback_only(served):
    assert served.server_address[0] == "127.0.0.1"


def test_preflight_is_answered_with_204_and_cors_headers(served):
    port = served.server_address[1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/guide.html", method="OPTIONS",
        headers={"Origin": "http://127.0.0.1:7474", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "pragma,cache-control,sentry-trace"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert response.headers["Access-Control-Allow-Headers"] == "pragma,cache-control,sentry-trace"


def test_get_carries_allow_origin(served):
    port = served.server_address[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/guide.html", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.read().decode("utf-8") == render_guide()


def test_a_taken_port_is_a_clear_error(served, tmp_path):
    with pytest.raises(ServerError, match="pick another --port"):
        guide_server(tmp_path, served.server_address[1])
