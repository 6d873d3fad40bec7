#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs oci-injector-hook and its runtime shim onto a Kubernetes node, and registers them with the
# node's container runtime. Run by the DaemonSet in daemonset.yaml (privileged, the node's / mounted at
# $HOST_ROOT); runnable by hand on a node too. Every path below is the node's, written under $HOST_ROOT.
#
#   install.sh install     copy the binaries and configs, register with containerd and/or CRI-O
#   install.sh uninstall   undo what install did (the configs of /etc/oci-injector-hook stay)
#
# Settings (environment of the DaemonSet's container; the defaults in brackets):
#   HOST_ROOT          where the node's / is [/host]
#   SOURCE_DIR         where the image holds oci-injector-hook and oci-injector-runtime [/opt/oci-injector-hook/bin]
#   CONFIG_SOURCE      a folder of hook configs (*.json) to install, e.g. a ConfigMap's mount [none]
#   BIN_DIR            where the binaries go on the node [/opt/oci-injector-hook/bin]
#   CONFIG_DIR         the hook's config folder on the node [/etc/oci-injector-hook]; another one is
#                      passed to the hook with --config-dir
#   SHIM_CONFIG        the shim's config on the node [/etc/oci-injector-runtime.json]; elsewhere (a node
#                      whose /etc is read-only), a wrapper passes it to the shim
#   RUNC               the real runtime the shim runs: a path, or a name on the shim's fixed PATH [runc]
#   RUNTIMES           which runtimes to register with: containerd, crio, or both [containerd crio]
#   CONTAINERD_CONFIG  containerd's config.toml [/etc/containerd/config.toml]
#   HANDLER            the runtime handler's name, which a RuntimeClass names [oci-injector]
#   POD_ANNOTATIONS    pod annotations containerd passes to containers of the handler, patterns
#                      separated by spaces; empty: none [example.com/*]
#   CRIO_HOOKS_DIR     the hooks.d folder CRI-O reads [/etc/containers/oci/hooks.d]
#   CRIO_DROPIN        CRI-O's config drop-in [/etc/crio/crio.conf.d/50-oci-injector-hook.conf]
#   RESTART_RUNTIME    containerd or crio: restart that systemd unit on the node afterwards, through its
#                      PID 1 (the pod needs hostPID) [empty: restart it yourself]
set -eu

HOST_ROOT=${HOST_ROOT-/host}
SOURCE_DIR=${SOURCE_DIR:-/opt/oci-injector-hook/bin}
CONFIG_SOURCE=${CONFIG_SOURCE:-}
BIN_DIR=${BIN_DIR:-/opt/oci-injector-hook/bin}
CONFIG_DIR=${CONFIG_DIR:-/etc/oci-injector-hook}
SHIM_CONFIG=${SHIM_CONFIG:-/etc/oci-injector-runtime.json}
RUNC=${RUNC:-runc}
RUNTIMES=${RUNTIMES:-containerd crio}
CONTAINERD_CONFIG=${CONTAINERD_CONFIG:-/etc/containerd/config.toml}
HANDLER=${HANDLER:-oci-injector}
POD_ANNOTATIONS=${POD_ANNOTATIONS-example.com/*}
CRIO_HOOKS_DIR=${CRIO_HOOKS_DIR:-/etc/containers/oci/hooks.d}
CRIO_DROPIN=${CRIO_DROPIN:-/etc/crio/crio.conf.d/50-oci-injector-hook.conf}
RESTART_RUNTIME=${RESTART_RUNTIME:-}

BEGIN="# BEGIN oci-injector-hook $HANDLER: written by deploy/kubernetes/install.sh; 'install.sh uninstall' removes it"
END="# END oci-injector-hook $HANDLER"
DEFAULT_SHIM_CONFIG=/etc/oci-injector-runtime.json
DEFAULT_CONFIG_DIR=/etc/oci-injector-hook

say() { echo "oci-injector-hook install: $*" >&2; }

# put FILE MODE: standard input into the node's FILE, through a temporary file and a rename.
put() {
    mkdir -p "$(dirname "$HOST_ROOT$1")"
    cat >"$HOST_ROOT$1.oih-new"
    chmod "$2" "$HOST_ROOT$1.oih-new"
    mv -f "$HOST_ROOT$1.oih-new" "$HOST_ROOT$1"
}

install_files() {
    mkdir -p "$HOST_ROOT$BIN_DIR" "$HOST_ROOT$CONFIG_DIR"
    chmod 755 "$HOST_ROOT$CONFIG_DIR"
    for b in oci-injector-hook oci-injector-runtime; do
        put "$BIN_DIR/$b" 755 <"$SOURCE_DIR/$b"
    done
    # The hook refuses configs that others can write: copies (a ConfigMap's files are links), mode 0644.
    if [ -n "$CONFIG_SOURCE" ]; then
        for f in "$CONFIG_SOURCE"/*.json; do
            [ -e "$f" ] || continue
            put "$CONFIG_DIR/$(basename "$f")" 644 <"$f"
        done
    fi
    HOOK_ARGS='"oci-injector-hook"'
    [ "$CONFIG_DIR" = "$DEFAULT_CONFIG_DIR" ] || HOOK_ARGS="$HOOK_ARGS, \"--config-dir\", \"$CONFIG_DIR\""
    put "$SHIM_CONFIG" 644 <<EOF_SHIM
{
  "description": "oci-injector-runtime: the real runtime, and the hook it registers (deploy/kubernetes/install.sh)",
  "runtime": "$RUNC",
  "hook": {
    "path": "$BIN_DIR/oci-injector-hook",
    "args": [$HOOK_ARGS],
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
  }
}
EOF_SHIM
    SHIM=$BIN_DIR/oci-injector-runtime
    if [ "$SHIM_CONFIG" != "$DEFAULT_SHIM_CONFIG" ]; then
        SHIM=$BIN_DIR/oci-injector-runtime-wrapper
        printf '#!/bin/sh\nexec "%s/oci-injector-runtime" --injector-config "%s" "$@"\n' "$BIN_DIR" "$SHIM_CONFIG" |
            put "$SHIM" 755
    fi
}

# Removes the marked block from a file, if it is there.
remove_block() {
    [ -f "$1" ] && grep -qF "$BEGIN" "$1" || return 0
    awk -v b="$BEGIN" -v e="$END" '$0 == b {skip = 1} !skip {print} $0 == e {skip = 0}' "$1" >"$1.oih-new"
    chmod "$(stat -c %a "$1")" "$1.oih-new"
    mv -f "$1.oih-new" "$1"
}

# containerd reads imported files per plugin section: a drop-in with only the handler would replace
# the node's whole CRI configuration (containerd 1.6 and 1.7). So the handler's tables are appended to
# config.toml itself, between markers; TOML allows a table anywhere once.
register_containerd() {
    f=$HOST_ROOT$CONTAINERD_CONFIG
    [ -f "$f" ] || { say "$CONTAINERD_CONFIG is missing: containerd not registered"; return 0; }
    runtimes='plugins."io.containerd.grpc.v1.cri".containerd.runtimes'
    # containerd 2 (config version 3) moved the runtimes to the plugin io.containerd.cri.v1.runtime.
    if grep -qE '^[[:space:]]*version[[:space:]]*=[[:space:]]*3' "$f"; then
        runtimes='plugins."io.containerd.cri.v1.runtime".containerd.runtimes'
    fi
    remove_block "$f"
    if grep -qF "[$runtimes.$HANDLER]" "$f"; then
        say "$CONTAINERD_CONFIG defines the handler $HANDLER already: left as it is"
        return 0
    fi
    [ -z "$(tail -c 1 "$f")" ] || echo >>"$f"
    {
        echo "$BEGIN"
        echo "[$runtimes.$HANDLER]"
        echo "  runtime_type = \"io.containerd.runc.v2\""
        echo "  pod_annotations = [$(printf '%s' "$POD_ANNOTATIONS" | sed 's/[^ ][^ ]*/"&"/g; s/ /, /g')]"
        echo "[$runtimes.$HANDLER.options]"
        echo "  BinaryName = \"$SHIM\""
        echo "$END"
    } >>"$f"
    say "registered the runtime handler $HANDLER in $CONTAINERD_CONFIG; restart containerd to load it"
}

register_crio() {
    put "$CRIO_HOOKS_DIR/oci-injector-hook.json" 644 <<EOF_HOOK
{
  "version": "1.0.0",
  "hook": {
    "path": "$BIN_DIR/oci-injector-hook",
    "args": ["oci-injector-hook"],
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
  },
  "when": { "always": true },
  "stages": ["prestart"]
}
EOF_HOOK
    # A drop-in's hooks_dir replaces CRI-O's list: the default folder stays in it.
    put "$CRIO_DROPIN" 644 <<EOF_CRIO
$BEGIN
[crio.runtime]
hooks_dir = ["/usr/share/containers/oci/hooks.d", "$CRIO_HOOKS_DIR"]
$END
EOF_CRIO
    say "registered the hook in $CRIO_HOOKS_DIR and CRI-O's hooks_dir ($CRIO_DROPIN); restart CRI-O to load it"
}

case "${1:-install}" in
install)
    install_files
    for r in $RUNTIMES; do
        case $r in
        containerd) register_containerd ;;
        crio) register_crio ;;
        *) say "unknown runtime $r (containerd, crio)"; exit 2 ;;
        esac
    done
    case $RESTART_RUNTIME in
    "") ;;
    containerd | crio) nsenter -t 1 -m -u -i -n -p -- systemctl restart "$RESTART_RUNTIME" ;;
    *) say "RESTART_RUNTIME=$RESTART_RUNTIME: give containerd or crio"; exit 2 ;;
    esac
    ;;
uninstall)
    remove_block "$HOST_ROOT$CONTAINERD_CONFIG"
    rm -f "$HOST_ROOT$CRIO_DROPIN" "$HOST_ROOT$CRIO_HOOKS_DIR/oci-injector-hook.json" "$HOST_ROOT$SHIM_CONFIG" \
        "$HOST_ROOT$BIN_DIR/oci-injector-hook" "$HOST_ROOT$BIN_DIR/oci-injector-runtime" \
        "$HOST_ROOT$BIN_DIR/oci-injector-runtime-wrapper"
    ;;
*)
    echo "usage: install.sh [install|uninstall]" >&2
    exit 2
    ;;
esac
