"""The Neo4j jars, resolved from Maven Central into a folder that many server instances share.

A distribution folder holds `lib/` (the Community server, Bolt, HTTP, Browser) and `plugins/`
(APOC core), plus a marker file naming the versions it was assembled with, so assembling again
with the same versions does nothing.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from mlprov.core.errors import ServerError

NEO4J_VERSION = "5.26.29"  # newest 5.26 LTS patch on Central; 2025.x needs Java 21 and has no APOC there
BROWSER_VERSION = "5.24.0"  # the last Browser release on Central
APOC_VERSION = "5.26.19"  # newest APOC core on Central; runs on the 5.26.29 server
DEPENDENCY_PLUGIN_VERSION = "3.8.1"

VERSIONS = {
    "neo4j_version": NEO4J_VERSION,
    "browser_version": BROWSER_VERSION,
    "apoc_version": APOC_VERSION,
    "dependency_plugin_version": DEPENDENCY_PLUGIN_VERSION,
}

MARKER_NAME = "mlprov-assembly.json"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Distribution:
    """A folder of Neo4j jars: `lib/` for the server, `plugins/` for APOC."""

    root: Path

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def plugins(self) -> Path:
        return self.root / "plugins"

    @property
    def marker(self) -> Path:
        return self.root / MARKER_NAME

    def is_assembled(self) -> bool:
        """True when the jars in this folder were assembled with the pinned versions."""
        try:
            return json.loads(self.marker.read_text()) == VERSIONS and self.lib.is_dir()
        except (OSError, ValueError):
            return False

    def class_path(self) -> str:
        """The server's class path: plugins first, as Neo4j's own launcher orders them."""
        return f"{self.plugins}/*:{self.lib}/*"

    def size_bytes(self) -> int:
        return sum(jar.stat().st_size for jar in self.root.glob("*/*.jar"))


def render_pom(template_name: str, versions: dict[str, str] = VERSIONS) -> str:
    """One of the shipped pom templates with the pinned versions filled in."""
    text = resources.files("mlprov.server").joinpath(template_name).read_text(encoding="utf-8")
    return Template(text).substitute(versions)


def require_tool(name: str, purpose: str) -> str:
    """The path of a program on PATH, or a ServerError saying what it is needed for."""
    path = shutil.which(name)
    if path is None:
        raise ServerError(
            f"`{name}` was not found on PATH; it is needed {purpose}. "
            "Install Java 17 and Maven (Debian: apt-get install openjdk-17-jre-headless maven)"
        )
    return path


def assemble(root: Path) -> Distribution:
    """Resolve the pinned jars into `root` unless they are already there; returns the folder."""
    distribution = Distribution(root)
    if distribution.is_assembled():
        log.debug("Neo4j %s already assembled in %s", NEO4J_VERSION, root)
        return distribution
    mvn = require_tool("mvn", "to resolve the Neo4j jars from Maven Central")
    require_tool("java", "to run Neo4j")
    log.info("resolving Neo4j %s and APOC %s from Maven Central into %s", NEO4J_VERSION, APOC_VERSION, root)

    staging = root / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    server_jars = _resolve(mvn, "neo4j-pom.xml", staging)
    apoc_jars = _resolve(mvn, "apoc-pom.xml", staging)

    # Jars the server already has stay out of plugins/: an older copy there would come first on
    # the class path (APOC's commons-lang3 3.12 breaks the server, which needs 3.18).
    drop_jars_the_server_has(apoc_jars, server_jars)
    new_lib, new_plugins = staging / "lib", staging / "plugins"
    _flatten(server_jars, new_lib)
    _flatten(apoc_jars, new_plugins)

    distribution.marker.unlink(missing_ok=True)
    for built, final in ((new_lib, distribution.lib), (new_plugins, distribution.plugins)):
        shutil.rmtree(final, ignore_errors=True)
        built.rename(final)
    shutil.rmtree(staging)
    distribution.marker.write_text(json.dumps(VERSIONS, indent=2) + "\n")
    log.info("assembled %.0f MB of jars in %s", distribution.size_bytes() / 1e6, root)
    return distribution


def _resolve(mvn: str, template_name: str, staging: Path) -> Path:
    """Copy a pom's runtime dependencies into a Maven repository layout; returns that folder."""
    name = Path(template_name).stem
    pom = staging / template_name
    pom.write_text(render_pom(template_name), encoding="utf-8")
    repository = staging / f"{name}-repository"
    command = [
        mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        # The repository layout names each jar's group and artifact, which the plugin filter needs.
        "-Dmdep.useRepositoryLayout=true",
        f"-DoutputDirectory={repository}",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise ServerError(
            f"Maven could not resolve {template_name} (exit {result.returncode}); "
            f"is Maven Central reachable?\n{output}"
        )
    return repository


def artifact_key(repository: Path, jar: Path) -> tuple[str, ...]:
    """(group path..., artifactId) of a jar in a Maven repository layout: `g/r/p/artifact/version/x.jar`."""
    return jar.relative_to(repository).parts[:-2]


def drop_jars_the_server_has(plugin_repository: Path, server_repository: Path) -> None:
    """Delete the plugin jars whose artifact (any version) the server's repository also holds."""
    server_artifacts = {artifact_key(server_repository, jar) for jar in server_repository.rglob("*.jar")}
    for jar in list(plugin_repository.rglob("*.jar")):
        if artifact_key(plugin_repository, jar) in server_artifacts:
            jar.unlink()


def _flatten(repository: Path, target: Path) -> None:
    """Move every jar of a repository layout into one folder, named `group.artifact-version.jar`
    so that two artifacts of the same name in different groups cannot collide."""
    target.mkdir(parents=True, exist_ok=True)
    for jar in repository.rglob("*.jar"):
        group = ".".join(artifact_key(repository, jar)[:-1])
        jar.rename(target / f"{group}.{jar.name}")
