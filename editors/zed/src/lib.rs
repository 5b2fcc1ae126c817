//! The Zed extension of `auto lsp`: Zed starts a language server only through an
//! extension, and this one starts `auto lsp` for Rhai files. Settings may name another
//! binary (`"lsp": { "auto": { "binary": { "path": …, "arguments": … } } }`); otherwise
//! `auto` is looked up on the worktree's PATH. Everything else is the server's.

use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result, Worktree};

struct AutoExtension;

impl zed::Extension for AutoExtension {
    fn new() -> Self {
        AutoExtension
    }

    fn language_server_command(&mut self, id: &LanguageServerId, worktree: &Worktree) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(id.as_ref(), worktree).ok().and_then(|s| s.binary);
        let path = binary.as_ref().and_then(|b| b.path.clone()).or_else(|| worktree.which("auto"));
        let command = path.ok_or("`auto` is not on PATH: install it, or set lsp.auto.binary.path")?;
        let args = binary.and_then(|b| b.arguments).unwrap_or_else(|| vec!["lsp".to_string()]);
        Ok(zed::Command { command, args, env: worktree.shell_env() })
    }
}

zed::register_extension!(AutoExtension);
