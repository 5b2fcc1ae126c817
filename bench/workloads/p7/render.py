"""P7 peer: Jinja2 renders the same 1,000 templates with the same variables, configured
like auto's templates (strict undefined, trim_blocks, trailing newline kept, no
autoescape). `string`: render each to a string; `dir`: write each to out/ without .j2.

Usage: python render.py string|dir [COUNT]"""
import json
import os
import sys

import jinja2

mode = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
env = jinja2.Environment(loader=jinja2.FileSystemLoader("."), undefined=jinja2.StrictUndefined, trim_blocks=True,
                         keep_trailing_newline=True, autoescape=False)
with open("vars.json") as f:
    variables = json.load(f)
total = 0
for i in range(count):
    text = env.get_template(f"templates/bench/t{i}.yaml.j2").render(variables)
    total += len(text)
    if mode == "dir":
        os.makedirs("out", exist_ok=True)
        with open(f"out/t{i}.yaml", "w") as f:
            f.write(text)
print(f"{count} templates rendered, {total} characters")
