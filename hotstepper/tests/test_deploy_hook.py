"""The pre-spawn hook of deploy/values.yaml, run with kubernetes_asyncio (KubeSpawner's client)
against a stand-in for the Kubernetes API server that records each request and answers as the
API server does (201 with the object, 409 when it exists, 403 when refused). No cluster runs
here; the manifests themselves are validated against the API's schema in
packages/backend/test/deploy.spec.ts.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from kubernetes_asyncio import client
from kubernetes_asyncio.client.rest import ApiException
from traitlets.config import Config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NAMESPACE = "jupyterhub-ada-prod-ns"


class ApiServer(ThreadingHTTPServer):
    """Records requests; `existing` paths answer 409 to a POST, `refused` paths 403."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, dict]] = []
        self.existing: set[str] = set()
        self.refused: set[str] = set()


class _Handler(BaseHTTPRequestHandler):
    server: ApiServer

    def _answer(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        path = self.path.split("?")[0]
        self.server.requests.append((self.command, path, body))
        status = 201 if self.command == "POST" else 200
        if path in self.server.refused:
            status = 403
        elif self.command == "POST" and path in self.server.existing:
            status = 409
        answer = body if status < 400 else {"kind": "Status", "apiVersion": "v1", "code": status}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def api_server():
    server = ApiServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook(tmp_path, monkeypatch):
    """The hook as the hub runs it: values.yaml's extraConfig executed with a traitlets config,
    reading the two files Helm mounts (here copied from deploy/)."""
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    for key, name in [("hotstepper-config", "hotstepper.json"), ("hotstepper-namespace", "user-namespace.yaml")]:
        mount = Path(values["hub"]["extraFiles"][key]["mountPath"])
        shutil.copy(DEPLOY / name, tmp_path / mount.name)
    monkeypatch.setenv("HOTSTEPPER_GPU_VIEW", "1")
    scope: dict = {"c": Config()}
    exec(compile(values["hub"]["extraConfig"]["hotstepper"], "values.yaml:hotstepper", "exec"), scope)
    assert mount.parent.as_posix() == scope["HOTSTEPPER_DIR"]
    scope["HOTSTEPPER_DIR"] = str(tmp_path)
    fn = scope["c"].KubeSpawner.pre_spawn_hook
    assert fn is scope["hotstepper_prepare_namespace"]
    return fn


class Spawner:
    """What the hook reads of a KubeSpawner: its namespace and its CoreV1Api."""

    def __init__(self, host: str) -> None:
        configuration = client.Configuration(host=host)
        self.api = client.CoreV1Api(client.ApiClient(configuration))
        self.namespace = NAMESPACE


def run(hook, server: ApiServer) -> None:
    async def go():
        spawner = Spawner(f"http://127.0.0.1:{server.server_port}")
        try:
            await hook(spawner)
        finally:
            await spawner.api.api_client.close()

    asyncio.run(go())


def test_prepares_a_new_namespace(hook, api_server):
    run(hook, api_server)
    posts = {path: body for method, path, body in api_server.requests if method == "POST"}
    ns = f"/api/v1/namespaces/{NAMESPACE}"
    assert posts["/api/v1/namespaces"]["metadata"]["name"] == NAMESPACE
    docs = [d for d in yaml.safe_load_all((DEPLOY / "user-namespace.yaml").read_text()) if d]
    where = {
        "ServiceAccount": f"{ns}/serviceaccounts",
        "RoleBinding": f"/apis/rbac.authorization.k8s.io/v1/namespaces/{NAMESPACE}/rolebindings",
        "NetworkPolicy": f"/apis/networking.k8s.io/v1/namespaces/{NAMESPACE}/networkpolicies",
        "ResourceQuota": f"{ns}/resourcequotas",
    }
    for doc in docs:
        sent = posts[where[doc["kind"]]]
        assert sent["metadata"]["namespace"] == NAMESPACE
        assert sent["metadata"]["name"] == doc["metadata"]["name"]
        assert sent.get("spec") == doc.get("spec")
    # The role binding names the account of this namespace, not of any other.
    assert posts[where["RoleBinding"]]["subjects"] == [
        {"kind": "ServiceAccount", "name": "hotstepper-user", "namespace": NAMESPACE}
    ]
    config = posts[f"{ns}/configmaps"]
    assert config["metadata"]["name"] == "hotstepper-config"
    assert json.loads(config["data"]["hotstepper.json"]) == json.loads((DEPLOY / "hotstepper.json").read_text())
    gpu = posts["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"]
    assert gpu["roleRef"]["name"] == "hotstepper-gpu-view"
    assert gpu["subjects"][0]["namespace"] == NAMESPACE


def test_a_second_start_updates_the_configuration_and_keeps_the_rest(hook, api_server):
    ns = f"/api/v1/namespaces/{NAMESPACE}"
    api_server.existing |= {"/api/v1/namespaces", f"{ns}/resourcequotas", f"{ns}/configmaps"}
    run(hook, api_server)
    puts = [(path, body) for method, path, body in api_server.requests if method == "PUT"]
    # The configuration follows the hub's; a quota the admin tuned is left alone.
    assert [path for path, _ in puts] == [f"{ns}/configmaps/hotstepper-config"]


def test_a_refusal_stops_the_spawn_with_the_api_error(hook, api_server):
    api_server.refused.add(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{NAMESPACE}/rolebindings")
    with pytest.raises(ApiException) as refused:
        run(hook, api_server)
    assert refused.value.status == 403


def test_cluster_service_runs_as_the_hub_starts_it(tmp_path):
    """values.yaml's hotstepper-cluster snippet adds a managed service whose command starts the
    bundled cluster service; started with the environment JupyterHub gives a managed service, it
    listens where the URL's port says and answers its readiness route and, without a token, 403."""
    import os
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request

    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    scope: dict = {"c": Config()}
    snippet = values["hub"]["extraConfig"]["hotstepper-cluster"]
    exec(compile(snippet, "values.yaml:hotstepper-cluster", "exec"), scope)
    (service,) = scope["c"].JupyterHub.services.get_value([])
    assert service["name"] == "hotstepper-cluster"
    assert service["url"] == "http://hub:10101"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "PATH": os.environ["PATH"],
        "JUPYTERHUB_SERVICE_NAME": service["name"],
        "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
        "JUPYTERHUB_API_TOKEN": "service-token",
        # The port of the URL; the host the hub's Service name would be, bound as configured.
        "JUPYTERHUB_SERVICE_URL": f"http://hub:{port}",
        "JUPYTERHUB_SERVICE_PREFIX": f"/services/{service['name']}/",
        "HOTSTEPPER_LOG_LEVEL": "silent",
        **service["environment"],
    }
    proc = subprocess.Popen(service["command"], env=env)
    try:
        base = f"http://127.0.0.1:{port}/services/{service['name']}/"
        for _ in range(600):
            try:
                with urllib.request.urlopen(base, timeout=5) as res:
                    assert json.load(res) == {"service": service["name"]}
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, "the cluster service exited"
                time.sleep(0.05)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "gpus", timeout=5)
        assert refused.value.code == 403
    finally:
        proc.terminate()
        proc.wait(timeout=10)
