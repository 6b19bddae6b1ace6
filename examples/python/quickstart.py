"""SoulBox quickstart: start a sandbox, run Python in it, write a file and read it back."""

from soulbox import Sandbox

with Sandbox.create(timeout=60) as sbx:
    result = sbx.commands.run("python3 -c 'print(sum(range(10)))'")
    print("python3 says:", result.stdout.strip())

    sbx.files.write("/home/user/notes.txt", "written from the host\n")
    print("file says:", sbx.files.read("/home/user/notes.txt").strip())
