// Starts `auto lsp` for Rhai files: everything the editor shows comes from the server
// (docs/editor.md). The server finds each file's repository itself, so no setting names it.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const command = vscode.workspace.getConfiguration("auto").get("path", "auto");
  client = new LanguageClient(
    "auto",
    "auto lsp",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "rhai" }] },
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
