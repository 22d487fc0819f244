"""workbench test suite."""
