"""The local server's configuration, assembly bookkeeping and settings, without starting Neo4j."""

from __future__ import annotations

import json
import socket
import stat
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from mlprov.core.errors import ServerError
from mlprov.server import distribution as distribution_module
from mlprov.server import config as config_module
from mlprov.server.config import InstanceLayout, Memory, default_home, port_from_env, render_conf
from mlprov.server.distribution import (
    APOC_VERSION,
    NEO4J_VERSION,
    VERSIONS,
    Distribution,
    assemble,
    drop_jars_the_server_has,
    render_pom,
)
from mlprov.server.local import LocalServer

POM = "{http://maven.apache.org/POM/4.0.0}"


def conf_settings(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    keys = [line.split("=", 1)[0] for line in lines]
    assert len(keys) == len(set(keys)), "Neo4j refuses a setting written twice"
    return dict(line.split("=", 1) for line in lines)


def render(tmp_path: Path, *, auth: bool, memory: Memory = Memory(heap="1g", pagecache="768m")) -> dict[str, str]:
    layout = InstanceLayout(tmp_path / "instance")
    shared = Distribution(tmp_path / "jars")
    return conf_settings(
        render_conf(layout, shared, bolt_port=17687, http_port=17474, auth=auth, memory=memory)
    )


def test_conf_listens_on_loopback_only_at_the_given_ports(tmp_path: Path) -> None:
    settings = render(tmp_path, auth=True)
    assert settings["server.default_listen_address"] == "127.0.0.1"
    assert settings["server.bolt.listen_address"] == "127.0.0.1:17687"
    assert settings["server.bolt.advertised_address"] == "127.0.0.1:17687"
    assert settings["server.http.listen_address"] == "127.0.0.1:17474"
    assert settings["server.http.advertised_address"] == "127.0.0.1:17474"
    assert settings["server.https.enabled"] == "false"


def test_conf_bounds_memory_and_turns_telemetry_off(tmp_path: Path) -> None:
    settings = render(tmp_path, auth=True)
    assert settings["server.memory.pagecache.size"] == "768m"
    assert settings["dbms.memory.transaction.total.max"] == "716m"  # 70% of the 1g heap
    assert settings["db.tx_log.rotation.retention_policy"] == "1G size"
    assert settings["internal.server.bolt.connection_shutdown_wait_time"] == "1s"
    assert settings["dbms.usage_report.enabled"] == "false"
    assert settings["client.allow_telemetry"] == "false"


@pytest.mark.parametrize(
    ("physical_mib", "heap", "pagecache"),
    [(2048, "1024m", "512m"), (24 * 1024, "3072m", "6144m"), (256 * 1024, "8192m", "16384m")],
)
def test_memory_grows_with_the_machine_within_bounds(
    monkeypatch: pytest.MonkeyPatch, physical_mib: int, heap: str, pagecache: str
) -> None:
    monkeypatch.delenv("MLPROV_NEO4J_HEAP", raising=False)
    monkeypatch.delenv("MLPROV_NEO4J_PAGECACHE", raising=False)
    monkeypatch.setattr(config_module, "_physical_memory_mib", lambda: physical_mib)
    memory = Memory.from_env()
    assert memory == Memory(heap=heap, pagecache=pagecache)
    assert memory.transactions == f"{int(heap[:-1]) * 7 // 10}m"


def test_memory_comes_from_the_environment_and_bad_sizes_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLPROV_NEO4J_HEAP", "2G")
    monkeypatch.setenv("MLPROV_NEO4J_PAGECACHE", "300m")
    assert Memory.from_env() == Memory(heap="2g", pagecache="300m")
    monkeypatch.setenv("MLPROV_NEO4J_PAGECACHE", "lots")
    with pytest.raises(ServerError, match="MLPROV_NEO4J_PAGECACHE='lots'"):
        Memory.from_env()


def test_conf_lets_the_browser_load_guides_from_this_machine_and_apoc_run(tmp_path: Path) -> None:
    settings = render(tmp_path, auth=True)
    hosts = settings["browser.remote_content_hostname_whitelist"].split(",")
    assert {"localhost", "127.0.0.1"} <= set(hosts)
    assert settings["dbms.security.procedures.unrestricted"] == "apoc.*"


def test_conf_puts_data_in_the_instance_and_jars_in_the_distribution(tmp_path: Path) -> None:
    settings = render(tmp_path, auth=False)
    assert settings["dbms.security.auth_enabled"] == "false"
    assert settings["server.directories.data"] == str((tmp_path / "instance" / "data").resolve())
    assert settings["server.directories.plugins"] == str((tmp_path / "jars" / "plugins").resolve())
    assert render(tmp_path, auth=True)["dbms.security.auth_enabled"] == "true"


@pytest.mark.parametrize("template, artifacts", [
    ("neo4j-pom.xml", {"neo4j", "neo4j-server", "neo4j-bolt", "neo4j-browser"}),
    ("apoc-pom.xml", {"apoc-core", "apoc-common"}),
])
def test_poms_render_to_valid_xml_with_the_pinned_versions(template: str, artifacts: set[str]) -> None:
    project = ElementTree.fromstring(render_pom(template))
    assert project.findtext(f"{POM}packaging") == "pom"
    dependencies = {
        dependency.findtext(f"{POM}artifactId"): dependency.findtext(f"{POM}version")
        for dependency in project.iter(f"{POM}dependency")
    }
    assert set(dependencies) == artifacts
    assert set(dependencies.values()) <= {NEO4J_VERSION, APOC_VERSION, VERSIONS["browser_version"]}


def test_ports_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLPROV_BOLT_PORT", raising=False)
    assert port_from_env("MLPROV_BOLT_PORT", 7687) == 7687
    monkeypatch.setenv("MLPROV_BOLT_PORT", "7688")
    assert port_from_env("MLPROV_BOLT_PORT", 7687) == 7688
    monkeypatch.setenv("MLPROV_BOLT_PORT", "bolt")
    with pytest.raises(ServerError, match="MLPROV_BOLT_PORT"):
        port_from_env("MLPROV_BOLT_PORT", 7687)


def test_default_server_lives_under_mlprov_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MLPROV_HOME", raising=False)
    assert default_home(tmp_path) == tmp_path / ".mlprov" / "neo4j"
    monkeypatch.setenv("MLPROV_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("MLPROV_HTTP_PORT", "17474")
    server = LocalServer.default()
    assert server.home == tmp_path / "state" / "neo4j"
    assert server.http_url == "http://127.0.0.1:17474/"
    assert server.auth


def jar(repository: Path, group: str, artifact: str, version: str) -> None:
    folder = repository.joinpath(*group.split("."), artifact, version)
    folder.mkdir(parents=True)
    (folder / f"{artifact}-{version}.jar").write_bytes(b"")


def test_plugins_leave_out_artifacts_the_server_has_in_any_version(tmp_path: Path) -> None:
    server, apoc = tmp_path / "server", tmp_path / "apoc"
    jar(server, "org.apache.commons", "commons-lang3", "3.18.0")
    jar(apoc, "org.apache.commons", "commons-lang3", "3.12.0")
    jar(apoc, "org.neo4j.procedure", "apoc-core", APOC_VERSION)
    drop_jars_the_server_has(apoc, server)
    assert [path.name for path in apoc.rglob("*.jar")] == [f"apoc-core-{APOC_VERSION}.jar"]


def test_assembling_again_reuses_the_jars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "mlprov-assembly.json").write_text(json.dumps(VERSIONS))
    monkeypatch.setattr(distribution_module, "_resolve", pytest.fail)
    assert assemble(tmp_path).is_assembled()


def test_assembling_without_maven_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServerError, match="`mvn` was not found"):
        assemble(tmp_path / "jars")


def test_generated_password_is_kept_readable_by_the_owner_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    server = LocalServer(tmp_path, bolt_port=17687, http_port=17474)
    password = server._initial_password()
    assert len(password) >= 8
    assert stat.S_IMODE(server.layout.password_file.stat().st_mode) == 0o600
    assert server.target().password == password
    assert LocalServer(tmp_path, auth=False).target().password is None


def test_password_from_the_environment_wins_and_must_be_long_enough(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "correct horse")
    server = LocalServer(tmp_path)
    assert server._initial_password() == "correct horse"
    assert not server.layout.password_file.exists()
    monkeypatch.setenv("NEO4J_PASSWORD", "short")
    with pytest.raises(ServerError, match="at least 8"):
        server._initial_password()


def test_a_taken_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        server = LocalServer(tmp_path, bolt_port=taken, http_port=17474, auth=False)
        with pytest.raises(ServerError, match=f"port {taken} \\(Bolt\\)"):
            server._refuse_taken_ports()
