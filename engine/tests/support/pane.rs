//! A real terminal for tests: a private tmux server (its own socket in a temp dir, killed
//! on drop) with one pane of a given size running one shell command. Tests type with
//! `send-keys`, read the screen with `capture-pane`, and can keep every byte the program
//! wrote to the terminal (`pipe-pane`) to check what escape sequences it used.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TMUX: &str = "/usr/bin/tmux";
/// How long a pane may take to show what is awaited (a terraform init and plan included).
const DEADLINE: Duration = Duration::from_secs(60);

pub struct Pane {
    dir: tempfile::TempDir,
}

impl Pane {
    /// Runs `command` with bash in a new 200x50 pane (see [`Pane::sized`]).
    pub fn start(command: &str) -> Pane {
        Pane::sized(command, 200, 50)
    }

    /// Runs `command` with bash in a new `columns`x`rows` pane. When it ends, its exit code
    /// is written to the pane (`exit=N`) and to a file, and the pane stays open to be read.
    /// Everything written to the terminal is also kept, raw, for [`Pane::raw`]: the
    /// command waits until that recording is on.
    pub fn sized(command: &str, columns: u16, rows: u16) -> Pane {
        let pane = Pane { dir: tempfile::tempdir().expect("temp dir") };
        let exit_file = pane.dir.path().join("exit");
        let go = pane.dir.path().join("go");
        let exit = quote(&exit_file.display().to_string());
        let script = format!(
            "while [ ! -e {go} ]; do sleep 0.05; done\n{command}\ncode=$?\necho \"exit=$code\"\necho \"$code\" > {exit}.tmp && mv {exit}.tmp {exit}\nexec sleep 3600",
            go = quote(&go.display().to_string()),
        );
        let started = pane
            .tmux()
            .args(["-f", "/dev/null", "new-session", "-d", "-x", &columns.to_string(), "-y", &rows.to_string()])
            .args(["-s", "pane", "bash", "--norc", "--noprofile", "-c", &script])
            .output()
            .expect("tmux runs");
        assert!(started.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&started.stderr));
        let raw = quote(&pane.raw_file().display().to_string());
        let piped =
            pane.tmux().args(["pipe-pane", "-o", "-t", "pane", &format!("cat >> {raw}")]).output().expect("tmux");
        assert!(piped.status.success(), "tmux pipe-pane: {}", String::from_utf8_lossy(&piped.stderr));
        std::fs::write(&go, "").expect("go file");
        pane
    }

    fn raw_file(&self) -> PathBuf {
        self.dir.path().join("raw")
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("tmux.sock")
    }

    fn tmux(&self) -> Command {
        let mut tmux = Command::new(TMUX);
        tmux.arg("-S").arg(self.socket()).env_remove("TMUX").stdin(Stdio::null());
        tmux
    }

    /// The whole pane, scrollback included, wrapped lines joined.
    pub fn screen(&self) -> String {
        self.capture(&["-J"])
    }

    /// The pane as it is drawn: scrollback included, each screen row a line as the
    /// terminal shows it (a line too long for the width is two rows here).
    pub fn rows(&self) -> String {
        self.capture(&[])
    }

    fn capture(&self, flags: &[&str]) -> String {
        let captured = self
            .tmux()
            .args(["capture-pane", "-p", "-S", "-", "-E", "-", "-t", "pane"])
            .args(flags)
            .output()
            .expect("tmux");
        assert!(captured.status.success(), "tmux capture-pane: {}", String::from_utf8_lossy(&captured.stderr));
        String::from_utf8_lossy(&captured.stdout).into_owned()
    }

    /// Every byte written to the terminal so far, escape sequences included.
    pub fn raw(&self) -> Vec<u8> {
        std::fs::read(self.raw_file()).unwrap_or_default()
    }

    /// The screen once it shows `needle` (panics with the screen after the deadline).
    pub fn wait_for(&self, needle: &str) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(Instant::now() < until, "the terminal never showed `{needle}`; it shows:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types `keys` (tmux key names: `y`, `Enter`, `C-c`).
    pub fn send(&self, keys: &[&str]) {
        let sent = self.tmux().args(["send-keys", "-t", "pane"]).args(keys).output().expect("tmux");
        assert!(sent.status.success(), "tmux send-keys: {}", String::from_utf8_lossy(&sent.stderr));
    }

    /// Whether the command has ended.
    pub fn ended(&self) -> bool {
        self.dir.path().join("exit").is_file()
    }

    /// The command's exit code and the screen after it ended.
    pub fn finish(&self) -> (i32, String) {
        let exit_file = self.dir.path().join("exit");
        let until = Instant::now() + DEADLINE;
        while !exit_file.is_file() {
            assert!(Instant::now() < until, "the command did not end; the terminal shows:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(100));
        }
        let code = std::fs::read_to_string(&exit_file).expect("exit file").trim().parse().expect("exit code");
        (code, self.wait_for(&format!("exit={code}")))
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        // This test's server only: its own socket.
        let _ = self.tmux().arg("kill-server").stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

/// `text` quoted for bash.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
