"""The core: what every layer shares and nothing of its own depends on.

* :mod:`.errors` - the exception hierarchy (bad input, domain, budgets);
* :mod:`.budget` - bounded symbolic work: methods chosen by counts, time limits that only abort;
* :mod:`.limits` - the stated limits of one request, checked before work starts;
* :mod:`.processes` - child processes and tools that end with their parent;
* :mod:`.tomlfile` - the one TOML reader of exercise and proof files;
* :mod:`.functions` - the table of known functions and their SymPy classes;
* :mod:`.parse` - the safe parser: text to SymPy, nothing evaluated;
* :mod:`.printing` - text and LaTeX printers that parse back;
* :mod:`.digits` - the one working precision of every ground truth.
"""
