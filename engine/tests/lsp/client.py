"""A real LSP client (pygls's LanguageClient over lsprotocol's types) driving `auto lsp`
over stdio, for engine/tests/lsp.rs and bench/lsp.py.

    python client.py AUTO_BINARY REPO_ROOT < steps.json > results.jsonl

The steps are a JSON array; each is run in order and answered by one JSON line (the
server's answer as the protocol spells it, or the diagnostics the step waited for):

    {"open": "scripts/x.rhai"}                     didOpen with the file's text; waits for
    {"open": "scripts/x.rhai", "text": "..."}      the diagnostics of that version
    {"change": "scripts/x.rhai", "text": "..."}    didChange (full text); waits likewise
    {"save": "scripts/x.rhai"}                     writes the text to the file, didSave; waits
                                                   for its next diagnostics
    {"close": "scripts/x.rhai"}                    didClose; waits for the cleared list
    {"published": "scripts/x.rhai"}                the diagnostics last published for it
    {"complete": "scripts/x.rhai", "at": "terraform::|"}    completion where `|` is in the
    {"hover": ..., "at": ...}, {"signature": ...}, {"definition": ...}   text (the first
                                                   occurrence of `at` without the `|`)

Positions are computed in UTF-16 code units, the protocol's default encoding.
"""

import asyncio
import json
import sys
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

TIMEOUT = 60


class Session:
    def __init__(self, binary: str, root: Path):
        self.binary = binary
        self.root = root
        self.client = LanguageClient("auto-lsp-test", "1")
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.published: dict[str, list] = {}
        self.arrived = asyncio.Condition()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def published(params: types.PublishDiagnosticsParams):
            async with self.arrived:
                self.published.setdefault(params.uri, []).append(params)
                self.arrived.notify_all()

    def uri(self, path: str) -> str:
        return (self.root / path).resolve().as_uri()

    async def start(self):
        await self.client.start_io(self.binary, "lsp", cwd=str(self.root))
        await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(
                    process_id=None,
                    root_uri=self.root.resolve().as_uri(),
                    capabilities=types.ClientCapabilities(),
                )
            ),
            TIMEOUT,
        )
        self.client.initialized(types.InitializedParams())

    async def stop(self):
        await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)

    async def diagnostics(self, uri: str, count: int, version=None):
        """The diagnostics published for `uri` once there have been `count` rounds."""

        def ready():
            rounds = self.published.get(uri, [])
            return len(rounds) >= count and (version is None or rounds[-1].version == version)

        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(ready), TIMEOUT)
        return self.published[uri][-1].diagnostics

    def position(self, path: str, at: str) -> types.Position:
        text = self.texts[path]
        needle = at.replace("|", "")
        start = text.find(needle)
        if start < 0:
            raise ValueError(f"{at!r} is not in {path}")
        offset = start + at.index("|")
        before = text[:offset]
        line = before.count("\n")
        column = before[before.rfind("\n") + 1 :]
        return types.Position(line=line, character=len(column.encode("utf-16-le")) // 2)

    async def notified(self, path: str, notify, params):
        """Sends a notification about `path`, then waits for its next diagnostics."""
        uri = self.uri(path)
        seen = len(self.published.get(uri, []))
        notify(params)
        return await self.diagnostics(uri, seen + 1)

    def where(self, step: dict, key: str):
        path = step[key]
        return types.TextDocumentIdentifier(uri=self.uri(path)), self.position(path, step["at"])

    async def run(self, step: dict):
        client = self.client
        if "open" in step:
            path = step["open"]
            uri = self.uri(path)
            self.texts[path] = step.get("text", (self.root / path).read_text())
            self.versions[path] = 1
            seen = len(self.published.get(uri, []))
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(uri=uri, language_id="rhai", version=1, text=self.texts[path])
                )
            )
            return await self.diagnostics(uri, seen + 1, 1)
        if "change" in step:
            path = step["change"]
            uri = self.uri(path)
            self.texts[path] = step["text"]
            self.versions[path] += 1
            version = self.versions[path]
            seen = len(self.published.get(uri, []))
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=step["text"])],
                )
            )
            return await self.diagnostics(uri, seen + 1, version)
        if "save" in step:
            # What the editor does on save: the file is written, then didSave.
            path = step["save"]
            (self.root / path).write_text(self.texts[path])
            document = types.TextDocumentIdentifier(uri=self.uri(path))
            return await self.notified(path, client.text_document_did_save, types.DidSaveTextDocumentParams(document))
        if "close" in step:
            document = types.TextDocumentIdentifier(uri=self.uri(step["close"]))
            params = types.DidCloseTextDocumentParams(document)
            return await self.notified(step["close"], client.text_document_did_close, params)
        if "published" in step:
            return self.published[self.uri(step["published"])][-1].diagnostics
        if "complete" in step:
            document, position = self.where(step, "complete")
            context = None
            if "trigger" in step:
                context = types.CompletionContext(
                    trigger_kind=types.CompletionTriggerKind.TriggerCharacter, trigger_character=step["trigger"]
                )
            params = types.CompletionParams(text_document=document, position=position, context=context)
            return await asyncio.wait_for(client.text_document_completion_async(params), TIMEOUT)
        if "hover" in step:
            document, position = self.where(step, "hover")
            params = types.HoverParams(text_document=document, position=position)
            return await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
        if "signature" in step:
            document, position = self.where(step, "signature")
            params = types.SignatureHelpParams(text_document=document, position=position)
            return await asyncio.wait_for(client.text_document_signature_help_async(params), TIMEOUT)
        if "definition" in step:
            document, position = self.where(step, "definition")
            params = types.DefinitionParams(text_document=document, position=position)
            return await asyncio.wait_for(client.text_document_definition_async(params), TIMEOUT)
        raise ValueError(f"unknown step {step!r}")


async def main():
    binary, root = str(Path(sys.argv[1]).resolve()), Path(sys.argv[2])
    steps = json.load(sys.stdin)
    session = Session(binary, root)
    await session.start()
    try:
        for step in steps:
            result = await session.run(step)
            # lsprotocol's own converter: the answer as the protocol spells it (camelCase).
            print(json.dumps(session.client.protocol._converter.unstructure(result)), flush=True)
    finally:
        await session.stop()


if __name__ == "__main__":
    asyncio.run(main())
