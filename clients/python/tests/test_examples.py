"""The examples, run as their users would (a subprocess), against the real binary's local backend."""

import os
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import scripts

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = PACKAGE_ROOT / "examples"


def example_env(assistd_bin, script_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PACKAGE_ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["ASSISTD_BIN"] = assistd_bin
    env["ASSISTD_ARGS"] = " ".join(shlex.quote(a) for a in scripts.local_args(script_path))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_example(name, assistd_bin, tmp_path, script, stdin=""):
    path = scripts.write_script(tmp_path, script)
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], input=stdin, capture_output=True, text=True,
                          env=example_env(assistd_bin, path), timeout=120, encoding="utf-8")
    assert done.returncode == 0, "%s failed:\n%s\n%s" % (name, done.stdout, done.stderr)
    return done.stdout


PAINTING = scripts.script(
    [scripts.tool_calls(("text_to_image", {"input": "a ragdoll cat, watercolour"}))],
    [scripts.after_tool(scripts.text("Here is your ragdoll cat: {{last_tool_output}}", chunks=3))])


def test_painting_assistant(assistd_bin, tmp_path):
    out = run_example("painting_assistant.py", assistd_bin, tmp_path, PAINTING)
    assert "Run completed, status: completed" in out
    assert "Here is your ragdoll cat" in out and "sketch-" in out, "the local text_to_image stand-in ran"


def test_painting_assistant_streaming(assistd_bin, tmp_path):
    out = run_example("painting_assistant_stream.py", assistd_bin, tmp_path, PAINTING)
    lines = out.splitlines()
    assert "thread.run.created" in lines and "thread.message.delta" in lines and "done" not in lines
    assert "Run status: completed" in out
    assert "Text: Here is your ragdoll cat" in out


def test_function_call_both_ways(assistd_bin, tmp_path):
    script = scripts.script([scripts.tool_calls(("big_add", {"left": 87787, "right": 788988737}))],
                            [scripts.after_tool(scripts.text("The sum is {{last_tool_output}}."))])
    out = run_example("function_call.py", assistd_bin, tmp_path, script)
    assert "run status: requires_action" in out
    assert out.count("assistant: The sum is 789076524.") == 2
    assert "big_add(87787, 788988737) runs in this process" in out


def test_chat_answers_and_ends_at_end_of_input(assistd_bin, tmp_path):
    script = scripts.script([scripts.text("Hi! 你好 👋", chunks=3)])
    out = run_example("chat.py", assistd_bin, tmp_path, script, stdin="hello\n\n/quit\n")
    assert "assistant> Hi! 你好 👋" in out and out.rstrip().endswith("bye")


def restore_sigint():
    # A runner started in the background (CI under `&`, nohup) passes SIGINT on ignored, and
    # Python then installs no Ctrl-C handler: the child gets the default back, as a terminal gives it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class ChatSession:
    """The chat example in a subprocess, with its output gathered as it comes."""

    def __init__(self, assistd_bin, script_path):
        self.process = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "chat.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=example_env(assistd_bin, script_path), text=True, encoding="utf-8",
            bufsize=1, preexec_fn=restore_sigint)
        self.output = ""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            char = self.process.stdout.read(1)
            with self._changed:
                if not char:
                    self._changed.notify_all()
                    return
                self.output += char
                self._changed.notify_all()

    def wait_for(self, text, timeout=60):
        with self._changed:
            assert self._changed.wait_for(lambda: text in self.output, timeout), \
                "never saw %r in:\n%s" % (text, self.output)

    def interrupt_at_prompt(self, expected, attempts=10):
        """Ctrl-C at the prompt until ``expected`` shows. input() writes the prompt and then blocks in
        read(); a signal that lands between the two is acted on only when read() returns, which it
        never does here. A person cannot hit that window; a test reading the prompt can, so it
        sends Ctrl-C again while the chat has not answered the last one."""
        for _ in range(attempts):
            self.process.send_signal(signal.SIGINT)
            with self._changed:
                if self._changed.wait_for(lambda: expected in self.output, 2):
                    return
        self.wait_for(expected, 0)

    def send(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def finish(self):
        self.process.stdin.close()
        returncode = self.process.wait(60)
        self._reader.join(10)
        return returncode, self.process.stderr.read()


def test_ctrl_c_stops_a_reply_and_cancels_its_run(assistd_bin, tmp_path):
    slow_then_fast = scripts.script([scripts.text("one two three four five six", chunks=6, delay_ms=1000),
                                     scripts.text("Second answer.")])
    chat = ChatSession(assistd_bin, scripts.write_script(tmp_path, slow_then_fast))
    chat.send("talk slowly")
    chat.wait_for("assistant> o")  # the first delta has arrived: the reply is streaming
    chat.process.send_signal(signal.SIGINT)
    chat.wait_for("[reply stopped; the run is cancelled]")
    chat.wait_for("you> ")
    chat.send("and now?")  # fails with a conflicting-state error if the run were still active
    chat.wait_for("assistant> Second answer.")
    returncode, stderr = chat.finish()
    assert returncode == 0, stderr
    assert chat.output.rstrip().endswith("bye")


def test_ctrl_c_at_the_prompt_quits_cleanly(assistd_bin, tmp_path):
    chat = ChatSession(assistd_bin, scripts.write_script(tmp_path, scripts.HELLO))
    chat.wait_for("you> ")
    chat.interrupt_at_prompt("bye")
    returncode, stderr = chat.finish()
    assert returncode == 0, stderr
