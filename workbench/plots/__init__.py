"""Figures: the shared plotting helpers every engine draws with (:mod:`.figures`)."""
