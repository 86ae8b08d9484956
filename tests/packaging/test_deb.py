#!/usr/bin/env python3
"""The Debian package as users get it: built with CPack from this build tree and unpacked with
dpkg-deb into a throwaway root. The program from it starts, serves /healthz and /readyz (ready
against the mock LLM), stops cleanly on SIGTERM; both unit files pass systemd-analyze verify
against that root; the package declares its dependencies and carries the licence."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BUILD = os.environ["RTAI_BINARY_DIR"]
MOCK_LLM = os.environ["RTAI_MOCK_LLM"]
ARTIFACTS = os.environ.get("RTAI_ARTIFACTS_DIR", tempfile.gettempdir())
UNITS = "/usr/lib/systemd/system"
failures = []


def check(condition, what):
    print(("PASS   " if condition else "FAIL!  ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def run(*args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for_line(stream, prefix, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    lines = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if prefix in line:
            return line, lines
    return None, lines


def verify_unit(root, unit):
    result = run("systemd-analyze", "verify", f"--root={root}", "--recursive-errors=no",
                 "--man=no", f"{UNITS}/{unit}")
    return check(result.returncode == 0 and not result.stderr.strip(),
                 f"systemd-analyze verify {unit}" + (f": {result.stderr.strip()}" if result.stderr.strip() else ""))


def main():
    work = tempfile.mkdtemp(prefix="rtai-deb-")
    processes = []
    try:
        built = run("cpack", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B",
                    os.path.join(work, "out"))
        if not check(built.returncode == 0, "cpack builds the package"):
            print(built.stdout, built.stderr)
            return
        debs = [f for f in os.listdir(os.path.join(work, "out")) if f.endswith(".deb")]
        if not check(len(debs) == 1, "one .deb"):
            return
        deb = os.path.join(work, "out", debs[0])
        shutil.copy(deb, ARTIFACTS)
        fields = run("dpkg-deb", "-f", deb, "Package", "Depends").stdout
        check("Package: realtime-ai" in fields, "package name realtime-ai")
        for dependency in ("libqt6sql6-sqlite", "libqt6sql6-psql", "libqt6httpserver6",
                           "libqt6websockets6"):
            check(dependency in fields, f"depends on {dependency}")

        root = os.path.join(work, "root")
        check(run("dpkg-deb", "-x", deb, root).returncode == 0, "dpkg-deb -x unpacks it")
        for path in ("usr/bin/realtime-ai", "usr/share/applications/realtime-ai.desktop",
                     "usr/share/doc/realtime-ai/LICENSE",
                     "usr/share/doc/realtime-ai/THIRD_PARTY_NOTICES.md",
                     "usr/lib/systemd/system/realtime-ai.service",
                     "usr/lib/systemd/system/realtime-ai@.service"):
            check(os.path.isfile(os.path.join(root, path)), f"installs /{path}")

        verify_unit(root, "realtime-ai.service")
        # A template is verified as one of its instances, from a copy under that name.
        units = os.path.join(root, UNITS.lstrip("/"))
        shutil.copy(os.path.join(units, "realtime-ai@.service"),
                    os.path.join(units, "realtime-ai@18081.service"))
        verify_unit(root, "realtime-ai@18081.service")

        mock = subprocess.Popen([MOCK_LLM, "--port", "0"], stdout=subprocess.PIPE, text=True)
        processes.append(mock)
        line, _ = wait_for_line(mock.stdout, "PORT ")
        if not check(line is not None, "the mock LLM starts"):
            return
        mock_port = int(line.split()[1])

        data = os.path.join(work, "data")
        os.mkdir(data)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("RTAI_", "OPENAI_", "SUPABASE_")) and k != "DATABASE_URL"}
        server = subprocess.Popen(
            [os.path.join(root, "usr/bin/realtime-ai"), "--server", "--host", "127.0.0.1",
             "--port", "0", "--data-dir", data, "--database-url",
             f"sqlite:///{data}/db.sqlite", "--llm-base-url", f"http://127.0.0.1:{mock_port}/v1"],
            cwd=data, env=env, stderr=subprocess.PIPE, text=True)
        processes.append(server)
        line, lines = wait_for_line(server.stderr, "listening on http://")
        if not check(line is not None, "the installed program starts"):
            print("".join(lines))
            return
        port = int(line.rsplit(":", 1)[1].strip().rstrip("/").split("/")[0])
        base = f"http://127.0.0.1:{port}"
        status, body = get(base + "/healthz")
        check(status == 200 and body.get("status") == "ok", f"/healthz: {status} {body}")
        status, body = None, None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, body = get(base + "/readyz")
            if status == 200:
                break
            time.sleep(0.2)
        check(status == 200 and body.get("status") == "ready", f"/readyz: {status} {body}")
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        check(code == 0, f"SIGTERM ends it with status 0 (got {code})")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
    print(f"Totals: {len(failures)} failed", flush=True)
    sys.exit(1 if failures else 0)
