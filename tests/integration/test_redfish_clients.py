#!/usr/bin/python3
"""The Redfish service's writes driven by clients nobody here wrote.

OpenStack's sushy (sessions, the default of its SessionOrBasicAuth) and
DMTF's redfishtool log in, read every resource they can reach from the
service root, create a MemoryChunk and a Connection and delete them, while
two `tagmem host-agent` processes accept; every change is checked over QMP.
Exit 77 (skip) when sushy or redfishtool is missing; scripts/setup.sh
installs both, so CI runs it.  Needs TAGMEMD and TAGMEM (meson sets them).
"""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

try:
    import sushy
    from sushy import auth as sushy_auth
except ImportError:
    print("1..0 # SKIP python3-sushy is not installed (scripts/setup.sh installs it)")
    sys.exit(77)
if shutil.which("redfishtool") is None:
    print("1..0 # SKIP redfishtool is not installed (scripts/setup.sh installs it)")
    sys.exit(77)

TAG = "0123abcd-0000-4000-8000-0000000000c1"
DOMAIN = "/redfish/v1/Chassis/dcd0/MemoryDomains/1"
CHUNKS = DOMAIN + "/MemoryChunks"
CHUNK = CHUNKS + "/" + TAG
CONNECTIONS = "/redfish/v1/Fabrics/CXL/Connections"
HOST = "/redfish/v1/Fabrics/CXL/Endpoints/dcd0-host-%d"
DEADLINE_S = 20

results = []
http.client.HTTPConnection.debuglevel = int(os.environ.get("HTTP_DEBUG", "0"))


def check(name, condition, detail=""):
    results.append((name, bool(condition), detail))
    if not condition:
        raise AssertionError("%s: %s" % (name, detail))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Qmp:
    """A QMP client of just what the test needs."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.file = self.sock.makefile("rw")
        json.loads(self.file.readline())  # the greeting
        self.execute("qmp_capabilities")

    def execute(self, command, **arguments):
        self.file.write(json.dumps({"execute": command, "arguments": arguments}) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "event" not in reply:
                return reply

    def tag_hosts(self, tag):
        """host id -> "Pending" or "Committed" for the hosts that hold @tag."""
        hosts = {}
        for host in (0, 1):
            reply = self.execute("cxl-release-dynamic-capacity-status",
                                 path="/machine/peripheral/dcd0", **{"host-id": host},
                                 region=1, tag=tag)
            status = reply.get("return", {}).get("status")
            if status in ("Pending", "Committed"):
                hosts[host] = status
        return hosts


def wait_for(what, predicate):
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def passwd(tagmem, users, name, role, password):
    subprocess.run([tagmem, "passwd", users, name, "--role", role], input=password + "\n",
                   text=True, check=True, capture_output=True)


def crawl(root, get):
    """Every @odata.id reachable from @root, each read once: path -> body."""
    seen, queue = {}, [root]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen[path] = body = get(path)
        stack = [body]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                link = value.get("@odata.id")
                if isinstance(link, str) and link.startswith("/redfish/v1") and link not in seen:
                    queue.append(link)
                stack.extend(v for k, v in value.items() if k != "@odata.id")
            elif isinstance(value, list):
                stack.extend(value)
    return seen


def redfishtool(port, user, password, *args):
    return subprocess.run(["redfishtool", "-S", "Never", "-r", "127.0.0.1:%d" % port,
                           "-u", user, "-p", password, "-A", "Session", "raw"] + list(args),
                          text=True, capture_output=True, timeout=DEADLINE_S)


def main():
    tagmemd, tagmem = os.environ["TAGMEMD"], os.environ["TAGMEM"]
    workdir = tempfile.mkdtemp(prefix="tagmem-redfish-clients-")
    procs = []
    try:
        users = os.path.join(workdir, "users")
        passwd(tagmem, users, "admin", "Operator", "s3cret")
        passwd(tagmem, users, "viewer", "ReadOnly", "look")
        port = free_port()
        qmp_path = os.path.join(workdir, "qmp.sock")
        host_socks = [os.path.join(workdir, "host%d.sock" % i) for i in range(2)]
        daemon = subprocess.Popen(
            [tagmemd, "-qmp", "unix:%s,server=on,wait=off" % qmp_path,
             "--host", "id=0,socket=" + host_socks[0], "--host", "id=1,socket=" + host_socks[1],
             "-redfish", "addr=127.0.0.1:%d,users=%s" % (port, users)],
            env=dict(os.environ, XDG_RUNTIME_DIR=workdir))
        procs.append(daemon)
        wait_for("QMP", lambda: os.path.exists(qmp_path))
        qmp = Qmp(qmp_path)
        for i, path in enumerate(host_socks):
            agent = subprocess.Popen([tagmem, "host-agent", "--host", str(i), "--socket", path,
                                      "--policy", "accept-all"], stdout=subprocess.PIPE, text=True)
            procs.append(agent)
            check("agent %d ready" % i, agent.stdout.readline().startswith("ready"))

        # sushy: a session (X-Auth-Token), then everything reachable from the root.
        base = "http://127.0.0.1:%d" % port
        root = sushy.Sushy(base, auth=sushy_auth.SessionAuth("admin", "s3cret"))
        check("sushy session", root._conn._auth.get_session_key() is not None)
        conn = root._conn
        pages = crawl("/redfish/v1", lambda path: conn.get(path).json())
        check("crawl reaches a session", any(p.startswith("/redfish/v1/SessionService/Sessions/")
                                              for p in pages), sorted(pages))
        check("crawl reaches the regions", DOMAIN in pages, sorted(pages))
        for path, body in pages.items():
            check("GET " + path, body.get("@odata.id") == path and "@odata.etag" in body, body)

        # sushy POSTs a MemoryChunk: 202 and a Task that completes when host 0 accepts.
        made = conn.post(CHUNKS, data={
            "MemoryChunkSizeMiB": 8,
            "Links": {"Endpoints": [{"@odata.id": HOST % 0}]},
            "Oem": {"Tagmem": {"Tag": TAG}}})
        check("POST chunk 202", made.status_code == 202, made.status_code)
        task = made.headers["Location"]
        state = wait_for("the add task", lambda: conn.get(task).json()["TaskState"]
                         if conn.get(task).json()["TaskState"] != "Running" else None)
        check("add task completed", state == "Completed", state)
        check("QMP sees host 0", qmp.tag_hosts(TAG) == {0: "Committed"}, qmp.tag_hosts(TAG))

        # redfishtool (its own session) gives host 1 shared access: a Connection.
        body = json.dumps({"Links": {"InitiatorEndpoints": [{"@odata.id": HOST % 1}]},
                           "MemoryChunkInfo": [{"MemoryChunk": {"@odata.id": CHUNK}}]})
        posted = redfishtool(port, "admin", "s3cret", "POST", CONNECTIONS, "-d", body)
        check("redfishtool POST connection", posted.returncode == 0, posted.stderr)
        wait_for("host 1", lambda: qmp.tag_hosts(TAG).get(1) == "Committed")
        connection = "%s/dcd0-host-1-%s" % (CONNECTIONS, TAG)
        check("connection listed", {"@odata.id": connection} in
              conn.get(CONNECTIONS).json()["Members"])

        # A ReadOnly user's session can read but not change (403), and nothing changes.
        viewer = sushy.Sushy(base, auth=sushy_auth.SessionAuth("viewer", "look"))
        refused = redfishtool(port, "viewer", "look", "DELETE", connection)
        check("viewer DELETE refused", refused.returncode != 0 and "403" in refused.stderr,
              refused.stderr)
        check("viewer reads", viewer._conn.get(CHUNK).json()["Id"] == TAG)
        check("still shared", qmp.tag_hosts(TAG) == {0: "Committed", 1: "Committed"})

        # DELETE of the Connection: host 1 lets go; of the chunk: host 0 too.
        etag = conn.get(CHUNK).json()["@odata.etag"]  # stale once host 1 lets go
        gone = redfishtool(port, "admin", "s3cret", "DELETE", connection)
        check("redfishtool DELETE connection", gone.returncode == 0, gone.stderr)
        wait_for("host 1 gone", lambda: 1 not in qmp.tag_hosts(TAG))
        stale = conn._session.delete(base + CHUNK, headers={"If-Match": etag})
        check("stale If-Match 412", stale.status_code == 412, stale.text)
        etag = conn.get(CHUNK).json()["@odata.etag"]
        deleted = conn._session.delete(base + CHUNK + "?sanitize=true", headers={"If-Match": etag})
        check("DELETE chunk 202", deleted.status_code == 202, deleted.text)
        wait_for("host 0 gone", lambda: qmp.tag_hosts(TAG) == {})
        wait_for("the backend gone", lambda: all(m.get("tag") != TAG for m in
                                                 qmp.execute("query-memdev")["return"]))
        check("chunk gone", conn._session.get(base + CHUNK).status_code == 404)

        # Logging out ends the session: its token is refused afterwards.
        session_uri = root._conn._auth._session_resource_id
        token = root._conn._auth.get_session_key()
        check("logout", conn._session.delete(base + session_uri).status_code == 204)
        after = conn._session.get(base + CHUNKS, headers={"X-Auth-Token": token})
        check("token dead after logout", after.status_code == 401, after.status_code)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=DEADLINE_S)
        shutil.rmtree(workdir, ignore_errors=True)
    print("1..%d" % len(results))
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))


if __name__ == "__main__":
    main()
