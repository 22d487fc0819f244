"""Grading a class: an answer key with rubrics, submissions read from Markdown, reports.

* :mod:`.key` - the answer key: exercises, their truth (derived once), points and deductions;
* :mod:`.submission` - a student's Markdown (answers under headings named by exercise id)
  or TOML (an ``[answers]`` table keyed by exercise id);
* :mod:`.grade` - each (submission, exercise) pair graded as an independent unit;
  per-student feedback and the class's CSV and JSON;
* :mod:`.executors` - where the units run: this process, a process pool or a Dask cluster.
"""
