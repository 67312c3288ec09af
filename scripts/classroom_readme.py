#!/usr/bin/env python3
"""Regenerates the README's classroom section from the bundled captures, so the
outputs shown there are mqsniff's real outputs (run after make_captures.sh)."""
import os, re, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, 'build', 'mqsniff')

def run(cmd, keep=None, head=None):
    out = subprocess.run(cmd.replace('mqsniff ', binary + ' ', 1), shell=True, cwd=root,
                         capture_output=True, text=True).stdout.splitlines()
    if keep:
        out = [l for l in out if keep(l)]
    if head and len(out) > head:
        out = out[:head] + ['    ...']
    return '    $ ' + cmd + '\n' + ''.join('    ' + l + '\n' for l in out)

text = open(os.path.join(root, 'scripts', 'classroom.md.in')).read()
def sub(m):
    spec = m.group(1)
    parts = spec.split(' |head=')
    return run(parts[0], head=int(parts[1]) if len(parts) > 1 else None)
text = re.sub(r'@@RUN (.*?)@@\n', sub, text)
readme = os.path.join(root, 'README.md')
s = open(readme).read()
a = s.index('## Classroom: the labs on the bundled captures')
b = s.index('## Layout')
open(readme, 'w').write(s[:a] + text + s[b:])
