"""``flake8-flax lsp`` end to end: a real client (pytest-lsp) and a plain JSON-RPC client talk to the server over
stdio; the text helpers (positions, minimal edits, noqa) on their own."""

from __future__ import annotations

import asyncio
import json
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pygls")
import pytest_lsp  # noqa: E402
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from flake8_flax.lsp.buffers import Buffer, Part, Positions, minimal_edits, with_noqa  # noqa: E402

SERVER = [sys.executable, "-m", "flake8_flax", "lsp"]
LEGACY = "from flax import nnx\nimport optax\n\noptimizer = nnx.Optimizer(model, optax.adam(1e-3))\n"
FIXED = "from flax import nnx\nimport optax\n\noptimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)\n"
SAFE_AND_UNSAFE = LEGACY.replace("import optax", "from flax import nn\nimport optax")  # FLX101 unsafe, FLX201 safe
UNITS = {"utf-8": lambda s: len(s.encode("utf-8")), "utf-16": lambda s: len(s.encode("utf-16-le")) // 2,
         "utf-32": len}


# -- a client's side of edits: positions in the negotiated code units --------------------------------------------

def offset(text: str, position: types.Position, encoding: str = "utf-16") -> int:
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    at = starts[position.line]
    units = 0
    while units < position.character:
        units += UNITS[encoding](text[at])
        at += 1
    return at


def apply(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    spans = sorted(((offset(text, e.range.start, encoding), offset(text, e.range.end, encoding), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_of(action: types.CodeAction) -> dict[str, list[types.TextEdit]]:
    edit = action.edit
    if edit.document_changes:
        return {change.text_document.uri: list(change.edits) for change in edit.document_changes}
    return {uri: list(edits) for uri, edits in (edit.changes or {}).items()}


# -- pytest-lsp --------------------------------------------------------------------------------------------------

async def start(lsp_client: LanguageClient, request, capabilities: str) -> None:
    root = request.getfixturevalue("tmp_path")
    lsp_client.root = root
    lsp_client.diagnostics = Published()
    lsp_client.registrations = []
    lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)(
        lambda ls, params: ls.registrations.extend(params.registrations))
    result = await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(capabilities),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="work")]))
    lsp_client.encoding = result.capabilities.position_encoding or "utf-16"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient, request):
    await start(lsp_client, request, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), params=["visual-studio-code", "neovim", "emacs"])
async def each_client(lsp_client: LanguageClient, request):
    """VS Code (UTF-16, lazy fix-all), Neovim (UTF-8), Emacs (UTF-32, no resolve: the fix-all's edit comes at once)."""
    await start(lsp_client, request, request.param)
    yield
    await lsp_client.shutdown_session()


class Published(dict):
    """The client's latest diagnostics per URI, counting how often each URI was published."""

    def __init__(self) -> None:
        super().__init__()
        self.count: Counter[str] = Counter()

    def __setitem__(self, uri: str, diagnostics) -> None:
        super().__setitem__(uri, list(diagnostics))
        self.count[uri] += 1


async def published(client: LanguageClient, uri: str, seen: int) -> list[types.Diagnostic]:
    """The diagnostics of the next publication for ``uri`` after the ``seen`` ones."""
    async def arrived() -> None:
        while client.diagnostics.count[uri] <= seen:
            await asyncio.sleep(0.005)

    await asyncio.wait_for(arrived(), timeout=30)
    return client.diagnostics[uri]


async def open_doc(client: LanguageClient, name: str, text: str) -> tuple[str, list[types.Diagnostic]]:
    uri = (client.root / name).as_uri()
    seen = client.diagnostics.count[uri]
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    return uri, await published(client, uri, seen)


async def change_doc(client: LanguageClient, uri: str, version: int, text: str) -> list[types.Diagnostic]:
    seen = client.diagnostics.count[uri]
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))
    return await published(client, uri, seen)


async def actions(client: LanguageClient, uri: str, diagnostic: types.Diagnostic,
                  only: list[str] | None = None) -> list[types.CodeAction]:
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=only)))


def fix_all_of(found: list[types.CodeAction]) -> types.CodeAction:
    (action,) = [a for a in found if a.kind == "source.fixAll.flake8-flax"]
    return action


@pytest.mark.asyncio
async def test_open_diagnose_quick_fix_apply_change(client: LanguageClient):
    uri, diagnostics = await open_doc(client, "train.py", LEGACY)
    (diagnostic,) = diagnostics
    assert diagnostic.code == "FLX201" and diagnostic.source == "flake8-flax"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.message.startswith("nnx.Optimizer needs wrt= since Flax 0.11.0; fix: ")
    assert diagnostic.code_description.href.startswith("https://flax.readthedocs.io/")
    assert (diagnostic.range.start.line, diagnostic.range.start.character) == (3, 12)
    found = await actions(client, uri, diagnostic, only=["quickfix"])
    fix = found[0]
    assert fix.title.startswith("Fix FLX201: ") and fix.is_preferred and fix.kind == "quickfix"
    (edits,) = edits_of(fix).values()
    assert [e.new_text for e in edits] == [", wrt=nnx.Param"]  # minimal: an insertion, not the whole call
    fixed = apply(LEGACY, edits, client.encoding)
    assert fixed == FIXED
    assert await change_doc(client, uri, 2, fixed) == []


@pytest.mark.asyncio
async def test_quick_fix_adds_the_import_the_cli_adds(client: LanguageClient):
    text = "from flax import nnx\nr = nnx.mutable_array(x)\n"
    uri, (diagnostic,) = await open_doc(client, "refs.py", text)
    fix = (await actions(client, uri, diagnostic, only=["quickfix"]))[0]
    (edits,) = edits_of(fix).values()
    assert apply(text, edits, client.encoding) == "from flax import nnx\nimport jax\nr = jax.new_ref(x)\n"


@pytest.mark.asyncio
async def test_unsafe_fix_is_labelled_and_never_preferred(client: LanguageClient):
    uri, diagnostics = await open_doc(client, "step.py", SAFE_AND_UNSAFE)
    assert [d.code for d in diagnostics] == ["FLX101", "FLX201"]
    fix = (await actions(client, uri, diagnostics[0], only=["quickfix"]))[0]
    assert fix.title == "Fix FLX101 (unsafe fix): from flax import linen as nn" and not fix.is_preferred
    (edits,) = edits_of(fix).values()
    fixed = apply(SAFE_AND_UNSAFE, edits, client.encoding)
    assert fixed == SAFE_AND_UNSAFE.replace("import nn\n", "import linen as nn\n")


@pytest.mark.asyncio
async def test_fix_all_applies_the_safe_fixes_only(each_client: LanguageClient):
    client = each_client
    uri, diagnostics = await open_doc(client, "step.py", SAFE_AND_UNSAFE)
    action = fix_all_of(await actions(client, uri, diagnostics[0], only=["source.fixAll"]))
    assert (action.edit is None) == (client.capabilities.text_document.code_action.resolve_support is not None)
    if action.edit is None:  # the client resolves it lazily
        action = await client.code_action_resolve_async(action)
    (edits,) = edits_of(action).values()
    fixed = apply(SAFE_AND_UNSAFE, edits, client.encoding)
    assert fixed == FIXED.replace("import optax", "from flax import nn\nimport optax")
    assert [d.code for d in await change_doc(client, uri, 2, fixed)] == ["FLX101"]


@pytest.mark.asyncio
async def test_suppress_adds_then_extends_noqa(client: LanguageClient):
    text = "from flax import nnx\nimport optax\nopt = nnx.Optimizer(m, optax.sgd(1)); opt.update(g)  # why\n"
    uri, diagnostics = await open_doc(client, "noqa.py", text)
    assert [d.code for d in diagnostics] == ["FLX201", "FLX202"]
    suppress = [a for a in await actions(client, uri, diagnostics[0]) if a.title == "Suppress FLX201 on this line"]
    text = apply(text, next(iter(edits_of(suppress[0]).values())), client.encoding)
    assert text.endswith("opt.update(g)  # why  # noqa: FLX201\n")
    (left,) = await change_doc(client, uri, 2, text)
    assert left.code == "FLX202"
    suppress = [a for a in await actions(client, uri, left) if a.title == "Suppress FLX202 on this line"]
    text = apply(text, next(iter(edits_of(suppress[0]).values())), client.encoding)
    assert text.endswith("# noqa: FLX201,FLX202\n")
    assert await change_doc(client, uri, 3, text) == []


@pytest.mark.asyncio
async def test_non_ascii_text_before_the_finding(each_client: LanguageClient):
    client = each_client
    text = 'from flax import nnx\nimport optax\nnote = "ünïcode 😀"; opt = nnx.Optimizer(m, optax.sgd(1))\n'
    uri, (diagnostic,) = await open_doc(client, "uni.py", text)
    start = text.splitlines()[2].index("nnx.Optimizer")
    assert diagnostic.range.start.character == UNITS[client.encoding](text.splitlines()[2][:start])
    fix = (await actions(client, uri, diagnostic, only=["quickfix"]))[0]
    fixed = apply(text, next(iter(edits_of(fix).values())), client.encoding)
    assert fixed.endswith('"ünïcode 😀"; opt = nnx.Optimizer(m, optax.sgd(1), wrt=nnx.Param)\n')


@pytest.mark.asyncio
async def test_crlf_file_keeps_its_line_ends(client: LanguageClient):
    text = LEGACY.replace("\n", "\r\n") + "r = nnx.mutable_array(x)\r\n"
    uri, diagnostics = await open_doc(client, "crlf.py", text)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("FLX201", 3), ("FLX302", 4)]
    action = fix_all_of(await actions(client, uri, diagnostics[0]))
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    fixed = apply(text, next(iter(edits_of(action).values())), client.encoding)
    assert fixed == FIXED.replace("\n", "\r\n").replace("import optax\r\n", "import optax\r\nimport jax\r\n") + \
        "r = jax.new_ref(x)\r\n"


@pytest.mark.asyncio
async def test_syntax_error_buffer_gets_current_diagnostics_and_no_edit(client: LanguageClient):
    uri, _ = await open_doc(client, "broken.py", LEGACY)
    broken = LEGACY.replace("optimizer =", "def (:\noptimizer =")
    diagnostics = await change_doc(client, uri, 2, broken)  # published for version 2: nothing stale
    assert all(d.range.start.line == 4 for d in diagnostics)
    assert diagnostics == [] or await actions(client, uri, diagnostics[0]) == []
    assert await change_doc(client, uri, 3, FIXED) == []


@pytest.mark.asyncio
async def test_config_is_reread_when_it_changes(client: LanguageClient):
    config = client.root / "setup.cfg"
    config.write_text("[flake8]\nflax-target-version = 0.10.0\n")
    uri, diagnostics = await open_doc(client, "pinned.py", LEGACY)
    assert diagnostics == []  # wrt= is only required from Flax 0.11.0
    assert [r.method for r in client.registrations] == [types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    config.write_text("[flake8]\nflax-target-version = 0.11.0\n")
    seen = client.diagnostics.count[uri]
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]))
    assert [d.code for d in await published(client, uri, seen)] == ["FLX201"]


@pytest.mark.asyncio
async def test_notebook_cells_share_imports_and_get_their_own_fixes(client: LanguageClient):
    nb = (client.root / "train.ipynb").as_uri()
    cells = [f"vscode-notebook-cell:{client.root}/train.ipynb#C{i}" for i in (1, 2, 3)]
    texts = ["from flax import nnx\nimport optax", "%matplotlib inline\n", "opt = nnx.Optimizer(m, optax.sgd(1))"]
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(uri=nb, notebook_type="jupyter-notebook", version=1, cells=[
            types.NotebookCell(kind=types.NotebookCellKind.Code, document=c) for c in cells]),
        cell_text_documents=[types.TextDocumentItem(uri=c, language_id="python", version=1, text=t)
                             for c, t in zip(cells, texts)]))
    found = [await published(client, cell, 0) for cell in cells]
    assert found[:2] == [[], []]
    (diagnostic,) = found[2]
    assert diagnostic.code == "FLX201" and diagnostic.range.start.line == 0
    fix = (await actions(client, cells[2], diagnostic, only=["quickfix"]))[0]
    (uri, edits), = edits_of(fix).items()
    assert uri == cells[2]
    assert apply(texts[2], edits, client.encoding) == "opt = nnx.Optimizer(m, optax.sgd(1), wrt=nnx.Param)"


# -- a plain JSON-RPC client, no library ----------------------------------------------------------------------

class PlainClient:
    """Content-Length framed JSON over the server's stdin/stdout."""

    def __init__(self, cwd: Path):
        self.process = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd)
        self.inbox: queue.Queue = queue.Queue()
        self.ids = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                return
            self.inbox.put(json.loads(stream.read(length)))

    def send(self, method: str, params: object = None, request: bool = False) -> int | None:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.ids += 1
            message["id"] = self.ids
        body = json.dumps(message).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()
        return message.get("id")

    def receive(self, matches, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            message = self.inbox.get(timeout=max(deadline - time.monotonic(), 0.01))
            if "id" in message and "method" in message:  # a request from the server: say yes
                self.send_response(message["id"])
            elif matches(message):
                return message

    def send_response(self, ident: int) -> None:
        body = json.dumps({"jsonrpc": "2.0", "id": ident, "result": None}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def request(self, method: str, params: object = None) -> dict:
        ident = self.send(method, params, request=True)
        return self.receive(lambda m: m.get("id") == ident and "method" not in m)

    def diagnostics(self, uri: str, version: int) -> list[dict]:
        message = self.receive(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                               and m["params"]["uri"] == uri and m["params"].get("version") == version)
        return message["params"]["diagnostics"]


def plain_apply(text: str, edits: list[dict]) -> str:
    lines = text.splitlines(keepends=True)
    starts = [sum(len(line) for line in lines[:i]) for i in range(len(lines) + 1)]  # ASCII text: units = chars
    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                       reverse=True):
        start, end = (starts[edit["range"][k]["line"]] + edit["range"][k]["character"] for k in ("start", "end"))
        text = text[:start] + edit["newText"] + text[end:]
    return text


def test_plain_json_rpc_client(tmp_path: Path):
    client = PlainClient(tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    assert "codeActionProvider" in client.request("initialize", {
        "processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}})["result"]["capabilities"]
    client.send("initialized", {})
    client.send("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": LEGACY}})
    (diagnostic,) = client.diagnostics(uri, 1)
    assert diagnostic["code"] == "FLX201"
    found = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diagnostic["range"],
        "context": {"diagnostics": [diagnostic], "only": ["quickfix"]}})["result"]
    fixed = plain_apply(LEGACY, found[0]["edit"]["changes"][uri])
    assert "wrt=nnx.Param" in fixed and fixed == FIXED
    latencies = []
    texts = [fixed, LEGACY] * 4
    for version, text in enumerate(texts, start=2):
        time.sleep(0.15)  # a pause between edits, as when a user stops typing
        started = time.perf_counter()
        client.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})
        assert [d["code"] for d in client.diagnostics(uri, version)] == ([] if text == fixed else ["FLX201"])
        latencies.append(time.perf_counter() - started)
    assert statistics.median(latencies) < 0.1, latencies
    assert client.request("shutdown")["result"] is None
    client.send("exit")
    assert client.process.wait(timeout=10) == 0


# -- the text helpers ---------------------------------------------------------------------------------------

def test_positions_count_code_units_and_lsp_line_ends():
    text = "a\r\nb😀c\rd\fe\n"
    utf16 = Positions(text, UNITS["utf-16"])
    assert utf16.position(text.index("c")) == (1, 3)  # the emoji is two UTF-16 units
    assert utf16.position(text.index("d")) == (2, 0)  # a lone \r ends a line for LSP
    assert utf16.position(text.index("e")) == (2, 2)  # \f does not (str.splitlines would say it does)
    assert Positions(text, UNITS["utf-8"]).position(text.index("c")) == (1, 5)


def test_minimal_edits_trim_to_the_changed_characters():
    assert minimal_edits(LEGACY, FIXED) == [(LEGACY.index("))\n") + 1, LEGACY.index("))\n") + 1, ", wrt=nnx.Param")]
    old, new = "import a\nx = 1\n", "import a\nimport jax\nx = 2\n"
    assert minimal_edits(old, new) == [(9, 14, "import jax\nx = 2")]  # one replaced block, trimmed
    text = old
    for start, end, replacement in sorted(minimal_edits(old, new), reverse=True):
        text = text[:start] + replacement + text[end:]
    assert text == new


def test_noqa_goes_where_flake8_looks():
    text = 's = """\nx\n"""; f()\ny = g(\n    1)  # keep\n'
    assert with_noqa(text, 1, "FLX201") == 's = """\nx\n"""; f()  # noqa: FLX201\ny = g(\n    1)  # keep\n'
    assert with_noqa(text, 5, "FLX201").endswith("1)  # keep  # noqa: FLX201\n")
    assert with_noqa("x = 1  # noqa: FLX1 here\n", 1, "FLX2") == "x = 1  # noqa: FLX1,FLX2 here\n"
    assert with_noqa('x = """\n', 1, "FLX2") is None  # does not tokenize: no edit


def test_notebook_buffer_maps_cells_both_ways():
    parts = [Part("c1", 1, "import jax\n%time x = 1"), Part("c2", 1, "y = jax.tree_multimap(f, a)\n")]
    buffer = Buffer(parts, notebook=True)
    at = buffer.text.index("jax.tree_multimap")
    assert buffer.locate(at) == (1, 4)
    new = buffer.text.replace("jax.tree_multimap", "jax.tree.map")
    assert buffer.split(new) == [parts[0].text, "y = jax.tree.map(f, a)\n"]
    assert buffer.edits(new) == {1: [(12, 18, ".")]}  # "_multi" -> "."
