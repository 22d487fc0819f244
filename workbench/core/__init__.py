"""The core: what every layer shares and nothing of its own depends on.

* :mod:`.errors` - the exception hierarchy (bad input, domain, budgets);
* :mod:`.budget` - bounded symbolic work;
* :mod:`.tomlfile` - the one TOML reader of exercise and proof files;
* :mod:`.functions` - the table of known functions and their SymPy classes;
* :mod:`.parse` - the safe parser: text to SymPy, nothing evaluated;
* :mod:`.printing` - text and LaTeX printers that parse back;
* :mod:`.digits` - the one working precision of every ground truth.
"""
