#!/usr/bin/env bash
# The Debian package, as a user meets it: `cpack -G DEB` in a build directory,
# installed with apt (its dependencies resolved), then mqsniff from PATH on a
# bundled capture, its man page (man -w), its bash completion, and a live
# capture on loopback by an unprivileged member of the group "mqsniff" (and a
# refusal with the right hint for a non-member). Removed again at the end.
#
#   tests/package_check.sh BUILD_DIR      (root; exits 77 = skipped otherwise)
# Traffic: loopback only (a TCP connection to a listener on 127.0.0.1).
set -u
build=$(realpath "${1:?usage: package_check.sh BUILD_DIR}")
root=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "package_check: skipped (needs root to install a package)"; exit 77; }
command -v apt-get >/dev/null && command -v cpack >/dev/null || { echo "package_check: skipped (no apt-get/cpack)"; exit 77; }
if dpkg-query -W -f='${Status}' mqsniff 2>/dev/null | grep -q "install ok installed"; then
  echo "package_check: skipped (a mqsniff package is already installed here; not touching it)"; exit 77
fi
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
member=mqsniff_member_$$ other=mqsniff_other_$$
work=$(mktemp -d); chmod 755 "$work"
cleanup() {
  [ -n "${lpid-}" ] && kill "$lpid" 2>/dev/null
  userdel "$member" 2>/dev/null; userdel "$other" 2>/dev/null
  apt-get remove -y -qq mqsniff >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$build" && cpack -G DEB >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; bad "cpack -G DEB"; exit 1; }
deb=$(ls "$build"/mqsniff_*.deb | head -1)
cp "$deb" "$work/"
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$work/$(basename "$deb")" >"$work/apt.log" 2>&1; then ok
else cat "$work/apt.log"; bad "apt-get install ./$(basename "$deb")"; exit 1; fi

# Depends: declared from the linked libraries
deps=$(dpkg-query -W -f='${Depends}' mqsniff)
for lib in libpcap0.8 libssl3 libpcre2-8-0 zlib1g libcap2-bin; do
  [[ $deps == *"$lib"* ]] && ok || bad "Depends lacks $lib: $deps"
done
# From PATH, on a bundled capture
[ "$(command -v mqsniff)" = /usr/bin/mqsniff ] && ok || bad "mqsniff not on PATH at /usr/bin ($(command -v mqsniff))"
a=$(cd "$root/captures" && mqsniff -r mqtt_plain.pcap -Y mqtt -e mqtt.topic 2>&1)
b=$(cd "$root/captures" && "$build/mqsniff" -r mqtt_plain.pcap -Y mqtt -e mqtt.topic 2>&1)
[ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "installed mqsniff -r differs from the build's"
# The man page and the completion
man -w mqsniff 2>/dev/null | grep -q '/usr/share/man/man1/mqsniff.1' && ok || bad "man -w mqsniff: $(man -w mqsniff 2>&1)"
MANWIDTH=80 man mqsniff 2>/dev/null | grep -q 'CAPTURE WITHOUT ROOT' && ok || bad "man mqsniff does not render"
comp=/usr/share/bash-completion/completions/mqsniff
bash -c "source '$comp' && complete -p mqsniff" 2>/dev/null | grep -q _mqsniff && ok || bad "bash completion not loadable"
words=$(bash -c "_filedir() { :; }; source '$comp'; COMP_WORDS=(mqsniff -T j); COMP_CWORD=2; _mqsniff; echo \${COMPREPLY[*]}")
[ "$words" = json ] && ok || bad "completion of -T j gave '$words'"
words=$(bash -c "_filedir() { :; }; source '$comp'; COMP_WORDS=(mqsniff -e mqtt.top); COMP_CWORD=2; _mqsniff; echo \${COMPREPLY[*]}")
[[ " $words " == *" mqtt.topic "* ]] && ok || bad "completion of -e mqtt.top gave '$words'"
# The group and the capture helper
getent group mqsniff >/dev/null && ok || bad "group mqsniff not created"
helper=/usr/lib/mqsniff/mqsniff-capture
[ "$(stat -c '%U:%G %a' "$helper")" = "root:mqsniff 750" ] && ok || bad "helper is $(stat -c '%U:%G %a' "$helper")"
caps=$(getcap "$helper" 2>/dev/null)
if [[ $caps == *cap_net_admin,cap_net_raw=eip* ]]; then ok
else echo "package_check: the file system here does not keep file capabilities ($caps): live capture as a member not tested"; fi

# A live capture on loopback as an unprivileged member, and a refusal for a non-member
useradd -M -s /bin/sh "$member" && usermod -aG mqsniff "$member" && useradd -M -s /bin/sh "$other" && ok || bad "useradd"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$port" <<'EOF' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); s.settimeout(12)
end = time.time() + 12
while time.time() < end:
    try:
        c, _ = s.accept(); c.close()
    except OSError:
        break
EOF
lpid=$!
if [[ $caps == *cap_net_admin,cap_net_raw=eip* ]]; then
  (sleep 1.5; for i in 1 2 3; do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()"; sleep 0.3; done) &
  out=$(cd / && timeout 15 runuser -u "$member" -- mqsniff -i lo -a duration:4 -f "tcp port $port" -T fields -e tcp.flags.syn 2>"$work/member.err")
  n=$(printf '%s\n' "$out" | grep -c .)
  if [ "$n" -ge 6 ]; then ok; else bad "member captured $n packets on lo: $(cat "$work/member.err")"; fi
fi
err=$(cd / && timeout 10 runuser -u "$other" -- mqsniff -i lo -a duration:1 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [[ $err == *"You don't have permission to capture"* ]] && [[ $err == *"usermod -aG mqsniff"* ]]; then ok
else bad "non-member: rc=$rc, $err"; fi
# Reading files needs no group
out=$(cd "$root/captures" && runuser -u "$other" -- mqsniff -r mqtt_plain.pcap -c 3 2>&1 | grep -c .)
[ "$out" -eq 3 ] && ok || bad "non-member cannot read a capture file"

echo "package_check: $pass passed, $fail failed"
[ $fail -eq 0 ]
