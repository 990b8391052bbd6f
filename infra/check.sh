#!/usr/bin/env bash
# Checks what infra/ ships: the Prometheus alert rules (promtool, from Debian's
# prometheus package, unpacked rather than installed so that no server starts) and
# their unit tests, the Grafana dashboard, and the Kubernetes manifests against the
# API's schemas (kubernetes-validate, from PyPI, which carries them).
#
# SEGNALA_TOOLS (default /var/tmp/segnala-tools) keeps both between runs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly KUBERNETES_VERSION=1.30.0
tools="${SEGNALA_TOOLS:-/var/tmp/segnala-tools}"
mkdir -p "$tools"

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

promtool="$tools/prometheus/usr/bin/promtool"
if [[ ! -x $promtool ]]; then
    (
        cd "$tools"
        apt-get download prometheus 2>/dev/null || {
            as_root apt-get update -qq
            apt-get download prometheus
        }
        dpkg-deb -x prometheus_*.deb prometheus
        rm -f prometheus_*.deb
    )
fi
(cd infra/prometheus && "$promtool" check rules alerts.yaml && "$promtool" test rules alerts.test.yaml)

# Every series the alerts and the dashboard use is one the services describe.
python3 - <<'PY'
import json, re, sys
described = set(re.findall(r'describe_\w+!\(\s*"(segnala_\w+)"', open("services/shared/src/metrics.rs").read()))
dashboard = json.load(open("infra/prometheus/dashboard.json"))
used = set()
for text in [open("infra/prometheus/alerts.yaml").read()] + [t["expr"] for p in dashboard["panels"] for t in p["targets"]]:
    used |= {re.sub(r"_(bucket|sum|count)$", "", name) for name in re.findall(r"segnala_\w+", text)}
unknown = sorted(used - described)
if unknown:
    sys.exit(f"alerts or dashboard use series no service describes: {unknown}")
print(f"dashboard: {len(dashboard['panels'])} panels; {len(used)} series, all described")
PY

venv="$tools/venv"
if [[ ! -x $venv/bin/kubernetes-validate ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet kubernetes-validate
fi
manifests=()
for file in infra/k8s/*.yaml; do
    # The kustomization is kustomize's own file, not an API object.
    [[ $(basename "$file") == kustomization.yaml ]] || manifests+=("$file")
done
"$venv/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "${manifests[@]}"
echo "kubernetes: ${#manifests[@]} manifests valid against $KUBERNETES_VERSION"
