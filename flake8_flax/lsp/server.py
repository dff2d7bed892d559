"""The language server: diagnostics on open, change (debounced) and save; quick fixes, a fix-all and a noqa action.

Settings are ``flake8-flax check``'s (:class:`flake8_flax.cli.Session`) for the document's workspace folder; the
config files there and above are looked at on every lint (a few stat calls), so an edited config applies at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from flake8_flax import __version__
from flake8_flax.catalog import RuleError, load_catalog
from flake8_flax.cli import Session, build_parser
from flake8_flax.engine import Finding
from flake8_flax.fixer import add_imports, apply_edits, fix_source, parses
from flake8_flax.lsp.buffers import Buffer, Part, Positions, with_noqa
from flake8_flax.sources import SourceError, Unit

DEBOUNCE = 0.1  # s: a change after a pause is linted at once, a burst of changes at most this often
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.flake8-flax"
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "info": types.DiagnosticSeverity.Information, "hint": types.DiagnosticSeverity.Hint}
CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")  # where flake8 looks, from its working directory upwards
WATCHED = ["**/{" + ",".join(CONFIG_FILES) + "}", "**/*.{yml,yaml}"]  # configs, and a team's extra rule files


@dataclass
class Item:
    """A finding where the editor shows it."""

    part: int
    finding: Finding
    diagnostic: types.Diagnostic


@dataclass
class Result:
    buffer: Buffer
    session: Session | None
    items: list[Item]


def _stamp(root: Path) -> tuple:
    """Which config files exist from ``root`` upwards, and their change times: the key of a session."""
    stamp = []
    for directory in [root, *root.parents]:
        for name in CONFIG_FILES:
            try:
                stat = (directory / name).stat()
            except OSError:
                continue
            stamp.append((str(directory / name), stat.st_mtime_ns, stat.st_size))
    return tuple(stamp)


class FlaxServer(LanguageServer):
    def __init__(self) -> None:
        cells = [types.NotebookCellLanguage(language="python")]
        super().__init__("flake8-flax", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full,
                         notebook_document_sync=types.NotebookDocumentSyncOptions(
                             notebook_selector=[types.NotebookDocumentFilterWithCells(cells=cells, notebook="*")],
                             save=True))
        self.open: dict[str, bool] = {}  # buffer key (document or notebook uri) -> is a notebook
        self.sessions: dict[tuple, Session | str] = {}
        self.results: dict[str, Result] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.last_run: dict[str, float] = {}
        self.shown: set[str] = set()

    # -- documents --------------------------------------------------------------------------------------------

    def buffer(self, key: str) -> Buffer | None:
        if self.open.get(key):
            notebook = self.workspace.get_notebook_document(notebook_uri=key)
            if notebook is None:
                return None
            synced = self.workspace.text_documents
            docs = [synced[unquote(cell.document)] for cell in notebook.cells
                    if cell.kind == types.NotebookCellKind.Code and unquote(cell.document) in synced]
            parts = [Part(doc.uri, doc.version, doc.source) for doc in docs]
            return Buffer(parts, notebook=True) if parts else None
        doc = self.workspace.get_text_document(key)
        return Buffer([Part(doc.uri, doc.version, doc.source)], notebook=False)

    def key_of(self, uri: str) -> str | None:
        if uri in self.open:
            return uri
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        return notebook.uri if notebook is not None and notebook.uri in self.open else None

    def root(self, key: str) -> Path:
        """The document's workspace folder (the innermost), else its directory: where flake8 would start."""
        path = to_fs_path(key)
        folders = [Path(p) for f in self.workspace.folders.values() if (p := to_fs_path(f.uri))]
        if path is None:
            return folders[0] if folders else Path(self.workspace.root_path or Path.cwd())
        inside = [folder for folder in folders if Path(path).is_relative_to(folder) and folder.is_dir()]
        return max(inside, key=lambda p: len(p.parts)) if inside else Path(path).parent

    def session(self, key: str) -> Session:
        root = self.root(key)
        cache_key = (root, _stamp(root))
        if cache_key not in self.sessions:
            try:
                self.sessions[cache_key] = Session(build_parser().parse_args(["check"]), root)
            except (RuleError, SourceError, ValueError) as exc:
                self.sessions[cache_key] = f"flake8-flax: {exc}"
        found = self.sessions[cache_key]
        if isinstance(found, str):
            raise ValueError(found)
        return found

    # -- diagnostics ------------------------------------------------------------------------------------------

    def lint(self, key: str) -> Result | None:
        buffer = self.buffer(key)
        if buffer is None:
            return None
        try:
            session = self.session(key)
        except ValueError as exc:
            if str(exc) not in self.shown:
                self.shown.add(str(exc))
                self.window_show_message(types.ShowMessageParams(types.MessageType.Error, str(exc)))
            return Result(buffer, None, [])
        cached = self.results.get(key)
        if cached and cached.session is session and cached.buffer.text == buffer.text:
            cached.buffer = buffer  # same text, newer versions
            return cached
        unit = Unit(Path(to_fs_path(key) or key), buffer.text, buffer.notebook)
        positions: dict[int, Positions] = {}
        items = [self._item(buffer, located.finding, positions) for located in session.findings(unit)]
        self.results[key] = Result(buffer, session, items)
        return self.results[key]

    def _item(self, buffer: Buffer, finding: Finding, positions: dict[int, Positions]) -> Item:
        start = buffer.line_offset(finding.line, finding.col)
        end = buffer.line_offset(finding.end_line, finding.end_col)  # the matched node
        part, part_start = buffer.locate(start)
        end_part, part_end = buffer.locate(max(start, end))
        text = buffer.parts[part].text
        if part not in positions:
            positions[part] = Positions(text, self.workspace.position_codec.client_num_units)
        rng = types.Range(types.Position(*positions[part].position(part_start)),
                          types.Position(*positions[part].position(part_end if end_part == part else len(text))))
        rule = finding.rule
        diagnostic = types.Diagnostic(
            range=rng, message=finding.text, severity=SEVERITY.get(rule.severity), code=finding.code,
            code_description=types.CodeDescription(href=rule.url) if rule.url else None, source="flake8-flax")
        return Item(part, finding, diagnostic)

    def publish(self, key: str) -> None:
        self.last_run[key] = asyncio.get_event_loop().time()
        try:
            result = self.lint(key)
        except Exception as exc:  # a buffer the engine cannot take: say so, and leave no stale diagnostics
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"flake8-flax: {exc!r}"))
            buffer = self.buffer(key)
            result = Result(buffer, None, []) if buffer else None
        if result is None:
            return
        for index, part in enumerate(result.buffer.parts):
            diagnostics = [item.diagnostic for item in result.items if item.part == index]
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(part.uri, diagnostics, part.version))

    def schedule(self, key: str) -> None:
        """Lint at once after a pause; during a burst of changes, once per ``DEBOUNCE`` with the latest text."""
        if key in self.timers:
            return
        loop = asyncio.get_event_loop()
        wait = max(0.0, self.last_run.get(key, -DEBOUNCE) + DEBOUNCE - loop.time())
        self.timers[key] = loop.call_later(wait, self._fire, key)

    def _fire(self, key: str) -> None:
        self.timers.pop(key, None)
        if key in self.open:
            self.publish(key)

    def now(self, key: str) -> None:
        timer = self.timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        self.publish(key)

    def close(self, key: str, uris: list[str]) -> None:
        self.open.pop(key, None)
        self.results.pop(key, None)
        timer = self.timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        for uri in uris:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    def relint_all(self) -> None:
        self.results.clear()
        for key in list(self.open):
            self.now(key)

    # -- code actions -----------------------------------------------------------------------------------------

    def edit(self, buffer: Buffer, new_text: str) -> types.WorkspaceEdit:
        units = self.workspace.position_codec.client_num_units
        changes = []
        for index, spans in buffer.edits(new_text).items():
            part = buffer.parts[index]
            positions = Positions(part.text, units)
            edits = [types.TextEdit(types.Range(types.Position(*positions.position(start)),
                                                types.Position(*positions.position(end))), text)
                     for start, end, text in spans]
            changes.append(types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri=part.uri, version=part.version), edits))
        capabilities = self.client_capabilities.workspace
        if capabilities and capabilities.workspace_edit and capabilities.workspace_edit.document_changes:
            return types.WorkspaceEdit(document_changes=changes)
        return types.WorkspaceEdit(changes={change.text_document.uri: change.edits for change in changes})

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        key = self.key_of(uri)
        result = self.lint(key) if key else None
        if result is None or result.session is None or not parses(result.buffer.text):
            return []  # never an edit on a buffer that does not compile
        only = params.context.only

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)

        buffer, actions, suppress = result.buffer, [], []
        lo, hi = params.range.start, params.range.end
        for item in result.items:
            rng, finding = item.diagnostic.range, item.finding
            if buffer.parts[item.part].uri != uri or not wanted(types.CodeActionKind.QuickFix.value):
                continue
            if (rng.end.line, rng.end.character) < (lo.line, lo.character) or \
                    (rng.start.line, rng.start.character) > (hi.line, hi.character):
                continue
            if finding.edit is not None and (new_text := _fixed(buffer.text, finding)) is not None:
                unsafe = finding.rule.fix_safety != "safe"
                title = f"Fix {finding.code}{' (unsafe fix)' if unsafe else ''}: {finding.hint}"
                actions.append(types.CodeAction(title, kind=types.CodeActionKind.QuickFix,
                                                diagnostics=[item.diagnostic], is_preferred=not unsafe,
                                                edit=self.edit(buffer, new_text)))
            title = f"Suppress {finding.code} on this line"
            if all(action.title != title for action in suppress) and \
                    (new_text := with_noqa(buffer.text, finding.line, finding.code)) is not None:
                suppress.append(types.CodeAction(title, kind=types.CodeActionKind.QuickFix,
                                                 diagnostics=[item.diagnostic], edit=self.edit(buffer, new_text)))
        actions.extend(suppress)
        if wanted(FIX_ALL) and any(i.finding.edit and i.finding.rule.fix_safety == "safe" for i in result.items):
            action = types.CodeAction("Fix all flake8-flax safe fixes in this file", kind=FIX_ALL, data={"uri": uri})
            actions.append(action if self._resolves() else self.resolve(action))
        return actions

    def _resolves(self) -> bool:
        text = self.client_capabilities.text_document
        support = text and text.code_action and text.code_action.resolve_support
        return bool(support and "edit" in support.properties)

    def resolve(self, action: types.CodeAction) -> types.CodeAction:
        """The fix-all's edit, computed when the editor asks for it (it is the expensive one)."""
        key = self.key_of((action.data or {}).get("uri", ""))
        result = self.lint(key) if key else None
        if result is None or result.session is None or not parses(result.buffer.text):
            return action
        session = result.session
        wanted = session.settings.wanted_for(Path(to_fs_path(key) or key))
        fixed = fix_source(result.buffer.text, session.catalog, session.targets, unsafe=False, wanted=wanted)
        if fixed.error is None:
            action.edit = self.edit(result.buffer, fixed.source)
        return action


def _fixed(text: str, finding: Finding) -> str | None:
    """The text with this one finding fixed as ``flake8-flax fix`` would: its edit plus the imports it needs."""
    new_text, _ = apply_edits(text, [finding.edit])
    new_text = add_imports(new_text, list(finding.imports))
    return new_text if parses(new_text) else None


def build() -> FlaxServer:
    """The server with its handlers registered."""
    server = FlaxServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: FlaxServer, params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.workspace
        watched = capabilities and capabilities.did_change_watched_files
        if watched and watched.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED])
            ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="flake8-flax-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: FlaxServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if doc.language_id == "python" or doc.uri.endswith((".py", ".pyi")):
            ls.open[doc.uri] = False
            ls.now(doc.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: FlaxServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.open:
            ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: FlaxServer, params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri in ls.open:
            ls.now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: FlaxServer, params: types.DidCloseTextDocumentParams) -> None:
        if params.text_document.uri in ls.open:
            ls.close(params.text_document.uri, [params.text_document.uri])

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: FlaxServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.open[params.notebook_document.uri] = True
        ls.now(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: FlaxServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: FlaxServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.now(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: FlaxServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.close(params.notebook_document.uri, [doc.uri for doc in params.cell_text_documents])

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: FlaxServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith((".yml", ".yaml")) for change in params.changes):
            load_catalog.cache_clear()  # a team's rule file changed: rebuild (the disk cache notices which)
            ls.sessions.clear()
        ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders(ls: FlaxServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.relint_all()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=True))
    def code_action(ls: FlaxServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: FlaxServer, action: types.CodeAction) -> types.CodeAction:
        return ls.resolve(action)

    return server
