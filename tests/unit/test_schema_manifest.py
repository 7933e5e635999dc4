"""The official schemas are byte-for-byte what MANIFEST.sha256 records, and complete.

A verdict of this harness is only as good as the schema text it used, and the OCA licence
forbids adapted copies; so any edit, addition or loss in ``schemas/ocpp`` fails here.
"""

import hashlib
import json
from pathlib import Path

import pytest
from ocpp.v16.enums import Action as Action16
from ocpp.v21.enums import Action as Action21
from ocpp.v201.enums import Action as Action201

from ocpp_upi.ocpp.schemas import SchemaStore, default_store
from ocpp_upi.ocpp.versions import VERSIONS
from ocpp_upi.paths import OCPP_SCHEMAS_DIR

MANIFEST = OCPP_SCHEMAS_DIR / "MANIFEST.sha256"
# Files at the root of schemas/ocpp that describe the folder rather than being schemas.
ROOT_FILES = {"MANIFEST.sha256", "LICENSE-OCA.md"}
ENUMS = {"1.6": Action16, "2.0.1": Action201, "2.1": Action21}
# Sent with SEND (message type 6): a request schema, no response schema, and no member of the
# ocpp package's v21 Action enum (that package has no SEND support).
SEND_ONLY = {"2.1": {"NotifyPeriodicEventStream"}}


def manifest() -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        name = name.removeprefix("*")  # sha256sum's binary-mode marker
        assert name not in entries, f"{name} listed twice"
        entries[name] = digest
    return entries


def test_manifest_matches_every_file_exactly() -> None:
    on_disk = {
        path.relative_to(OCPP_SCHEMAS_DIR).as_posix()
        for path in OCPP_SCHEMAS_DIR.rglob("*")
        if path.is_file()
    }
    listed = manifest()
    assert on_disk - set(listed) == ROOT_FILES, "files not in MANIFEST.sha256"
    assert set(listed) - on_disk == set(), "files in MANIFEST.sha256 that are missing"
    changed = [
        name
        for name, digest in listed.items()
        if hashlib.sha256((OCPP_SCHEMAS_DIR / name).read_bytes()).hexdigest() != digest
    ]
    assert changed == [], "schema files differ from MANIFEST.sha256"
    assert {name.split("/")[0] for name in listed} == set(VERSIONS)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_action_has_a_request_and_a_response(version: str) -> None:
    store = default_store()
    send_only = SEND_ONLY.get(version, set())
    for action in store.actions(version):
        assert store.path(version, action, "request").is_file()
        assert store.has(version, action, "response") == (action not in send_only), action
    # Every schema file belongs to an action that has a request schema.
    files = set((OCPP_SCHEMAS_DIR / version).iterdir())
    served = {
        store.path(version, a, k)
        for a in store.actions(version)
        for k in ("request", "response")
        if store.has(version, a, k)
    }
    assert files == served


@pytest.mark.parametrize("version", VERSIONS)
def test_actions_match_the_ocpp_package_enums(version: str) -> None:
    enum_actions = {member.value for member in ENUMS[version]}
    assert default_store().actions(version) == enum_actions | SEND_ONLY.get(version, set())


def test_action_counts() -> None:
    assert [len(default_store().actions(v)) for v in VERSIONS] == [39, 64, 91]


@pytest.mark.parametrize("version", VERSIONS)
def test_declared_drafts_and_formats(version: str) -> None:
    """The validator supplies exactly these formats; a new one must be added there first."""
    store = default_store()
    drafts, formats = set(), set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "format" and isinstance(value, str):
                    formats.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for action in store.actions(version):
        for kind in ("request", "response"):
            if store.has(version, action, kind):
                schema = store.schema(version, action, kind)
                drafts.add(schema["$schema"])
                walk(schema)
    draft04 = "http://json-schema.org/draft-04/schema#"
    draft06 = "http://json-schema.org/draft-06/schema#"
    assert drafts == ({draft04, draft06} if version == "1.6" else {draft06})
    assert formats <= {"date-time", "uri"}


def test_store_paths_and_copies(tmp_path: Path) -> None:
    store = default_store()
    assert store is default_store()
    assert store.path("1.6", "Authorize", "request").name == "Authorize.json"
    assert store.path("1.6", "Authorize", "response").name == "AuthorizeResponse.json"
    assert store.path("2.0.1", "Authorize", "request").name == "AuthorizeRequest.json"
    assert store.path("2.1", "Authorize", "response").name == "AuthorizeResponse.json"
    schema = store.schema("2.1", "Authorize", "request")
    schema["properties"] = {}
    assert store.schema("2.1", "Authorize", "request")["properties"] != {}
    with pytest.raises(KeyError, match=r"OCPP 2\.1 has no response schema"):
        store.path("2.1", "NotifyPeriodicEventStream", "response")
    with pytest.raises(KeyError):
        store.schema("1.6", "../2.1/AuthorizeRequest", "request")
    with pytest.raises(ValueError, match="schema kind"):
        store.path("1.6", "Authorize", "conf")
    with pytest.raises(ValueError, match="unknown OCPP version"):
        store.actions("2.0")
    # A store over another root reads that root, BOM and all.
    (tmp_path / "1.6").mkdir()
    (tmp_path / "1.6" / "Ping.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({}).encode())
    other = SchemaStore(tmp_path)
    assert other.actions("1.6") == {"Ping"} and other.schema("1.6", "Ping", "request") == {}
    assert other.actions("2.1") == frozenset()
