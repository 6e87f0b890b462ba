"""A Neo4j Browser guide that lists the stored read queries, and a small server to open it from.

The guide is an HTML page of `<slide>` sections: an overview, then one slide per namespace with,
for each read query, its summary, its `:params` line and its body as runnable code blocks (click
to put one in the editor, ▶ to run it). The Browser fetches guides cross-origin and only from
allowed hosts (`browser.remote_content_hostname_whitelist`), hence `localhost` in the URLs and
the CORS answers of `GuideRequestHandler` (the Browser sends a pre-flight OPTIONS request).
"""

from __future__ import annotations

import functools
import html
from collections import defaultdict
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from mlprov.core.errors import ServerError
from mlprov.core.queries import Registry, StoredQuery, registry

GUIDE_FILE = "guide.html"
GUIDE_HOST = "127.0.0.1"
# The Browser treats localhost and 127.0.0.1 as different hosts; localhost is allowed by default.
GUIDE_URL_HOST = "localhost"


def read_queries(queries: Registry | None = None) -> list[StoredQuery]:
    """Every stored read query meant for people (not mlprov's internal plumbing), by name."""
    return [q for q in (queries or registry()) if q.mode == "read" and not q.internal]


def render_guide(queries: Registry | None = None) -> str:
    """The guide's HTML: an overview slide, then a slide per namespace of read queries."""
    by_namespace: dict[str, list[StoredQuery]] = defaultdict(list)
    for query in read_queries(queries):
        by_namespace[query.name.rpartition(".")[0] or "(top level)"].append(query)
    overview = "".join(
        f"<li><b>{html.escape(ns)}</b>: {', '.join(html.escape(_bare(q)) for q in qs)}</li>"
        for ns, qs in sorted(by_namespace.items())
    )
    slides = [
        _slide(
            "mlprov stored queries",
            "<p>Every stored read query of mlprov, one slide per namespace. Run a query's "
            "<code>:params</code> block first, then the query (click a block to edit it, ▶ to run it). "
            "The same queries run from the command line with <code>mlprov analyze NAME</code>. "
            "<b>analyses</b> answer questions about pipelines and model graphlets (one Trainer run with the work "
            "it read and the validation and push of its model); <b>topology</b> describes the pipelines' operator "
            "DAGs; <b>lineage</b> walks up or down from one artifact or execution. A summary citing "
            "<i>rules §N</i> points to section N of docs/rules.md in the mlprov repository, where the rule is "
            "written out with examples.</p>"
            f"<ul>{overview}</ul>",
        )
    ]
    for namespace, qs in sorted(by_namespace.items()):
        slides.append(_slide(namespace, "".join(_query_block(q) for q in qs)))
    return (
        '<article class="guide">\n<carousel class="deck container-fluid">\n'
        + "\n".join(slides)
        + "\n</carousel>\n</article>\n"
    )


def write_guide(folder: Path, queries: Registry | None = None) -> Path:
    """Write the guide into `folder` (created if needed); returns the guide's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / GUIDE_FILE
    path.write_text(render_guide(queries), encoding="utf-8")
    return path


def _bare(query: StoredQuery) -> str:
    return query.name.rpartition(".")[2]


def _slide(title: str, body: str) -> str:
    return (
        f'<slide class="row-fluid">\n<div class="col-sm-12">\n<h3>{html.escape(title)}</h3>\n'
        f"{body}\n</div>\n</slide>"
    )


def _query_block(query: StoredQuery) -> str:
    returns = ", ".join(query.returns)
    return (
        f'<h4>{html.escape(_bare(query))}</h4>\n<p>{html.escape(query.summary)}</p>\n'
        f"<p><small>returns: {html.escape(returns)}</small></p>\n"
        f'<pre class="code runnable">{html.escape(query.params_line())}</pre>\n'
        f'<pre class="code runnable">{html.escape(query.body)}</pre>\n'
    )


def play_url(browser_url: str, guide_port: int) -> str:
    """The Browser URL (from `LocalServer.browser_url`) that opens the served guide."""
    guide = f"http://{GUIDE_URL_HOST}:{guide_port}/{GUIDE_FILE}"
    return f"{browser_url}&cmd=play&arg={quote(guide, safe='')}"


class GuideRequestHandler(SimpleHTTPRequestHandler):
    """Static files with the CORS answers the Browser needs for its cross-origin guide fetch."""

    def do_OPTIONS(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Methods", "GET, OPTIONS")
        self.send_header(
            "Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers") or "*"
        )
        self.send_header("Access-Control-Max-Age", "600")
        self.end_headers()

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        """Quiet: the guide server's access log is noise for the user."""


def guide_server(folder: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server (not yet serving) for `folder` on 127.0.0.1 only; port 0 picks a free one."""
    handler = functools.partial(GuideRequestHandler, directory=str(folder))
    try:
        return ThreadingHTTPServer((GUIDE_HOST, port), handler)
    except OSError as exc:
        raise ServerError(f"cannot serve the guide on {GUIDE_HOST}:{port} ({exc.strerror}): pick another --port") from exc
