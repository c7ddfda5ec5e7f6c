"""Start the real tagmemd with -redfish on a free loopback port, and talk
QMP to it: the Python tests' harness (the C tests have daemon_harness.c)."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, extra_args=(), redfish_options=""):
        self.dir = tempfile.mkdtemp(prefix="tagmem-web-")
        self.port = free_port()
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        env = dict(os.environ, XDG_RUNTIME_DIR=self.dir)
        self.log = open(os.path.join(self.dir, "tagmemd.log"), "w")
        self.proc = subprocess.Popen(
            [os.environ["TAGMEMD"], "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
             "-redfish", f"addr=127.0.0.1:{self.port}{redfish_options}", *extra_args],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.qmp = socket.socket(socket.AF_UNIX)
                self.qmp.connect(self.qmp_path)
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"tagmemd did not start: {self.log_text()}")
                time.sleep(0.05)
        self.qmp_file = self.qmp.makefile("rw")
        self.qmp_file.readline()
        self.execute("qmp_capabilities")

    def log_text(self):
        with open(os.path.join(self.dir, "tagmemd.log")) as f:
            return f.read()

    def execute(self, command, **arguments):
        request = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        self.qmp_file.write(json.dumps(request) + "\n")
        self.qmp_file.flush()
        while True:
            reply = json.loads(self.qmp_file.readline())
            if "event" in reply:
                continue
            if "return" not in reply:
                raise RuntimeError(f"{command}: {reply}")
            return reply["return"]

    def accept(self, host):
        """Be host @host once: accept what is offered (tagmem host-agent --once)."""
        subprocess.run([os.environ["TAGMEM"], "host-agent", "--host", str(host), "--socket",
                        os.path.join(self.dir, "tagmem", f"host{host}.sock"), "--once"],
                       check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        self.qmp.close()
        self.proc.terminate()
        code = self.proc.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return code
